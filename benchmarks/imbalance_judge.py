"""An instrument that shares nothing with gan_jax's classifiers for the imbalance claim (issue 24): scikit-learn's
SVC on raw pixels, trained on the real long-tailed split with and without a generator's samples.

  python benchmarks/imbalance_judge.py --out runs/i24 --generator cvae --use synthetic_x3 --seeds 0 1 2 3 4

Reads what benchmarks/imbalance.py left in --out: the long-tailed mnist5k split at 16x16 (IF --factor, the
prepared-data cache under <out>/tfds; the split is data, not an instrument) and each seed's synthetic folder
<out>/<generator>/if<IF>_seed<s>/<use> (PNG per class, read with PIL). The samples top every class up to
--multiple x the largest real class (the first files in name order: the generator draws i.i.d.). The judge is an
RBF SVC (C 10, gamma 'scale') on the raw [-1, 1] pixels, scored by balanced accuracy on the real balanced test
split; rows: plain, class_weight='balanced' (its classical remedy), real + samples, samples only. The SVC never
sees a gan_jax model, feature or classifier. Prints a JSON line per seed and the mean ± s.e. table; writes nothing.
"""

import argparse
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, 'benchmarks'))
from seed_stats import mean_se  # noqa: E402
os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402
from sklearn import svm  # noqa: E402
from sklearn.metrics import balanced_accuracy_score  # noqa: E402


def split_arrays(out: str, factor: float, seed: int, image_size: int, dataset: str):
  """(train images, train labels, test images, test labels) of the long-tailed split, flattened."""
  import imbalance  # pylint: disable=g-import-not-at-top
  from gan_jax.data import prepare_dataset  # pylint: disable=g-import-not-at-top
  ds = prepare_dataset(imbalance.base_config(out, factor, seed, image_size, dataset))
  train, test = ds.split_arrays('train'), ds.split_arrays('test')
  return (train['image'].reshape(len(train['label']), -1), train['label'], test['image'].reshape(len(test['label']), -1),
          test['label'])


def samples(folder: str, counts: np.ndarray, multiple: float):
  """(images [N, D] in [-1, 1], labels [N]): class c's first round(multiple * max(counts)) - counts[c] files."""
  target = int(round(multiple * counts.max()))
  images, labels = [], []
  for label, have in enumerate(counts):
    names = sorted(os.listdir(os.path.join(folder, str(label))))[:max(target - int(have), 0)]
    for name in names:
      pixels = np.asarray(Image.open(os.path.join(folder, str(label), name)).convert('L'), np.float32)
      images.append(pixels.reshape(-1) / 127.5 - 1.0)
      labels.append(label)
  return np.stack(images), np.asarray(labels)


def score(x, y, test_x, test_y, **svc_args) -> float:
  judge = svm.SVC(C=10.0, gamma='scale', **svc_args).fit(x, y)
  return float(balanced_accuracy_score(test_y, judge.predict(test_x)))


def main():
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument('--out', default='runs/i24')
  parser.add_argument('--dataset', default='mnist5k')
  parser.add_argument('--factor', type=float, default=100.0)
  parser.add_argument('--image_size', type=int, default=16)
  parser.add_argument('--generator', default='cvae')
  parser.add_argument('--use', default='synthetic_x3', help='the synthetic folder of each seed')
  parser.add_argument('--multiple', type=float, default=3.0, help='top classes up to this x the largest real class')
  parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2, 3, 4])
  args = parser.parse_args()
  rows = {'plain': [], 'class_weight_balanced': [], 'real_plus_samples': [], 'samples_only': [], 'gain': []}
  for seed in args.seeds:
    x, y, test_x, test_y = split_arrays(args.out, args.factor, seed, args.image_size, args.dataset)
    folder = os.path.join(args.out, args.generator, f'if{args.factor:g}_seed{seed}', args.use)
    sx, sy = samples(folder, np.bincount(y, minlength=int(test_y.max()) + 1), args.multiple)
    found = {'plain': score(x, y, test_x, test_y),
             'class_weight_balanced': score(x, y, test_x, test_y, class_weight='balanced'),
             'real_plus_samples': score(np.concatenate([x, sx]), np.concatenate([y, sy]), test_x, test_y),
             'samples_only': score(sx, sy, test_x, test_y)}
    found['gain'] = found['real_plus_samples'] - max(found['plain'], found['class_weight_balanced'])
    for key, value in found.items():
      rows[key].append(value)
    print(json.dumps({'seed': seed, 'train': int(len(y)), 'samples': int(len(sy)), **found}), flush=True)
  print(f'SVC judge, {args.dataset} IF {args.factor:g}, {args.generator}/{args.use}, {len(args.seeds)} seeds '
        '(balanced accuracy %, mean ± s.e.; gain = real + samples - the better real-only row, paired):')
  for key, values in rows.items():
    mean, se = mean_se(values)
    print(f'  {key}: {100 * mean:.1f} ± {100 * se:.1f}')


if __name__ == '__main__':
  main()
