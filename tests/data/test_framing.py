"""data.frame_fraction (gan_jax/data/cleaning.py fit_images / frame_images): the resized image fills that fraction of
the side, centred on a margin of its own border's median; 1 is the plain resize. data_b has its own fraction, and
--mode=translate frames a folder as its source domain's data stage does."""

import numpy as np
import pytest
from PIL import Image

from configs import cyclegan_digits_mnist5k
from gan_jax.core import schema
from gan_jax.core.errors import ConfigError
from gan_jax.data import prepare_dataset
from gan_jax.data.cleaning import fit_images, frame_images, framed_box, resize_images
from gan_jax.data.two_domain import domain_config
from gan_jax.outputs.translate import read_folder


def _data(size=16, fraction=1.0):
  config = cyclegan_digits_mnist5k.get_config('tiny')
  config.data.image_size, config.data.frame_fraction = size, fraction
  return config.data


def test_fraction_one_is_the_plain_resize():
  pixels = np.random.RandomState(0).randint(0, 256, (3, 8, 8, 1)).astype(np.uint8)
  np.testing.assert_array_equal(fit_images(pixels, _data(16, 1.0)), resize_images(pixels, 16, 'bilinear', True))


def test_the_image_is_resized_to_the_fraction_and_centred_on_its_border_median():
  pixels = np.full((2, 8, 8, 3), 200, np.uint8)           # a light border ...
  pixels[:, 2:6, 2:6] = 10                                  # ... around a dark square
  pixels[1, 0, :3] = 0                                      # 3 of 28 ring pixels differ: the median stays 200
  framed = fit_images(pixels, _data(16, 0.5))               # 8 of 16: the 8x8 image itself, 4 pixels of margin
  assert framed.shape == (2, 16, 16, 3)
  np.testing.assert_array_equal(framed[:, 4:12, 4:12], pixels)
  margin = np.ones((16, 16), bool)
  margin[4:12, 4:12] = False
  assert (framed[:, margin] == 200).all()


def test_the_framed_box_is_where_framing_placed_the_image():
  pixels = np.random.RandomState(0).randint(0, 256, (2, 7, 7, 1)).astype(np.uint8)
  framed = fit_images(pixels, _data(16, 0.45))              # round(0.45 * 16) = 7: the image itself, from row 4
  np.testing.assert_array_equal(framed_box(framed, 0.45), pixels)
  assert framed_box(framed, 1.0).shape == framed.shape   # fraction 1: the whole image


def test_an_uneven_margin_puts_the_extra_pixel_after():
  pixels = np.arange(9, dtype=np.uint8).reshape(1, 3, 3, 1)
  framed = frame_images(pixels, 6)                          # margin 3: 1 before, 2 after
  np.testing.assert_array_equal(framed[0, 1:4, 1:4], pixels[0])
  assert (framed[0, 0] == 4).all() and (framed[0, 4:] == 4).all()   # median of 0,1,2,3,5,6,7,8 rounds to 4


@pytest.mark.parametrize('key', ['data.frame_fraction', 'data_b.frame_fraction'])
@pytest.mark.parametrize('value', [0.0, 1.5, -0.2])
def test_a_fraction_outside_0_1_is_refused_in_one_line(key, value):
  config = cyclegan_digits_mnist5k.get_config('tiny')
  section, name = key.split('.')
  config[section][name] = value
  with pytest.raises(ConfigError) as error:
    schema.check_values(config)
  assert str(error.value).startswith(f'{key}={value!r} must be a number in (0, 1]') and '\n' not in str(error.value)


def test_each_domain_is_framed_by_its_own_fraction(data_dir):
  config = cyclegan_digits_mnist5k.get_config('tiny')
  config.data.data_dir = data_dir
  config.data_b.name, config.data.frame_fraction = 'digits', 0.5   # digits framed (a) against digits as they are (b)
  ds = prepare_dataset(config)
  a, b = ds.domain('a').split_arrays('test')['image'], ds.domain('b').split_arrays('test')['image']
  assert a.shape == b.shape == (len(a), 16, 16, 1)
  assert (a[:, :4] == -1).all() and (a[:, 12:] == -1).all() and (a[:, :, :4] == -1).all()   # black margin
  assert (b[:, :4] > -1).any()
  assert domain_config(config, 'b').data.frame_fraction == 1.0 and domain_config(config, 'a').data.frame_fraction == 0.5


def test_translate_frames_a_folder_as_its_source_domain(tmp_path):
  Image.fromarray(np.full((8, 8), 255, np.uint8)).save(tmp_path / 'white.png')
  config = cyclegan_digits_mnist5k.get_config('tiny')
  config.data_b.frame_fraction = 0.5
  as_a, _ = read_folder(str(tmp_path), domain_config(config, 'a').data)
  as_b, _ = read_folder(str(tmp_path), domain_config(config, 'b').data)
  assert (as_a == 1).all()                                  # domain a: the whole frame, unframed
  assert (as_b == 1).all()                                  # white border: a white margin ...
  Image.fromarray(np.pad(np.full((6, 6), 255, np.uint8), 1)).save(tmp_path / 'white.png')   # ... black border
  as_b, _ = read_folder(str(tmp_path), domain_config(config, 'b').data)
  assert (as_b[0, :4] == -1).all() and (as_b[0, 4:12, 4:12] > -1).any()
