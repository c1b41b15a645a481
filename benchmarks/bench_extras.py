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

# name -> (module, code run in a subprocess with the module imported as `m`, printing `EXTRA <json>`
# with 'images_per_s'). Sizes are small: these are rates, not the other owners' full benchmarks.
EXTRAS = {
    # train_iterator images/sec on the prepared digits at 32x32, batch 64 (no augmentation, then with).
    'input_pipeline': ('data_pipeline', """
import tempfile
with tempfile.TemporaryDirectory() as workdir:
  r = m.bench_digits(workdir, 64, 50)
result = {'images_per_s': r['images_per_s'], 'images_per_s_augmented': r['images_per_s_augmented'],
          'note': 'digits 32x32 train_iterator, batch 64 (prepare %.1f s)' % r['prepare_s']}
"""),
    # FID feature extraction images/sec (real + fake) with the digits classifier and InceptionV3.
    'fid_feature_extraction': ('fid_timing', """
import json, os, tempfile
path = os.path.join(tempfile.mkdtemp(), 'fid.json')
m.main(['--num_samples', '1000', '--batch_size', '50', '--json', path])
r = json.load(open(path))
rates = {k: 2 * r['num_samples'] / r[k]['extraction_s'] for k in ('classifier', 'inception')}
result = {'images_per_s': rates['classifier'], 'images_per_s_inception': rates['inception'],
          'note': 'classifier features %.0f img/s, InceptionV3 %.0f img/s (random weights, 1000+1000 images)'
                  % (rates['classifier'], rates['inception'])}
"""),
}

_RUNNER = """
import importlib, json, sys
sys.path.insert(0, {here!r}); sys.path.insert(0, {root!r})
m = importlib.import_module({module!r})
{code}
print('EXTRA ' + json.dumps(result, default=str))
"""


def measure_extra(module: str, code: str, timeout_s: float = 600.0) -> dict:
  if not os.path.exists(os.path.join(HERE, f'{module}.py')):
    return {'images_per_s': None, 'note': f'benchmarks/{module}.py not present'}
  code = _RUNNER.format(here=HERE, root=os.path.dirname(HERE), module=module, code=code)
  env = dict(os.environ, TF_ENABLE_ONEDNN_OPTS='0', TF_CPP_MIN_LOG_LEVEL='2')
  try:
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, env=env,
                         timeout=timeout_s, cwd=os.path.dirname(HERE))
  except subprocess.TimeoutExpired:
    return {'images_per_s': None, 'note': f'benchmarks/{module}.py took over {timeout_s:.0f} s'}
  for line in out.stdout.splitlines():
    if line.startswith('EXTRA '):
      value = json.loads(line[len('EXTRA '):])
      return value if isinstance(value, dict) else {'images_per_s': value}
  last = (out.stderr.strip().splitlines() or ['no output'])[-1][:200]
  return {'images_per_s': None, 'note': f'benchmarks/{module}.py failed: {last}'}


def measure_extras(channels: int) -> dict:
  del channels  # The extras use their own default (seed) configuration.
  return {name: measure_extra(*spec) for name, spec in EXTRAS.items()}
