"""XLA:CPU options for gan_jax's training step, kept only where they MEASURED faster
(benchmarks/results/optimisation_log.md).

Call `configure_xla_for_cpu()` before JAX initialises its backend (before the first computation or
`jax.devices()`); later calls change nothing in the running process. Only `--xla_cpu_*` flags are set: they
configure the CPU compiler alone, so a GPU/TPU run is unaffected. A flag the user already put in
XLA_FLAGS wins over ours.

Which flags help depends on the CPU: turning YNNPACK fusions off was 9% faster on one 2-core machine and
6-12% slower on another (AMD EPYC, AVX-512; three interleaved A/B runs), so it is an opt-in preset
(GAN_JAX_XLA_CPU_PRESETS=ynn_off) and not on by default.

Why version-gated: XLA aborts the process on an unknown flag, and experimental flags come and go between
jaxlib releases, so a flag is only added for the jaxlib versions it was measured on.
"""

import os
from typing import Dict, Sequence, Tuple

_JAXLIB_0_10 = ((0, 10), (0, 11))
# flag name -> (value, (min_jaxlib, max_jaxlib_exclusive)): applied by default. Empty: no flag measured
# faster on every machine we measured (see the module docstring).
CPU_FLAGS: Dict[str, Tuple[str, Tuple[Tuple[int, int], Tuple[int, int]]]] = {}

# Opt-in presets (GAN_JAX_XLA_CPU_PRESETS=name[,name]): flags that help on some CPUs only.
CPU_PRESETS: Dict[str, Dict[str, Tuple[str, Tuple[Tuple[int, int], Tuple[int, int]]]]] = {
    # XLA's own loop emitter instead of YNNPACK for the step's elementwise/reduction fusions.
    'ynn_off': {'xla_cpu_experimental_ynn_fusion_type': ('', _JAXLIB_0_10)},
}

OPT_OUT_ENV = 'GAN_JAX_NO_XLA_CPU_FLAGS'
PRESETS_ENV = 'GAN_JAX_XLA_CPU_PRESETS'


def _jaxlib_version() -> Tuple[int, int]:
  try:
    from jaxlib import version as jaxlib_version  # Import does not initialise a backend.
    major, minor = jaxlib_version.__version__.split('.')[:2]
    return int(major), int(minor)
  except (ImportError, ValueError):
    return (0, 0)


def _flag_names(xla_flags: str) -> set:
  return {token.lstrip('-').split('=', 1)[0] for token in xla_flags.split() if token.startswith('--')}


def cpu_flags_for(jaxlib_version: Tuple[int, int], presets: Sequence[str] = ()) -> Dict[str, str]:
  """The CPU flags (name -> value) verified for this jaxlib version: the defaults plus `presets`."""
  from gan_jax.core.errors import ConfigError

  table = dict(CPU_FLAGS)
  for preset in presets:
    if preset not in CPU_PRESETS:
      raise ConfigError(f'{PRESETS_ENV}={preset!r} is not a known preset; allowed: {", ".join(CPU_PRESETS)}')
    table.update(CPU_PRESETS[preset])
  return {name: value for name, (value, (low, high)) in table.items() if low <= jaxlib_version < high}


def configure_xla_for_cpu(environ=None) -> str:
  """Appends the measured-faster XLA:CPU flags to XLA_FLAGS and returns the new XLA_FLAGS value.

  Flags already named in XLA_FLAGS are left as the user set them. GAN_JAX_XLA_CPU_PRESETS=ynn_off adds
  an opt-in preset; GAN_JAX_NO_XLA_CPU_FLAGS=1 disables all of this (for A/B measurements).
  """
  environ = os.environ if environ is None else environ
  current = environ.get('XLA_FLAGS', '')
  if environ.get(OPT_OUT_ENV, '') not in ('', '0'):
    return current
  present = _flag_names(current)
  presets = [p for p in environ.get(PRESETS_ENV, '').split(',') if p]
  added = [f'--{name}={value}' for name, value in cpu_flags_for(_jaxlib_version(), presets).items()
           if name not in present]
  if added:
    environ['XLA_FLAGS'] = ' '.join([current] + added).strip()
  return environ.get('XLA_FLAGS', '')
