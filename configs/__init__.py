"""Experiment configs: each file's get_config() imports `configs.default` and overrides fields."""
