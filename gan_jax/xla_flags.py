"""XLA:CPU options that measured faster for gan_jax's training step (see benchmarks/results/).

Call `configure_xla_for_cpu()` before JAX initialises its backend (before the first computation or
`jax.devices()`); later calls change nothing in the running process. Only `--xla_cpu_*` flags are set: they
configure the CPU compiler alone, so a GPU/TPU run is unaffected. A flag the user already put in
XLA_FLAGS wins over ours.

Why version-gated: XLA aborts the process on an unknown flag, and experimental flags come and go between
jaxlib releases, so a flag is only added for the jaxlib versions it was measured on.
"""

import os
from typing import Dict, Tuple

# flag name -> (value, (min_jaxlib, max_jaxlib_exclusive), why). Each entry was measured (optimisation log).
CPU_FLAGS: Dict[str, Tuple[str, Tuple[Tuple[int, int], Tuple[int, int]], str]] = {
    # YNNPACK fusions make XLA:CPU lower the step's elementwise/reduction fusions (BatchNorm, Adam,
    # activations) to YNNPACK subgraphs; the DCGAN step is faster with XLA's own loop emitter.
    'xla_cpu_experimental_ynn_fusion_type': ('', ((0, 10), (0, 11)), 'YNN fusions off: DCGAN step faster'),
}

OPT_OUT_ENV = 'GAN_JAX_NO_XLA_CPU_FLAGS'


def _jaxlib_version() -> Tuple[int, int]:
  try:
    from jaxlib import version as jaxlib_version  # Import does not initialise a backend.
    major, minor = jaxlib_version.__version__.split('.')[:2]
    return int(major), int(minor)
  except (ImportError, ValueError):
    return (0, 0)


def _flag_names(xla_flags: str) -> set:
  return {token.lstrip('-').split('=', 1)[0] for token in xla_flags.split() if token.startswith('--')}


def cpu_flags_for(jaxlib_version: Tuple[int, int]) -> Dict[str, str]:
  """The CPU flags (name -> value) verified for this jaxlib version."""
  return {name: value for name, (value, (low, high), _) in CPU_FLAGS.items()
          if low <= jaxlib_version < high}


def configure_xla_for_cpu(environ=None) -> str:
  """Appends the measured-faster XLA:CPU flags to XLA_FLAGS and returns the new XLA_FLAGS value.

  Flags already named in XLA_FLAGS are left as the user set them. Setting the environment variable
  GAN_JAX_NO_XLA_CPU_FLAGS=1 disables this (for A/B measurements).
  """
  environ = os.environ if environ is None else environ
  current = environ.get('XLA_FLAGS', '')
  if environ.get(OPT_OUT_ENV, '') not in ('', '0'):
    return current
  present = _flag_names(current)
  added = [f'--{name}={value}' for name, value in cpu_flags_for(_jaxlib_version()).items()
           if name not in present]
  if added:
    environ['XLA_FLAGS'] = ' '.join([current] + added).strip()
  return environ.get('XLA_FLAGS', '')
