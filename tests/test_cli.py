"""Config mistakes on the command line: exit 2 and at most two lines naming the culprit, no traceback
(gan_jax/cli.py handles what absl and ml_collections raise while parsing flags, before main())."""

import os
import subprocess
import sys

import pytest

from run_helpers import REPO_ROOT, subprocess_env

TINY = os.path.join(REPO_ROOT, 'configs', 'dcgan_digits.py') + ':tiny'

MISTAKES = [
    ('misspelt_key', [f'--config={TINY}', '--config.train.stepz=5'],
     "--config.train.stepz: config.train has no key 'stepz'; did you mean --config.train.steps?"),
    ('misspelt_section', [f'--config={TINY}', '--config.trian.steps=5'],
     "--config.trian.steps: config has no key 'trian'; did you mean --config.train.steps?"),
    ('missing_file', ['--config={tmp}/no_such_config.py'], 'cannot load the config file (no such file)'),
    ('syntax_error', ['--config={tmp}/broken.py'], '{tmp}/broken.py:3: syntax error in the config file'),
    ('no_get_config', ['--config={tmp}/no_get_config.py'], 'the file has no get_config() function'),
    ('unknown_switch', [f'--config={TINY[:-5]}:tinny'], "config switch 'tinny': allowed small, tiny (or none)"),
    ('wrong_type', [f'--config={TINY}', '--config.train.steps=abc'],
     '--config.train.steps=abc has the wrong type (invalid literal for int()'),
    ('empty_workdir', [f'--config={TINY}', '--workdir='], '--workdir is empty'),
]


@pytest.mark.parametrize('flags, message', [m[1:] for m in MISTAKES], ids=[m[0] for m in MISTAKES])
def test_config_mistake_exits_2_in_at_most_two_lines(flags, message, tmp_path):
  (tmp_path / 'broken.py').write_text('def get_config():\n  config = {}\n  return config config\n')
  (tmp_path / 'no_get_config.py').write_text('CONFIG = {}\n')
  flags = [f.format(tmp=tmp_path) for f in flags]
  command = [sys.executable, os.path.join(REPO_ROOT, 'launch.py'), f'--workdir={tmp_path / "run"}', *flags]
  result = subprocess.run(command, env=subprocess_env(), capture_output=True, text=True, timeout=120)
  assert result.returncode == 2, result.stderr[-3000:]
  lines = [line for line in result.stderr.splitlines() if line.strip()]
  assert 1 <= len(lines) <= 2 and lines[0].startswith('error: '), result.stderr[-3000:]
  assert message.format(tmp=tmp_path) in lines[0]
  assert not (tmp_path / 'run').exists()   # nothing was created
