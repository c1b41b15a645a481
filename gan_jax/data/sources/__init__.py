"""Data sources by name: gan_jax's own sources, then any tfds catalogue image dataset.

Sources that need tensorflow_datasets (`digits` and the catalogue) are imported when asked for, so the
numpy sources (ring2d, grid2d, stacked_digits, mnist5k, stacked_mnist5k, image_folder) work without TensorFlow
installed.
"""

from gan_jax.data.sources import (image_folder, mnist5k, points, stacked_digits,  # noqa: F401  (register themselves)
                                  stacked_mnist5k)
from gan_jax.data.sources.registry import SOURCES, Source


@SOURCES.register('digits')
class _Digits:
  """Stands in for digits.DigitsSource in the registry; constructing it imports tfds and builds that."""
  kind = 'image'

  def __new__(cls):
    from gan_jax.data import tf_env  # pylint: disable=g-import-not-at-top
    tf_env.load()   # TF with its GPUs hidden, before digits.py's tfds import can initialise them
    from gan_jax.data.sources.digits import DigitsSource  # pylint: disable=g-import-not-at-top
    return DigitsSource()


def get_source(name: str) -> Source:
  """The source registered under `name`, or the tfds catalogue source for any other name."""
  if name in SOURCES:
    return SOURCES.get(name)()
  from gan_jax.data.sources import tfds_catalog  # pylint: disable=g-import-not-at-top
  return tfds_catalog.TfdsSource(name)


__all__ = ['SOURCES', 'Source', 'get_source']
