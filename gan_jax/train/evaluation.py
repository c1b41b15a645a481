"""Evaluation hooks: the Evaluator (gan_jax.metrics) during/after training, and --mode=evaluate."""

import json
from typing import Dict

import jax
import ml_collections

from gan_jax import parallel
from gan_jax.errors import ConfigError


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


def best_value(results: Dict[str, float], best_metric: str) -> float:
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
  """--mode=evaluate: restores the latest (which='latest') or best ('best') checkpoint and evaluates the
  EMA generator on the 'test' split. Returns the Evaluator's results."""
  from gan_jax.data import prepare_dataset  # pylint: disable=g-import-not-at-top
  from gan_jax.sampling import load_sampler  # pylint: disable=g-import-not-at-top

  if which not in ('latest', 'best'):
    raise ConfigError(f'--checkpoint={which!r} is not allowed; allowed: best, latest')
  ds = prepare_dataset(config, workdir, process_index=jax.process_index(),
                       process_count=jax.process_count())
  evaluator = load_evaluator(config, ds, workdir)
  if evaluator is None:
    raise ConfigError('eval.metrics is empty (or gan_jax.metrics is missing): nothing to evaluate')
  sample_fn, step, _ = load_sampler(config, workdir, which)
  results = evaluator.evaluate(sample_fn, 'test', step)
  report(results, 'test', step)
  return results
