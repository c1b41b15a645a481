"""A NaN in a batch stops training with the step number; the last good checkpoint stays loadable."""

import jax
import numpy as np
import pytest

from gan_jax.core import checkpointing
from gan_jax.core.errors import NonFiniteLossError
from gan_jax.families.gan import trainer as gan_trainer
from gan_jax.run import loop

NAN_BATCH = 4   # the batch of step 5 (step k trains on batch k - 1)


def _inject_nan(monkeypatch):
  """Fault injection: prepare_dataset returns a dataset whose batch NAN_BATCH is all NaN."""
  real_prepare = loop.prepare_dataset

  def prepare(*args, **kwargs):
    ds = real_prepare(*args, **kwargs)
    real_iterator = ds.train_iterator

    def train_iterator(global_batch_size, start_step=0):
      for index, batch in enumerate(real_iterator(global_batch_size, start_step), start_step):
        if index == NAN_BATCH:
          batch = {**batch, 'image': np.full_like(batch['image'], np.nan)}
        yield batch

    ds.train_iterator = train_iterator
    return ds

  monkeypatch.setattr(loop, 'prepare_dataset', prepare)


def test_nan_batch_stops_at_its_step_and_keeps_last_good_checkpoint(tiny_config, tmp_path, monkeypatch):
  _inject_nan(monkeypatch)
  tiny_config.train.steps = 6
  tiny_config.train.log_every = 3      # the NaN (step 5) is found at the fetch of step 6, not when it happens
  tiny_config.train.sample_every = 0
  tiny_config.checkpoint.every_steps = 2
  with pytest.raises(NonFiniteLossError, match=r'non-finite d_loss=nan at step 5;.*checkpoints/4') as info:
    loop.train_and_evaluate(tiny_config, str(tmp_path))
  assert '\n' not in str(info.value)

  store = checkpointing.CheckpointStore(checkpointing.checkpoint_dir(str(tmp_path)), keep=2)
  assert store.latest_step() == 4   # the step-6 checkpoint (NaN state) was never written
  setup = gan_trainer.GanTrainer(tiny_config, store.read_meta(4)['example_shape'])
  state, meta = setup.restore_state(store, 4)
  assert int(state.step) == 4 and meta['data_position'] == 4
  assert all(np.all(np.isfinite(x)) for x in jax.tree.leaves(jax.device_get(state)) if x.dtype.kind == 'f')
