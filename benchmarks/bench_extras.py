"""Rates outside the training step, measured by modules other benchmark owners write (imported guarded):

- input pipeline alone: benchmarks/data_pipeline.py
- FID feature extraction: benchmarks/fid_timing.py

Each runs in its own subprocess (they import TensorFlow; the training workers must not), with a time
limit. A missing module or a failure becomes a note in the results, never a crash of the benchmark.
"""

import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

# name -> (module file, function, keyword arguments). The function returns a dict with 'images_per_s'.
EXTRAS = {
    'input_pipeline': ('data_pipeline', 'measure_input_pipeline', {}),
    'fid_feature_extraction': ('fid_timing', 'measure_fid_features', {}),
}

_RUNNER = """
import importlib, json, sys
sys.path.insert(0, {here!r}); sys.path.insert(0, {root!r})
module = importlib.import_module({module!r})
result = getattr(module, {function!r})(**{kwargs!r})
print('EXTRA ' + json.dumps(result, default=str))
"""


def measure_extra(module: str, function: str, kwargs: dict, timeout_s: float = 600.0) -> dict:
  if not os.path.exists(os.path.join(HERE, f'{module}.py')):
    return {'images_per_s': None, 'note': f'benchmarks/{module}.py not present'}
  code = _RUNNER.format(here=HERE, root=os.path.dirname(HERE), module=module, function=function,
                        kwargs=kwargs)
  env = dict(os.environ, TF_ENABLE_ONEDNN_OPTS='0', TF_CPP_MIN_LOG_LEVEL='2')
  try:
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, env=env,
                         timeout=timeout_s, cwd=os.path.dirname(HERE))
  except subprocess.TimeoutExpired:
    return {'images_per_s': None, 'note': f'{module}.{function} took over {timeout_s:.0f} s'}
  for line in out.stdout.splitlines():
    if line.startswith('EXTRA '):
      value = json.loads(line[len('EXTRA '):])
      return value if isinstance(value, dict) else {'images_per_s': value}
  last = (out.stderr.strip().splitlines() or ['no output'])[-1][:200]
  return {'images_per_s': None, 'note': f'{module}.{function} failed: {last}'}


def measure_extras(channels: int) -> dict:
  del channels  # The extras use their own default (seed) configuration.
  return {name: measure_extra(*spec) for name, spec in EXTRAS.items()}
