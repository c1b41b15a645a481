"""The downstream classifier: class weights, the weighted loss, the scores, train-data choice, bad input."""

import sys
import os

import jax.numpy as jnp
import numpy as np
import optax
import pytest

from gan_jax.metrics import classifier as clf
from gan_jax.metrics import downstream

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', 'data'))
from test_synthetic_mix import write_folder  # noqa: E402  (the generated synthetic folder fixture)


def test_inverse_weights_equal_hand_values():
  # 1/100 and 1/10 scaled to sum to K = 2: 2/11 and 20/11.
  np.testing.assert_allclose(downstream.class_weights('inverse', [100, 10]), [2 / 11, 20 / 11], rtol=1e-6)
  # An absent class gets weight 0; the others still sum to K = 3: 1/4, 1/2 -> 3 * (1/3, 2/3).
  np.testing.assert_allclose(downstream.class_weights('inverse', [4, 0, 2]), [1.0, 0.0, 2.0], rtol=1e-6)
  assert downstream.class_weights('none', [100, 10]) is None


def test_effective_number_weights_equal_hand_values():
  # E_n = (1 - beta^n) / (1 - beta); beta = 0.9: E_100 = 9.99973..., E_10 = 6.513215599 (Cui et al. 2019).
  e100, e10 = (1 - 0.9 ** 100) / 0.1, (1 - 0.9 ** 10) / 0.1
  assert abs(e10 - 6.513215599) < 1e-8
  raw = np.array([1 / e100, 1 / e10])
  np.testing.assert_allclose(downstream.class_weights('effective_number', [100, 10], 0.9), 2 * raw / raw.sum(),
                             rtol=1e-6)
  # beta -> 0: every class weighs the same; beta -> 1: it tends to inverse frequency.
  np.testing.assert_allclose(downstream.class_weights('effective_number', [100, 10], 0.0), [1, 1], rtol=1e-6)
  np.testing.assert_allclose(downstream.class_weights('effective_number', [100, 10], 1 - 1e-9),
                             downstream.class_weights('inverse', [100, 10]), rtol=1e-4)


def test_weighted_loss_equals_numpy():
  rng = np.random.default_rng(0)
  logits, labels = rng.normal(size=(7, 3)).astype(np.float32), np.array([0, 1, 2, 2, 0, 1, 1])
  weights = downstream.class_weights('inverse', [5, 1, 2])
  log_p = logits - np.log(np.exp(logits).sum(1, keepdims=True))
  expected = np.mean(-log_p[np.arange(7), labels] * weights[labels])
  got = clf.weighted_cross_entropy(jnp.asarray(logits), jnp.asarray(labels), weights)
  np.testing.assert_allclose(float(got), expected, rtol=1e-5)
  plain = optax.softmax_cross_entropy_with_integer_labels(jnp.asarray(logits), jnp.asarray(labels)).mean()
  assert float(clf.weighted_cross_entropy(jnp.asarray(logits), jnp.asarray(labels))) == float(plain)


def test_scores_on_a_hand_example():
  labels = np.array([0, 0, 0, 0, 1, 1, 2, 2])
  predictions = np.array([0, 0, 0, 1, 1, 0, 2, 2])
  s = downstream.scores(predictions, labels, 3)
  np.testing.assert_allclose(s['per_class_recall'], [0.75, 0.5, 1.0])
  assert s['balanced_accuracy'] == pytest.approx(0.75) and s['accuracy'] == pytest.approx(6 / 8)
  # precision: class 0 3/4, class 1 1/2, class 2 1 -> F1 0.75, 0.5, 1.0
  assert s['macro_f1'] == pytest.approx(0.75) and s['test_counts'] == [4, 2, 2]


@pytest.fixture(scope='module')
def mixed_digits(data_dir, tmp_path_factory):
  from gan_jax.data import prepare_dataset  # pylint: disable=g-import-not-at-top
  from metric_test_utils import small_config  # pylint: disable=g-import-not-at-top
  folder = write_folder(tmp_path_factory.mktemp('synth') / 'synthetic', range(10), per_class=30)
  config = small_config(data_dir, name='digits', image_size=16, imbalance_factor=10.0, synthetic_path=folder)
  config.classifier.steps = 30
  return config, prepare_dataset(config)


@pytest.mark.parametrize('train_data', ['real', 'synthetic', 'real+synthetic'])
def test_train_data_choice_selects_the_examples(train_data, mixed_digits, tmp_path):
  from gan_jax.data.synthetic_mix import is_synthetic  # pylint: disable=g-import-not-at-top
  config, ds = mixed_digits
  from gan_jax.metrics import downstream_losses  # pylint: disable=g-import-not-at-top
  config = config.copy_and_resolve_references()
  config.classifier.update(train_data=train_data, class_weighting='effective_number', cb_beta=0.99)
  # Each choice also runs one classifier.loss: ce; logit adjustment; LDAM with deferred re-weighting.
  if train_data == 'synthetic':
    config.classifier.update(loss='logit_adjusted', tau=2.0)
  if train_data == 'real+synthetic':
    config.classifier.update(loss='ldam', drw_start=20, class_weighting='none')
  result = downstream.train_downstream(config, str(tmp_path), ds=ds)
  labels, synthetic = ds.split_arrays('train')['label'], is_synthetic(ds.split_sources('train'))
  chosen = {'real': ~synthetic, 'synthetic': synthetic, 'real+synthetic': np.ones_like(synthetic)}[train_data]
  assert result['train_counts'] == np.bincount(labels[chosen], minlength=10).tolist()
  if train_data == 'real+synthetic':
    assert result['class_weights'] is None and result['drw_start'] == 20
    np.testing.assert_allclose(result['drw_weights'], downstream.class_weights(
        'effective_number', result['train_counts'], downstream_losses.DRW_BETA), rtol=1e-6)
    np.testing.assert_allclose(result['loss']['margins'], downstream_losses.ldam_margins(result['train_counts']))
  else:
    np.testing.assert_allclose(result['class_weights'],
                               downstream.class_weights('effective_number', result['train_counts'], 0.99), rtol=1e-6)
  if train_data == 'synthetic':
    assert result['loss']['tau'] == 2.0
    np.testing.assert_allclose(result['loss']['log_prior'], downstream_losses.log_prior(result['train_counts']))
  assert result['loss']['name'] == config.classifier.loss
  assert sum(result['test_counts']) == len(ds.split_arrays('test')['label'])   # scored on the real test split
  assert 0 <= result['balanced_accuracy'] <= 1 and len(result['per_class_recall']) == 10
  assert (tmp_path / 'downstream.json').exists()


def test_rebalance_sampler_drives_the_batches(mixed_digits):
  config, ds = mixed_digits
  config = config.copy_and_resolve_references()
  config.data.rebalance = 'undersample'
  labels = ds.split_arrays('train')['label']
  batches = downstream._index_batches(config, labels)   # pylint: disable=protected-access
  seen = np.concatenate([next(batches) for _ in range(10 * labels.min() // 64 + 20)])
  per_epoch = 10 * np.bincount(labels).min()
  np.testing.assert_array_equal(np.bincount(labels[seen[:per_epoch]], minlength=10), np.bincount(labels).min())


@pytest.mark.parametrize('flags, message', [
    (('--config.classifier.class_weighting=focal',), "classifier.class_weighting='focal' is not a known"),
    (('--config.classifier.cb_beta=1.0',), 'classifier.cb_beta=1.0 must be a number in [0, 1)'),
    (('--config.classifier.train_data=synthetic',), "classifier.train_data='synthetic' needs data.synthetic_path"),
], ids=['weighting', 'beta', 'train_data'])
def test_bad_downstream_config_exits_2(flags, message, run_launch, tmp_path):
  result = run_launch('dcgan_digits.py:tiny', tmp_path, '--mode=train_downstream', *flags, timeout=120)
  assert result.returncode == 2, result.stderr[-2000:]
  errors = [line for line in result.stderr.splitlines() if line.startswith('error: ')]
  assert len(errors) == 1 and message in errors[0], result.stderr[-2000:]


@pytest.mark.parametrize('key, value, message', [
    ('loss', 'focal', "classifier.loss='focal' is not a known downstream classifier loss; allowed: ce, ldam, "
                      'logit_adjusted'),
    ('tau', -1.0, 'classifier.tau=-1.0 must be a finite number >= 0'),
    ('drw_start', -1, 'classifier.drw_start=-1 must be an integer >= 0 (0 = off)'),
    ('drw_start', 30, 'classifier.drw_start=30 must be below classifier.steps=30'),
    ('class_weighting', 'inverse', "classifier.drw_start=10 sets the class weights from that step on"),
], ids=['loss', 'tau', 'drw_range', 'drw_steps', 'drw_and_weights'])
def test_bad_loss_keys_are_one_line_naming_the_key(key, value, message, data_dir):
  from gan_jax.config_checks import validate_config  # pylint: disable=g-import-not-at-top
  from gan_jax.core.errors import ConfigError  # pylint: disable=g-import-not-at-top
  from metric_test_utils import small_config  # pylint: disable=g-import-not-at-top
  config = small_config(data_dir, name='digits')
  config.classifier.steps = 30
  if key == 'class_weighting':
    config.classifier.drw_start = 10
  config.classifier[key] = value
  with pytest.raises(ConfigError) as error:
    validate_config(config, 'train_downstream', devices=False)
  assert message in str(error.value) and '\n' not in str(error.value)
