"""The train step of conditional models: labels in, AC-GAN losses equal numpy values, fake labels that follow
the real batches (model.fake_labels='data', whatever data.rebalance makes of the classes) or are uniform."""


import jax
import jax.numpy as jnp
import numpy as np
import pytest

from gan_jax.families.gan import trainer as gan_trainer
from gan_jax.families.gan import step as step_lib
from gan_jax.families.gan.losses import LOSSES
from gan_jax.models.conditioning import FAKE_LABELS

from run_helpers import make_tiny_config

BATCH, CLASSES = 8, 10


def _numpy_ce(class_logits, labels):
  logits = np.asarray(class_logits, np.float64)
  log_softmax = logits - np.log(np.exp(logits - logits.max(1, keepdims=True)).sum(1, keepdims=True)) - logits.max(
      1, keepdims=True)
  return -np.mean(log_softmax[np.arange(len(labels)), np.asarray(labels)])


def _setup(conditional, probs=None, ac_weight=1.0, ac_fake_weight=0.0):
  config = make_tiny_config()
  config.model.conditional = conditional
  config.loss.ac_weight = ac_weight
  config.loss.ac_fake_weight = ac_fake_weight
  setup = gan_trainer.GanTrainer(config, (16, 16, 1), meta={"num_classes": CLASSES, "fake_label_probs": probs})
  state = setup.init_fn()
  step = setup.bind_train_step()
  rng = np.random.default_rng(0)
  batch = {'image': jnp.asarray(rng.uniform(-1, 1, (BATCH, 16, 16, 1)), jnp.float32),
           'label': jnp.asarray(rng.integers(0, CLASSES, BATCH), jnp.int32)}
  return config, setup, state, step, batch


def _fake_labels(rng, real_labels, source='data'):
  """The fake labels of step 0's (only) D update."""
  key = jax.random.fold_in(step_lib.step_keys(rng, 0, 1)[0], 1)
  return FAKE_LABELS.get(source)(key, real_labels, CLASSES)


@pytest.mark.parametrize('ac_fake_weight', [0.0, 1.0], ids=['real_only_default', 'paper_objective'])
def test_acgan_losses_equal_numpy_values(ac_fake_weight):
  """D's class loss: on real images only by default; Odena et al.'s fake term with ac_fake_weight=1."""
  config, setup, state, step, batch = _setup('acgan', ac_weight=0.7, ac_fake_weight=ac_fake_weight)
  rng = jax.random.PRNGKey(5)
  new_state, metrics = jax.jit(step)(state, batch, rng)
  fake_labels = _fake_labels(rng, batch['label'])
  z = jax.random.normal(step_lib.step_keys(rng, 0, 1)[0], (BATCH, config.model.latent_dim))
  fakes, _ = setup.generator.apply({'params': state.g_params, 'batch_stats': state.g_batch_stats}, z, fake_labels,
                                   train=True, mutable=['batch_stats'])
  d_vars = {'params': state.d_params, 'batch_stats': state.d_batch_stats}
  (real_logits, real_classes), upd = setup.discriminator.apply(d_vars, batch['image'], batch['label'], train=True,
                                                               mutable=['batch_stats'])
  (fake_logits, fake_classes), _ = setup.discriminator.apply({**d_vars, **upd}, fakes, fake_labels, train=True,
                                                             mutable=['batch_stats'])
  d_ac = _numpy_ce(real_classes, batch['label']) + ac_fake_weight * _numpy_ce(fake_classes, fake_labels)
  np.testing.assert_allclose(metrics['d_ac_loss'], d_ac, rtol=1e-4)
  adversarial = LOSSES.get(config.loss.name).d_loss(real_logits, fake_logits)
  np.testing.assert_allclose(metrics['d_loss'], adversarial + 0.7 * d_ac, rtol=1e-4)
  # G's class loss goes through the updated D on the same fakes and labels.
  (_, g_classes), _ = setup.discriminator.apply(
      {'params': new_state.d_params, 'batch_stats': new_state.d_batch_stats}, fakes, fake_labels, train=True,
      mutable=['batch_stats'])
  np.testing.assert_allclose(metrics['g_ac_loss'], _numpy_ce(g_classes, fake_labels), rtol=1e-3)


def test_projection_step_uses_real_labels():
  _, _, state, step, batch = _setup('projection')
  rng = jax.random.PRNGKey(1)
  jitted = jax.jit(step)
  _, m1 = jitted(state, batch, rng)
  _, m2 = jitted(state, dict(batch, label=(batch['label'] + 1) % CLASSES), rng)
  assert 'd_ac_loss' not in m1
  assert float(m1['d_real_logit']) != float(m2['d_real_logit'])


def test_fake_label_sources():
  real = jnp.asarray(np.repeat([2, 5], [4, 12]), jnp.int32)
  for s in range(5):   # 'data': a permutation of the reals' labels, a different one per key
    draw = np.asarray(FAKE_LABELS.get('data')(jax.random.PRNGKey(s), real, CLASSES))
    np.testing.assert_array_equal(np.sort(draw), np.asarray(real))
  assert not np.array_equal(FAKE_LABELS.get('data')(jax.random.PRNGKey(0), real, CLASSES), real)
  draws = np.concatenate([np.asarray(FAKE_LABELS.get('uniform')(jax.random.PRNGKey(s), real, CLASSES))
                          for s in range(100)])   # 'uniform' ignores the reals
  assert set(np.unique(draws)) == set(range(CLASSES)) and abs((draws == 5).mean() - 0.1) < 0.03


def test_class_info():
  class _DS:
    num_classes = 3
    report = {'class_counts': {'train': {'0': 10, '1': 30, '2': 60}}}
  config = make_tiny_config()
  assert gan_trainer.class_info(config, _DS()) == (0, None)
  config.model.conditional = 'projection'
  assert gan_trainer.class_info(config, _DS()) == (3, None)   # 'data': no fixed distribution
  config.model.fake_labels = 'uniform'
  assert np.allclose(gan_trainer.class_info(config, _DS())[1], 1 / 3)


def test_fake_labels_follow_the_rebalanced_real_batches(data_dir, monkeypatch):
  """Long-tailed digits (IF 10) oversampled to balance: every D update's fakes carry exactly the label
  counts of its real batch, not the train split's long-tailed frequencies."""
  from gan_jax.data import prepare_dataset  # pylint: disable=g-import-not-at-top
  config = make_tiny_config(data_dir)
  config.model.conditional = 'projection'
  config.data.imbalance_factor, config.data.rebalance = 10.0, 'oversample'
  config.train.batch_size = 64
  ds = prepare_dataset(config)
  counts = np.array([ds.report['class_counts']['train'][str(c)] for c in range(10)])
  assert counts[-1] / counts.sum() < 0.03          # the train split is long-tailed ...
  trainer = gan_trainer.GanTrainer(config, ds.example_shape, ds=ds)
  fake_labels, original = [], step_lib._apply_collecting_stats

  def spy(module, params, batch_stats, x, labels=None):   # G's labels are the fake labels
    if module is trainer.generator:
      fake_labels.append(np.asarray(labels))
    return original(module, params, batch_stats, x, labels)
  monkeypatch.setattr(step_lib, '_apply_collecting_stats', spy)
  step, state, batches = trainer.bind_train_step(), trainer.init_fn(), ds.train_iterator(64)
  real_labels = []
  for _ in range(3):   # unjitted: the spy sees concrete labels
    batch = next(batches)
    state, _ = step(state, {'image': jnp.asarray(batch['image']), 'label': jnp.asarray(batch['label'])},
                    state.rng)
    real_labels.append(batch['label'])
  reals = np.concatenate(real_labels)
  assert np.bincount(reals, minlength=10).min() >= 8   # ... the real batches are not (oversampled)
  assert len(fake_labels) == 3
  for real, fake in zip(real_labels, fake_labels):
    np.testing.assert_array_equal(np.sort(fake), np.sort(real))


def _numpy_d2d_ce(embed, proxy, labels, temperature, margin):
  """Kang et al.'s eq. 5, one sample at a time."""
  embed, proxy, labels = (np.asarray(a, np.float64) for a in (embed, proxy, labels))
  losses = []
  for i in range(len(labels)):
    positive = min(embed[i] @ proxy[i] - margin, 0.0) / temperature
    negatives = [max(embed[i] @ embed[j] - (1 - margin), 0.0) / temperature
                 for j in range(len(labels)) if labels[j] != labels[i]]
    losses.append(-np.log(np.exp(positive) / (np.exp(positive) + sum(np.exp(n) for n in negatives))))
  return np.mean(losses)


def test_d2d_cross_entropy_equals_hand_computation():
  from gan_jax.families.gan.losses import d2d_cross_entropy  # pylint: disable=g-import-not-at-top
  rng = np.random.default_rng(3)
  unit = lambda v: v / np.linalg.norm(v, axis=-1, keepdims=True)
  embed, proxy = unit(rng.normal(size=(12, 5))), unit(rng.normal(size=(12, 5)))
  labels = np.array([0, 1, 2, 0, 1, 2, 3, 3, 0, 1, 2, 4])
  for temperature, margin in ((0.5, 0.98), (1.0, 0.5), (0.1, 0.9)):
    np.testing.assert_allclose(d2d_cross_entropy(embed, proxy, labels, temperature, margin),
                               _numpy_d2d_ce(embed, proxy, labels, temperature, margin), rtol=1e-5)
  same = np.zeros(12, int)   # one class: no negatives, -log(e^p / e^p) = 0 whatever the embeddings
  assert float(d2d_cross_entropy(embed, proxy, same, 0.5, 0.98)) == 0.0


def test_reacgan_step_uses_d2d_on_reals_for_d_and_fakes_for_g():
  from gan_jax.families.gan.losses import d2d_cross_entropy  # pylint: disable=g-import-not-at-top
  config, setup, state, step, batch = _setup('reacgan', ac_weight=0.5)
  rng = jax.random.PRNGKey(2)
  new_state, metrics = jax.jit(step)(state, batch, rng)
  d_vars = {'params': state.d_params, 'batch_stats': state.d_batch_stats}
  (_, head), _ = setup.discriminator.apply(d_vars, batch['image'], batch['label'], train=True, mutable=['batch_stats'])
  assert head['embed'].shape == (BATCH, config.model.d_embed_dim)
  np.testing.assert_allclose(np.linalg.norm(head['embed'], axis=-1), 1.0, rtol=1e-5)   # normalised
  np.testing.assert_allclose(metrics['d_ac_loss'], d2d_cross_entropy(head['embed'], head['proxy'], batch['label']),
                             rtol=1e-4)
  assert np.isfinite(metrics['g_ac_loss']) and float(metrics['g_ac_loss']) > 0
