"""The config-level list of point datasets (used before any data is read) agrees with the data sources, and every
source says where its data come from (data_report.json's provenance: source, licence, citation)."""

import json

import pytest

from gan_jax.data import prepare_dataset
from gan_jax.data.sources import get_source
from gan_jax.data.sources.registry import SOURCES
from gan_jax.models import POINT_DATASETS


def test_point_dataset_names_match_the_sources_of_kind_points():
  points = sorted(name for name in SOURCES.names() if SOURCES.get(name).kind == 'points')
  assert points == sorted(POINT_DATASETS)


@pytest.mark.parametrize('name', [*SOURCES.names(), 'mnist'])   # mnist: a tfds catalogue dataset, mocked
def test_every_source_states_its_provenance_from_metadata_alone(data_config, tmp_path, name):
  import tensorflow_datasets as tfds  # pylint: disable=g-import-not-at-top
  data_config.data.name, data_config.data.path = name, str(tmp_path)
  with tfds.testing.mock_data(num_examples=4):   # nothing is prepared, read or downloaded
    provenance = get_source(name).provenance(data_config.data)
  for key in ('source', 'content', 'licence', 'citation'):
    assert isinstance(provenance[key], str) and provenance[key].strip(), (name, key)
  expected = {'digits': 'Alpaydin', 'stacked_digits': 'Alpaydin', 'mnist5k': 'LeCun', 'stacked_mnist5k': 'LeCun',
              'ring2d': 'PacGAN', 'grid2d': 'PacGAN', 'image_folder': 'unknown: supplied by the user',
              'mnist': 'LeCun'}
  assert expected[name] in provenance['citation']
  if name in ('ring2d', 'grid2d'):
    assert provenance['licence'].startswith('none needed: synthetic')
  if name == 'image_folder':
    assert str(tmp_path) in provenance['source'] and provenance['licence'] == 'unknown: supplied by the user'
  if name == 'mnist':
    assert provenance['homepage'].startswith('http') and 'mnist' in provenance['source']


def test_data_report_json_has_the_provenance_fresh_and_from_the_cache(data_config, tmp_path):
  data_config.data.name, data_config.data.num_samples = 'ring2d', 200
  for run, hit in (('fresh', False), ('cached', True)):
    ds = prepare_dataset(data_config, str(tmp_path / run))
    report = json.loads((tmp_path / run / 'data_report.json').read_text())
    assert ds.report['cache_hit'] is hit and report['provenance'] == get_source('ring2d').provenance(data_config.data)
