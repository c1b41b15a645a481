"""Shared test setup: quiet TensorFlow without GPUs, the repo root importable, tiny configs."""

import os
import sys

# Before anything imports TensorFlow or JAX.
os.environ.setdefault('TF_ENABLE_ONEDNN_OPTS', '0')
os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')

TESTS_DIR = os.path.dirname(os.path.abspath(__file__))
if TESTS_DIR not in sys.path:
  sys.path.insert(0, TESTS_DIR)   # `import run_helpers` from any test directory

import pytest  # noqa: E402

from run_helpers import (AUG_RUN_FLAGS, CYCLEGAN_RUN_CONFIG, FAMILY_RUN_CONFIGS, TINY_RUN_CONFIG,  # noqa: E402,F401
                         TINY_RUN_FLAGS, launch_command, make_points_config, make_tiny_config, subprocess_env)


@pytest.fixture(scope='session', autouse=True)
def _compilation_cache(tmp_path_factory):
  """One persistent compilation cache per test worker, for every program however quick its compile: the tests
  build the same tiny models again and again, in this process (a new trainer is a new jit, so jax's in-memory
  cache misses) and in launch.py subprocesses (run_helpers.subprocess_env). A cached executable computes
  bitwise the same."""
  import jax  # pylint: disable=g-import-not-at-top
  from jax.experimental.compilation_cache import compilation_cache  # pylint: disable=g-import-not-at-top
  import run_helpers  # pylint: disable=g-import-not-at-top
  directory = str(tmp_path_factory.mktemp('jax_compilation_cache'))
  os.environ[run_helpers.COMPILATION_CACHE_VAR] = directory
  jax.config.update('jax_compilation_cache_dir', directory)
  jax.config.update('jax_persistent_cache_min_compile_time_secs', 0.0)
  compilation_cache.reset_cache()   # a compile at collection time would have settled on no cache


@pytest.fixture(scope='session', autouse=True)
def _tensorflow_without_gpus():
  """TF is only an input pipeline here: keep it off the GPUs so JAX owns them."""
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  tf.config.set_visible_devices([], 'GPU')


@pytest.fixture(scope='session')
def data_dir(tmp_path_factory) -> str:
  """One tfds/prepared-data directory per test session (never ~/tensorflow_datasets)."""
  return str(tmp_path_factory.mktemp('tensorflow_datasets'))


@pytest.fixture
def tiny_config(data_dir):
  return make_tiny_config(data_dir)


@pytest.fixture
def points_config(data_dir):
  return make_points_config(data_dir)


@pytest.fixture
def run_launch(data_dir):
  """run_launch(config_file, workdir, *flags, env=None, timeout=300) -> CompletedProcess (text output).

  data.data_dir points at the session's data directory unless a flag sets it.
  """
  import subprocess  # pylint: disable=g-import-not-at-top

  def run(config_file, workdir, *flags, env=None, timeout=300):
    if not any(f.startswith('--config.data.data_dir') for f in flags):
      flags = (*flags, f'--config.data.data_dir={data_dir}')
    return subprocess.run(launch_command(config_file, workdir, *flags), env=env or subprocess_env(),
                          capture_output=True, text=True, timeout=timeout)
  return run


def _finished_run(tmp_path_factory, data_dir, name, flags, config_file=TINY_RUN_CONFIG):
  import subprocess  # pylint: disable=g-import-not-at-top
  workdir = tmp_path_factory.mktemp(name)
  command = launch_command(config_file, workdir, *flags, f'--config.data.data_dir={data_dir}')
  result = subprocess.run(command, env=subprocess_env(), capture_output=True, text=True, timeout=600)
  assert result.returncode == 0, result.stderr[-3000:]
  return workdir


@pytest.fixture(scope='session')
def tiny_run(tmp_path_factory, data_dir):
  """Workdir of a finished TINY_RUN through launch.py (read it, do not train in it)."""
  return _finished_run(tmp_path_factory, data_dir, 'tiny_run', TINY_RUN_FLAGS)


@pytest.fixture(scope='session')
def aug_run(tmp_path_factory, data_dir):
  """Workdir of the finished TINY_RUN with AUG_RUN_FLAGS (DiffAugment + ADA + LeCam)."""
  return _finished_run(tmp_path_factory, data_dir, 'aug_run', AUG_RUN_FLAGS)


@pytest.fixture(scope='session')
def cgan_run(tmp_path_factory, data_dir):
  """Workdir of configs/cgan_digits.py:tiny (a projection cGAN, 4 steps) trained through launch.py: the
  conditional checkpoint that sample, interpolate and synthesize read (tests/outputs/)."""
  return _finished_run(tmp_path_factory, data_dir, 'cgan_run', (), 'cgan_digits.py:tiny')


@pytest.fixture(scope='session')
def vae_run(tmp_path_factory, data_dir):
  """Workdir of TINY_RUN_FLAGS with configs/vae_digits.py:tiny (the VAE family's reference run)."""
  return _finished_run(tmp_path_factory, data_dir, 'vae_run', TINY_RUN_FLAGS, FAMILY_RUN_CONFIGS['vae'])


@pytest.fixture(scope='session')
def cyclegan_run(tmp_path_factory, data_dir):
  """Workdir of configs/cyclegan_digits_mnist5k.py:tiny (digits <-> mnist5k at 16x16, 4 steps, checkpoints at 2
  and 4) trained through launch.py: the checkpoint the CycleGAN resume, translate and metric tests read."""
  return _finished_run(tmp_path_factory, data_dir, 'cyclegan_run', (), CYCLEGAN_RUN_CONFIG)
