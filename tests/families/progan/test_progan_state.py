"""Growing ProGAN's state (trainer.enter_phase): at alpha 0 the grown networks are the previous ones (G's output
upsampled, D on pooled images), at alpha 1 the new layers alone; kept layers stay as trained, new ones come
from the run's initial draw (into the EMA generator too), finished ones leave, Adam restarts."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from gan_jax.families import build_trainer
from gan_jax.models.progan import downsample, upsample
from progan_fade_steps import tiny_config


def _trainer():
  return build_trainer(tiny_config(), (8, 8, 1))


@jax.jit
def _trained_a_little(state):
  """Every parameter moved away from its initial draw (as training would), Adam's moments non-zero."""
  bump = lambda tree, k: jax.tree.map(lambda x: x + 0.1 * jax.random.normal(jax.random.key(k), x.shape), tree)
  return state.replace(g_params=bump(state.g_params, 1), d_params=bump(state.d_params, 2),
                       ema_params=bump(state.ema_params, 3), step=state.step + 2,
                       g_opt_state=jax.tree.map(lambda x: x + 1, state.g_opt_state))


@pytest.fixture(scope='module')
def grown_states():
  """(trainer, state trained a little at 4x4, entered fade_8, then entered stable_8)."""
  trainer = _trainer()
  _, fade_8, stable_8 = trainer.phases()
  before = _trained_a_little(trainer.fresh_state())
  faded = trainer.enter_phase(before, fade_8)
  return trainer, before, faded, trainer.enter_phase(faded, stable_8)


def test_alpha_0_is_the_previous_network_and_alpha_1_the_new_layers_alone(grown_states):
  trainer, before, faded, grown = grown_states
  g, d = trainer.generator, trainer.discriminator

  z = jax.random.normal(jax.random.key(4), (8, 8))
  x = jax.random.uniform(jax.random.key(5), (8, 8, 8, 1), minval=-1, maxval=1)

  @jax.jit
  def outputs(before, faded, grown):
    """(G's images, D's logits) of the three states' networks (one program)."""
    run = lambda state, x, alpha, resolution, fading: (
        g.apply({'params': state.g_params}, z, alpha, resolution=resolution, fading=fading),
        d.apply({'params': state.d_params}, x, alpha, resolution=resolution, fading=fading))
    return (run(before, downsample(x), 1.0, 4, False), run(faded, x, 0.0, 8, True), run(faded, x, 1.0, 8, True),
            run(grown, x, 1.0, 8, False))

  (old_images, old_logits), at_0, at_1, new = outputs(before, faded, grown)
  np.testing.assert_allclose(at_0[0], upsample(old_images), rtol=1e-6, atol=1e-6)
  np.testing.assert_allclose(at_0[1], old_logits, rtol=1e-5, atol=1e-6)
  np.testing.assert_allclose(at_1[0], new[0], rtol=1e-6, atol=1e-6)
  np.testing.assert_allclose(at_1[1], new[1], rtol=1e-5, atol=1e-6)
  assert not np.allclose(at_1[0], at_0[0])   # the new layers do change the output


def test_grow_keeps_trained_layers_adds_the_initial_draw_drops_finished_ones_and_restarts_adam(grown_states):
  trainer, before, faded, grown = grown_states
  g_all, d_all, _ = trainer.layers()
  same = lambda a, b: jax.tree.all(jax.tree.map(lambda x, y: bool(jnp.array_equal(x, y)), a, b))
  assert sorted(faded.g_params) == ['block_4', 'block_8', 'to_rgb_4', 'to_rgb_8']
  for name in ('block_4', 'to_rgb_4'):
    assert same(faded.g_params[name], before.g_params[name]) and same(faded.ema_params[name], before.ema_params[name])
  for name in ('block_8', 'to_rgb_8'):   # new: the draw at the start of the run, in G and in its EMA
    assert same(faded.g_params[name], g_all[name]) and same(faded.ema_params[name], g_all[name])
  assert same(faded.d_params['from_rgb_8'], d_all['from_rgb_8'])
  assert same(faded.d_params['block_4_conv'], before.d_params['block_4_conv'])
  assert int(faded.step) == 2 and same(faded.rng, before.rng)
  # Adam restarted: moments and counts zero (the state before had been moved away from them).
  assert same(faded.g_opt_state, trainer.g_tx.init(faded.g_params))
  assert same(faded.d_opt_state, trainer.d_tx.init(faded.d_params))
  assert not same(before.g_opt_state, trainer.g_tx.init(before.g_params))
  assert sorted(grown.g_params) == ['block_4', 'block_8', 'to_rgb_8'] and 'from_rgb_4' not in grown.d_params
  assert jax.tree.structure(grown) == jax.tree.structure(trainer.abstract_state(trainer.phases()[2]))
  assert same(grown.g_params['to_rgb_8'], faded.g_params['to_rgb_8'])
