"""Which accelerator a run uses: one line at the start of every run, and the same facts in its records.

  info = runtime.announce()     # prints `backend: gpu, 8 x NVIDIA H200, 1 process, jax 0.11.0` (and the
                                # warning below); returns describe_backend()
A GPU that JAX does not use is the usual silent failure of a pip install (CPU-only jaxlib): when
`nvidia-smi -L` lists a GPU and JAX's backend is the CPU, one line says so with the install command.
Call after jax.distributed.initialize (process and device counts are global then).
"""

import functools
import subprocess
from typing import Dict, List, Optional

INSTALL_HINT = 'pip install -e ".[cuda12]"  (or ".[cuda13]"; see README, "On a GPU or TPU")'


def describe_backend() -> Dict[str, object]:
  """{'backend', 'device_kind', 'device_count', 'local_device_count', 'process_count', 'process_index',
  'jax_version'} of the JAX runtime of this process (initialises JAX's backend)."""
  import jax  # pylint: disable=g-import-not-at-top

  devices = jax.devices()
  return {
      'backend': jax.default_backend(), 'device_kind': devices[0].device_kind,
      'device_count': jax.device_count(), 'local_device_count': jax.local_device_count(),
      'process_count': jax.process_count(), 'process_index': jax.process_index(),
      'jax_version': jax.__version__,
  }


def backend_line(info: Optional[Dict[str, object]] = None) -> str:
  """'backend: cpu, 8 x cpu, 1 process, jax 0.10.2'."""
  info = describe_backend() if info is None else info
  processes = info['process_count']
  return (f"backend: {info['backend']}, {info['device_count']} x {info['device_kind']}, "
          f"{processes} process{'es' if processes != 1 else ''}, jax {info['jax_version']}")


@functools.lru_cache(maxsize=1)
def nvidia_gpus() -> List[str]:
  """The lines of `nvidia-smi -L` ('GPU 0: NVIDIA H200 (UUID: ...)'), or [] where it is absent or fails."""
  try:
    out = subprocess.run(['nvidia-smi', '-L'], capture_output=True, text=True, timeout=10)
  except (OSError, subprocess.SubprocessError):
    return []
  if out.returncode:
    return []
  return [line.strip() for line in out.stdout.splitlines() if line.strip().startswith('GPU')]


def gpu_unused_line(info: Optional[Dict[str, object]] = None, gpus: Optional[List[str]] = None) -> Optional[str]:
  """The warning when an NVIDIA GPU is visible but JAX runs on the CPU; None otherwise."""
  info = describe_backend() if info is None else info
  gpus = nvidia_gpus() if gpus is None else gpus
  if info['backend'] != 'cpu' or not gpus:
    return None
  return (f'warning: {len(gpus)} NVIDIA GPU(s) visible ({gpus[0].split(" (UUID")[0]}) but JAX runs on the CPU '
          f'(CPU-only jaxlib); install the CUDA build: {INSTALL_HINT}')


def warn_if_gpu_unused(info: Optional[Dict[str, object]] = None) -> Optional[str]:
  """Prints gpu_unused_line when there is one; returns it."""
  line = gpu_unused_line(info)
  if line:
    print(line, flush=True)
  return line


def announce() -> Dict[str, object]:
  """Prints backend_line (and the unused-GPU warning) and returns describe_backend()."""
  info = describe_backend()
  print(backend_line(info), flush=True)
  warn_if_gpu_unused(info)
  return info


def config_json(config) -> str:
  """DIR/config.json: the resolved config, plus the backend facts under the key 'runtime'."""
  import json  # pylint: disable=g-import-not-at-top

  record = json.loads(config.to_json_best_effort())
  record['runtime'] = describe_backend()
  return json.dumps(record, indent=2, sort_keys=True)
