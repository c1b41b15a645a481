"""Seconds to compute one FID on CPU: digits classifier features vs InceptionV3 features.

  python benchmarks/fid_timing.py --num_samples 10000 [--json out.json]
  JAX_PLATFORMS=cuda python benchmarks/fid_timing.py --batch_size 500   # on a GPU (benchmarks/device_run.sh)

Both extractors use random weights (timing only): N fake and N real 32x32 grayscale images in [-1, 1]
go through feature extraction (jitted, sharded batches), then the float64 Fréchet distance.
Reported per extractor: extraction seconds (compilation excluded, measured separately), FID seconds, total.
"""

import argparse
import json
import os
import sys
import time

os.environ.setdefault('JAX_PLATFORMS', 'cpu')   # the CPU table; on a GPU run with JAX_PLATFORMS=cuda

import jax
import jax.numpy as jnp
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from configs import default as default_config  # noqa: E402
from gan_jax.core import runtime
from gan_jax.metrics.classifier import ConvClassifier
from gan_jax.metrics.frechet import fid_from_features
from gan_jax.metrics.inception import FIDInceptionV3
from gan_jax.metrics.sharded_apply import ShardedApply


def _classifier(batch_size):
  size = default_config.get_config().classifier   # the classifier gan_jax trains by default
  model = ConvClassifier(10, width=size.width, feature_dim=size.feature_dim)
  params = model.init(jax.random.PRNGKey(0), jnp.zeros((1, 32, 32, 1)))['params']
  return ShardedApply(lambda p, x: {'features': model.apply({'params': p}, x)[0]}, params, batch_size)


def _inception(batch_size):
  model = FIDInceptionV3()
  variables = jax.jit(model.init)(jax.random.PRNGKey(0), jnp.zeros((1, 32, 32, 1)))
  return ShardedApply(lambda v, x: {'features': model.apply(v, x)['pool3']}, variables, batch_size)


def time_fid(build, num_samples: int, batch_size: int) -> dict:
  rng = np.random.RandomState(0)
  real = rng.uniform(-1, 1, (num_samples, 32, 32, 1)).astype(np.float32)
  fake = rng.uniform(-1, 1, (num_samples, 32, 32, 1)).astype(np.float32)
  start = time.perf_counter()
  extract = build(batch_size)
  extract(real[:1])   # compile
  setup = time.perf_counter() - start
  start = time.perf_counter()
  features = [extract(x)['features'] for x in (real, fake)]
  extraction = time.perf_counter() - start
  start = time.perf_counter()
  fid = fid_from_features(*features, on_singular='regularize')  # random features may be low-rank
  fid_seconds = time.perf_counter() - start
  return {'setup_and_compile_s': setup, 'extraction_s': extraction, 'fid_s': fid_seconds,
          'total_s': extraction + fid_seconds, 'feature_dim': int(features[0].shape[1]), 'fid': fid}


def main(argv=None) -> None:
  parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
  parser.add_argument('--num_samples', type=int, default=10_000, help='generated and real samples each')
  parser.add_argument('--batch_size', type=int, default=50)
  parser.add_argument('--extractors', default='classifier,inception')
  parser.add_argument('--json', default='', help='also write the results to this JSON file')
  args = parser.parse_args(argv)
  builders = {'classifier': _classifier, 'inception': _inception}
  info = runtime.announce()
  report = {'runtime': info, 'num_samples': args.num_samples, 'batch_size': args.batch_size, 'devices': len(jax.devices()),
            'platform': jax.devices()[0].platform, 'jax_version': jax.__version__, 'cpu_count': os.cpu_count()}
  for name in args.extractors.split(','):
    report[name] = time_fid(builders[name], args.num_samples, args.batch_size)
    print(f'{name}: {report[name]["total_s"]:.1f} s for a {args.num_samples}-sample FID '
          f'(extraction {report[name]["extraction_s"]:.1f} s, Fréchet {report[name]["fid_s"]:.2f} s, '
          f'{report[name]["feature_dim"]}-d)', flush=True)
  if args.json:
    with open(args.json, 'w') as f:
      json.dump(report, f, indent=2)


if __name__ == '__main__':
  main(sys.argv[1:])
