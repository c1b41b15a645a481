"""Benchmark worker: gan_jax's own jitted training step (gan_jax.families.gan.setup) in this process.

  python benchmarks/bench_jax_worker.py --batch 64 --size 32 --channels 1 --dtype float32
  python benchmarks/bench_jax_worker.py --model resnet --g-width 64 --d-width 64   # the SNGAN step

--model dcgan: configs/default.py (the seed's DCGAN, non-saturating loss, Adam 2e-4 / (0.5, 0.999), one D
update per G step). --model resnet: configs/sngan_digits.py (ResNet G/D, spectral norm on D, hinge, Adam
2e-4 / (0, 0.9), n_critic 5). Shape, dtype (and widths, latent size) overridden; EMA off (the PyTorch
peers have none).
gan_jax.core.xla_flags.configure_xla_for_cpu() runs before JAX starts (unless GAN_JAX_NO_XLA_CPU_FLAGS=1).
Speaks benchmarks/bench_protocol.py on stdin/stdout.
"""

import argparse
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))

import bench_protocol  # noqa: E402


def benchmark_config(batch: int, size: int, channels: int, dtype: str, model: str = 'dcgan',
                     g_width: int = 0, d_width: int = 0, latent_dim: int = 0):
  """The benchmarked config; widths / latent_dim 0 keep the config's own."""
  if model == 'resnet':
    from configs.sngan_digits import get_config
  else:
    from configs.default import get_config

  config = get_config()
  config.model.g_width = g_width or config.model.g_width
  config.model.d_width = d_width or config.model.d_width
  config.model.latent_dim = latent_dim or config.model.latent_dim
  config.data.image_size = size
  config.data.channels = channels
  config.train.batch_size = batch
  config.model.dtype = dtype
  config.ema.decay = 0.0
  return config


def flops_of(compiled) -> float:
  analysis = compiled.cost_analysis()
  if isinstance(analysis, (list, tuple)):   # older jax: one dict per computation
    analysis = analysis[0]
  return float(analysis.get('flops', float('nan')))


def build(args):
  from gan_jax.core.xla_flags import configure_xla_for_cpu

  xla_flags = configure_xla_for_cpu()
  import jax
  import numpy as np
  from gan_jax.core import parallel
  from gan_jax.families.gan import trainer as gan_trainer

  config = benchmark_config(args.batch, args.size, args.channels, args.dtype, args.model, args.g_width,
                            args.d_width, args.latent_dim)
  setup = gan_trainer.GanTrainer(config, (args.size, args.size, args.channels))
  step_fn = setup.make_train_step()
  state = setup.fresh_state()
  rng = parallel.replicated_copy(state.rng, setup.mesh)
  params = int(sum(x.size for x in jax.tree.leaves((state.g_params, state.d_params))))
  # One real batch per D update (n_critic of them for the resnet/SNGAN step), as training feeds the step.
  real = np.random.default_rng(1).uniform(-1, 1, (args.batch * setup.batches_per_step(), args.size, args.size,
                                                  args.channels))
  batch = parallel.to_global_batch({'image': real.astype(np.float32)}, setup.mesh)

  start = time.perf_counter()
  lowered = step_fn.lower(state, batch, rng)
  compiled = lowered.compile()
  compile_s = time.perf_counter() - start
  holder = {'state': state}

  def run_step():
    holder['state'], metrics = compiled(holder['state'], batch, rng)
    jax.block_until_ready((holder['state'], metrics))

  start = time.perf_counter()
  run_step()
  first_call_s = time.perf_counter() - start
  for _ in range(args.warmup):
    run_step()
  device = jax.devices()[0]

  def device_peak_bytes():
    stats = device.memory_stats()   # None on CPU
    return stats.get('peak_bytes_in_use') if stats else None

  if args.dump_hlo:
    with open(args.dump_hlo, 'w') as f:
      f.write(compiled.as_text())
  return {
      'framework': 'jax', 'jax_version': jax.__version__, 'device': device.platform,
      'device_kind': device.device_kind, 'device_count': jax.device_count(),
      'threads': len(os.sched_getaffinity(0)) if hasattr(os, 'sched_getaffinity') else os.cpu_count(),
      'xla_flags': xla_flags, 'compile_s': compile_s, 'first_call_s': first_call_s,
      'flops_per_step': flops_of(compiled),
      'params': params, 'model': args.model, 'latent_dim': config.model.latent_dim,
      'run_step': run_step, 'device_peak_bytes': device_peak_bytes,
  }


def main():
  parser = argparse.ArgumentParser(description=__doc__)
  parser.add_argument('--batch', type=int, default=64)
  parser.add_argument('--size', type=int, default=32)
  parser.add_argument('--channels', type=int, default=1)
  parser.add_argument('--dtype', choices=('float32', 'bfloat16'), default='float32')
  parser.add_argument('--warmup', type=int, default=3)
  parser.add_argument('--model', choices=('dcgan', 'resnet'), default='dcgan')
  parser.add_argument('--g-width', type=int, default=0, help="0: the config's")
  parser.add_argument('--d-width', type=int, default=0, help="0: the config's")
  parser.add_argument('--latent-dim', type=int, default=0, help="0: the config's")
  parser.add_argument('--dump-hlo', default='', help='write the compiled step HLO to this file')
  args = parser.parse_args()
  bench_protocol.serve(lambda: build(args))


if __name__ == '__main__':
  main()
