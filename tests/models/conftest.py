"""Shared fixtures for model tests: the default config, loaded by path (configs/ is not a package)."""

import importlib.util
import pathlib

import pytest

_DEFAULT_CONFIG = pathlib.Path(__file__).resolve().parents[2] / 'configs' / 'default.py'


def load_default_config():
  spec = importlib.util.spec_from_file_location('gan_jax_default_config', _DEFAULT_CONFIG)
  module = importlib.util.module_from_spec(spec)
  spec.loader.exec_module(module)
  return module.get_config()


@pytest.fixture
def config():
  return load_default_config()
