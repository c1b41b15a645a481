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
