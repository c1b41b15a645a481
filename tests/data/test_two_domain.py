"""Two data domains (gan_jax/data/two_domain.py): batches carry both, unpaired; a domain of other channels or
size is converted to data.channels / data.image_size; a domain that is not an image dataset is refused."""

import numpy as np
import pytest
from PIL import Image

from configs import cyclegan_digits_mnist5k
from gan_jax.core.errors import DataError
from gan_jax.data import prepare_dataset


def _config(data_dir, name_b='digits', path_b=''):
  config = cyclegan_digits_mnist5k.get_config('tiny')
  config.data.data_dir = data_dir
  config.data_b.name, config.data_b.path = name_b, path_b
  return config


def test_batches_carry_both_domains_unpaired(data_dir, tmp_path):
  ds = prepare_dataset(_config(data_dir), str(tmp_path))   # digits as both domains (a transformed-copy setting)
  assert ds.domain('b').example_shape == ds.example_shape == (16, 16, 1)
  batch = next(ds.train_iterator(8))
  assert set(batch) == {'image', 'label', 'image_b', 'label_b'}
  assert batch['image'].shape == batch['image_b'].shape == (8, 16, 16, 1)
  # the same source in both domains: b walks its own order (seed + 1), so no pairs are shown
  assert not np.array_equal(batch['label'], batch['label_b'])
  assert 'domain_b' in ds.report and (tmp_path / 'data_report.json').is_file()
  again = next(ds.train_iterator(8, start_step=0))   # batch k is a function of k for both domains
  np.testing.assert_array_equal(again['image_b'], batch['image_b'])


def test_a_domain_of_other_channels_and_size_is_converted(data_dir, tmp_path):
  draw = np.random.RandomState(0)
  for label in ('x', 'y'):
    (tmp_path / label).mkdir()
    for i in range(6):
      Image.fromarray(draw.randint(0, 255, (20, 20, 3), np.uint8)).save(tmp_path / label / f'{i}.png')
  config = _config(data_dir, 'image_folder', str(tmp_path))
  config.data.val_fraction = config.data.test_fraction = 0.2
  ds = prepare_dataset(config)
  assert ds.domain('b').example_shape == (16, 16, 1) and ds.domain('b').num_classes == 2


def test_a_domain_that_is_not_images_is_refused_in_one_line(data_dir):
  with pytest.raises(DataError) as error:
    prepare_dataset(_config(data_dir, 'ring2d'))
  assert "data_b.name='ring2d' is a points dataset; two-domain translation needs images" == str(error.value)


def test_an_inverted_copy_is_the_source_with_every_pixel_inverted(data_dir):
  config = _config(data_dir)
  config.data_b.transform = 'invert'
  config.data_b.frame_fraction = config.data.frame_fraction   # a transformed copy: the same images, framed alike
  ds = prepare_dataset(config)
  a, b = ds.domain('a').split_arrays('test'), ds.domain('b').split_arrays('test')
  np.testing.assert_array_equal(b['label'], a['label'])
  np.testing.assert_allclose(b['image'], -a['image'], atol=1e-6)   # 255 - p is -x on [-1, 1]
  assert ds.domain('b').report['transform'] == 'invert' and 'transform' not in ds.domain('a').report


def test_domain_b_errors_name_data_b(data_dir, tmp_path):
  from gan_jax.core.errors import ConfigError
  with pytest.raises(ConfigError) as error:
    prepare_dataset(_config(data_dir, 'image_folder', str(tmp_path / 'missing')))
  assert str(error.value).startswith("data_b.path='") and '\n' not in str(error.value)
