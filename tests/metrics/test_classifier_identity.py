"""The evaluation classifier belongs to the data identity: a run's long tail, synthetic examples, subset,
sampling or seed never train it, another split seed is another classifier, and results record which one."""

import json
import os
import sys

import numpy as np
import pytest

from metric_test_utils import small_config
from gan_jax.core.errors import ConfigError
from gan_jax.data import prepare_dataset
from gan_jax.metrics import classifier as clf
from gan_jax.metrics.evaluator import Evaluator
from gan_jax.metrics.extractors import ClassifierExtractor

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', 'data'))
from test_synthetic_mix import write_folder  # noqa: E402  (a generated class-per-folder synthetic set)


def _config(root, **data):
  config = small_config(root, name='digits', image_size=16, **data)
  config.classifier.steps = 30   # what is checked is which data it learns from, not how well
  config.eval.update(metrics=('fid', 'modes'), num_samples=100)
  return config


def test_a_long_tailed_synthetic_run_is_measured_by_the_plain_runs_classifier(tmp_path):
  folder = write_folder(tmp_path / 'synthetic', range(10), per_class=30)
  # The run that comes first in its cache trains the classifier: long tail, generated images mixed in,
  # half the train split, oversampling and another seed must all leave it as a plain run would.
  run = _config(tmp_path / 'run_cache', imbalance_factor=10.0, synthetic_path=folder, train_fraction=0.5,
                rebalance='oversample')
  run.seed = 3
  run_ds = prepare_dataset(run)
  evaluator = Evaluator(run, run_ds, str(tmp_path / 'work'))
  plain = _config(tmp_path / 'plain_cache')
  plain_ds = prepare_dataset(plain)
  assert evaluator.extractor.weights_hash == ClassifierExtractor(plain, plain_ds).weights_hash
  assert clf.classifier_dir(run) == clf.classifier_dir(_config(tmp_path / 'run_cache'))   # one cache entry

  full_train = plain_ds.split_arrays('train')['label']
  identity = evaluator.extractor.identity
  assert identity['train_class_counts'] == np.bincount(full_train, minlength=10).tolist()
  assert identity['num_train'] == len(full_train) > len(run_ds.split_arrays('train')['label'])
  # Reference statistics of 'train' (intra-FID's real side) are the full clean split too.
  np.testing.assert_array_equal(evaluator.reference('train')['label'], full_train)

  val = plain_ds.split_arrays('val')['image']
  evaluator.evaluate(lambda n, seed: val[np.random.RandomState(seed).randint(0, len(val), n)], 'val', step=0)
  with open(tmp_path / 'work' / 'eval' / 'val_step0.json') as f:
    provenance = json.load(f)['provenance']
  recorded = provenance['classifier']
  assert recorded['key'] == clf.classifier_identity(run)['key'] and recorded['seed'] == clf.CLASSIFIER_SEED
  assert recorded['data_identity']['fields']['split_seed'] == 0 and 0 < recorded['test_accuracy'] <= 1
  assert provenance['data_identity_sha256'] == recorded['data_identity']['sha256']


def test_another_split_seed_is_another_classifier(tmp_path):
  plain, reseeded = _config(tmp_path), _config(tmp_path, split_seed=1)
  # Sharing one would train the instrument on images that are val/test images of the other run.
  plain_train = set(prepare_dataset(plain).split_sources('train'))
  reseeded_ds = prepare_dataset(reseeded)
  assert plain_train & set(reseeded_ds.split_sources('test'))
  assert clf.classifier_dir(plain) != clf.classifier_dir(reseeded)

  result = clf.train_classifier(reseeded, None, ds=reseeded_ds)
  _, _, meta = clf.load_classifier(result['path'])
  assert meta['data_identity']['fields']['split_seed'] == 1 and meta['key'] == result['key']
  assert meta['num_train'] == len(reseeded_ds.split_sources('train'))
  # Pointed at by path, a classifier of another data identity is refused in one line.
  plain.eval.classifier_dir = result['path']
  with pytest.raises(ConfigError, match=r'was trained on digits .* data identity [0-9a-f]{16}, not digits') as error:
    ClassifierExtractor(plain, prepare_dataset(plain))
  assert '\n' not in str(error.value)
