"""Evaluator end to end (results + provenance on disk), compare_results, config validation, sharding."""

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from metric_test_utils import small_config
from gan_jax.core.errors import ConfigError
from gan_jax.metrics import compare_results, validate_eval_config
from gan_jax.metrics.evaluator import Evaluator


def _records(workdir):
  with open(os.path.join(workdir, 'eval', 'results.jsonl')) as f:
    return [json.loads(line) for line in f]


def test_points_evaluator_writes_results_with_provenance(data_dir, tmp_path):
  from gan_jax.data import prepare_dataset
  config = small_config(data_dir, name='ring2d', num_samples=3000)
  config.eval.metrics = ('fid', 'kid', 'precision_recall', 'density_coverage', 'modes')
  config.eval.num_samples = 500
  validate_eval_config(config)
  ds = prepare_dataset(config, str(tmp_path))
  evaluator = Evaluator(config, ds, str(tmp_path))
  rng = np.random.RandomState(0)
  true_mixture = lambda n, seed: (ds.mode_centers[rng.randint(0, len(ds.mode_centers), n)]
                                  + ds.mode_std * rng.randn(n, 2)).astype(np.float32)
  results = evaluator.evaluate(true_mixture, split='val', step=7)
  assert results['modes'] == len(ds.mode_centers) and results['high_quality'] > 0.97
  assert results['fid'] < 0.05 and results['precision'] > 0.8 and results['recall'] > 0.8
  with open(tmp_path / 'eval' / 'val_step7.json') as f:
    record = json.load(f)
  assert record['results'] == results and record['step'] == 7
  prov = record['provenance']
  assert prov['n_fake'] == 500 and prov['n_real'] == len(ds.split_arrays('val')['image'])
  assert prov['reference_split'] == 'val' and prov['extractor'] == 'points' and prov['seed'] == config.eval.seed
  assert {'jax_version', 'gan_jax_version', 'resize', 'extractor_weights_sha256', 'metric_settings'} <= set(prov)

  collapsed = lambda n, seed: np.tile(ds.mode_centers[:1], (n, 1)).astype(np.float32)
  config.eval.num_samples = 300
  results = Evaluator(config, ds, str(tmp_path)).evaluate(collapsed, split='val', step=8)
  assert results['modes'] == 1 and results['reverse_kl'] == pytest.approx(np.log(len(ds.mode_centers)))
  first, second = _records(tmp_path)
  assert compare_results(first, first)
  assert not compare_results(first, second)   # n_fake differs: loudly not comparable


def test_digits_evaluator_with_trained_classifier(digits_classifier, tmp_path, caplog):
  config, ds, _ = digits_classifier
  config = config.copy_and_resolve_references()
  config.eval.metrics = ('fid', 'is', 'modes', 'kid')
  test_images = ds.split_arrays('test')['image']
  resample = lambda n, seed: test_images[np.random.RandomState(seed).randint(0, len(test_images), n)]
  evaluator = Evaluator(config, ds, str(tmp_path))
  results = evaluator.evaluate(resample, split='val', step=0)
  assert results['modes'] == 10 and results['is'] > 5 and results['fid'] < 20
  # Reference features are cached on disk: a new Evaluator reads them instead of recomputing.
  cached = Evaluator(config, ds, str(tmp_path))
  assert os.path.isfile(cached._reference_path('val'))
  np.testing.assert_array_equal(cached.reference('val')['features'], evaluator.reference('val')['features'])
  ones = lambda n, seed: np.ones((n,) + tuple(ds.example_shape), np.float32)
  assert Evaluator(config, ds, str(tmp_path)).evaluate(ones, step=1)['modes'] == 1
  assert _records(tmp_path)[0]['provenance']['extractor'] == 'classifier'


@pytest.mark.parametrize('override, message', [
    ({'metrics': ('fid', 'fdi')}, "eval.metrics='fdi' is not a known metric"),
    ({'extractor': 'inception', 'inception_weights': '/nonexistent.npz'}, 'eval.inception_weights'),
    ({'extractor': 'inception', 'inception_weights': __file__, 'num_samples': 2048}, 'too small for FID'),
    ({'num_samples': 64}, 'too small for FID with 64-d'),
])
def test_validate_eval_config_one_line_errors(data_dir, override, message):
  config = small_config(data_dir, name='digits')
  config.eval.update(override)
  with pytest.raises(ConfigError, match=message) as error:
    validate_eval_config(config)
  assert '\n' not in str(error.value)


def test_best_metric_must_be_a_result_of_the_metrics_or_the_family(data_dir):
  from gan_jax import config_checks  # pylint: disable=g-import-not-at-top
  config = small_config(data_dir, name='digits')
  config.eval.best_metric = 'precision'   # eval.metrics has no precision/recall
  with pytest.raises(ConfigError, match='eval.best_metric') as error:
    config_checks.validate_config(config, 'train', devices=False)
  assert '\n' not in str(error.value)


def test_sharded_apply_pads_and_matches_over_fake_devices():
  script = textwrap.dedent('''
      import os
      os.environ['XLA_FLAGS'] = '--xla_force_host_platform_device_count=4'
      import jax, numpy as np
      from gan_jax.metrics.sharded_apply import ShardedApply
      assert len(jax.devices()) == 4
      apply = ShardedApply(lambda w, x: {'y': x.reshape(len(x), -1) @ w}, np.eye(6, 3, dtype=np.float32), 5)
      assert apply.batch_size == 8
      x = np.random.RandomState(0).randn(19, 2, 3).astype(np.float32)
      out = apply(x)['y']
      np.testing.assert_allclose(out, x.reshape(19, 6)[:, :3], rtol=1e-6)
      print('ok')
  ''')
  result = subprocess.run([sys.executable, '-c', script], capture_output=True, text=True, timeout=120)
  assert result.returncode == 0 and 'ok' in result.stdout, result.stderr[-2000:]
