"""The family contract: a toy third family, registered here and nowhere else, trains, checkpoints, resumes
bitwise inside a phase and across a phase boundary (where its state changes shape), samples and evaluates
through the shared loop. Adding a family is its own code and one FAMILIES.register line."""

import functools
import json
import os

import flax
import jax
import jax.numpy as jnp
import numpy as np

from gan_jax.families import FAMILIES, Family
from gan_jax.families.contract import Phase, Trainer
from gan_jax.outputs import sampling
from gan_jax.run import evaluation
from gan_jax.run.loop import train_and_evaluate

GROW_AT = 3   # the toy's second phase starts after 3 steps


@flax.struct.dataclass
class ToyState:
  step: jax.Array
  rng: jax.Array
  params: dict   # {'mean': [2]} in phase 'fit_mean'; + {'log_scale': []} from phase 'fit_scale' on


def _init(seed: int) -> ToyState:
  return ToyState(step=jnp.zeros((), jnp.int32), rng=jax.random.PRNGKey(seed), params={'mean': jnp.zeros(2)})


def _grow(state: ToyState) -> ToyState:
  return state.replace(params={**state.params, 'log_scale': jnp.zeros(())})


def _toy_step(state: ToyState, batch, rng, *, lr: float, fit_scale: bool):
  """Moves the mean (and, in the second phase, the log scale) towards the batch's by one gradient step;
  a pinch of step-keyed noise makes a wrongly keyed resume visible."""
  noise = 1e-3 * jax.random.normal(jax.random.fold_in(rng, state.step), (2,))

  def loss(params):
    value = jnp.mean((batch['image'] - params['mean']) ** 2)
    if fit_scale:
      spread = jnp.std(batch['image'] - params['mean'])
      value = value + (jnp.exp(params['log_scale']) - spread) ** 2
    return value

  value, grads = jax.value_and_grad(loss)(state.params)
  params = jax.tree.map(lambda p, g: p - lr * g, state.params, grads)
  params['mean'] = params['mean'] + noise
  return state.replace(step=state.step + 1, params=params), {'toy_loss': value, 'toy_steps_done': state.step + 1.0}


class ToyTrainer(Trainer):
  console_keys = ('toy_loss', 'toy_steps_done')
  last_value_keys = ('toy_steps_done',)   # a log line shows it at its step; toy_loss is its window's mean

  def __init__(self, config, example_shape, mesh=None, ds=None, meta=None):
    super().__init__(config, example_shape, mesh)
    self.init_fn = functools.partial(_init, config.seed)

  def batch_keys(self, ds):
    return ('image',)   # labels never reach the toy

  def batches_per_step(self):
    return 2   # as a GAN with loss.n_critic=2: a step reads 2 * train.batch_size examples

  def phases(self):
    return (Phase(0, 'fit_mean'), Phase(GROW_AT, 'fit_scale'))

  def enter_phase(self, state, phase):
    return _grow(state) if phase.name == 'fit_scale' else state

  def abstract_state(self, phase=None):
    phase = phase or self.phases()[0]
    grown = lambda: self.enter_phase(self.init_fn(), phase)
    sharding = jax.sharding.NamedSharding(self.mesh, jax.sharding.PartitionSpec())
    return jax.tree.map(lambda s: jax.ShapeDtypeStruct(s.shape, s.dtype, sharding=sharding), jax.eval_shape(grown))

  def bind_train_step(self, phase=None):
    fit_scale = (phase or self.phases()[0]).name == 'fit_scale'
    return functools.partial(_toy_step, lr=0.3, fit_scale=fit_scale)

  def sample_fn(self, state, truncation=0.0, temperature=1.0):
    scale = float(np.exp(state.params['log_scale'])) if 'log_scale' in state.params else 1.0
    mean = np.asarray(state.params['mean'])

    def sample(num, seed, labels=None):
      assert labels is None
      return (mean + scale * np.random.RandomState(seed).randn(num, 2)).astype(np.float32)
    return sample

  def extra_metrics(self, state, ds, split):
    real = ds.split_arrays(split)['image']
    return {'toy_distance': float(np.linalg.norm(np.asarray(state.params['mean']) - real.mean(axis=0)))}


FAMILIES.register('toy')(Family(ToyTrainer, lambda config: None, ('toy_distance',), models=('toy',)))


def _config(data_dir, steps):
  from run_helpers import make_points_config  # pylint: disable=g-import-not-at-top
  config = make_points_config(data_dir)
  config.model.name = 'toy'
  config.train.steps = steps
  config.train.log_every = 1
  config.train.sample_every = 0
  config.checkpoint.every_steps = 1
  config.checkpoint.keep = 20
  config.eval.metrics = ('fid',)
  config.eval.num_samples = 64
  return config


def _params(state):
  return jax.tree.map(np.asarray, jax.device_get(state.params))


def test_toy_family_trains_resumes_across_its_phase_boundary_samples_and_evaluates(data_dir, tmp_path):
  config = _config(data_dir, 6)
  config.train.log_every = 4   # windows of steps 1-4 and 5-6 (logging does not change the state)
  whole = train_and_evaluate(config, str(tmp_path / 'whole'))
  assert set(_params(whole)) == {'mean', 'log_scale'}   # entered its second phase
  assert os.path.isfile(tmp_path / 'whole' / 'generated.png')
  evaluated = os.listdir(tmp_path / 'whole' / 'eval')
  assert evaluated, 'the shared loop evaluated the toy family'
  logged = [json.loads(line) for line in open(tmp_path / 'whole' / 'metrics.jsonl')]
  batch = _config(data_dir, 6).train.batch_size
  assert [(r['step'], r['toy_steps_done']) for r in logged] == [(4, 4.0), (6, 6.0)]   # a family's last values
  for record in logged:   # images/sec counts every batch a step reads
    np.testing.assert_allclose(record['images_per_sec'], 2 * batch * record['steps_per_sec'], rtol=1e-6)

  for stop_at in (GROW_AT - 1, GROW_AT, GROW_AT + 1):   # before, at and after the boundary
    workdir = str(tmp_path / f'stopped_{stop_at}')
    first = train_and_evaluate(_config(data_dir, stop_at), workdir)
    assert ('log_scale' in _params(first)) == (stop_at >= GROW_AT)   # saved in the phase it belongs to
    resumed = train_and_evaluate(_config(data_dir, 6), workdir)
    for name, value in _params(whole).items():
      np.testing.assert_array_equal(_params(resumed)[name], value, err_msg=f'stopped at {stop_at}: {name}')

  # Outputs and the test split through the contract, from the checkpoint alone.
  trainer, state, step, meta = sampling.restore_checkpoint(_config(data_dir, 6), str(tmp_path / 'whole'))
  assert step == 6 and meta['phase'] == 'fit_scale' and isinstance(trainer, ToyTrainer)
  assert trainer.sample_fn(state)(5, 0).shape == (5, 2)
  results = evaluation.evaluate_checkpoint(_config(data_dir, 6), str(tmp_path / 'whole'), 'latest')
  assert results['toy_distance'] < 0.5 and np.isfinite(results['fid'])
