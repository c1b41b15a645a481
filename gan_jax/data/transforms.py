"""data.transform: a known pixel transform of a whole dataset (a transformed copy with ground truth), by name.

  arrays, report = apply_transform(data_config, arrays, report)   # end of the prepare stage, then cached
  TRANSFORMS.get('invert').unit(x)                                 # the same map on [-1, 1] images

Its use is the second CycleGAN pair of issue 23: domain b = the same source with data_b.transform='invert',
so the true translation of every image is known and a translation can be scored by its L1 distance to it
(gan_jax.metrics.translation's ground_truth_l1). Each entry maps uint8 pixels (the prepared arrays) and,
equivalently, [-1, 1] images (what the models see, when data.standardize is off), and names its inverse.
Applied at the end of the prepare stage (after cleaning and splitting, so both copies hold the same images in the
same splits) and cached with it: data.transform is in the prepared-data cache key and the data identity, so the
copy has its own cache and its own evaluation classifier.
"""

from typing import Callable, Dict, NamedTuple, Tuple

import numpy as np

from gan_jax.core.errors import DataError
from gan_jax.core.registry import Registry


class Transform(NamedTuple):
  pixels: Callable[[np.ndarray], np.ndarray]   # uint8 [N, H, W, C] -> uint8, same shape
  unit: Callable[[np.ndarray], np.ndarray]     # float [..., C] in [-1, 1] -> the same map in that range
  inverse: str                                  # the registry name of the inverse map


TRANSFORMS = Registry('data transform', 'data.transform')
TRANSFORMS.register('none')(Transform(lambda x: x, lambda x: x, 'none'))
# 255 - p in pixels is -x on p / 127.5 - 1: the map is exact in both ranges and its own inverse.
TRANSFORMS.register('invert')(Transform(lambda x: (255 - x.astype(np.int64)).astype(x.dtype), lambda x: -x, 'invert'))


def apply_transform(data_config, arrays: Dict[str, Dict[str, np.ndarray]], report: dict
                    ) -> Tuple[Dict[str, Dict[str, np.ndarray]], dict]:
  """Every split's pixels mapped by data.transform (identity for 'none'), and the report saying so."""
  name = data_config.transform
  if name == 'none':
    return arrays, report
  if report['kind'] != 'image':
    raise DataError(f'data.transform={name!r}: data.name={data_config.name!r} is a {report["kind"]} dataset; '
                    'transforms apply to images')
  fn = TRANSFORMS.get(name).pixels
  mapped = {split: {**parts, 'data': fn(parts['data'])} for split, parts in arrays.items()}
  return mapped, {**report, 'transform': name}
