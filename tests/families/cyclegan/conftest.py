"""The CycleGAN tests compile the same few programs (the initial state, the step, the translators) in
several tests and in the launch.py run: they share a persistent compilation cache (the test worker's, which
launch.py subprocesses also read: tests/conftest.py), switched on for these modules only and off after."""

import pytest

import run_helpers


@pytest.fixture(scope='module', autouse=True)
def _persistent_compilation_cache(tmp_path_factory):
  yield from run_helpers.persistent_compilation_cache(tmp_path_factory, 'cyclegan_cache')
