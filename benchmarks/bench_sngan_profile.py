"""Where the ResNet/SNGAN step's time goes: each piece of gan_jax's step jitted and timed on its own.

  python benchmarks/bench_sngan_profile.py --g-width 64 --d-width 64 --json runs/bench/sngan_profile_64.json

Pieces (batch 64, 32x32x1, float32, configs/sngan_digits.py with the widths given):
  step            the whole jitted train step (5 D updates + 1 G update), as benchmarks/run.py times it
  g_forward       G in train mode (BatchNorm statistics); 4 per step on their own, the 5th inside g_update
  d_update        one D update: D on the real and on the fake batch, hinge loss, gradients, Adam
  g_update        G forward + D on the fakes + gradients back through D to G's weights + Adam
  spectral_norm   one power iteration and W / sigma for every D layer, with its gradient; 11 per step
  upsample        G's 2x nearest upsamplings (2 per block), forward + gradient; 6 G passes per step
  avg_pool        D's 2x2 average pools (2 per downsampling block), forward + gradient; 11 D passes
  adam_d, adam_g  the Adam updates alone (5 D, 1 G per step)
Prints one JSON object (and writes it to --json): median ms per call of each piece, the calls per
step, and the share of the step each piece's calls take. XLA fuses across piece boundaries inside the
step, so the shares are estimates that need not sum to 100%.
"""

import argparse
import json
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))

CALLS_PER_STEP = {'g_forward': 4, 'd_update': 5, 'g_update': 1, 'spectral_norm': 11, 'upsample': 6,
                  'avg_pool': 11, 'adam_d': 5, 'adam_g': 1}


def _time(fn, *args, repeats: int):
  import jax
  jax.block_until_ready(fn(*args))   # compile + warm up
  times = []
  for _ in range(repeats):
    start = time.perf_counter()
    jax.block_until_ready(fn(*args))
    times.append(time.perf_counter() - start)
  return 1e3 * statistics.median(times)


def pieces(setup, state, batch, rng, step_fn):
  """{name: (jitted fn, args)} for every piece above."""
  import jax
  import jax.numpy as jnp
  import optax
  from gan_jax.models import resnet

  generator, discriminator = setup.generator, setup.discriminator
  cfg = setup.config
  real = batch['image'][:cfg.train.batch_size]   # one D update's reals
  z = jax.random.normal(jax.random.key(0), (real.shape[0], cfg.model.latent_dim))

  def g_apply(params, stats, z):
    return generator.apply({'params': params, 'batch_stats': stats}, z, train=True, mutable=['batch_stats'])

  def d_apply(params, stats, x):
    return discriminator.apply({'params': params, 'batch_stats': stats}, x, train=True, mutable=['batch_stats'])

  def d_update(d_params, d_stats, opt_state, fakes):
    def loss(p):
      real_logits, upd = d_apply(p, d_stats, real)
      fake_logits, upd = d_apply(p, upd['batch_stats'], fakes)
      return jnp.mean(jax.nn.relu(1 - real_logits)) + jnp.mean(jax.nn.relu(1 + fake_logits)), upd
    (_, upd), grads = jax.value_and_grad(loss, has_aux=True)(d_params)
    updates, opt_state = setup.d_tx.update(grads, opt_state, d_params)
    return optax.apply_updates(d_params, updates), upd, opt_state

  def g_update(g_params, g_stats, opt_state, d_params, d_stats):
    def loss(p):
      fakes, _ = g_apply(p, g_stats, z)
      logits, _ = d_apply(d_params, d_stats, fakes)
      return -jnp.mean(logits)
    grads = jax.grad(loss)(g_params)
    updates, opt_state = setup.g_tx.update(grads, opt_state, g_params)
    return optax.apply_updates(g_params, updates), opt_state

  # Every D kernel and its u vector, as flax.linen.SpectralNorm normalises them (one power iteration).
  kernels = [k for path, k in jax.tree_util.tree_leaves_with_path(state.d_params)
             if getattr(path[-1], 'key', '') == 'kernel']
  us = [jnp.ones((1, k.shape[-1]), jnp.float32) for k in kernels]

  def spectral_norm(kernels, us):
    def normalised(kernel, u):
      w = kernel.reshape(-1, kernel.shape[-1])
      v = u @ w.T
      v = v * jax.lax.rsqrt(jnp.sum(v * v) + 1e-12)
      u = v @ w
      u = u * jax.lax.rsqrt(jnp.sum(u * u) + 1e-12)
      u, v = jax.lax.stop_gradient(u), jax.lax.stop_gradient(v)
      return jnp.sum(kernel / (v @ w @ u.T)[0, 0])
    return jax.grad(lambda ks: sum(normalised(k, u) for k, u in zip(ks, us)))(kernels)

  g_width, d_width, batch_size = cfg.model.g_width, cfg.model.d_width, real.shape[0]
  g_maps = [jnp.ones((batch_size, s, s, g_width)) for s in (4, 8, 16) for _ in range(2)]
  d_maps = [jnp.ones((batch_size, 32, 32, d_width)), jnp.ones((batch_size, 32, 32, real.shape[-1])),
            jnp.ones((batch_size, 16, 16, d_width)), jnp.ones((batch_size, 16, 16, d_width))]
  fwd_bwd = lambda op: jax.grad(lambda xs: sum(jnp.sum(op(x)) for x in xs))

  fakes, _ = jax.jit(g_apply)(state.g_params, state.g_batch_stats, z)
  d_grads = jax.grad(lambda p: jnp.sum(d_apply(p, state.d_batch_stats, real)[0]))(state.d_params)
  g_grads = jax.tree.map(jnp.ones_like, state.g_params)
  adam = lambda tx: lambda g, s, p: optax.apply_updates(p, tx.update(g, s, p)[0])
  return {
      'step': (lambda: step_fn(state, batch, rng), ()),
      'g_forward': (jax.jit(g_apply), (state.g_params, state.g_batch_stats, z)),
      'd_update': (jax.jit(d_update), (state.d_params, state.d_batch_stats, state.d_opt_state, fakes)),
      'g_update': (jax.jit(g_update), (state.g_params, state.g_batch_stats, state.g_opt_state, state.d_params,
                                       state.d_batch_stats)),
      'spectral_norm': (jax.jit(spectral_norm), (kernels, us)),
      'upsample': (jax.jit(fwd_bwd(resnet._upsample)), (g_maps,)),
      'avg_pool': (jax.jit(fwd_bwd(resnet._avg_pool)), (d_maps,)),
      'adam_d': (jax.jit(adam(setup.d_tx)), (d_grads, state.d_opt_state, state.d_params)),
      'adam_g': (jax.jit(adam(setup.g_tx)), (g_grads, state.g_opt_state, state.g_params)),
  }


def main():
  parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
  parser.add_argument('--g-width', type=int, default=64)
  parser.add_argument('--d-width', type=int, default=64)
  parser.add_argument('--batch', type=int, default=64)
  parser.add_argument('--size', type=int, default=32, choices=(32,))
  parser.add_argument('--repeats', type=int, default=5, help='timed calls per piece (median)')
  parser.add_argument('--json', default='', help='also write the result here')
  args = parser.parse_args()

  from gan_jax.core.xla_flags import configure_xla_for_cpu
  configure_xla_for_cpu()
  import jax
  import numpy as np
  from bench_jax_worker import benchmark_config
  from gan_jax.core import parallel
  from gan_jax.families.gan import trainer as gan_trainer

  config = benchmark_config(args.batch, args.size, 1, 'float32', 'resnet', args.g_width, args.d_width)
  setup = gan_trainer.GanTrainer(config, (args.size, args.size, 1))
  state = setup.fresh_state()
  rng = parallel.replicated_copy(state.rng, setup.mesh)
  real = np.random.default_rng(1).uniform(-1, 1, (args.batch * setup.batches_per_step(), args.size, args.size,
                                                  1)).astype(np.float32)
  batch = parallel.to_global_batch({'image': real}, setup.mesh)   # the step's: one real batch per D update
  # Not donated here (the step is called on the same state again and again).
  step_fn = jax.jit(setup.bind_train_step())
  ms = {name: _time(fn, *fn_args, repeats=args.repeats)
        for name, (fn, fn_args) in pieces(setup, state, batch, rng, step_fn).items()}
  result = {'g_width': args.g_width, 'd_width': args.d_width, 'batch': args.batch, 'size': args.size,
            'ms_per_call': ms, 'calls_per_step': CALLS_PER_STEP,
            'share_of_step': {k: ms[k] * n / ms['step'] for k, n in CALLS_PER_STEP.items()},
            'load_avg_1m': os.getloadavg()[0]}
  print(json.dumps(result, indent=1))
  if args.json:
    os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
    with open(args.json, 'w') as f:
      json.dump(result, f, indent=1)


if __name__ == '__main__':
  main()
