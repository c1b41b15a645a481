"""The downstream classifier (--mode=train_downstream): what real, rebalanced or synthetic data buys a classifier.

The evaluation classifier's trainer (classifier.fit_classifier) is reused on the train split as the data
stage serves it (data.imbalance_factor, data.synthetic_path), with
  classifier.train_data       real | synthetic | real+synthetic: which train examples it learns from
  classifier.class_weighting  none | inverse (w_c ~ 1/n_c) | effective_number (w_c ~ (1-beta)/(1-beta^n_c),
                              Cui et al. 2019, beta = classifier.cb_beta); weights sum to K over the classes
  classifier.loss             ce | logit_adjusted (classifier.tau) | ldam: the long-tail losses
                              (gan_jax.metrics.downstream_losses)
  classifier.drw_start        > 0: deferred re-weighting from that step (effective-number weights, beta 0.9999)
  data.rebalance              none | oversample | undersample | target: the order and frequency of examples;
                              smote: SMOTE rows in the train split (gan_jax.data.smote)
and scored on the REAL test split: balanced accuracy, per-class recall, macro-F1 (and plain accuracy).
Results go to <workdir>/downstream.json (atomically) and are returned.
"""

import json
import os
import tempfile
import time
from typing import Callable, Dict, Iterator, Optional

import jax
import jax.numpy as jnp
import numpy as np

from gan_jax.core.errors import ConfigError
from gan_jax.core.registry import Registry
from gan_jax.metrics import downstream_losses
from gan_jax.metrics.classifier import fit_classifier

CLASS_WEIGHTINGS = Registry('class weighting', 'classifier.class_weighting')
TRAIN_DATA = Registry('train data choice', 'classifier.train_data')


# ------------------------------------------------------------------ class weights
def _normalise(raw: np.ndarray, counts: np.ndarray) -> np.ndarray:
  raw = np.where(counts > 0, raw, 0.0)   # a class without train examples gets no weight
  return (raw * len(counts) / raw.sum()).astype(np.float32)


@CLASS_WEIGHTINGS.register('none')
def _no_weights(counts: np.ndarray, beta: float):
  del counts, beta
  return None


@CLASS_WEIGHTINGS.register('inverse')
def _inverse(counts: np.ndarray, beta: float) -> np.ndarray:
  del beta
  return _normalise(1.0 / np.maximum(counts, 1), counts)


@CLASS_WEIGHTINGS.register('effective_number')
def _effective_number(counts: np.ndarray, beta: float) -> np.ndarray:
  effective = (1.0 - np.power(beta, counts.astype(np.float64))) / (1.0 - beta)
  return _normalise(1.0 / np.maximum(effective, 1e-12), counts)


def class_weights(scheme: str, counts, beta: float = 0.999):
  """float32 [K] loss weights for train class counts int [K] (sum K over present classes), or None."""
  return CLASS_WEIGHTINGS.get(scheme)(np.asarray(counts, np.int64), beta)


def weight_schedule(weights: Optional[np.ndarray], counts, drw_start: int) -> Callable[[int], Optional[np.ndarray]]:
  """step -> class weights [K] or None: `weights` throughout when drw_start is 0; else Cao et al.'s deferred
  re-weighting: none before step drw_start, effective-number weights (beta DRW_BETA) from it on."""
  if drw_start <= 0:
    return lambda step: weights
  late = class_weights('effective_number', counts, downstream_losses.DRW_BETA)
  return lambda step: late if step >= drw_start else None


# ------------------------------------------------------------------ train data
TRAIN_DATA.register('real')(lambda synthetic: ~synthetic)
TRAIN_DATA.register('synthetic')(lambda synthetic: synthetic)
TRAIN_DATA.register('real+synthetic')(lambda synthetic: np.ones_like(synthetic))


# ------------------------------------------------------------------ scores
def scores(predictions: np.ndarray, labels: np.ndarray, num_classes: int) -> Dict:
  """Balanced accuracy (mean per-class recall), per-class recall, macro-F1 and accuracy of int predictions."""
  confusion = np.zeros((num_classes, num_classes), np.int64)
  np.add.at(confusion, (labels, predictions), 1)
  support, predicted, hits = confusion.sum(1), confusion.sum(0), np.diag(confusion)
  present = support > 0
  recall = np.where(present, hits / np.maximum(support, 1), 0.0)
  precision = np.where(predicted > 0, hits / np.maximum(predicted, 1), 0.0)
  f1 = np.where(precision + recall > 0, 2 * precision * recall / np.maximum(precision + recall, 1e-12), 0.0)
  return {'balanced_accuracy': float(recall[present].mean()), 'macro_f1': float(f1[present].mean()),
          'accuracy': float(hits.sum() / max(len(labels), 1)), 'per_class_recall': recall.tolist(),
          'test_counts': support.tolist()}


def predict(model, params, images: np.ndarray, batch_size: int = 512) -> np.ndarray:
  fn = jax.jit(lambda p, x: jnp.argmax(model.apply({'params': p}, x)[1], -1))
  return np.concatenate([np.asarray(fn(params, images[i:i + batch_size]))
                         for i in range(0, len(images), batch_size)])


def _index_batches(config, labels: np.ndarray, seed: Optional[int] = None) -> Iterator[np.ndarray]:
  """Batches of train indices in the order data.rebalance's sampler visits them, epoch after epoch (seed:
  the sampler's, config.seed when None)."""
  from gan_jax.data.rebalance import make_sampler  # pylint: disable=g-import-not-at-top  (loads TF)
  data = config.data
  sampler = make_sampler(data.rebalance, labels, config.seed if seed is None else seed,
                         dict(data.target_distribution) if data.target_distribution else None)
  batch, epoch, pending = config.classifier.batch_size, 0, np.zeros(0, np.int64)
  while True:
    while len(pending) < batch:
      pending = np.concatenate([pending, np.asarray(sampler.epoch_indices(epoch), np.int64)])
      epoch += 1
    yield pending[:batch]
    pending = pending[batch:]


# ------------------------------------------------------------------ the mode
def validate_downstream_config(config) -> None:
  """ConfigError (one line) for bad classifier.class_weighting / cb_beta / train_data / loss / drw_start."""
  clf = config.classifier
  CLASS_WEIGHTINGS.check(clf.class_weighting)
  TRAIN_DATA.check(clf.train_data)
  downstream_losses.LOSSES.check(clf.loss)
  if clf.drw_start and clf.drw_start >= clf.steps:
    raise ConfigError(f'classifier.drw_start={clf.drw_start} must be below classifier.steps={clf.steps} (the step '
                      're-weighting starts; 0 = off)')
  if clf.drw_start and clf.class_weighting != 'none':
    raise ConfigError(f'classifier.drw_start={clf.drw_start} sets the class weights from that step on '
                      f'(effective number, beta {downstream_losses.DRW_BETA}); it does not combine with '
                      f'classifier.class_weighting={clf.class_weighting!r}: set one of them')
  beta = clf.cb_beta
  if isinstance(beta, bool) or not isinstance(beta, (int, float)) or not 0 <= beta < 1:
    raise ConfigError(f'classifier.cb_beta={beta!r} must be a number in [0, 1)')
  if clf.train_data != 'real' and not config.data.synthetic_path:
    raise ConfigError(f'classifier.train_data={clf.train_data!r} needs data.synthetic_path (a folder from '
                      '--mode=synthesize)')
  for key in ('steps', 'batch_size'):
    if isinstance(clf[key], bool) or not isinstance(clf[key], int) or clf[key] < 1:
      raise ConfigError(f'classifier.{key}={clf[key]!r} must be an integer >= 1')


def fit_downstream(config, images: np.ndarray, labels: np.ndarray, num_classes: int, seed: int):
  """The downstream classifier's training on the given examples: classifier.loss (with classifier.tau),
  class_weighting / cb_beta, drw_start, and data.rebalance's order (seeded by `seed`). Returns (model, params,
  objective: downstream_losses.Objective). Also the trainer of the synthesize filter's run-split classifier."""
  clf = config.classifier
  counts = np.bincount(labels, minlength=num_classes)
  weights = class_weights(clf.class_weighting, counts, clf.cb_beta)
  objective = downstream_losses.objective(clf.loss, counts, clf.tau)
  model, params = fit_classifier(clf, images, labels, num_classes, seed=seed,
                                 class_weights=weight_schedule(weights, counts, clf.drw_start),
                                 batches=_index_batches(config, labels, seed), loss=objective.loss,
                                 cosine_head=objective.cosine_head)
  return model, params, objective


def train_downstream(config, workdir, ds=None) -> Dict:
  """Trains the classifier on ds's train split (classifier.train_data), scores it on the real test split."""
  if ds is None:
    from gan_jax.data import prepare_dataset  # pylint: disable=g-import-not-at-top
    ds = prepare_dataset(config, workdir)
  from gan_jax.data.synthetic_mix import is_synthetic  # pylint: disable=g-import-not-at-top
  if ds.kind != 'image' or not ds.num_classes:
    raise ConfigError(f'data.name={ds.name!r}: the downstream classifier needs a labelled image dataset')
  clf, k = config.classifier, ds.num_classes
  train = ds.split_arrays('train')
  keep = TRAIN_DATA.get(clf.train_data)(is_synthetic(ds.split_sources('train')))
  images, labels = train['image'][keep], train['label'][keep]
  if not len(labels):
    raise ConfigError(f'classifier.train_data={clf.train_data!r}: no such train examples')
  counts = np.bincount(labels, minlength=k)
  weights = class_weights(clf.class_weighting, counts, clf.cb_beta)
  start = time.time()
  model, params, objective = fit_downstream(config, images, labels, k, config.seed)
  test = ds.split_arrays('test')
  result = {'dataset': ds.name, 'seed': config.seed, 'train_data': clf.train_data,
            'class_weighting': clf.class_weighting, 'cb_beta': float(clf.cb_beta), 'rebalance': config.data.rebalance,
            'loss': objective.record, 'drw_start': int(clf.drw_start),
            'drw_weights': (class_weights('effective_number', counts, downstream_losses.DRW_BETA).tolist()
                            if clf.drw_start else None),
            'imbalance_factor': float(config.data.imbalance_factor), 'train_counts': counts.tolist(),
            'class_weights': None if weights is None else weights.tolist(), 'steps': clf.steps,
            'train_seconds': time.time() - start,
            **scores(predict(model, params, test['image']), test['label'], k)}
  if workdir and jax.process_index() == 0:
    _write_json(os.path.join(workdir, 'downstream.json'), result)
  return result


def format_scores(result: Dict) -> str:
  recall = ' '.join(f'{r:.2f}' for r in result['per_class_recall'])
  loss = result['loss']['name'] + (f", drw from {result['drw_start']}" if result.get('drw_start') else '')
  return (f"downstream ({result['train_data']}, loss={loss}, weights={result['class_weighting']}, "
          f"rebalance={result['rebalance']}): "
          f"balanced accuracy {result['balanced_accuracy']:.4f}, macro-F1 {result['macro_f1']:.4f}, "
          f'per-class recall {recall}')


def _write_json(path: str, obj) -> None:
  os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
  fd, tmp = tempfile.mkstemp(dir=os.path.dirname(os.path.abspath(path)), prefix='.downstream-')
  with os.fdopen(fd, 'w') as f:
    json.dump(obj, f, indent=1)
  os.replace(tmp, path)
