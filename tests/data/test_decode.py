"""Decoding photos: EXIF orientation applied and reported; large images decoded reduced (JPEG draft, box
reduction) without changing what the cleaning checks see (original size) or the prepared pixels."""

import io
import os

import numpy as np
import pytest
from PIL import Image

from gan_jax.data import decode, prepare_dataset
from gan_jax.data.cleaning import resize_images
from gan_jax.data.records import Fault
from tests.data.conftest import png_bytes, smooth_pattern

_ORIENTATION = 0x0112


def sideways_jpeg(orientation: int = 6):
  """(JPEG bytes of a 64x48 grey picture stored sideways with an EXIF orientation tag, its stored pixels)."""
  stored = np.full((48, 64), 255, np.uint8)
  stored[:, :20] = 0          # a dark band on the left
  stored[:16, 20:40] = 128    # a grey block at the top
  exif = Image.Exif()
  exif[_ORIENTATION] = orientation
  buffer = io.BytesIO()
  Image.fromarray(stored, 'L').save(buffer, 'JPEG', quality=95, exif=exif)
  return buffer.getvalue(), stored


def test_exif_orientation_is_applied_and_reported(tmp_path):
  data, stored = sideways_jpeg(6)   # 6: rotate 90 degrees clockwise to display
  path = tmp_path / 'portrait.jpg'
  path.write_bytes(data)
  decoded = decode.decode_file(str(path), 1, 'convert')
  assert decoded.pixels.shape == (64, 48, 1)
  assert np.abs(decoded.pixels[..., 0].astype(int) - np.rot90(stored, k=-1)).mean() < 3
  assert decoded.conversions == ['EXIF orientation 6 applied', decode.NON_SQUARE]   # 48x64: stretched later


def test_non_square_image_is_noted_and_square_one_is_not(tmp_path):
  for (width, height), noted in (((40, 17), True), ((17, 17), False)):
    path = tmp_path / f'{width}x{height}.png'
    Image.fromarray(np.full((height, width), 128, np.uint8), 'L').save(path)
    assert (decode.NON_SQUARE in decode.decode_file(str(path), 1, 'convert').conversions) == noted


def test_portrait_photo_is_prepared_upright(data_config, tmp_path):
  root = tmp_path / 'photos'
  root.mkdir()
  rng = np.random.default_rng(5)
  for k in range(10):
    (root / f'landscape_{k}.png').write_bytes(png_bytes(smooth_pattern(rng, mode='L')))
  data, stored = sideways_jpeg(6)
  (root / 'portrait.jpg').write_bytes(data)
  data_config.data.update({'name': 'image_folder', 'path': str(root), 'channels': 1, 'image_size': 16})
  ds = prepare_dataset(data_config)
  portrait = str(root / 'portrait.jpg')
  assert {'source': portrait, 'reason': 'converted', 'detail': 'EXIF orientation 6 applied'} in ds.report['converted']
  split = next(s for s in ('train', 'val', 'test') if portrait in set(ds.split_sources(s)))
  image = ds.split_arrays(split)['image'][list(ds.split_sources(split)).index(portrait)][..., 0]
  to_unit = lambda pixels: resize_images(pixels[None, ..., None], 16, 'bilinear', True)[0, ..., 0] / 127.5 - 1
  assert np.abs(image - to_unit(np.rot90(stored, k=-1))).mean() < 0.05
  assert np.abs(image - to_unit(stored)).mean() > 0.3   # used sideways, it would look like this


@pytest.fixture(scope='module')
def large_photos(tmp_path_factory):
  """A 2400x1800 JPEG and PNG of the same smooth scene with fine grain; returns (jpeg path, png path, pixels)."""
  rng = np.random.default_rng(11)
  scene = Image.fromarray(rng.integers(0, 216, (6, 8, 3), dtype=np.uint8), 'RGB').resize((2400, 1800), Image.BICUBIC)
  pixels = np.asarray(scene) + rng.integers(0, 40, (1800, 2400, 1), dtype=np.uint8)
  folder = tmp_path_factory.mktemp('large')
  Image.fromarray(pixels).save(folder / 'big.jpg', quality=90)
  Image.fromarray(pixels).save(folder / 'big.png', compress_level=1)
  return str(folder / 'big.jpg'), str(folder / 'big.png'), pixels


@pytest.mark.parametrize('kind', ['jpg', 'png'])
def test_large_images_decode_reduced_with_checks_on_the_original_size(large_photos, kind):
  path = large_photos[0] if kind == 'jpg' else large_photos[1]
  decoded = decode.decode_file(path, 3, 'convert', min_size=1000, reduce_to=128)
  height, width = decoded.pixels.shape[:2]
  assert 128 <= min(height, width) < 256 and abs(width / height - 4 / 3) < 0.02
  with pytest.raises(Fault) as caught:
    decode.decode_file(path, 3, 'convert', min_size=2000, reduce_to=128)
  assert caught.value.reason == 'too_small' and caught.value.detail.startswith('2400x1800 ')
  with open(path, 'rb') as f:
    data = f.read()
  assert decoded.content_hash == decode.hashing.bytes_hash(data)
  cut = os.path.join(os.path.dirname(path), f'cut.{kind}')
  with open(cut, 'wb') as f:
    f.write(data[:len(data) // 2])
  with pytest.raises(Fault) as caught:   # a reduced decode still reads the whole stream
    decode.decode_file(cut, 3, 'convert', reduce_to=128)
  assert caught.value.reason == 'truncated'


@pytest.mark.parametrize('size', [32, 64])
def test_reduced_decoding_prepares_the_same_pixels(large_photos, size):
  """Against the scene's true pixels, reduction changes the prepared image by well under one 8-bit level
  on average and by at most 2 anywhere (a full decode of the q90 JPEG is itself up to 10-12 levels off)."""
  jpeg, png, pixels = large_photos
  reference = resize_images(pixels[None], size, 'bilinear', True).astype(int)
  for path in (png, jpeg):
    reduced = decode.decode_file(path, 3, 'convert', reduce_to=decode.working_side(size)).pixels
    assert max(reduced.shape[:2]) < 4 * max(decode.working_side(size), 64)
    prepared = resize_images(reduced[None], size, 'bilinear', True).astype(int)
    assert np.abs(prepared - reference).mean() < 0.5
    assert np.abs(prepared - reference).max() <= 3
