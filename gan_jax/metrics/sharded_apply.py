"""Run a feature function over a large array in jitted, device-sharded batches."""

from typing import Any, Callable, Dict

import jax
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec as P


def data_mesh() -> Mesh:
  # Evaluation inputs live on the host of each process, so the mesh spans this process's devices
  # (all of jax.devices() in a single-process run).
  return Mesh(np.array(jax.local_devices()), ('data',))


class ShardedApply:
  """apply(variables, x [B, ...]) -> dict of [B, ...] arrays, run as jit with x sharded on 'data'.

  `__call__(inputs [N, ...])` pads the last batch (batch size rounded up to a multiple of the device
  count) and returns numpy arrays of N rows.
  """

  def __init__(self, apply_fn: Callable[[Any, jax.Array], Dict[str, jax.Array]], variables: Any, batch_size: int):
    self.mesh = data_mesh()
    num_devices = self.mesh.devices.size
    self.batch_size = -(-batch_size // num_devices) * num_devices
    self._batch_sharding = NamedSharding(self.mesh, P('data'))
    self._variables = jax.device_put(variables, NamedSharding(self.mesh, P()))
    self._apply = jax.jit(apply_fn, out_shardings=self._batch_sharding)

  def __call__(self, inputs: np.ndarray) -> Dict[str, np.ndarray]:
    inputs = np.asarray(inputs, np.float32)
    outputs: Dict[str, list] = {}
    for start in range(0, inputs.shape[0], self.batch_size):
      chunk = inputs[start:start + self.batch_size]
      padded = np.zeros((self.batch_size,) + inputs.shape[1:], np.float32)
      padded[:len(chunk)] = chunk
      result = self._apply(self._variables, jax.device_put(padded, self._batch_sharding))
      for name, value in result.items():
        outputs.setdefault(name, []).append(np.asarray(value)[:len(chunk)])
    return {name: np.concatenate(parts) for name, parts in outputs.items()}
