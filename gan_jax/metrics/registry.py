"""Metrics by name (config.eval.metrics). Each takes (real, fake, context) and returns {key: float}.

real / fake: dicts from an extractor ({'features', optionally 'logits', 'labels'}; real also carries the
dataset 'label'; for conditional models fake carries 'label', the labels the samples were generated for).
context: dict(ds=..., config=..., samples=float32 [N, ...], split=str, reference=split -> real dict). `requires` says what an entry needs
so the Evaluator can reject impossible combinations with a ConfigError before any sampling
('conditional': a model with model.conditional != 'none').
"""

from typing import Callable, Dict, NamedTuple, Tuple

from gan_jax.core.registry import Registry
from gan_jax.metrics.conditional import cas_for_dataset, conditional_accuracy
from gan_jax.metrics.frechet import fid_from_features
from gan_jax.metrics.inception_score import inception_score
from gan_jax.metrics.intra_fid import intra_fid
from gan_jax.metrics.kid import kernel_inception_distance
from gan_jax.metrics.manifold import density_coverage, precision_recall
from gan_jax.metrics.modes import label_mode_stats, mode_stats_2d

METRICS = Registry('metric', 'eval.metrics')


class Metric(NamedTuple):
  fn: Callable[[Dict, Dict, Dict], Dict[str, float]]
  keys: Tuple[str, ...]           # result keys it produces
  requires: Tuple[str, ...] = ()  # 'logits', 'labels' (extractor), 'image' (dataset kind), 'labels_or_points',
                                  # 'conditional' (model)
  uses_covariance: bool = False   # needs more samples than feature dimensions


def _register(name, keys, requires=(), uses_covariance=False):
  def decorator(fn):
    METRICS.register(name)(Metric(fn, keys, requires, uses_covariance))
    return fn
  return decorator


@_register('fid', ('fid',), uses_covariance=True)
def _fid(real, fake, ctx):
  return {'fid': fid_from_features(real['features'], fake['features'])}


@_register('is', ('is', 'is_std'), requires=('logits', 'image'))
def _is(real, fake, ctx):
  mean, std = inception_score(fake['logits'], splits=10)
  return {'is': mean, 'is_std': std}


@_register('kid', ('kid', 'kid_std'))
def _kid(real, fake, ctx):
  mean, std = kernel_inception_distance(real['features'], fake['features'])
  return {'kid': mean, 'kid_std': std}


@_register('precision_recall', ('precision', 'recall'))
def _pr(real, fake, ctx):
  precision, recall = precision_recall(real['features'], fake['features'], k=3)
  return {'precision': precision, 'recall': recall}


@_register('density_coverage', ('density', 'coverage'))
def _dc(real, fake, ctx):
  density, coverage = density_coverage(real['features'], fake['features'], k=5)
  return {'density': density, 'coverage': coverage}


@_register('modes', ('modes', 'reverse_kl'), requires=('labels_or_points',))
def _modes(real, fake, ctx):
  ds = ctx['ds']
  if ds.kind == 'points':
    stats = mode_stats_2d(fake['features'], ds.mode_centers, ds.mode_std)
  else:
    stats = label_mode_stats(fake['labels'], ds.num_classes)
  return stats


@_register('intra_fid', ('intra_fid', 'intra_fid_classes'), requires=('labels', 'image'), uses_covariance=True)
def _intra_fid(real, fake, ctx):
  # Conditional models: per-class FID of the samples generated FOR each class; otherwise the classifier's
  # predictions group the samples.
  # Real side: the train split's examples of each class, as Miyato & Koyama (2018) (val/test splits of
  # small datasets hold fewer examples per class than feature dimensions).
  fake_labels = fake['label'] if 'label' in fake else fake['labels']
  train = ctx['reference']('train')
  return intra_fid(train['features'], train['label'], fake['features'], fake_labels)


@_register('conditional_accuracy', ('conditional_accuracy',), requires=('labels', 'image', 'conditional'))
def _conditional_accuracy(real, fake, ctx):
  return {'conditional_accuracy': conditional_accuracy(fake['labels'], fake['label'])}


@_register('cas', ('cas',), requires=('labels', 'image', 'conditional'))
def _cas(real, fake, ctx):
  return cas_for_dataset(ctx['config'], ctx['ds'], ctx['samples'], fake['label'], ctx['split'])
