"""The conv VAE's EMA weights are sampled and bounded with their decoder's own (standing) BatchNorm statistics,
as the GAN's EMA generator; the encoder keeps its running statistics (any posterior gives a valid bound)."""

import jax
import numpy as np
import pytest

from configs import vae_digits
from gan_jax.families.standing import add_batch_moments
from gan_jax.families.vae import trainer as vae_trainer


def _trainer_and_state(standing_batches):
  config = vae_digits.get_config('tiny')
  config.ema.standing_batches = standing_batches
  trainer = vae_trainer.VaeTrainer(config, (16, 16, 1), meta={'num_classes': 0})
  state = trainer.fresh_state()
  # EMA weights that differ from the weights the running statistics were gathered with.
  ema = jax.tree.map(lambda p: p * 1.5 + 0.1, state.ema_params)
  return trainer, state.replace(ema_params=ema)


def test_decoder_statistics_are_the_ema_weights_own():
  trainer, state = _trainer_and_state(standing_batches=2)
  stats = trainer.batch_stats(state)
  decoder = vae_trainer._Decoder(trainer.vae)   # pylint: disable=protected-access
  want = state.batch_stats
  for k in range(2):
    want = add_batch_moments(decoder, state.ema_params, state.batch_stats, want, np.int32(k), batch_size=8,
                             latent_dim=trainer.config.model.latent_dim, num_batches=2)
  for got_leaf, want_leaf, raw_leaf in zip(jax.tree.leaves(stats['decoder']), jax.tree.leaves(want['decoder']),
                                           jax.tree.leaves(state.batch_stats['decoder'])):
    np.testing.assert_allclose(got_leaf, want_leaf, rtol=1e-5, atol=1e-6)
  assert any(not np.allclose(g, r) for g, r in zip(jax.tree.leaves(stats['decoder']),
                                                    jax.tree.leaves(state.batch_stats['decoder'])))
  for got_leaf, raw_leaf in zip(jax.tree.leaves(stats['encoder']), jax.tree.leaves(state.batch_stats['encoder'])):
    np.testing.assert_array_equal(got_leaf, raw_leaf)
  # Once per state step: an evaluation's samples, bounds and pictures share them; another state is recomputed.
  assert trainer.batch_stats(state) is stats
  assert trainer.batch_stats(state.replace(ema_params=jax.tree.map(lambda p: p * 0.5, state.ema_params))) is not stats
  assert trainer.batch_stats(state.replace(step=state.step + 1)) is not stats


def test_samples_use_them_and_zero_batches_keeps_the_old_behaviour():
  standing, state = _trainer_and_state(standing_batches=2)
  raw, _ = _trainer_and_state(standing_batches=0)
  assert raw.batch_stats(state) is state.batch_stats
  with_standing, with_raw = standing.sample_fn(state)(6, 0), raw.sample_fn(state)(6, 0)
  assert with_standing.shape == (6, 16, 16, 1) and not np.allclose(with_standing, with_raw)
  np.testing.assert_array_equal(with_standing, standing.sample_fn(state)(6, 0))   # deterministic
  with pytest.raises(ValueError, match='unconditional'):   # an unconditional VAE takes no labels
    standing.sample_fn(state)(4, 0, labels=np.zeros(4, np.int32))

