"""data.transform (gan_jax/data/transforms.py): the pixel map and its [-1, 1] form agree, inverse maps undo,
only images are transformed, unknown names fail in one line."""

import ml_collections
import numpy as np
import pytest

from gan_jax.core.errors import ConfigError, DataError
from gan_jax.data.transforms import TRANSFORMS, apply_transform


@pytest.mark.parametrize('name', sorted(TRANSFORMS.names()))
def test_the_pixel_map_and_the_unit_map_agree_and_the_inverse_undoes_it(name):
  pixels = np.random.RandomState(0).randint(0, 256, (5, 4, 4, 1)).astype(np.uint8)
  entry = TRANSFORMS.get(name)
  mapped = entry.pixels(pixels)
  assert mapped.dtype == np.uint8 and mapped.shape == pixels.shape
  unit = pixels.astype(np.float32) / 127.5 - 1.0
  np.testing.assert_allclose(mapped.astype(np.float32) / 127.5 - 1.0, entry.unit(unit), atol=1e-6)
  np.testing.assert_allclose(TRANSFORMS.get(entry.inverse).unit(entry.unit(unit)), unit, atol=1e-6)


def test_invert_is_255_minus_p_on_every_split():
  arrays = {s: {'data': np.array([[[[0]], [[255]]]], np.uint8), 'labels': np.array([1])} for s in ('train', 'test')}
  out, report = apply_transform(ml_collections.ConfigDict({'transform': 'invert', 'name': 'x'}), arrays,
                                {'kind': 'image'})
  for split in arrays:
    np.testing.assert_array_equal(out[split]['data'], [[[[255]], [[0]]]])
    np.testing.assert_array_equal(out[split]['labels'], [1])
  assert report['transform'] == 'invert'


def test_none_returns_the_arrays_untouched():
  arrays = {'train': {'data': np.zeros((1, 2, 2, 1), np.uint8)}}
  out, report = apply_transform(ml_collections.ConfigDict({'transform': 'none', 'name': 'x'}), arrays, {})
  assert out is arrays and report == {}


def test_points_are_refused_in_one_line():
  with pytest.raises(DataError, match=r"data.transform='invert': data.name='ring2d' is a points dataset"):
    apply_transform(ml_collections.ConfigDict({'transform': 'invert', 'name': 'ring2d'}),
                    {'train': {'data': np.zeros((2, 2), np.float32)}}, {'kind': 'points'})


def test_an_unknown_transform_is_refused_naming_the_field():
  with pytest.raises(ConfigError, match=r"data.transform='flip' is not a known data transform; allowed: invert, none"):
    TRANSFORMS.check('flip')
  with pytest.raises(ConfigError, match=r"^data_b.transform='flip' is not a known data transform; allowed: invert, "
                     r"none$"):
    TRANSFORMS.check('flip', 'data_b.transform')   # domain b's key, through the same registry
