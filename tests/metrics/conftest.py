"""Shared fixtures: small configs over gan_jax.data's offline datasets and one trained digits classifier."""

import os
import sys

import pytest

os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')
os.environ.setdefault('TF_ENABLE_ONEDNN_OPTS', '0')
sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', '..', 'configs'))


from metric_test_utils import small_config  # noqa: E402


@pytest.fixture(scope='session')
def data_dir(tmp_path_factory):
  return tmp_path_factory.mktemp('gan_jax_data')


@pytest.fixture(scope='session')
def digits(data_dir, tmp_path_factory):
  from gan_jax.data import prepare_dataset
  config = small_config(data_dir, name='digits')
  return config, prepare_dataset(config, str(tmp_path_factory.mktemp('digits_prepare')))


@pytest.fixture(scope='session')
def digits_classifier(digits, tmp_path_factory):
  """(config with eval.classifier_dir set, ds, train_classifier's result)."""
  from gan_jax.metrics import train_classifier
  config, ds = digits
  config = config.copy_and_resolve_references()
  config.eval.classifier_dir = str(tmp_path_factory.mktemp('classifier') / 'digits')
  return config, ds, train_classifier(config, None, ds=ds)
