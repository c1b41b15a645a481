"""What a run reports: console lines, metrics.jsonl, TensorBoard events and sample pictures."""
