"""Evaluation hooks: the Evaluator (gan_jax.metrics) during/after training, and --mode=evaluate."""

import json
import math
import sys
from typing import Dict

import jax
import ml_collections
import numpy as np

from gan_jax.core import parallel
from gan_jax.core.errors import ConfigError


def load_evaluator(config: ml_collections.ConfigDict, ds, workdir: str):
  """Evaluator(config, ds, workdir), or None when config.eval.metrics is empty or gan_jax.metrics has no
  evaluator yet (training must not depend on it)."""
  if not config.eval.metrics:
    return None
  try:
    from gan_jax.metrics.evaluator import Evaluator  # pylint: disable=g-import-not-at-top
  except ModuleNotFoundError as e:
    if not (e.name or '').startswith('gan_jax.metrics'):
      raise
    print(f'evaluation skipped: {e.name} is not available')
    return None
  return Evaluator(config, ds, workdir)


def can_evaluate(evaluator, config: ml_collections.ConfigDict) -> bool:
  """Whether a run has anything to evaluate: sample metrics, or its family's own results (a VAE's ELBO)."""
  from gan_jax.families import family_of  # pylint: disable=g-import-not-at-top
  return evaluator is not None or bool(family_of(config).result_keys)


def evaluate_state(trainer, evaluator, state, ds, split: str, step: int, workdir: str) -> Dict[str, float]:
  """The Evaluator's metrics of trainer.sample_fn(state) plus trainer.extra_metrics on `split`, written to
  workdir/eval/ (also without an Evaluator when the family has results of its own) and printed; {} with a
  line saying why when the family skips this step (trainer.evaluation_skipped)."""
  skipped = trainer.evaluation_skipped(step)
  if skipped:
    if parallel.is_writer():
      print(f'eval {split} step {step}: skipped: {skipped}', flush=True)
    return {}
  extra = trainer.extra_metrics(state, ds, split)
  if evaluator is not None:
    results = evaluator.evaluate(trainer.sample_fn(state), split, step, extra=extra)
  else:
    results = extra
    if parallel.is_writer():
      from gan_jax.metrics.evaluator import write_record  # pylint: disable=g-import-not-at-top
      write_record(workdir, {'step': int(step), 'split': split, 'results': results,
                             'provenance': {'dataset': ds.name, 'reference_split': split}})
  report(results, split, step)
  warn_if_collapsed(trainer.sample_fn(state), trainer.num_classes, step, trainer.config.seed, ds, split)
  return results


# A class's samples closer together than this fraction of the real split's within-class spread read as one
# image per class. Measured on digits (widths 16): real val 0.27; a collapsed AC-GAN 0.067 (one image per
# class, recall 0) and 0.018; a projection cGAN that trains 0.27.
COLLAPSE_RATIO = 0.3


def sample_spread(images: np.ndarray, labels=None, per_class: int = 8) -> float:
  """Mean absolute pixel difference between images of the same class (all images when labels is None),
  per_class of each: near 0 when a generator ignores its latent (one image per class). nan for non-images."""
  images = np.asarray(images)
  if images.ndim != 4:
    return float('nan')
  groups = ([images[:per_class]] if labels is None else
            [images[labels == c][:per_class] for c in np.unique(labels)])
  groups = [g.reshape(len(g), -1) for g in groups if len(g) == per_class]
  if not groups:   # no class has per_class images (a tiny split)
    return float('nan')
  groups = np.stack(groups)
  diffs = np.abs(groups[:, :, None, :] - groups[:, None, :, :]).mean(axis=-1)   # [K, n, n]
  return float(diffs.sum() / (len(groups) * per_class * (per_class - 1)))


def warn_if_collapsed(sample_fn, num_classes: int, step: int, seed: int, ds, split: str, per_class: int = 8) -> None:
  """One console line when the generator's samples of a class (of any latent, unconditional) are much closer
  together than the real split's: a collapse is seen in the run's output, not only in a table afterwards."""
  real = ds.split_arrays(split)
  real_labels = real.get('label') if num_classes else None
  real_spread = sample_spread(real.get('image', np.zeros(0)), real_labels, per_class)
  classes = max(1, num_classes)
  labels = np.repeat(np.arange(classes, dtype=np.int32), per_class) if num_classes else None
  spread = sample_spread(sample_fn(classes * per_class, seed + 1, labels), labels, per_class)
  if spread < COLLAPSE_RATIO * real_spread and parallel.is_writer():
    what = 'per class' if num_classes else 'for every latent'
    print(f'warning: mode collapse at step {step}: the generator draws nearly one image {what} (mean pixel '
          f'difference between samples {spread:.4f}, real {split} images {real_spread:.4f}; below '
          f'{COLLAPSE_RATIO} x real)', file=sys.stderr, flush=True)


def best_value(results: Dict[str, float], best_metric: str) -> float:
  if not results:   # a skipped evaluation (trainer.evaluation_skipped) is never the best
    return math.inf
  if best_metric not in results:
    raise ConfigError(f'eval.best_metric={best_metric!r} is not among the evaluation results; '
                      f'allowed: {", ".join(sorted(results))}')
  return float(results[best_metric])


def report(results: Dict[str, float], split: str, step: int) -> None:
  if parallel.is_writer():
    print(f'eval {split} step {step}: ' + json.dumps({k: _plain(v) for k, v in results.items()}), flush=True)


def _plain(value):
  try:
    return round(float(value), 6)
  except (TypeError, ValueError):
    return value


def evaluate_checkpoint(config: ml_collections.ConfigDict, workdir: str, which: str = 'latest') -> Dict:
  """--mode=evaluate: restores the latest (which='latest') or best ('best') checkpoint and evaluates it on
  the 'test' split (the EMA generator's samples; a VAE's likelihood bounds too). Returns the results."""
  from gan_jax.data import prepare_dataset  # pylint: disable=g-import-not-at-top
  from gan_jax.outputs.sampling import restore_checkpoint  # pylint: disable=g-import-not-at-top

  if which not in ('latest', 'best'):
    raise ConfigError(f'--checkpoint={which!r} is not allowed; allowed: best, latest')
  ds = prepare_dataset(config, workdir, process_index=jax.process_index(),
                       process_count=jax.process_count())
  evaluator = load_evaluator(config, ds, workdir)
  if not can_evaluate(evaluator, config):
    raise ConfigError('eval.metrics is empty (or gan_jax.metrics is missing): nothing to evaluate')
  trainer, state, step, _ = restore_checkpoint(config, workdir, which)
  return evaluate_state(trainer, evaluator, state, ds, 'test', step, workdir)
