"""Data-stage throughput: pipeline images/sec and the time to clean 60,000 images.

  python benchmarks/data_pipeline.py [--json out.json] [--steps 200] [--batch 256]

Measures (CPU; numbers are noisy when the machine is shared):
  * digits at 32x32: prepare time, then train_iterator images/sec without and with augmentation;
  * a synthetic 60,000-image 28x28 grey source (50,000 train + 10,000 test, smooth random patterns,
    1% planted near copies and 1% train->test leaks): time of each cleaning phase (decode checks and
    hashing, exact duplicates, near duplicates, splits, cross-split duplicates), then pipeline images/sec.
"""

import argparse
import json
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # pylint: disable=wrong-import-position

from configs.default import get_config  # pylint: disable=wrong-import-position
from gan_jax.data import cleaning, prepare_dataset, records  # pylint: disable=wrong-import-position
from gan_jax.data.sources.registry import SOURCES, Source  # pylint: disable=wrong-import-position
from gan_jax.data.splits import assign_splits  # pylint: disable=wrong-import-position
from gan_jax.data.tf_env import tf  # pylint: disable=wrong-import-position

_NUM_TRAIN, _NUM_TEST, _SIDE = 50_000, 10_000, 28


def synthetic_images(num: int, seed: int) -> np.ndarray:
  """uint8 [num, 28, 28, 1]: random 7x7 patterns upsampled (smooth, distinct perceptual hashes)."""
  coarse = np.random.default_rng(seed).integers(0, 256, (num, 7, 7, 1)).astype(np.float32)
  return tf.cast(tf.image.resize(coarse, (_SIDE, _SIDE), 'bilinear'), tf.uint8).numpy()


@SOURCES.register('bench_synthetic_60k')
class Synthetic60k(Source):
  """60,000 in-memory images with given train/test splits, 1% near copies and 1% leaks."""

  def load(self, data_config):
    train, test = synthetic_images(_NUM_TRAIN, 0), synthetic_images(_NUM_TEST, 1)
    rng = np.random.default_rng(2)
    near = rng.choice(_NUM_TRAIN, size=(_NUM_TRAIN // 100, 2), replace=False)
    train[near[:, 1]] = np.clip(train[near[:, 0]].astype(int) + rng.integers(-2, 3, (len(near), _SIDE, _SIDE, 1)),
                                0, 255).astype(np.uint8)
    leaks = rng.choice(_NUM_TRAIN, size=_NUM_TEST // 100, replace=False)
    test[:len(leaks)] = train[leaks]
    labels = rng.integers(0, 10, _NUM_TRAIN + _NUM_TEST)

    def chunks():
      for split, images, offset in (('train', train, 0), ('test', test, _NUM_TRAIN)):
        for start in range(0, len(images), 4096):
          part = images[start:start + 4096]
          yield records.RecordChunk(sources=[f'{split}/{start + i}' for i in range(len(part))],
                                    labels=labels[offset + start:offset + start + len(part)],
                                    payload=part, splits=[split] * len(part))

    return records.SourceData(kind='image', chunks=chunks(), num_classes=10, has_splits=True)


def timed(fn):
  start = time.perf_counter()
  out = fn()
  return out, time.perf_counter() - start


def pipeline_rate(ds, batch: int, steps: int) -> float:
  """Images/sec of ds.train_iterator after 10 warm-up steps."""
  it = ds.train_iterator(batch)
  for _ in range(10):
    next(it)
  _, seconds = timed(lambda: [next(it) for _ in range(steps)])
  return batch * steps / seconds


def bench_digits(workdir: str, batch: int, steps: int) -> dict:
  config = get_config()
  config.data.data_dir, config.data.image_size = workdir, 32
  ds, prepare_s = timed(lambda: prepare_dataset(config))
  plain = pipeline_rate(ds, batch, steps)
  config.data.augment.update({'hflip': 0.5, 'crop': 0.5, 'rotate': 0.5})
  augmented = pipeline_rate(prepare_dataset(config), batch, steps)
  return {'prepare_s': prepare_s, 'images_per_s': plain, 'images_per_s_augmented': augmented}


def bench_60k(workdir: str, batch: int, steps: int) -> dict:
  config = get_config()
  config.data.update({'name': 'bench_synthetic_60k', 'data_dir': workdir, 'image_size': _SIDE, 'cache': False})
  data = config.data
  source_data, load_s = timed(lambda: Synthetic60k().load(data))
  log = cleaning.CleaningLog()
  clean, inspect_s = timed(lambda: cleaning.inspect(source_data, data, log))
  clean, exact_s = timed(lambda: cleaning.drop_exact_duplicates(clean, log))
  clean, near_s = timed(lambda: cleaning.drop_near_duplicates(clean, data.clean.near_duplicate_threshold, log))

  def split():
    clean.splits = assign_splits(clean.labels, [str(s) for s in clean.sources], clean.splits, data.val_fraction,
                                 data.test_fraction, data.split_seed, data.resplit)
    return clean
  clean, split_s = timed(split)
  clean, cross_s = timed(lambda: cleaning.drop_cross_split_duplicates(clean, data.clean.near_duplicate_threshold, log))
  counts = {}
  for d in log.dropped:
    counts[d['reason']] = counts.get(d['reason'], 0) + 1
  ds, prepare_s = timed(lambda: prepare_dataset(config))
  return {
      'generate_s': load_s,
      'clean_phases_s': {'checks_hashing_resize': inspect_s, 'exact_duplicates': exact_s,
                         'near_duplicates': near_s, 'splits': split_s, 'cross_split': cross_s},
      'clean_total_s': inspect_s + exact_s + near_s + split_s + cross_s,
      'dropped': counts,
      'prepare_dataset_s': prepare_s,
      'images_per_s': pipeline_rate(ds, batch, steps),
  }


def main() -> None:
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument('--json', default='', help='also write the results to this JSON file')
  parser.add_argument('--steps', type=int, default=200, help='timed steps per pipeline measurement')
  parser.add_argument('--batch', type=int, default=256, help='global batch size')
  args = parser.parse_args()
  with tempfile.TemporaryDirectory() as workdir:
    results = {'cpu_count': os.cpu_count(), 'batch': args.batch, 'steps': args.steps,
               'digits_32x32': bench_digits(workdir, args.batch, args.steps),
               'synthetic_60k_28x28': bench_60k(workdir, args.batch, args.steps)}
  print(json.dumps(results, indent=1))
  if args.json:
    with open(args.json, 'w') as f:
      json.dump(results, f, indent=1)


if __name__ == '__main__':
  main()
