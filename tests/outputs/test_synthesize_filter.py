"""synthesize.filter_classifier: the run-split classifier learns the run's own (long-tailed) train split, is its
own cached instrument, and filters exactly at the threshold; 'evaluation' is the full-split instrument."""

import numpy as np
import pytest

from configs import cgan_digits
from gan_jax import config_checks
from gan_jax.core.errors import ConfigError
from gan_jax.data import prepare_dataset
from gan_jax.metrics import classifier as clf
from gan_jax.metrics import run_classifier
from gan_jax.outputs.synthesize import FILTER_CLASSIFIERS, ConfidenceFilter, classifier_confidence, write_folder


def _config(data_dir, imbalance_factor):
  config = cgan_digits.get_config('tiny')   # the config of the session's cgan_run (tests/conftest.py)
  config.data.update(data_dir=data_dir, imbalance_factor=float(imbalance_factor))
  return config


def test_run_split_classifier_learns_the_long_tail_and_is_not_the_evaluation_classifier(data_dir, monkeypatch):
  config = _config(data_dir, 100)
  ds = prepare_dataset(config)
  long_tail = [ds.report['class_counts']['train'][str(c)] for c in range(10)]
  assert long_tail[0] >= 100 * long_tail[-1] and long_tail[-1] >= 1   # e.g. [144, ..., 1]
  extractor, record = FILTER_CLASSIFIERS.get('run_split')(config, ds, None)
  identity = record['classifier']
  assert record['filter_classifier'] == 'run_split' and record['classifier_train_counts'] == long_tail
  assert identity['num_train'] == sum(long_tail) and "run's real train split" in record['classifier_split']
  assert identity['loss'] == {'name': 'logit_adjusted', 'tau': 1.0} and identity['prediction'].startswith('plain')
  assert identity['train_split']['imbalance_factor'] == 100.0 and 0 <= identity['test_balanced_accuracy'] <= 1
  # Its own cache entry: not the evaluation classifier's key nor folder, nor the balanced split's run-split key.
  assert identity['key'] != clf.classifier_identity(config)['key']
  assert extractor.path != clf.classifier_dir(config) and '/run_split/' in extractor.path
  balanced = _config(data_dir, 1)
  _, labels, sources = run_classifier.run_split_examples(prepare_dataset(balanced))
  assert run_classifier.run_split_identity(balanced, labels, sources)['key'] != identity['key']
  # A second filter on the same split reads the cache: no training.
  monkeypatch.setattr(run_classifier, 'train_run_split_classifier', lambda *a: pytest.fail('retrained'))
  again, _ = FILTER_CLASSIFIERS.get('run_split')(config, ds, None)
  assert again.identity == identity

  # The filter keeps exactly the images whose run-split confidence reaches the threshold, in draw order.
  test = ds.split_arrays('test')
  pool = {c: np.clip(np.round((test['image'][test['label'] == c] + 1) * 127.5), 0, 255).astype(np.uint8)
          for c in (0, 9)}
  confidence = classifier_confidence(again)
  scores = {c: confidence(pool[c], c) for c in pool}
  threshold = float(np.median(np.concatenate(list(scores.values()))))
  counts = np.array([int((scores[c] >= threshold).sum()) for c in pool])   # every image above it, no more
  position = {0: 0, 1: 0}

  def draw(label, index, n):   # the pool's images in order (wrapping: a draw may ask for more than are left)
    del index
    images = np.take(pool[(0, 9)[label]], np.arange(position[label], position[label] + n), axis=0, mode='wrap')
    position[label] += n
    return images
  filt = ConfidenceFilter(draw, lambda images, label: confidence(images, (0, 9)[label]), threshold, counts,
                          max_draws=100, names=['0', '9'])
  for label, c in enumerate(pool):
    kept = filt(label, 0, int(counts[label]))
    np.testing.assert_array_equal(kept, pool[c][scores[c] >= threshold])
  stats = filt.stats()
  assert stats['kept'] == {'0': counts[0], '9': counts[1]} and 0 < counts.sum() < sum(map(len, pool.values()))


def test_run_split_examples_leave_out_synthetic_smote_and_the_unused_subset():
  class FakeDataset:   # what run_split_examples reads of a PreparedDataset
    kind, num_classes, name = 'image', 2, 'fake'
    train_subset = np.array([0, 1, 3, 4, 5])
    sources = np.array(['a', 'b', 'c', 'smote:1/0', 'synthetic:1/x.png', 'd'])

    def split_arrays(self, split):
      assert split == 'train'
      return {'image': np.arange(6, dtype=np.float32)[:, None, None, None], 'label': np.array([0, 1, 0, 1, 1, 0])}

    def split_sources(self, split):
      return self.sources
  images, labels, sources = run_classifier.run_split_examples(FakeDataset())
  assert sources.tolist() == ['a', 'b', 'd'] and labels.tolist() == [0, 1, 0]
  assert images[:, 0, 0, 0].tolist() == [0.0, 1.0, 5.0]


def test_evaluation_filter_classifier_learned_the_full_balanced_split(data_dir):
  config = _config(data_dir, 100)
  ds = prepare_dataset(config)
  _, record = FILTER_CLASSIFIERS.get('evaluation')(config, ds, None)
  full = prepare_dataset(_config(data_dir, 1)).report['class_counts']['train']
  assert record['filter_classifier'] == 'evaluation' and record['classifier']['key'] == clf.classifier_identity(
      config)['key']
  assert record['classifier_train_counts'] == [full[str(c)] for c in range(10)]   # not the long tail: a leak
  assert "not the run's" in record['classifier_split']


@pytest.mark.parametrize('value', ['eval', 'run-split', ''])
def test_bad_filter_classifier_is_one_line(value):
  from configs.default import get_config  # pylint: disable=g-import-not-at-top
  config = get_config()
  config.synthesize.filter_classifier = value
  with pytest.raises(ConfigError) as error:
    config_checks.validate_config(config, 'synthesize', devices=False)
  assert str(error.value) == (f'synthesize.filter_classifier={value!r} is not a known filter classifier; allowed: '
                              'evaluation, run_split')
