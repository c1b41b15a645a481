"""The run-split classifier: the synthesize filter's own instrument (synthesize.filter_classifier=run_split).

The evaluation classifier (gan_jax.metrics.classifier) learns the FULL, clean, balanced train split of a data
identity. Filtering a long-tailed run's samples with it would leak: under data.imbalance_factor=100 it knows
each minority class from 400 real images while the generator, and the classifier trained on its samples,
were allowed 4. This classifier learns only what the run's generator saw:

  examples   the run's real train examples as the data stage serves them to the generator: after
             data.imbalance_factor (the long tail) and data.train_fraction (the subset); never the
             synthetic examples of data.synthetic_path nor SMOTE rows (not real, and not the generator's)
  model      the evaluation classifier's ConvClassifier with its settings (classifier.steps, batch_size, lr,
             width, feature_dim), plain head
  training   the downstream trainer (downstream.fit_downstream) with classifier.loss=logit_adjusted at tau =
             FILTER_TAU = 1 (Menon et al. 2021: cross-entropy of f(x) + log pi, pi the train class prior),
             no class weights, no DRW, uniform epochs, seed FILTER_SEED
  prediction the PLAIN logits f(x) (without + log pi): with tau = 1, softmax(f(x)) estimates the balanced
             posterior p(y | x) / pi_y normalised, so a tail class is not judged improbable for being rare
             (whatever classifier.tau says: another tau would not give the balanced posterior)

It is cached under <cache_root>/classifiers/run_split/ keyed by `run_split_identity`: the data identity, the
keys that decide the real train examples (imbalance_factor, train_fraction), a sha256 of the examples' ids
and labels, the settings, the loss, the seed and FORMAT. So it is a different instrument from the evaluation
classifier whenever the run's split is not the full one, and runs on the same long tail share it.
"""

import hashlib
import json
import logging
import os
import re
import shutil
import time
from typing import Any, Dict, Tuple

import jax
import numpy as np

from gan_jax.core.errors import DataError
from gan_jax.metrics import classifier as clf

FORMAT = 1
FILTER_LOSS, FILTER_TAU = 'logit_adjusted', 1.0
FILTER_SEED = clf.CLASSIFIER_SEED   # not config.seed: runs on the same split share the instrument
MEMBERSHIP = ('imbalance_factor', 'train_fraction')   # data.* keys that decide which real examples train is
SPLIT = ("the run's real train split (after data.imbalance_factor and data.train_fraction; no synthetic or "
         'SMOTE examples), as the generator saw it')


def run_split_examples(ds) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
  """(images [N, ...] in [-1, 1], labels int32 [N], sources str [N]): the real train examples the run's
  generator saw (see the module docstring), in train-split order."""
  from gan_jax.data.smote import SMOTE_PREFIX  # pylint: disable=g-import-not-at-top  (the data stage)
  from gan_jax.data.synthetic_mix import SYNTHETIC_PREFIX  # pylint: disable=g-import-not-at-top
  if ds.kind != 'image' or not ds.num_classes:
    raise DataError(f'dataset {ds.name!r}: the classifier needs a labelled image dataset')
  train, sources = ds.split_arrays('train'), np.asarray(ds.split_sources('train'), str)
  keep = np.ones(len(sources), bool)
  if ds.train_subset is not None:   # data.train_fraction: the rows the generator trains on
    keep[:] = False
    keep[ds.train_subset] = True
  keep &= ~np.char.startswith(sources, SYNTHETIC_PREFIX) & ~np.char.startswith(sources, SMOTE_PREFIX)
  return train['image'][keep], train['label'][keep], sources[keep]


def run_split_identity(config, labels: np.ndarray, sources: np.ndarray) -> Dict[str, Any]:
  """{'key': 16 hex digits, 'kind', 'data_identity', 'train_split', 'settings', 'loss', 'prediction', 'seed',
  'format'}: everything the run-split classifier is computed from."""
  from gan_jax.data.identity import data_identity  # pylint: disable=g-import-not-at-top  (the data stage)
  examples = hashlib.sha256()
  for source, label in zip(sources, labels):
    examples.update(f'{source}\t{int(label)}\n'.encode())
  described = {
      'kind': 'run_split', 'data_identity': data_identity(config.data),
      'train_split': {**{k: config.data[k] for k in MEMBERSHIP}, 'num_examples': int(len(labels)),
                      'examples_sha256': examples.hexdigest()},
      'settings': {k: config.classifier[k] for k in clf.SETTINGS},
      'loss': {'name': FILTER_LOSS, 'tau': FILTER_TAU}, 'prediction': 'plain logits (the balanced posterior)',
      'seed': FILTER_SEED, 'format': FORMAT}
  blob = json.dumps(described, sort_keys=True, default=str)
  return {'key': hashlib.sha256(blob.encode()).hexdigest()[:16], **described}


def run_split_dir(config, key: str) -> str:
  """<cache_root>/classifiers/run_split/<dataset>-<size>-<channels>-<key>."""
  safe_name = re.sub(r'[^A-Za-z0-9_.-]+', '_', str(config.data.name))
  return os.path.join(clf.cache_root(config), 'classifiers', 'run_split',
                      f'{safe_name}-{config.data.image_size}-{config.data.channels}-{key}')


def train_run_split_classifier(config, ds, images, labels, identity: Dict[str, Any], path: str) -> None:
  """Trains on (images, labels) with the downstream trainer (logit adjusted, tau 1) and saves it to `path`
  with its identity, the class counts it saw and its accuracies on the real (balanced) test split."""
  from gan_jax.metrics import downstream  # pylint: disable=g-import-not-at-top
  base = clf.stacked_base(ds)
  if base:   # one single-digit classifier on the channels, as the evaluation classifier
    images, labels = clf.split_channels(images, labels, base)
  num_classes = base or ds.num_classes
  settings = config.copy_and_resolve_references()
  settings.classifier.update(loss=FILTER_LOSS, tau=FILTER_TAU, class_weighting='none', drw_start=0)
  settings.data.update(rebalance='none', target_distribution=None)
  start = time.time()
  model, params, _ = downstream.fit_downstream(settings, images, labels, num_classes, FILTER_SEED)
  test_images, test_labels, _ = clf.classifier_examples(ds, 'test')
  test = downstream.scores(downstream.predict(model, params, test_images), test_labels, num_classes)
  meta = {**identity, 'dataset': ds.name, 'example_shape': list(ds.example_shape), 'stacked_base': base,
          'num_classes': num_classes, 'width': config.classifier.width,
          'feature_dim': config.classifier.feature_dim, 'split': SPLIT, 'num_train': int(len(labels)),
          'train_class_counts': np.bincount(labels, minlength=num_classes).tolist(),
          'test_accuracy': test['accuracy'], 'test_balanced_accuracy': test['balanced_accuracy'],
          'num_test': int(len(test_labels)), 'train_seconds': time.time() - start}
  if jax.process_index() == 0:
    clf.save_classifier(path, params, meta)
  logging.info('run-split classifier for %s: balanced test accuracy %.4f, saved to %s', ds.name,
               test['balanced_accuracy'], path)


class RunSplitClassifier:
  """images [N, *example_shape] in [-1, 1] -> {'features', 'logits' (plain: the balanced posterior's), 'labels'}.

  Trained on demand (and cached) on the run's own train split; `identity` is what the synthesize manifest
  records (with 'split' and 'train_class_counts'), `path` where it lives."""

  def __init__(self, config, ds):
    from gan_jax.data.files import writable_dir_error  # pylint: disable=g-import-not-at-top
    from gan_jax.metrics.extractors import classifier_apply  # pylint: disable=g-import-not-at-top
    images, labels, sources = run_split_examples(ds)
    expected = run_split_identity(config, labels, sources)
    self.path = path = run_split_dir(config, expected['key'])
    meta = self._load(path, expected['key'])
    if meta is None:
      reason = writable_dir_error(os.path.dirname(os.path.dirname(path))) if jax.process_index() == 0 else None
      if reason is not None:
        raise DataError(f'cannot save the run-split classifier to {path} ({reason}); set --config.data.data_dir '
                        '(or $GAN_JAX_CACHE_DIR) to a writable folder')
      logging.info('no run-split classifier for %s at %s: training one now', ds.name, path)
      train_run_split_classifier(config, ds, images, labels, expected, path)
      meta = self._load(path, expected['key'])
    model, params, meta = meta
    self.identity = {k: meta[k] for k in ('key', 'kind', 'data_identity', 'train_split', 'settings', 'loss',
                                          'prediction', 'seed', 'format', 'split', 'num_train',
                                          'train_class_counts', 'test_accuracy', 'test_balanced_accuracy',
                                          'num_test')}
    self._apply = classifier_apply(model, params, meta['stacked_base'], ds.example_shape[-1],
                                   config.eval.batch_size)

  @staticmethod
  def _load(path: str, key: str):
    """(model, params, meta) of the cached classifier, or None; a damaged or foreign one is set aside."""
    if not os.path.isdir(path):
      return None
    try:
      loaded = clf.load_classifier(path)
      if loaded[2].get('key') != key:
        raise DataError(f'it holds key {loaded[2].get("key")!r}, not {key!r}')
      return loaded
    except Exception as e:  # pylint: disable=broad-except  (a damaged cache is never a dead end)
      aside = f'{path}.damaged-{int(time.time())}'
      logging.warning('run-split classifier %s cannot be used (%s): moved to %s, training a new one', path,
                      str(e).splitlines()[0] if str(e) else type(e).__name__, aside)
      if jax.process_index() == 0:
        shutil.move(path, aside)
      return None

  def __call__(self, x) -> Dict[str, np.ndarray]:
    return self._apply(x)
