"""The one training loop and what it needs: resume checks, preemption, evaluation hooks."""
