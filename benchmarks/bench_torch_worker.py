"""Benchmark worker: a PyTorch peer's training step in this process: benchmarks/torch_dcgan.py
(--model dcgan) or benchmarks/torch_sngan.py (--model resnet).

  python benchmarks/bench_torch_worker.py --variant eager --batch 64 --size 32 --channels 1 --dtype float32
  python benchmarks/bench_torch_worker.py --model resnet --g-width 64 --d-width 64 --latent-dim 64

Speaks benchmarks/bench_protocol.py on stdin/stdout. Runs on CUDA when torch sees a GPU (unless
--device cpu), else on CPU with torch.set_num_threads(--threads).
"""

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import bench_protocol  # noqa: E402


def build(args):
  import torch

  torch.set_num_threads(args.threads)
  device = args.device
  if device == 'auto':
    device = 'cuda' if torch.cuda.is_available() else 'cpu'
  on_cuda = device.startswith('cuda')
  sync = torch.cuda.synchronize if on_cuda else (lambda: None)
  common = dict(dtype=args.dtype, compile=args.variant == 'compile', device=device)
  if args.model == 'resnet':
    import torch_sngan
    step, info = torch_sngan.make_train_step(args.size, args.channels, args.batch, g_width=args.g_width,
                                             d_width=args.d_width, nz=args.latent_dim, **common)
  else:
    import torch_dcgan
    step, info = torch_dcgan.make_train_step(args.size, args.channels, args.batch, **common)
  generator = torch.Generator().manual_seed(1)
  # The SNGAN step gets one real batch per D update ([n_critic, B, ...]), as gan_jax's step does.
  shape = (5, args.batch) if args.model == 'resnet' else (args.batch,)
  real = (torch.rand(*shape, args.channels, args.size, args.size, generator=generator) * 2 - 1)
  real = real.to(device)

  def run_step():
    losses = step(real)
    sync()
    # On CPU torch is synchronous; reading a loss also catches a broken step (NaN stays visible).
    return float(losses['d_loss'])

  start = time.perf_counter()
  run_step()  # For torch.compile this is where compilation happens.
  first_call_s = time.perf_counter() - start
  for _ in range(args.warmup):
    run_step()
  if on_cuda:
    torch.cuda.reset_peak_memory_stats()
  return {
      'framework': 'torch', 'variant': args.variant, 'torch_version': torch.__version__,
      'device': device, 'device_kind': torch.cuda.get_device_name() if on_cuda else 'cpu',
      'threads': torch.get_num_threads(),
      # torch.compile compiles on the first call; eager's first call is its warm-up cost.
      'compile_s': first_call_s if args.variant == 'compile' else None,
      'first_call_s': first_call_s, 'params': info['g_params'] + info['d_params'], 'model': args.model,
      'run_step': run_step,
      'device_peak_bytes': (lambda: torch.cuda.max_memory_allocated()) if on_cuda else (lambda: None),
  }


def main():
  parser = argparse.ArgumentParser(description=__doc__)
  parser.add_argument('--variant', choices=('eager', 'compile'), default='eager')
  parser.add_argument('--batch', type=int, default=64)
  parser.add_argument('--size', type=int, default=32)
  parser.add_argument('--channels', type=int, default=1)
  parser.add_argument('--dtype', choices=('float32', 'bfloat16'), default='float32')
  parser.add_argument('--warmup', type=int, default=3)
  parser.add_argument('--threads', type=int, default=os.cpu_count())
  parser.add_argument('--model', choices=('dcgan', 'resnet'), default='dcgan')
  parser.add_argument('--g-width', type=int, default=64, help='--model resnet only')
  parser.add_argument('--d-width', type=int, default=64, help='--model resnet only')
  parser.add_argument('--latent-dim', type=int, default=64, help='--model resnet only')
  parser.add_argument('--device', default='auto', help="'auto' (cuda if available), 'cpu' or 'cuda'")
  args = parser.parse_args()
  bench_protocol.serve(lambda: build(args))


if __name__ == '__main__':
  main()
