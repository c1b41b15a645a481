"""Data sources by name: gan_jax's own sources, then any tfds catalogue image dataset."""

from gan_jax.data.sources import digits, image_folder, points, stacked_digits, tfds_catalog  # registers
from gan_jax.data.sources.registry import SOURCES, Source


def get_source(name: str) -> Source:
  """The source registered under `name`, or the tfds catalogue source for any other name."""
  if name in SOURCES:
    return SOURCES.get(name)()
  return tfds_catalog.TfdsSource(name)


__all__ = ['SOURCES', 'Source', 'get_source']
