"""A/B: DCGAN D on real and fake in two passes (the default) vs once on [real; fake] with per-half BatchNorm.

  python benchmarks/bench_concat_bn.py --batch 64 --what d_update       # one D update: loss + grads + BN stats
  python benchmarks/bench_concat_bn.py --batch 256 --what train_step    # the whole jitted DCGAN step

Both variants are compiled in this one process and timed in interleaved rounds (two, concat, two, concat...:
a load change hits both alike); warm-up calls are not timed. Prints one JSON line: per-call medians (wall
and process CPU ms), each round's medians, the concat/two ratio, the load average before/after each round,
and the largest difference between the variants' outputs (they must agree: tests/families/gan/test_concat_d.py).
The config is bench_jax_worker.py's (configs/default.py: the seed's DCGAN, EMA off). Writes no file.
Row 13 of benchmarks/results/optimisation_log.md.
"""

import argparse
import functools
import json
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))


def _variants(args):
  """{'two': fn(), 'concat': fn()}: each call runs one jitted computation to completion; and the outputs'
  largest difference."""
  from gan_jax.core.xla_flags import configure_xla_for_cpu

  configure_xla_for_cpu()
  import jax
  import numpy as np
  from bench_jax_worker import benchmark_config
  from gan_jax.core import parallel
  from gan_jax.families.gan import step as step_lib
  from gan_jax.families.gan import trainer as gan_trainer
  from gan_jax.families.gan.concat_d import discriminate_concatenated

  config = benchmark_config(args.batch, args.size, args.channels, 'float32', 'dcgan', args.g_width, args.d_width)
  shape = (args.size, args.size, args.channels)
  trainer = gan_trainer.GanTrainer(config, shape)
  pairs = {'two': step_lib.discriminate_separately, 'concat': discriminate_concatenated}
  real_np = np.random.default_rng(1).uniform(-1, 1, (args.batch, *shape)).astype(np.float32)
  state = trainer.fresh_state()
  rng = parallel.replicated_copy(state.rng, trainer.mesh)

  if args.what == 'd_update':   # loss + D's gradients + D's new batch_stats, as one D update computes them
    bound = trainer.bind_train_step()
    z = jax.random.normal(jax.random.PRNGKey(2), (args.batch, config.model.latent_dim))
    fakes, _ = trainer.generator.apply({'params': state.g_params, 'batch_stats': state.g_batch_stats}, z,
                                       train=True, mutable=['batch_stats'])
    real = jax.numpy.asarray(real_np)
    objective = lambda pair: jax.jit(jax.value_and_grad(functools.partial(
        step_lib._d_objective, discriminator=trainer.discriminator, loss=bound.keywords['loss'], gp_weight=0.0,
        r1_weight=0.0, ac_weight=0.0, gradient_penalty=None, r1_penalty=None, discriminate_pair=pair),
        has_aux=True))
    compiled = {name: objective(pair) for name, pair in pairs.items()}
    call = lambda name: compiled[name](state.d_params, state.d_batch_stats, real, None, fakes, None, rng, {})
    outputs = {name: call(name) for name in pairs}
    runners = {name: functools.partial(lambda name: jax.block_until_ready(call(name)), name) for name in pairs}
  else:   # the whole DCGAN step (one D update, one G update), state donated as in training
    batch = parallel.to_global_batch({'image': real_np}, trainer.mesh)
    holders, runners, outputs = {}, {}, {}
    for name, pair in pairs.items():
      step = jax.jit(functools.partial(trainer.bind_train_step(), discriminate_pair=pair), donate_argnums=0)
      holders[name] = jax.tree.map(lambda x: x.copy(), state)
      holders[name], metrics = step(holders[name], batch, rng)   # step 0 of both, for the comparison
      outputs[name] = jax.device_get((holders[name], metrics))

      def run(name=name, step=step):
        holders[name], metrics = step(holders[name], batch, rng)
        jax.block_until_ready((holders[name], metrics))
      runners[name] = run
  diffs = jax.tree.leaves(jax.tree.map(lambda a, b: float(np.max(np.abs(np.asarray(a) - np.asarray(b)))),
                                       outputs['two'], outputs['concat']))
  return runners, max(diffs)


def main():
  parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
  parser.add_argument('--what', choices=('d_update', 'train_step'), default='d_update')
  parser.add_argument('--batch', type=int, default=64)
  parser.add_argument('--size', type=int, default=32)
  parser.add_argument('--channels', type=int, default=1)
  parser.add_argument('--g-width', type=int, default=64)
  parser.add_argument('--d-width', type=int, default=64)
  parser.add_argument('--rounds', type=int, default=6, help='rounds; each times every variant once, alternating')
  parser.add_argument('--steps', type=int, default=5, help='timed calls per variant per round')
  parser.add_argument('--warmup', type=int, default=3, help='untimed calls per variant after compiling')
  args = parser.parse_args()

  runners, max_abs_diff = _variants(args)
  for run in runners.values():
    for _ in range(args.warmup):
      run()
  wall = {name: [] for name in runners}
  cpu = {name: [] for name in runners}
  rounds, loads = {name: [] for name in runners}, []
  for r in range(args.rounds):
    order = list(runners) if r % 2 == 0 else list(reversed(runners))   # neither always goes first
    load_before = os.getloadavg()[0]
    for name in order:
      times = []
      for _ in range(args.steps):
        w0, c0 = time.perf_counter(), time.process_time()
        runners[name]()
        times.append(1e3 * (time.perf_counter() - w0))
        cpu[name].append(1e3 * (time.process_time() - c0))
      wall[name].extend(times)
      rounds[name].append(round(statistics.median(times), 1))
    loads.append((round(load_before, 2), round(os.getloadavg()[0], 2)))
  median = {name: statistics.median(v) for name, v in wall.items()}
  print(json.dumps({
      'what': args.what, 'batch': args.batch, 'size': args.size, 'g_width': args.g_width, 'd_width': args.d_width,
      'rounds': args.rounds, 'steps': args.steps,
      'median_ms': {k: round(v, 1) for k, v in median.items()},
      'cpu_ms': {k: round(statistics.median(v), 1) for k, v in cpu.items()},
      'round_medians_ms': rounds,
      'concat_vs_two': round(median['concat'] / median['two'], 3),
      'concat_faster_rounds': sum(c < t for c, t in zip(rounds['concat'], rounds['two'])),
      'load_1m_before_after': loads, 'max_abs_diff': max_abs_diff,
  }))


if __name__ == '__main__':
  main()
