"""Checkpoint round trip, retention and the shape check on resume."""

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from gan_jax.core import checkpointing
from gan_jax.core.errors import ConfigError
from gan_jax.families.gan.state import TrainState


def _state(width: int, step: int = 0) -> TrainState:
  tx = optax.adam(optax.constant_schedule(1e-3))
  params = {'w': jnp.arange(width * 2, dtype=jnp.float32).reshape(width, 2)}
  return TrainState(step=jnp.array(step, jnp.int32), g_params=params, g_batch_stats={},
                    d_params=params, d_batch_stats={'mean': jnp.ones(2)}, g_opt_state=tx.init(params),
                    d_opt_state=tx.init(params), ema_params=params, rng=jax.random.PRNGKey(3))


def _abstract(state):
  return jax.tree.map(lambda x: jax.ShapeDtypeStruct(x.shape, x.dtype), state)


def test_round_trip_keeps_last_k_and_metadata(tmp_path, tiny_config):
  store = checkpointing.CheckpointStore(str(tmp_path / 'checkpoints'), keep=2)
  fields = checkpointing.shape_fields(tiny_config)
  for step in (1, 2, 3):
    store.save(step, _state(3, step), {'step': step, 'shape_fields': fields})
  store.wait()
  assert store.latest_step() == 3
  assert sorted(p.name for p in (tmp_path / 'checkpoints').iterdir()) == ['2', '3']
  restored, meta = store.restore(3, _abstract(_state(3)), fields)
  assert meta['step'] == 3 and int(restored.step) == 3
  for got, want in zip(jax.tree.leaves(restored), jax.tree.leaves(_state(3, 3))):
    np.testing.assert_array_equal(got, want)
  store.close()


def test_resume_with_other_shape_names_the_changed_field(tmp_path, tiny_config):
  store = checkpointing.CheckpointStore(str(tmp_path), keep=1)
  store.save(1, _state(3), {'shape_fields': checkpointing.shape_fields(tiny_config)})
  store.wait()
  tiny_config.model.g_width = 7
  with pytest.raises(ConfigError, match=r'model.g_width: 4 -> 7.*new --workdir') as info:
    store.restore(1, _abstract(_state(5)), checkpointing.shape_fields(tiny_config))
  assert '\n' not in str(info.value)


def test_shape_fields_hash_changes_with_model_not_with_lr(tiny_config):
  before = checkpointing.fields_hash(checkpointing.shape_fields(tiny_config))
  tiny_config.optim.g_lr = 1.0
  assert checkpointing.fields_hash(checkpointing.shape_fields(tiny_config)) == before
  tiny_config.model.latent_dim += 1
  assert checkpointing.fields_hash(checkpointing.shape_fields(tiny_config)) != before
