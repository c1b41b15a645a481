"""validate_data_config: one-line ConfigErrors naming the field."""

import pytest

from gan_jax.core.errors import ConfigError
from gan_jax.data import validate_data_config


@pytest.mark.parametrize('updates,pattern', [
    ({'name': 'no_such_dataset'}, r"^data.name='no_such_dataset': is neither|^data.name='no_such_dataset' is"),
    ({'val_fraction': 1.5}, r'^data.val_fraction=1.5: must be in \[0, 1\)'),
    ({'test_fraction': 1.2}, r'^data.test_fraction=1.2'),
    ({'val_fraction': 0.5, 'test_fraction': 0.5}, r'^data.val_fraction=0.5: .* must be < 1'),
    ({'name': 'image_folder', 'path': '/no/such/folder'}, r"^data.path='/no/such/folder': folder not found"),
    ({'name': 'image_folder', 'path': ''}, r"^data.path='': "),
    ({'rebalance': 'adasyn'}, r"^data.rebalance='adasyn' is not a known"),
    ({'rebalance': 'target'}, r'^data.target_distribution=None'),
    ({'channels': 2}, r'^data.channels=2'),
    ({'resize_method': 'fancy'}, r"^data.resize_method='fancy'"),
    ({'name': 'stacked_digits'}, r'^data.channels=1: stacked_digits'),
    ({'name': 'ring2d', 'standardize': True}, r'^data.standardize=True'),
])
def test_bad_values_name_the_field(data_config, updates, pattern):
  data_config.data.update(updates)
  with pytest.raises(ConfigError, match=pattern) as error:
    validate_data_config(data_config)
  assert '\n' not in str(error.value)


@pytest.mark.parametrize('key,value,pattern', [
    ('augment.color_jitter', 0.5, r'^data.augment.color_jitter=0.5: colour jitter needs data.channels=3'),
    ('augment.hflip', 1.5, r'^data.augment.hflip=1.5'),
    ('clean.channel_policy', 'keep', r"^data.clean.channel_policy='keep'"),
    ('clean.near_duplicate_threshold', 40, r'^data.clean.near_duplicate_threshold=40'),
    ('clean.outlier_score', 'zscore', r"^data.clean.outlier_score='zscore'"),
    ('clean.copy_max_distance', 0.0, r'^data.clean.copy_max_distance=0.0: copy distance in \(0, 1\]'),
    ('clean.copy_max_distance', 1.5, r'^data.clean.copy_max_distance=1.5: copy distance in \(0, 1\]'),
    ('clean.copy_max_distance', float('nan'), r'^data.clean.copy_max_distance=nan'),
    ('clean.max_class_share_change', -1.0, r'^data.clean.max_class_share_change=-1.0: percentage points in \[0, 100\]'),
    ('clean.max_class_share_change', 101.0, r'^data.clean.max_class_share_change=101.0'),
])
def test_nested_fields(data_config, key, value, pattern):
  section, field = key.split('.')
  data_config.data[section][field] = value
  with pytest.raises(ConfigError, match=pattern) as error:
    validate_data_config(data_config)
  assert '\n' not in str(error.value)


def test_defaults_and_catalogue_names_pass(data_config):
  validate_data_config(data_config)
  data_config.data.name = 'cifar10'
  validate_data_config(data_config)
