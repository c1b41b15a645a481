"""Metrics of an unpaired translation between two domains (config.cyclegan.metrics), by name.

  results = evaluate(config, ds, split, translate)   # ds: a TwoDomainDataset; translate(direction, x) -> y
     # direction 'a2b' or 'b2a'; x float32 [N, H, W, C] in [-1, 1]

Each entry takes a Context and returns {key: float}. The source images are the first eval.num_samples of
the split of each domain; the instruments are each domain's evaluation classifier (gan_jax.metrics.classifier,
trained on that domain's real data only and cached by its data identity, never on translations):

  label_preservation  label_preservation_a2b: the accuracy of domain b's classifier on G(a) against a's labels
                      (and b2a); a direction is left out when either domain is unlabelled
  cycle_error         cycle_error_a = mean |F(G(a)) - a| on [-1, 1] (and _b); cycle_error_noisy_a: the same
                      with N(0, cyclegan.noise_std) added to G(a) before F (a cycle hidden in low-amplitude
                      noise, Chu et al. 2017, shows as a much larger error)
  translated_fid      fid_a2b: FID of G(a) against the real b split in b's classifier features (and b2a)
  ground_truth_l1     ground_truth_l1_a2b = mean |G(a) - T(a)| on [-1, 1] where domain b is domain a's source under
                      a known pixel map T (data_b.transform, gan_jax/data/transforms.py; and b2a with T's
                      inverse); refused unless both domains are one source with data.standardize off
  downstream          the CyCADA-style number: a classifier (config.classifier settings) trained on G(a of
                      the train split) with a's labels, scored on b's real test split (downstream_a2b), beside
                      source_only_a2b (trained on a) and oracle_a2b (trained on b's train split); and b2a
"""

from typing import Callable, Dict, NamedTuple, Tuple

import numpy as np

from gan_jax.core.registry import Registry
from gan_jax.metrics.frechet import fid_from_features

DIRECTIONS = (('a2b', 'a', 'b'), ('b2a', 'b', 'a'))   # (direction, source domain, target domain)
TRANSLATION_METRICS = Registry('translation metric', 'cyclegan.metrics')


class TranslationMetric(NamedTuple):
  fn: Callable[['Context'], Dict[str, float]]
  keys: Tuple[str, ...]


class Context:
  """What the metrics share: the config, both domains, the split, the translation, lazily built instruments."""

  def __init__(self, config, ds, split: str, translate: Callable[[str, np.ndarray], np.ndarray]):
    self.config, self.ds, self.split, self.translate = config, ds, split, translate
    self._arrays, self._translated, self._classifiers = {}, {}, {}

  def arrays(self, domain: str, split: str = '') -> Dict[str, np.ndarray]:
    """{'image', 'label'} of a domain's split (the evaluated split by default): eval.num_samples of them spread
    evenly over it (all when it is smaller), so a split stored class by class is measured on every class."""
    key = (domain, split or self.split)
    if key not in self._arrays:
      found = self.ds.domain(domain).split_arrays(key[1])
      keep = spread(len(found['label']), self.config.eval.num_samples)
      self._arrays[key] = {k: v[keep] for k, v in found.items()}
    return self._arrays[key]

  def translated(self, direction: str) -> np.ndarray:
    if direction not in self._translated:
      source = dict(a2b='a', b2a='b')[direction]
      self._translated[direction] = self.translate(direction, self.arrays(source)['image'])
    return self._translated[direction]

  def labelled(self, domain: str) -> bool:
    return bool(self.ds.domain(domain).num_classes)

  def classifier(self, domain: str):
    """Domain `domain`'s evaluation classifier (trained on demand on its real data, cached)."""
    if domain not in self._classifiers:
      from gan_jax.data import two_domain  # pylint: disable=g-import-not-at-top
      from gan_jax.metrics.extractors import ClassifierExtractor  # pylint: disable=g-import-not-at-top
      config = (two_domain.domain_a_config if domain == 'a' else two_domain.domain_b_config)(self.config)
      self._classifiers[domain] = ClassifierExtractor(config, self.ds.domain(domain))
    return self._classifiers[domain]


def spread(total: int, count: int) -> np.ndarray:
  """int [min(total, count)]: indices spread evenly over range(total), in order (all of them when count >= total)."""
  if count >= total:
    return np.arange(total)
  return np.floor(np.arange(count) * (total / count)).astype(np.int64)


def _register(name: str, keys: Tuple[str, ...]):
  def decorator(fn):
    TRANSLATION_METRICS.register(name)(TranslationMetric(fn, keys))
    return fn
  return decorator


@_register('label_preservation', ('label_preservation_a2b', 'label_preservation_b2a'))
def _label_preservation(ctx: Context) -> Dict[str, float]:
  out = {}
  for direction, source, target in DIRECTIONS:
    if ctx.labelled(source) and ctx.labelled(target):
      predicted = ctx.classifier(target)(ctx.translated(direction))['labels']
      out[f'label_preservation_{direction}'] = float(np.mean(predicted == ctx.arrays(source)['label']))
  return out


@_register('cycle_error', ('cycle_error_a', 'cycle_error_b', 'cycle_error_noisy_a', 'cycle_error_noisy_b'))
def _cycle_error(ctx: Context) -> Dict[str, float]:
  out, std = {}, ctx.config.cyclegan.noise_std
  for direction, source, _ in DIRECTIONS:
    back = 'b2a' if direction == 'a2b' else 'a2b'
    x, y = ctx.arrays(source)['image'], ctx.translated(direction)
    out[f'cycle_error_{source}'] = cycle_error(x, ctx.translate(back, y))
    if std > 0:
      noise = np.random.RandomState(ctx.config.eval.seed).normal(0.0, std, y.shape).astype(np.float32)
      out[f'cycle_error_noisy_{source}'] = cycle_error(x, ctx.translate(back, np.clip(y + noise, -1, 1)))
  return out


@_register('translated_fid', ('fid_a2b', 'fid_b2a'))
def _translated_fid(ctx: Context) -> Dict[str, float]:
  out = {}
  for direction, _, target in DIRECTIONS:
    if ctx.labelled(target):   # the classifier needs labels to be trained
      extractor = ctx.classifier(target)
      out[f'fid_{direction}'] = fid_from_features(extractor(ctx.arrays(target)['image'])['features'],
                                                  extractor(ctx.translated(direction))['features'])
  return out


@_register('downstream', tuple(f'{what}_{d}' for d, _, _ in DIRECTIONS
                               for what in ('downstream', 'source_only', 'oracle')))
def _downstream(ctx: Context) -> Dict[str, float]:
  out = {}
  for direction, source, target in DIRECTIONS:
    if ctx.labelled(source) and ctx.labelled(target):
      out.update({f'{k}_{direction}': v for k, v in downstream(ctx, direction, source, target).items()})
  return out


@_register('ground_truth_l1', ('ground_truth_l1_a2b', 'ground_truth_l1_b2a'))
def _ground_truth_l1(ctx: Context) -> Dict[str, float]:
  out = {}
  for direction, source, _ in DIRECTIONS:
    truth = true_translation(ctx.config, direction, ctx.arrays(source)['image'])
    out[f'ground_truth_l1_{direction}'] = cycle_error(truth, ctx.translated(direction))
  return out


def ground_truth_problem(config) -> str:
  """Why ground_truth_l1 cannot be computed for config ('' when it can)."""
  from gan_jax.data.two_domain import DOMAIN_B_KEYS  # pylint: disable=g-import-not-at-top
  differing = [key for key in DOMAIN_B_KEYS if key != 'transform' and config.data[key] != config.data_b[key]]
  if differing:
    return (f'data_b.{differing[0]}={config.data_b[differing[0]]!r} differs from data.{differing[0]}='
            f'{config.data[differing[0]]!r}: the true translation is known only when domain b is domain a\'s '
            'source under data_b.transform')
  if config.data.standardize:
    return 'data.standardize=True: the known pixel maps act on the [-1, 1] range, not on standardised images'
  return ''


def true_translation(config, direction: str, x: np.ndarray) -> np.ndarray:
  """The exact image of x (a domain's [-1, 1] images) in the other domain, both domains being one source
  under data.transform and data_b.transform: undo the source domain's map, apply the target's."""
  from gan_jax.data.transforms import TRANSFORMS  # pylint: disable=g-import-not-at-top
  maps = {'a': config.data.transform, 'b': config.data_b.transform}
  source, target = ('a', 'b') if direction == 'a2b' else ('b', 'a')
  undo = TRANSFORMS.get(TRANSFORMS.get(maps[source]).inverse).unit
  return TRANSFORMS.get(maps[target]).unit(undo(np.asarray(x, np.float32)))


def cycle_error(x: np.ndarray, reconstruction: np.ndarray) -> float:
  """Mean absolute difference on the [-1, 1] scale (float64)."""
  return float(np.mean(np.abs(np.asarray(reconstruction, np.float64) - np.asarray(x, np.float64))))


def downstream(ctx: Context, direction: str, source: str, target: str) -> Dict[str, float]:
  """{'downstream', 'source_only', 'oracle'}: test accuracy on the target's real test split of classifiers
  trained on the translated source train split, the source train split, and the target train split."""
  from gan_jax.metrics.classifier import accuracy, fit_classifier  # pylint: disable=g-import-not-at-top
  src, tgt = ctx.ds.domain(source).split_arrays('train'), ctx.ds.domain(target).split_arrays('train')
  test = ctx.ds.domain(target).split_arrays('test')
  classes = max(ctx.ds.domain(source).num_classes, ctx.ds.domain(target).num_classes)
  seed = ctx.config.eval.seed
  scored = {}
  for name, images, labels in (('downstream', ctx.translate(direction, src['image']), src['label']),
                               ('source_only', src['image'], src['label']), ('oracle', tgt['image'], tgt['label'])):
    model, params = fit_classifier(ctx.config.classifier, images, labels, classes, seed=seed)
    scored[name] = accuracy(model, params, test['image'], test['label'])
  return scored


def evaluate(config, ds, split: str, translate: Callable[[str, np.ndarray], np.ndarray]) -> Dict[str, float]:
  """{result key: float} of every metric in config.cyclegan.metrics on `split` of both domains."""
  names = (config.cyclegan.metrics,) if isinstance(config.cyclegan.metrics, str) else tuple(config.cyclegan.metrics)
  ctx = Context(config, ds, split, translate)
  results: Dict[str, float] = {}
  for name in names:
    results.update(TRANSLATION_METRICS.get(name).fn(ctx))
  return results
