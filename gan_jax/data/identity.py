"""What a dataset is (its identity) apart from how one run trains on it; the reference data of instruments.

Every data.* key falls in one group (tests/data/test_identity.py holds configs/default.py to it):

  IDENTITY_FIELDS  decide the full, clean, real splits: the prepared-data cache's key fields (source,
                   size, channels, cleaning, split fractions and seed) and data.standardize, which changes
                   what split_arrays serves. With the source fingerprint they are the data identity.
  RUN_SPECIFIC     change only what one run trains on: the train split's content (long tail, synthetic
                   examples), its subset, order and augmentation. `reference_config` turns them off.
  STORAGE          where and how the data are read, never what they are.

Instruments shared between runs (the evaluation classifier, reference statistics) are built on the
reference data (`reference_dataset`) and keyed by `data_identity`, so that no run's settings decide what
another run measures.
"""

import hashlib
import json
from typing import Any, Dict

from gan_jax.core import schema
from gan_jax.data import cache
from gan_jax.data.dataset import prepare_dataset
from gan_jax.data.sources import get_source

# The schema's classifier-identity keys of the data section (dotted below data., e.g. 'clean.min_size').
IDENTITY_FIELDS = tuple(name.split('.', 1)[1] for name in schema.keys_with(schema.CLASSIFIER, 'data'))
# Each run-specific key with the value that turns it off: its schema default. They are the keys of which examples
# the run trains on (the schema's train_membership) and of how often it sees each (rebalance).
_SAMPLING = ('data.rebalance', 'data.target_distribution', 'data.smote_k')
RUN_SPECIFIC = {name.split('.', 1)[1]: schema.BY_NAME[name].default
                for name in schema.keys_with(schema.TRAIN_MEMBERSHIP, 'data') + _SAMPLING}
RUN_SPECIFIC_GROUPS = ('augment',)   # every op probability set to 0
STORAGE = ('data_dir', 'download', 'cache', 'deterministic', 'prefetch',
           'augment_params')   # augment_params: inert once every data.augment probability is 0
IDENTITY_FORMAT = 1


def is_reference(data_config) -> bool:
  """True when no run-specific key of data_config is on: its train split is the full, clean, real one."""
  return (all(schema.value(data_config, k, plain=True) == v for k, v in RUN_SPECIFIC.items())
          and all(not data_config[g][op] for g in RUN_SPECIFIC_GROUPS for op in data_config[g]))


def reference_config(config):
  """A copy of config whose data.* run-specific keys are off (identity and storage keys kept)."""
  reference = config.copy_and_resolve_references()
  for key, value in RUN_SPECIFIC.items():
    reference.data[key] = value
  for group in RUN_SPECIFIC_GROUPS:
    for op in reference.data[group]:
      reference.data[group][op] = 0.0
  return reference


def data_identity(data_config) -> Dict[str, Any]:
  """{'fields': IDENTITY_FIELDS values, 'fingerprint': the source's, 'prepared_format', 'format', 'sha256'}.

  Run-specific and storage keys never enter it: every run on the same data has the same identity.
  """
  identity = {'fields': {k: schema.value(data_config, k, plain=True) for k in IDENTITY_FIELDS},
              'fingerprint': get_source(data_config.name).fingerprint(data_config),
              'prepared_format': cache.FORMAT_VERSION, 'format': IDENTITY_FORMAT}
  blob = json.dumps(identity, sort_keys=True, default=str)
  return {**identity, 'sha256': hashlib.sha256(blob.encode()).hexdigest()}


def reference_dataset(config, ds=None):
  """The PreparedDataset of reference_config(config): `ds` itself when its train split already is the full
  clean one, else prepared (from the prepared-data cache when there is one; no data report is written)."""
  if ds is not None and is_reference(ds.data_config):
    return ds
  index, count = (ds.process_index, ds.process_count) if ds is not None else (0, 1)
  return prepare_dataset(reference_config(config), None, index, count)
