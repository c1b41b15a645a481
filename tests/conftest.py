"""Shared test setup: quiet TensorFlow without GPUs, the repo root importable, tiny configs."""

import os
import sys

# Before anything imports TensorFlow or JAX.
os.environ.setdefault('TF_ENABLE_ONEDNN_OPTS', '0')
os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if REPO_ROOT not in sys.path:
  sys.path.insert(0, REPO_ROOT)   # `from configs import default`

import pytest  # noqa: E402

from configs import dcgan_digits, gan_ring2d  # noqa: E402


def make_tiny_config(data_dir: str = ''):
  """configs/dcgan_digits.py:tiny: digits at 16x16, a DCGAN 4 channels wide, batch 8, 4 steps."""
  config = dcgan_digits.get_config('tiny')
  config.data.data_dir = data_dir
  return config


def make_points_config(data_dir: str = ''):
  """configs/gan_ring2d.py:tiny: ring2d with 2-layer, 16-unit MLPs."""
  config = gan_ring2d.get_config('tiny')
  config.data.data_dir = data_dir
  return config


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


def subprocess_env(**extra) -> dict:
  """Environment for a launch.py subprocess: CPU only, quiet TF, repo importable."""
  env = dict(os.environ, JAX_PLATFORMS='cpu', TF_ENABLE_ONEDNN_OPTS='0', TF_CPP_MIN_LOG_LEVEL='2',
             PYTHONPATH=os.pathsep.join(filter(None, [REPO_ROOT, os.environ.get('PYTHONPATH', '')])))
  env.pop('XLA_FLAGS', None)
  env.update(extra)
  return env


def launch_command(config_file: str, workdir, *flags) -> list:
  """[python, launch.py, --config=<configs/config_file>, --workdir=..., *flags]."""
  return [sys.executable, os.path.join(REPO_ROOT, 'launch.py'),
          f'--config={os.path.join(REPO_ROOT, "configs", config_file)}', f'--workdir={workdir}', *flags]


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


def read_checkpoint(workdir, step=None) -> dict:
  """The saved TrainState of workdir/checkpoints/<step> (latest when None) as a nested dict of numpy."""
  import jax  # pylint: disable=g-import-not-at-top
  import orbax.checkpoint as ocp  # pylint: disable=g-import-not-at-top
  directory = os.path.join(str(workdir), 'checkpoints')
  if step is None:
    step = max(int(name) for name in os.listdir(directory) if name.isdigit())
  path = os.path.join(directory, str(step), 'state')
  checkpointer = ocp.StandardCheckpointer()
  saved = checkpointer.metadata(path)
  saved = getattr(saved, 'item_metadata', saved)
  saved = getattr(saved, 'tree', saved)
  device = jax.sharding.SingleDeviceSharding(jax.devices()[0])
  target = jax.tree.map(lambda m: jax.ShapeDtypeStruct(m.shape, m.dtype, sharding=device), saved,
                        is_leaf=lambda x: hasattr(x, 'shape'))
  return jax.device_get(checkpointer.restore(path, target))
