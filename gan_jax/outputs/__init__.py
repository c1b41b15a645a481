"""Outputs of any trained family through its contract: samples, synthetic datasets, interpolations."""
