"""The CycleGAN tests compile the same few programs (the initial state, the step, the translators) in
several tests and in the launch.py run: they share a persistent compilation cache (the test worker's, which
launch.py subprocesses also read: tests/conftest.py), switched on for these modules only and off after."""

import os

import jax
import pytest
from jax.experimental.compilation_cache import compilation_cache

import run_helpers


@pytest.fixture(scope='module', autouse=True)
def _persistent_compilation_cache(tmp_path_factory):
  directory = os.environ.get(run_helpers.COMPILATION_CACHE_VAR) or str(tmp_path_factory.mktemp('cyclegan_cache'))
  names = ('jax_compilation_cache_dir', 'jax_persistent_cache_min_compile_time_secs')
  before = {name: getattr(jax.config, name) for name in names}
  jax.config.update('jax_compilation_cache_dir', directory)
  jax.config.update('jax_persistent_cache_min_compile_time_secs', 0.0)
  compilation_cache.reset_cache()
  yield
  for name, value in before.items():
    jax.config.update(name, value)
  compilation_cache.reset_cache()
