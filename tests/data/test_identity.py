"""gan_jax.data.identity: every data key has a group; run-specific keys never change the identity."""

import numpy as np

from configs.default import get_config
from gan_jax.data import identity, prepare_dataset


def test_every_data_key_is_identity_run_specific_or_storage():
  data = get_config().data
  groups = [{k.split('.')[0] for k in identity.IDENTITY_FIELDS},
            set(identity.RUN_SPECIFIC) | set(identity.RUN_SPECIFIC_GROUPS),
            set(identity.STORAGE)]
  assert sum(map(len, groups)) == len(set().union(*groups))   # disjoint
  assert set().union(*groups) == set(data.keys())             # a new data.* key needs a group
  assert {k: data[k] for k in identity.RUN_SPECIFIC} == identity.RUN_SPECIFIC   # "off" is the default
  assert not any(data.augment.values()) and identity.is_reference(data)


def test_reference_config_turns_run_specific_keys_off_and_keeps_the_identity(data_config, tmp_path):
  run = data_config.copy_and_resolve_references()
  run.data.update(imbalance_factor=10.0, synthetic_path=str(tmp_path), synthetic_fill='all', rebalance='target',
                  target_distribution={0: 1.0}, train_fraction=0.5)
  run.data.augment.hflip = 0.5
  reference = identity.reference_config(run)
  assert not identity.is_reference(run.data) and identity.is_reference(reference.data)
  assert reference.data.to_dict() == data_config.data.to_dict()
  assert run.data.imbalance_factor == 10.0   # a copy: the run's config is left as it was
  assert identity.data_identity(run.data) == identity.data_identity(data_config.data)
  for key, value in (('split_seed', 1), ('val_fraction', 0.2), ('image_size', 32), ('standardize', True)):
    other = data_config.copy_and_resolve_references()
    other.data[key] = value
    assert identity.data_identity(other.data)['sha256'] != identity.data_identity(data_config.data)['sha256'], key


def test_reference_dataset_is_the_full_clean_train_split(data_config):
  plain = prepare_dataset(data_config)
  assert identity.reference_dataset(data_config, plain) is plain   # nothing to undo: no second preparation
  run = data_config.copy_and_resolve_references()
  run.data.update(imbalance_factor=10.0, train_fraction=0.5)
  long_tail = prepare_dataset(run)
  assert len(long_tail.split_sources('train')) < len(plain.split_sources('train'))
  reference = identity.reference_dataset(run, long_tail)
  for split in ('train', 'val', 'test'):
    np.testing.assert_array_equal(reference.split_sources(split), plain.split_sources(split))
