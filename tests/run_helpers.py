"""Helpers shared by tests that run launch.py: tiny configs, subprocess environment, checkpoint reading.

A plain module (not conftest.py): several conftest.py files exist, so `from conftest import` is ambiguous.
"""

import os
import subprocess
import sys

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if REPO_ROOT not in sys.path:
  sys.path.insert(0, REPO_ROOT)   # `from configs import default`

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


# Set by tests/conftest.py: one persistent XLA compilation cache per test worker, so the many launch.py runs
# of the same tiny configs compile each program once (a cached executable computes bitwise the same). Every
# program is cached, however quick its compile: jax's default skips those under 1 s, which are most of a tiny
# run's (measured: a repeated tiny DCGAN run takes 8.2 s instead of 10.6 s).
COMPILATION_CACHE_VAR = 'GAN_JAX_TEST_COMPILATION_CACHE'


def subprocess_env(compilation_cache: bool = True, **extra) -> dict:
  """Environment for a launch.py subprocess: CPU only, quiet TF, repo importable, the tests' compilation
  cache (compilation_cache=False: compile everything, e.g. to keep a run's slow moments slow)."""
  env = dict(os.environ, JAX_PLATFORMS='cpu', TF_ENABLE_ONEDNN_OPTS='0', TF_CPP_MIN_LOG_LEVEL='2',
             PYTHONPATH=os.pathsep.join(filter(None, [REPO_ROOT, os.environ.get('PYTHONPATH', '')])))
  env.pop('XLA_FLAGS', None)
  env.pop('JAX_COMPILATION_CACHE_DIR', None)
  env.pop('JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS', None)
  if compilation_cache and os.environ.get(COMPILATION_CACHE_VAR):
    env['JAX_COMPILATION_CACHE_DIR'] = os.environ[COMPILATION_CACHE_VAR]
    env['JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS'] = '0'
  env.update(extra)
  return env


def launch_command(config_file: str, workdir, *flags) -> list:
  """[python, launch.py, --config=<configs/config_file>, --workdir=..., *flags]."""
  return [sys.executable, os.path.join(REPO_ROOT, 'launch.py'),
          f'--config={os.path.join(REPO_ROOT, "configs", config_file)}', f'--workdir={workdir}', *flags]


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


# The reference run shared by the launch and training-run tests: configs/dcgan_digits.py:tiny for 9 steps,
# checkpoints at 3, 6, 9 (all kept), a log line every step, one sample grid at step 7.
TINY_RUN_CONFIG = 'dcgan_digits.py:tiny'
TINY_RUN_FLAGS = ('--config.train.steps=9', '--config.checkpoint.every_steps=3', '--config.checkpoint.keep=10',
                  '--config.train.log_every=1', '--config.train.sample_every=7')

# CycleGAN's reference run (tests/conftest.py cyclegan_run): digits <-> mnist5k at 16x16, 4 steps, checkpoints at 2, 4.
CYCLEGAN_RUN_CONFIG = 'cyclegan_digits_mnist5k.py:tiny'

# The reference run of each training family (TINY_RUN_FLAGS with this config; tests/run/test_training_runs.py
# compares runs with them) and the metrics compared step by step.
FAMILY_RUN_CONFIGS = {'gan': TINY_RUN_CONFIG, 'vae': 'vae_digits.py:tiny'}
FAMILY_LOSS_KEYS = {'gan': ('d_loss', 'g_loss'), 'vae': ('loss', 'kl')}
# TINY_RUN with everything of data-efficient training on (gan_jax.augment, LeCam): DiffAugment and ADA,
# p adjusted every step by 0.05 (8 / (0.16 * 1000)) from 0.5, so p and the LeCam anchors change every step.
AUG_RUN_FLAGS = (*TINY_RUN_FLAGS, '--config.gan_aug.policy=color,translation,cutout,ada',
                 '--config.gan_aug.ada_interval=1', '--config.gan_aug.ada_kimg=0.16', '--config.gan_aug.ada_p=0.5',
                 '--config.loss.lecam_weight=0.3')


def skip_unless_one_cpu_device():
  """The 4-device comparisons need this process on one CPU device (the reference) and a subprocess for four."""
  import jax  # pylint: disable=g-import-not-at-top
  import pytest  # pylint: disable=g-import-not-at-top
  if jax.default_backend() != 'cpu' or jax.device_count() != 1:
    pytest.skip('compares one CPU device (this process) with four (a subprocess)')


def run_with_devices(script: str, *args, devices: int = 4, import_dirs=(), timeout: int = 600):
  """Runs the python source `script` with `args` as sys.argv[1:] in a subprocess on `devices` CPU devices (set
  before anything compiles; checked), the tests folder and `import_dirs` importable, subprocess_env();
  asserts it exits 0 (the message: its stderr's tail) and returns the CompletedProcess."""
  paths = [os.path.dirname(os.path.abspath(__file__)), *map(str, import_dirs)]
  header = (f'import sys\nimport jax\njax.config.update("jax_num_cpu_devices", {devices})\n'
            f'sys.path[:0] = {paths!r}\nassert jax.device_count() == {devices}, jax.devices()\n')
  result = subprocess.run([sys.executable, '-c', header + script, *map(str, args)], env=subprocess_env(),
                          capture_output=True, text=True, timeout=timeout)
  assert result.returncode == 0, result.stderr[-3000:]
  return result
