"""The config schema: one declaration per key; configs/default.py, the key lists and the errors come from it."""

import glob
import importlib
import os
import pathlib
import re

import pytest

from gan_jax.core import checkpointing, schema
from gan_jax.core.errors import ConfigError
from gan_jax.data import cache
from gan_jax.run import resume

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_default_config_is_generated_from_the_schema():
  assert (ROOT / 'configs' / 'default.py').read_text() == schema.default_config_source(), (
      'configs/default.py is out of date: python -m gan_jax.core.schema > configs/default.py')


def test_every_experiment_config_passes_the_schema():
  for path in sorted(glob.glob(str(ROOT / 'configs' / '**' / '*.py'), recursive=True)):
    module = importlib.import_module(os.path.relpath(path, ROOT)[:-3].replace(os.sep, '.'))
    if hasattr(module, 'get_config'):
      schema.check_values(module.get_config())


def test_key_lists_come_from_the_schema():
  assert resume.DATA_IDENTITY == schema.keys_with(schema.DATA_IDENTITY)
  assert 'data.split_seed' in resume.DATA_IDENTITY and 'data.imbalance_factor' in resume.TRAIN_MEMBERSHIP
  assert 'train.steps' in resume.FREE_TO_CHANGE
  assert 'model.d_embed_dim' in checkpointing.SHAPE_FIELDS   # ReACGAN's embedding: missed by the old hand list
  assert 'clean.copy_max_distance' in cache.KEY_FIELDS and 'rebalance' not in cache.KEY_FIELDS
  # Every data-identity key is in the prepared-data cache key (a split the cache could not tell apart).
  assert {k.split('.', 1)[1] for k in resume.DATA_IDENTITY} <= set(cache.KEY_FIELDS)


@pytest.mark.parametrize('key, value, message', [
    ('train.steps', 0, 'train.steps=0 must be an integer >= 1'),
    ('train.batch_size', 2.5, 'train.batch_size=2.5 must be an integer >= 1'),
    ('optim.b1', 1.0, 'optim.b1=1.0 must be a number in [0, 1)'),
    ('optim.g_lr', float('nan'), 'optim.g_lr=nan must be a finite number > 0'),
    ('data.augment.hflip', 2.0, 'data.augment.hflip=2.0 must be a number in [0, 1] (a probability; 0 = off)'),
    ('data.antialias', 'yes', "data.antialias='yes' must be True or False"),
    ('model.d_spectral_norm', 1, 'model.d_spectral_norm=1 must be None, True or False'),
])
def test_wrong_type_or_range_is_one_line(key, value, message):
  config = importlib.import_module('configs.default').get_config()
  section, name = key.rsplit('.', 1)
  node = config
  for part in section.split('.'):
    node = node[part]
  with node.ignore_type():
    node[name] = value
  with pytest.raises(ConfigError) as error:
    schema.check_values(config)
  assert str(error.value) == message


def test_unknown_keys_are_named_with_the_closest_key():
  assert schema.unknown_key('train.steps') is None and schema.unknown_key('data.clean') is None
  assert schema.unknown_key('optim.glr') == ("--config.optim.glr: config.optim has no key 'glr'; "
                                             'did you mean --config.optim.g_lr?')
  config = importlib.import_module('configs.default').get_config()
  config.train.stepz = 5
  expected = r"^train.stepz: config.train has no key 'stepz'; did you mean --config.train.steps\?$"
  with pytest.raises(ConfigError, match=expected):
    schema.check_values(config)


def test_every_key_is_read_by_gan_jax():
  """No dead keys: each key's name appears in the package outside the schema (as `.name` or 'name')."""
  source = '\n'.join(p.read_text() for p in (ROOT / 'gan_jax').rglob('*.py') if p.name != 'schema.py')
  last = lambda key: re.escape(key.name.rsplit('.', 1)[-1])
  unread = [k.name for k in schema.KEYS if not re.search(rf"(\.{last(k)}\b|'{last(k)}')", source)]
  assert not unread, f'keys nothing reads: {unread}'


def test_set_value_and_parse_override_walk_dotted_keys():
  config = importlib.import_module('configs.default').get_config()
  key, text, value = schema.parse_override('cyclegan.metrics=("cycle_error",)')
  assert (key, text, value) == ('cyclegan.metrics', '("cycle_error",)', ('cycle_error',))
  schema.set_value(config, key, value)
  assert schema.value(config, 'cyclegan.metrics') == ('cycle_error',)
  assert schema.parse_override('data.name=digits')[2] == 'digits'   # not a literal: the text
  assert schema.parse_override('data.frame_fraction=0.7')[2] == 0.7
  for bad in ('data.frame_fraction', '=1'):
    with pytest.raises(ValueError, match=f"^{re.escape(repr(bad))} is not KEY=VALUE"):
      schema.parse_override(bad)
