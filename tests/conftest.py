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

from configs import default  # noqa: E402


def make_tiny_config():
  """digits at 16x16, a DCGAN a few channels wide, batch 8: compiles and runs in seconds on CPU."""
  config = default.get_config()
  config.data.name = 'digits'
  config.data.image_size = 16
  config.data.channels = 1
  config.data.shuffle_buffer = 256
  config.data.clean.near_duplicate_threshold = -1
  config.model.latent_dim = 8
  config.model.g_width = 4
  config.model.d_width = 4
  config.train.steps = 4
  config.train.batch_size = 8
  config.train.log_every = 2
  config.train.sample_every = 2
  config.train.num_sample_images = 4
  config.checkpoint.every_steps = 2
  config.checkpoint.keep = 2
  config.ema.decay = 0.9
  config.eval.metrics = ()
  config.eval.num_samples = 16
  config.eval.batch_size = 8
  return config


def make_points_config():
  """ring2d with small MLPs."""
  config = make_tiny_config()
  config.data.name = 'ring2d'
  config.data.num_samples = 512
  config.model.name = 'mlp'
  config.model.latent_dim = 4
  config.model.g_depth = 2
  config.model.g_hidden = 16
  config.model.d_depth = 2
  config.model.d_hidden = 16
  return config


@pytest.fixture(scope='session', autouse=True)
def _tensorflow_without_gpus():
  """TF is only an input pipeline here: keep it off the GPUs so JAX owns them."""
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  tf.config.set_visible_devices([], 'GPU')


@pytest.fixture
def tiny_config():
  return make_tiny_config()


@pytest.fixture
def points_config():
  return make_points_config()
