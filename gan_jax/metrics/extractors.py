"""Feature extractors by name (config.eval.extractor), each a callable images -> dict of arrays.

Every extractor has: name, dim (feature size), weights_hash (sha256 provenance), resize (how inputs are
resized), has_logits, has_labels, and __call__(x [N, *example_shape]) -> {'features' [N, dim] float32,
optionally 'logits' [N, K] and 'labels' [N]}. Points datasets use the raw coordinates ('points').
"""

import logging
import os
from typing import Dict

import numpy as np

from gan_jax.core.errors import ConfigError
from gan_jax.core.registry import Registry
from gan_jax.metrics import classifier as clf
from gan_jax.metrics import inception
from gan_jax.metrics.sharded_apply import ShardedApply

EXTRACTORS = Registry('feature extractor', 'eval.extractor')
INCEPTION_DIM = 2048


class PointsExtractor:
  """2D points are their own features."""
  name, resize, weights_hash, has_logits, has_labels = 'points', 'none', 'none', False, False

  def __init__(self, dim: int = 2):
    self.dim = dim

  def __call__(self, x) -> Dict[str, np.ndarray]:
    return {'features': np.asarray(x, np.float32).reshape(len(x), -1)}


@EXTRACTORS.register('inception')
class InceptionExtractor:
  """pytorch-fid's InceptionV3: pool3 features (2048), logits_unbiased (1008) for IS."""
  name, dim, resize, has_logits, has_labels = 'inception', INCEPTION_DIM, inception.RESIZE_METHOD, True, False

  def __init__(self, config, ds=None, workdir=None, variables=None):
    if variables is None:
      path = config.eval.inception_weights
      if not path or not os.path.isfile(path):
        raise ConfigError(f'eval.inception_weights={path!r} is not a file; convert pytorch-fid weights with '
                          'python -m gan_jax.metrics.convert_inception (see README)')
      variables, self.weights_hash = inception.load_inception_variables(path), inception.file_sha256(path)
    else:
      self.weights_hash = inception.variables_hash(variables)
    model = inception.FIDInceptionV3()

    def apply(variables, x):
      out = model.apply(variables, x)
      return {'features': out['pool3'], 'logits': out['logits_unbiased']}
    self._apply = ShardedApply(apply, variables, config.eval.batch_size)

  def __call__(self, x) -> Dict[str, np.ndarray]:
    return self._apply(x)


@EXTRACTORS.register('classifier')
class ClassifierExtractor:
  """gan_jax's CNN: penultimate features, logits, predicted labels (per channel for stacked datasets)."""
  name, resize, has_logits, has_labels = 'classifier', 'none (the dataset resolution)', True, True

  def __init__(self, config, ds, workdir=None):
    expected = clf.classifier_identity(config)
    path = clf.classifier_dir(config, expected['key'])
    if not os.path.isdir(path):
      if config.eval.classifier_dir:
        raise ConfigError(f'eval.classifier_dir={path!r} does not exist; train it with --mode=train_classifier')
      logging.info('no classifier for %s at %s: training one now', ds.name, path)
      clf.train_classifier(config, workdir, ds=ds)
    model, params, meta = clf.load_classifier(path)
    # A classifier given by path may have other settings, never other data: it must measure this identity.
    trained_on = meta.get('data_identity', {}).get('sha256')
    if trained_on != expected['data_identity']['sha256'] or tuple(meta['example_shape']) != tuple(ds.example_shape):
      shown = trained_on[:16] if trained_on else 'unrecorded (an older gan_jax)'
      raise ConfigError(f'classifier {path!r} was trained on {meta["dataset"]} {tuple(meta["example_shape"])} data '
                        f'identity {shown}, not {ds.name} {tuple(ds.example_shape)} identity '
                        f'{expected["data_identity"]["sha256"][:16]}; retrain it with --mode=train_classifier')
    self.weights_hash, self.test_accuracy, self.path = inception.variables_hash(params), meta['test_accuracy'], path
    # What provenance records about the instrument (its path is where it lives, not what it is).
    self.identity = {k: meta[k] for k in ('key', 'data_identity', 'settings', 'seed', 'format', 'num_train',
                                          'train_class_counts', 'test_accuracy', 'num_test')}
    self.dim = meta['feature_dim'] * (ds.example_shape[-1] if meta['stacked_base'] else 1)
    self._apply = classifier_apply(model, params, meta['stacked_base'], ds.example_shape[-1],
                                   config.eval.batch_size)

  def __call__(self, x) -> Dict[str, np.ndarray]:
    return self._apply(x)


def classifier_apply(model, params, base: int, channels: int, batch_size: int) -> ShardedApply:
  """x [N, H, W, C] -> {'features', 'logits', 'labels'} of a ConvClassifier (the plain head's logits); stacked
  datasets (base > 1): applied per channel, joint logits (clf.stacked_outputs)."""
  def apply(params, x):
    batch = x.shape[0]
    if base:
      x = x.transpose(0, 3, 1, 2).reshape(batch * channels, *x.shape[1:3], 1)
    features, logits = model.apply({'params': params}, x)
    if base:
      return clf.stacked_outputs(features, logits, batch)
    return {'features': features, 'logits': logits, 'labels': logits.argmax(-1)}
  return ShardedApply(apply, params, batch_size)


def build_extractor(config, ds, workdir=None):
  if ds.kind == 'points':
    return PointsExtractor(int(np.prod(ds.example_shape)))
  return EXTRACTORS.get(config.eval.extractor)(config, ds, workdir)


def extractor_dim(config, kind: str = 'image') -> int:
  """Feature dimension known from the config alone (stacked datasets: per-channel dim times channels)."""
  if kind == 'points':
    return 2
  if config.eval.extractor == 'inception':
    return INCEPTION_DIM
  channels = config.data.channels if str(config.data.name).startswith('stacked') else 1
  return config.classifier.feature_dim * channels
