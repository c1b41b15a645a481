"""Peak FLOP/s references for utilisation: datasheet values and a measured large-matmul rate.

The measured peak is the best of several timed `jnp.dot`s of two large square matrices on JAX's default
device, in float32 and bfloat16: what the device reaches on the op it is best at, with the same
compiler and threads the training step gets. Run as a script it prints one `BENCH {...}` line
(benchmarks/bench_protocol.py), so the controller measures it in a fresh process.

  python benchmarks/bench_peaks.py --size 2048
"""

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import bench_protocol  # noqa: E402

# Dense (no sparsity) peaks in TFLOP/s by device kind substring and dtype. H200 SXM datasheet: BF16
# tensor core 989 dense; TF32 tensor core 494 dense (JAX's default f32 precision on GPU uses TF32); plain
# FP32 67. 'measured_bf16' is a measured large-GEMM rate (cuBLAS) on H200, for a realistic ceiling.
DATASHEET_TFLOPS = {
    'H200': {'bfloat16': 989.0, 'float32': 494.0, 'float32_no_tf32': 67.0, 'measured_bf16': 790.0},
    'H100': {'bfloat16': 989.0, 'float32': 494.0, 'float32_no_tf32': 67.0},
    'A100': {'bfloat16': 312.0, 'float32': 156.0, 'float32_no_tf32': 19.5},
}


def datasheet_peak_flops(device_kind: str, dtype: str):
  """Datasheet dense peak in FLOP/s for a device kind and compute dtype, or None (e.g. for CPUs)."""
  for name, peaks in DATASHEET_TFLOPS.items():
    if name.lower() in device_kind.lower() and dtype in peaks:
      return peaks[dtype] * 1e12
  return None


def measure_matmul_peak(size: int, dtype_name: str, repeats: int = 5) -> float:
  """Best FLOP/s over `repeats` timed `size x size @ size x size` products (2*size^3 FLOPs each)."""
  import jax
  import jax.numpy as jnp

  dtype = jnp.dtype(dtype_name)
  keys = jax.random.split(jax.random.PRNGKey(0))
  a = jax.random.normal(keys[0], (size, size), dtype)
  b = jax.random.normal(keys[1], (size, size), dtype)
  matmul = jax.jit(jnp.dot)
  matmul(a, b).block_until_ready()
  best = float('inf')
  for _ in range(repeats):
    start = time.perf_counter()
    matmul(a, b).block_until_ready()
    best = min(best, time.perf_counter() - start)
  return 2.0 * size ** 3 / best


def main():
  parser = argparse.ArgumentParser(description=__doc__)
  parser.add_argument('--size', type=int, default=0, help='matrix side; 0 = 2048 on CPU, 8192 on GPU')
  parser.add_argument('--repeats', type=int, default=5)
  args = parser.parse_args()
  from gan_jax.core.xla_flags import configure_xla_for_cpu
  configure_xla_for_cpu()
  import jax

  device = jax.devices()[0]
  size = args.size or (2048 if device.platform == 'cpu' else 8192)
  measured = {dtype: measure_matmul_peak(size, dtype, args.repeats) for dtype in ('float32', 'bfloat16')}
  from gan_jax.core import runtime
  bench_protocol.emit(
      'peaks', platform=device.platform, device_kind=device.device_kind, matmul_size=size,
      runtime=runtime.describe_backend(), gpu_unused=runtime.gpu_unused_line(),
      measured_matmul_flops=measured,
      datasheet_flops={dtype: datasheet_peak_flops(device.device_kind, dtype)
                       for dtype in ('float32', 'bfloat16')})


if __name__ == '__main__':
  main()
