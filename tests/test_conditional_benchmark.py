"""benchmarks/conditional_digits.py: one table per schedule; old one-schedule results are kept; mean ± s.e.

Run in a subprocess: the script defines absl flags (seeds, steps) that other benchmark modules define too."""

import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

SCRIPT = r'''
import importlib.util, json, os, sys
spec = importlib.util.spec_from_file_location('cond_bench', os.path.join(sys.argv[1], 'benchmarks', 'conditional_digits.py'))
bench = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench)
bench.RESULTS = os.path.join(sys.argv[2], 'conditional_digits')
old = {'command': 'python old', 'schedule': 'w16_b32_s2000_n1000',
       'runs': {'dcgan': {'0': {'fid': 10.0, 'step_time': 0.01}, '1': {'fid': 14.0, 'step_time': 0.03}}}}
with open(bench.RESULTS + '.json', 'w') as f:
  json.dump(old, f)
schedules = bench.read_schedules()
schedules['w32_b64_s4000_n1000'] = {'command': 'python new', 'runs': {'cgan': {'0': {'fid': 5.0, 'cas': 0.9}}}}
bench.write_tables(schedules)
'''


def test_one_table_per_schedule_and_the_old_format_is_kept(tmp_path):
  done = subprocess.run([sys.executable, '-c', SCRIPT, ROOT, str(tmp_path)], capture_output=True, text=True,
                        cwd=ROOT, timeout=120)
  assert done.returncode == 0, done.stderr[-2000:]
  text = (tmp_path / 'conditional_digits.md').read_text()
  first, second = text.index('Schedule w16_b32_s2000_n1000:'), text.index('Schedule w32_b64_s4000_n1000:')
  assert first < text.index('`python old`') < second < text.index('`python new`')
  # mean 12, s.e. = std(ddof=1) / sqrt(2) = 2.828 / 1.414 = 2.0; step time 0.02 ± 0.01
  assert '| DCGAN | 2 | 12.000 ± 2.000 | — | — | — | — | — | — | 0.0200 ± 0.0100 |' in text
  assert '| cGAN (cBN G, projection D) | 1 | 5.000 ± nan |' in text and '0.900 ± nan | — | — |' in text   # one seed: no s.e.
  saved = json.loads((tmp_path / 'conditional_digits.json').read_text())
  assert set(saved['schedules']) == {'w16_b32_s2000_n1000', 'w32_b64_s4000_n1000'}


MIGRATION = r'''
import importlib.util, json, os, sys
import numpy as np
spec = importlib.util.spec_from_file_location('cond_bench', os.path.join(sys.argv[1], 'benchmarks', 'conditional_digits.py'))
bench = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench)
bench.RESULTS = os.path.join(sys.argv[2], 'conditional_digits')
with open(bench.RESULTS + '.json', 'w') as f:   # written before loss.ac_fake_weight existed
  json.dump({'schedules': {'w32': {'command': 'c', 'runs': {'acgan': {'0': {'fid': 1.0}}}}}}, f)
schedules = bench.read_schedules()
assert set(schedules['w32']['runs']) == {'acgan_paper'}, schedules
bench.write_tables(schedules)
assert set(bench.read_schedules()['w32']['runs']) == {'acgan_paper'}   # renamed once, not again
blocks = np.kron(np.arange(64, dtype=float).reshape(8, 8), np.ones((4, 4)))   # each 8x8 pixel as a 4x4 block
images = (blocks / 8.0 - 1.0)[None, :, :, None]
import svc_judges   # on sys.path: the script puts benchmarks/ there
np.testing.assert_allclose(svc_judges.to_8x8(images)[0], np.arange(64))
print('ok')
'''


def test_results_before_ac_fake_weight_become_the_paper_rows_and_8x8_block_means():
  import tempfile  # pylint: disable=g-import-not-at-top
  with tempfile.TemporaryDirectory() as folder:
    done = subprocess.run([sys.executable, '-c', MIGRATION, ROOT, folder], capture_output=True, text=True, cwd=ROOT,
                          timeout=120)
  assert done.returncode == 0 and done.stdout.strip().endswith('ok'), done.stderr[-2000:]
