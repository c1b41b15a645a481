"""Data parallelism in one place: a 1-D 'data' mesh over every device, batch sharded, state replicated.

With the batch sharded on 'data' and everything else replicated, jax.jit partitions the step itself;
reductions over the batch (losses, BatchNorm statistics) are global, so N devices compute what one
device computes on the whole global batch.
"""

from typing import Dict

import jax
import ml_collections
import numpy as np
from jax.sharding import AxisType, Mesh, NamedSharding, PartitionSpec as P

from gan_jax.core.errors import ConfigError

DATA_AXIS = 'data'


def initialize_distributed(config: ml_collections.ConfigDict) -> None:
  """jax.distributed.initialize for config.distributed; explicit fields win over auto-detection."""
  kwargs = {}
  if config.coordinator_address:
    kwargs['coordinator_address'] = config.coordinator_address
  if config.num_processes > 0:
    kwargs['num_processes'] = config.num_processes
  if config.process_id >= 0:
    kwargs['process_id'] = config.process_id
  jax.distributed.initialize(**kwargs)


def make_data_mesh() -> Mesh:
  """1-D mesh named 'data' over jax.devices() (all processes). Auto axes: jit decides the partitioning
  of intermediates from the input shardings."""
  return jax.make_mesh((jax.device_count(),), (DATA_AXIS,), axis_types=(AxisType.Auto,),
                       devices=jax.devices())


def batch_sharding(mesh: Mesh) -> NamedSharding:
  return NamedSharding(mesh, P(DATA_AXIS))


def replicated(mesh: Mesh) -> NamedSharding:
  return NamedSharding(mesh, P())


def check_global_batch(global_batch: int, pack: int, key: str = 'train.batch_size') -> None:
  """ConfigError unless every device gets the same number of whole PacGAN packs."""
  devices, processes = jax.device_count(), jax.process_count()
  unit = devices * pack
  if global_batch <= 0 or global_batch % unit:
    raise ConfigError(
        f'{key}={global_batch} must be a positive multiple of device_count ({devices}) x model.pack '
        f'({pack}) = {unit} (the global batch is split evenly over devices)')
  if global_batch % processes:
    raise ConfigError(f'{key}={global_batch} must divide by the process count ({processes})')


def to_global_batch(local_batch: Dict[str, np.ndarray], mesh: Mesh) -> Dict[str, jax.Array]:
  """This process's share [global/process_count, ...] of each array -> global arrays sharded on 'data'."""
  sharding = batch_sharding(mesh)
  count = jax.process_count()
  return {k: jax.make_array_from_process_local_data(sharding, v, (v.shape[0] * count, *v.shape[1:]))
          for k, v in local_batch.items()}


def replicate(value: np.ndarray, mesh: Mesh) -> jax.Array:
  """A host value that every process holds identically -> a replicated global array."""
  value = np.asarray(value)
  return jax.make_array_from_callback(value.shape, replicated(mesh), lambda index: value[index])


def replicated_copy(value: jax.Array, mesh: Mesh) -> jax.Array:
  """A separate (never donated) replicated copy of a state leaf, e.g. the run's base key for the step's rng."""
  return replicate(np.asarray(jax.device_get(value)), mesh)


def is_writer() -> bool:
  """Only process 0 writes files (Orbax checkpoints are collective and handle this themselves)."""
  return jax.process_index() == 0
