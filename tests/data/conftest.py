"""Shared fixtures for the data tests: small configs and a generated image folder with planted faults."""

import io
import os
import shutil

import numpy as np
import pytest
from PIL import Image

os.environ.setdefault('TF_ENABLE_ONEDNN_OPTS', '0')
os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')

from configs.default import get_config  # pylint: disable=wrong-import-position


@pytest.fixture
def data_config(tmp_path):
  """The default config with its data dir (and prepared-data cache) under tmp_path."""
  config = get_config()
  config.data.data_dir = str(tmp_path / 'tfds')
  config.data.image_size = 16
  return config


def smooth_pattern(rng, size=32, mode='RGB'):
  """A random smooth image (4x4 noise upsampled): distinct patterns have distant perceptual hashes."""
  channels = 3 if mode == 'RGB' else 1
  coarse = rng.integers(0, 256, size=(4, 4, channels), dtype=np.uint8)
  image = Image.fromarray(coarse.squeeze(-1) if channels == 1 else coarse, mode)
  return image.resize((size, size), Image.BICUBIC)


def png_bytes(image):
  buffer = io.BytesIO()
  image.save(buffer, 'PNG')
  return buffer.getvalue()


def jpeg_bytes(image, quality=90):
  buffer = io.BytesIO()
  image.save(buffer, 'JPEG', quality=quality)
  return buffer.getvalue()


# The planted faults and what the report must say about them.
EXPECTED_DROPS = {'undecodable': 2, 'zero_byte': 1, 'truncated': 1, 'exact_duplicate': 1, 'near_duplicate': 1,
                  'too_small': 1, 'cross_split_duplicate': 1}


@pytest.fixture
def faulty_folder(tmp_path):
  """path/{train,test}/{cat,dog}/ with clean images plus planted faults.

  Returns (path, clean_train_paths, clean_test_paths); the grey image in the RGB set is among the
  clean train paths (it must be converted and kept).
  """
  from gan_jax.data import hashing  # pylint: disable=g-import-not-at-top
  rng = np.random.default_rng(0)
  root = tmp_path / 'images'
  clean = {'train': [], 'test': []}
  for split, per_class in (('train', 12), ('test', 4)):
    for cls in ('cat', 'dog'):
      (root / split / cls).mkdir(parents=True)
      for k in range(per_class):
        path = root / split / cls / f'img_{k:02d}.png'
        path.write_bytes(png_bytes(smooth_pattern(rng)))
        clean[split].append(str(path))
  grey = root / 'train' / 'dog' / 'grey.png'
  grey.write_bytes(png_bytes(smooth_pattern(rng, mode='L')))
  clean['train'].append(str(grey))
  # The clean set itself must have no near duplicates, or the expected counts would be wrong.
  pixels = [np.asarray(Image.open(p).convert('RGB')) for p in clean['train'] + clean['test']]
  hashes = hashing.perceptual_hashes(hashing.dct_features(np.stack(pixels)))
  distances = hashing.hamming(hashes[:, None], hashes[None, :])
  assert distances[np.triu_indices(len(hashes), 1)].min() > 6   # default threshold is 4

  cat = root / 'train' / 'cat'
  original = open(clean['train'][0], 'rb').read()
  damaged = bytearray(original)
  damaged[60:160] = bytes(100)
  (cat / 'corrupt.png').write_bytes(bytes(damaged))                     # undecodable (broken stream)
  (cat / 'text.jpg').write_bytes(b'this is not an image\n')            # undecodable (not an image)
  (cat / 'zero.png').write_bytes(b'')                                   # zero_byte
  (cat / 'truncated.png').write_bytes(original[:len(original) // 2])    # truncated
  shutil.copy(clean['train'][1], cat / 'zz_copy.png')                   # exact_duplicate of img_01
  near = Image.open(clean['train'][2])
  (cat / 'zz_near.jpg').write_bytes(jpeg_bytes(near))                   # near_duplicate of img_02
  (cat / 'tiny.png').write_bytes(png_bytes(smooth_pattern(rng, size=4)))  # too_small
  shutil.copy(clean['train'][3], root / 'test' / 'cat' / 'zz_leak.png')  # cross_split_duplicate
  return str(root), clean['train'], clean['test']
