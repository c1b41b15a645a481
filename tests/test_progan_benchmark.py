"""benchmarks/progan_bench.py --dry_run: every cell's launch.py command and schedule, at equal images seen,
ProGAN reaching 32x32 with the stated share there; nothing trained. (A subprocess: the script defines absl
flags that other benchmark modules define too.)"""

import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_dry_run_prints_every_cell_at_equal_images_and_trains_nothing(tmp_path):
  workdir = tmp_path / 'runs'
  done = subprocess.run([sys.executable, os.path.join(ROOT, 'benchmarks', 'progan_bench.py'), '--dry_run',
                         '--seeds=1', '--images=2560', f'--workdir={workdir}'], capture_output=True, text=True,
                        cwd=ROOT, timeout=120)
  assert done.returncode == 0, done.stderr[-2000:]
  lines = done.stdout.splitlines()
  heads, commands = lines[0::2], lines[1::2]
  cells = [re.match(r'\[(\w+) / (\w+) / seed 0\]', head).groups() for head in heads]
  assert cells == [(data, model) for data in ('stacked_mnist5k', 'mnist5k')
                   for model in ('progan', 'progan_fixed', 'progan_nombstd', 'dcgan')]
  assert all('40 steps x 64 = 2560 images' in head for head in heads)   # equal images seen
  for (data, model), head, command in zip(cells, heads, commands):
    assert command.startswith('  python launch.py --config=configs/')
    assert f'--workdir={workdir}/i2560_share0.25_e10000/{data}/{model}/seed0 ' in command
    if model == 'dcgan':
      assert '--config.model.pack=1' in command and 'phases' not in head
      continue
    # Six phases of 320 images (5 steps) before stable_32: 10 steps, 25% of the images.
    assert '--config.progan.images_per_phase=320' in command
    assert ('--config.data.channels=3' in command) == (data == 'stacked_mnist5k')
    if model == 'progan_fixed':
      assert 'phases stable_32@0;' in head and '--config.progan.start_resolution=32' in command
    else:
      assert head.endswith('stable_32@30; stable_32: 10 steps, 640 images (25.0%)'), head
      assert ('--config.progan.mbstd_group_size=0' in command) == (model == 'progan_nombstd')
  assert not workdir.exists()


JUDGE = r'''
import importlib.util, os, sys
import numpy as np
spec = importlib.util.spec_from_file_location('progan_judge', os.path.join(sys.argv[1], 'benchmarks', 'progan_judge.py'))
judge_module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(judge_module)

class MeanJudge:   # stands in for the SVC: "digit" = the mean 28x28 pixel of a channel, in tenths
  def predict(self, features):
    return np.round(10 * np.asarray(features).mean(axis=1)).astype(int)

levels = np.array([[0.1, 0.2, 0.3], [0.9, 0.0, 0.5]])   # per image, per channel: the fraction of the range
images = (levels[:, None, None, :] * 2.0 - 1.0) * np.ones((2, 32, 32, 3))
labels = judge_module.channel_labels(MeanJudge(), images)
assert labels.tolist() == [123, 905], labels   # channel 0 the most significant digit
stats = judge_module.mode_stats(np.array([3, 3, 7, 7]), 10)
assert stats['svc_modes'] == 2 and abs(stats['svc_kl'] - np.log(5.0)) < 1e-12, stats   # p = 1/2 twice: log(10/2)
print('ok')
'''


def test_the_svc_judge_reads_channels_as_digits_and_counts_modes_with_numpy():
  done = subprocess.run([sys.executable, '-c', JUDGE, ROOT], capture_output=True, text=True, cwd=ROOT, timeout=120)
  assert done.returncode == 0 and done.stdout.strip().endswith('ok'), done.stderr[-2000:]
