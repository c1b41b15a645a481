"""The config-level list of point datasets (used before any data is read) agrees with the data sources."""

from gan_jax.data.sources.registry import SOURCES
from gan_jax.models import POINT_DATASETS


def test_point_dataset_names_match_the_sources_of_kind_points():
  points = sorted(name for name in SOURCES.names() if SOURCES.get(name).kind == 'points')
  assert points == sorted(POINT_DATASETS)
