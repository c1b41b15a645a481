"""--mode=synthesize: conditional checkpoint -> image folder -> image_folder/prepare round trip; refusals exit 2."""

import json
import re

import numpy as np
import pytest

from configs import cgan_digits
from gan_jax import config_checks
from gan_jax.core.errors import ConfigError
from gan_jax.data import prepare_dataset
from gan_jax.data.synthetic_mix import is_synthetic
from gan_jax.outputs.synthesize import synthesize
from run_helpers import make_tiny_config

CGAN = 'cgan_digits.py:tiny'   # the config of the session's cgan_run (tests/conftest.py)
MANIFEST_KEYS = {'format', 'dataset', 'example_shape', 'checkpoint', 'checkpoint_step', 'config_sha256', 'seed',
                 'model', 'truncation', 'temperature', 'request', 'class_names', 'counts_per_class',
                 'real_train_counts', 'imbalance_factor', 'total', 'eval_scores', 'workdir'}


def _ok(result):
  assert result.returncode == 0, result.stderr[-3000:]
  return result


def _one_error_line(result, message):
  assert result.returncode == 2, result.stderr[-2000:]
  errors = [line for line in result.stderr.splitlines() if line.startswith('error: ')]
  assert len(errors) == 1 and message in errors[0], result.stderr[-2000:]
  assert 'Traceback' not in result.stderr


def _cgan_config(data_dir, **synthesize_keys):
  """CGAN's config as launch.py builds it for the tests (in-process calls of synthesize)."""
  config = cgan_digits.get_config('tiny')
  config.data.data_dir = data_dir
  config.synthesize.update(synthesize_keys)
  return config


def _refused(config, workdir, message, **options):
  """What --mode=synthesize checks (validate_config, then synthesize) refuses `config` with one line
  containing `message`; launch.py turns that ConfigError into exit 2 (test_refusals_exit_2)."""
  with pytest.raises(ConfigError, match=re.escape(message)) as error:
    config_checks.validate_config(config, 'synthesize', devices=False)
    synthesize(config, str(workdir), **options)
  assert '\n' not in str(error.value)


def _read_back(data_dir, folder):
  """The synthetic folder as its own image_folder dataset (all of it in train)."""
  config = make_tiny_config(data_dir)
  config.data.update(name='image_folder', path=str(folder), val_fraction=0.0, test_fraction=0.0, cache=False)
  config.data.clean.enabled = False   # a 4-step generator's samples may look alike: keep every file
  return prepare_dataset(config)


def test_num_per_class_round_trip(cgan_run, run_launch, data_dir):
  _ok(run_launch(CGAN, cgan_run, '--mode=synthesize', '--num_per_class=3'))
  folder = cgan_run / 'synthetic'
  manifest = json.loads((folder / 'manifest.json').read_text())
  assert MANIFEST_KEYS <= set(manifest)
  assert manifest['checkpoint_step'] == 4 and manifest['checkpoint'] == 'latest' and manifest['seed'] == 0
  assert manifest['model']['conditional'] == 'projection' and manifest['model']['num_classes'] == 10
  assert manifest['counts_per_class'] == {str(c): 3 for c in range(10)} and manifest['total'] == 30
  assert len(manifest['config_sha256']) == 64
  ds = _read_back(data_dir, folder)
  train = ds.split_arrays('train')
  assert np.bincount(train['label'], minlength=10).tolist() == [3] * 10   # counts per class as requested
  assert train['image'].shape == (30, 16, 16, 1) and np.isfinite(train['image']).all()   # images decode
  assert ds.report['label_names'] == [str(c) for c in range(10)]
  assert {d['reason'] for d in ds.report['dropped']} <= {'outside_class_folder'}   # only manifest.json


def test_balance_to_max_tops_up_the_long_tail_and_stays_in_train(cgan_run, run_launch, data_dir, tmp_path):
  out = tmp_path / 'balanced'
  # With the classifier filter on (a low threshold: a 4-step generator's images pass it; the filter's own
  # behaviour is tested in-process below): the counts stay as requested and the manifest records the filter.
  _ok(run_launch(CGAN, cgan_run, '--mode=synthesize', '--balance_to=max', '--config.data.imbalance_factor=10',
                 f'--config.synthesize.out_dir={out}', '--config.synthesize.truncation=1.5',
                 '--config.synthesize.min_confidence=0.01'))
  manifest = json.loads((out / 'manifest.json').read_text())
  real = manifest['real_train_counts']
  n_max = max(real.values())
  assert manifest['counts_per_class'] == {c: n_max - n for c, n in real.items()} and manifest['truncation'] == 1.5
  filtered = manifest['filter']
  assert filtered['min_confidence'] == 0.01 and filtered['kept'] == manifest['counts_per_class']
  assert all(filtered['drawn'][c] == filtered['kept'][c] + filtered['dropped'][c] + filtered['surplus'][c]
             for c in real)
  assert len(filtered['classifier']['key']) == 16 and 'test_accuracy' in filtered['classifier']
  # The default filter classifier learned the run's long-tailed split, not the evaluation classifier's full one.
  assert filtered['filter_classifier'] == 'run_split' and filtered['classifier']['kind'] == 'run_split'
  assert filtered['classifier_train_counts'] == [real[str(c)] for c in range(10)]
  ds = _read_back(data_dir, out)
  expected = [n_max - real[str(c)] for c in range(10)]
  assert np.bincount(ds.split_arrays('train')['label'], minlength=10).tolist() == expected
  # Mixed back into the long-tailed digits: every synthetic example in train, none in val/test.
  config = make_tiny_config(data_dir)
  config.data.update(imbalance_factor=10.0, synthetic_path=str(out))
  mixed = prepare_dataset(config)
  train_labels = mixed.split_arrays('train')['label']
  synthetic = is_synthetic(mixed.split_sources('train'))
  assert synthetic.sum() == sum(expected)
  assert np.bincount(train_labels, minlength=10).tolist() == [n_max] * 10   # balanced now
  for split in ('val', 'test'):
    assert not is_synthetic(mixed.split_sources(split)).any()


def test_refusals_exit_2(cgan_run, run_launch, data_dir, tmp_path):
  (tmp_path / 'uncond').mkdir()
  (tmp_path / 'empty').mkdir()
  _one_error_line(run_launch(CGAN, tmp_path / 'empty', '--mode=synthesize', '--balance_to=max'),
                  'has no latest checkpoint')
  # The other refusals in-process: the same ConfigErrors, which launch.py reports as above.
  _refused(make_tiny_config(data_dir), tmp_path / 'uncond', 'needs a conditional generator', balance_to='max')
  _refused(_cgan_config(data_dir), cgan_run, 'exactly one of --num_per_class')
  _refused(_cgan_config(data_dir, temperature=0), cgan_run, 'synthesize.temperature=0', num_per_class=2)


# ---------------------------------------------------------------- output folders: never delete what gan_jax did not write
def _snapshot(folder):
  """{relative path: bytes} of every file under folder."""
  import os  # pylint: disable=g-import-not-at-top
  found = {}
  for root, _, files in os.walk(folder):
    for name in files:
      path = os.path.join(root, name)
      found[os.path.relpath(path, folder)] = open(path, 'rb').read()
  return found


def _previous_output(folder, names=('0', '1')):
  """A finished synthesize output as synthesize writes it: class folders of PNGs and its manifest."""
  from PIL import Image  # pylint: disable=g-import-not-at-top
  for name in names:
    (folder / name).mkdir(parents=True)
    Image.fromarray(np.zeros((4, 4), np.uint8), 'L').save(folder / name / '000000.png')
  (folder / 'manifest.json').write_text(json.dumps({'format': 1, 'config_sha256': 'x', 'class_names': list(names),
                                                    'checkpoint_step': 4}))
  return folder


def test_output_folder_checks(tmp_path):
  from gan_jax.core.errors import ConfigError  # pylint: disable=g-import-not-at-top
  from gan_jax.outputs.synthesize import check_output_dir  # pylint: disable=g-import-not-at-top
  workdir = tmp_path / 'run'
  (workdir / 'checkpoints' / '4').mkdir(parents=True)
  (workdir / 'config.json').write_text('{}')
  user = tmp_path / 'photos'
  user.mkdir()
  (user / 'holiday.png').write_bytes(b'not ours')
  (tmp_path / 'a_file').write_text('x')
  refused = {
      str(workdir): 'is the workdir or a folder above it',
      str(tmp_path): 'is the workdir or a folder above it',
      str(workdir / 'checkpoints'): 'belongs to the training run',
      str(workdir / 'checkpoints' / 'new'): 'belongs to the training run',
      str(user): 'exists and is not empty, and is not a synthesize output',
      str(tmp_path / 'a_file'): 'is a file, not a folder',
      str(tmp_path / 'a_file' / 'x'): 'which is a file, not a folder',
  }
  before = _snapshot(tmp_path)
  for out_dir, message in refused.items():
    for replace in (False, True):
      with pytest.raises(ConfigError, match=message) as error:
        check_output_dir(out_dir, str(workdir), replace)
      assert str(error.value).startswith(f'synthesize.out_dir={out_dir}') and '\n' not in str(error.value)
  previous = _previous_output(workdir / 'synthetic')
  with pytest.raises(ConfigError, match='already holds a synthesize output .*synthesize.replace=True'):
    check_output_dir(str(previous), str(workdir), False)
  check_output_dir(str(previous), str(workdir), True)   # its own previous output may be replaced
  (previous / '1' / 'notes.txt').write_text('mine')
  with pytest.raises(ConfigError, match='notes.txt was not written by synthesize'):
    check_output_dir(str(previous), str(workdir), True)
  for fine in (workdir / 'synthetic_balanced', tmp_path / 'new' / 'deeper', tmp_path / 'empty'):
    if fine.name == 'empty':
      fine.mkdir()
    check_output_dir(str(fine), str(workdir), False)
  assert {k: v for k, v in _snapshot(tmp_path).items() if 'synthetic' not in k} == before


def test_output_folder_that_cannot_be_written_is_one_line(tmp_path):
  import os  # pylint: disable=g-import-not-at-top
  import shutil  # pylint: disable=g-import-not-at-top
  import subprocess  # pylint: disable=g-import-not-at-top
  from run_helpers import REPO_ROOT  # pylint: disable=g-import-not-at-top
  locked = tmp_path / 'locked'
  locked.mkdir()
  locked.chmod(0o555)
  command = [__import__('sys').executable, '-c',
             'import sys; from gan_jax.outputs.synthesize import check_output_dir; from gan_jax.core.errors import ConfigError\n'
             'try:\n  check_output_dir(sys.argv[1], sys.argv[2], False)\nexcept ConfigError as e:\n  print(e); sys.exit(2)',
             str(locked / 'out'), str(tmp_path / 'run')]
  if os.geteuid() == 0:   # root ignores file modes unless it drops that capability
    if not shutil.which('setpriv'):
      pytest.skip('root ignores file modes and setpriv (util-linux) is not installed to drop that power')
    command = ['setpriv', '--inh-caps=-all', '--bounding-set=-all', *command]
  result = subprocess.run(command, capture_output=True, text=True, cwd=REPO_ROOT, timeout=60)
  assert result.returncode == 2, result.stdout + result.stderr
  assert result.stdout.strip() == f'synthesize.out_dir={locked / "out"} cannot be written (Permission denied: {locked}); choose a folder you can write to'


def test_synthesize_into_the_workdir_or_a_previous_output_loses_nothing(cgan_run, data_dir, tmp_path):
  # In-process: what --mode=synthesize runs (validate_config, then synthesize).
  before = _snapshot(cgan_run)
  _refused(_cgan_config(data_dir, out_dir=str(cgan_run)), cgan_run, 'is the workdir or a folder above it',
           num_per_class=2)
  assert _snapshot(cgan_run) == before   # checkpoints, config.json, metrics.jsonl: every file still there
  out = tmp_path / 'out'
  synthesize(_cgan_config(data_dir, out_dir=str(out)), str(cgan_run), num_per_class=2)
  first = _snapshot(out)
  _refused(_cgan_config(data_dir, out_dir=str(out)), cgan_run, 'already holds a synthesize output', num_per_class=2)
  assert _snapshot(out) == first
  synthesize(_cgan_config(data_dir, out_dir=str(out), replace=True), str(cgan_run), num_per_class=3)
  assert json.loads((out / 'manifest.json').read_text())['total'] == 30
  assert sorted(p.name for p in tmp_path.iterdir()) == ['out']   # no hidden folders left beside it


def test_huge_request_is_refused_up_front(cgan_run, run_launch, tmp_path):
  import time  # pylint: disable=g-import-not-at-top
  begin = time.time()
  result = run_launch(CGAN, cgan_run, '--mode=synthesize', f'--num_per_class={10**9}',
                      f'--config.synthesize.out_dir={tmp_path / "huge"}')
  _one_error_line(result, '10,000,000,000 images need at least')
  assert time.time() - begin < 60 and not (tmp_path / 'huge').exists()
  assert 'compiled' not in result.stdout


def test_sigterm_during_synthesize_removes_the_half_written_folder(cgan_run, data_dir, tmp_path):
  import signal  # pylint: disable=g-import-not-at-top
  import subprocess  # pylint: disable=g-import-not-at-top
  import time  # pylint: disable=g-import-not-at-top
  from run_helpers import launch_command, subprocess_env  # pylint: disable=g-import-not-at-top
  parent = tmp_path / 'parent'
  proc = subprocess.Popen(launch_command(CGAN, cgan_run, '--mode=synthesize', '--num_per_class=5000',
                                         f'--config.synthesize.out_dir={parent / "out"}',
                                         f'--config.data.data_dir={data_dir}'),
                          env=subprocess_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
  deadline = time.time() + 300
  while proc.poll() is None and time.time() < deadline and not list(parent.glob('.synthetic-*/0/000010.png')):
    time.sleep(0.05)
  proc.send_signal(signal.SIGTERM)
  _, stderr = proc.communicate(timeout=120)
  assert proc.returncode == 143, stderr[-3000:]
  lines = [line for line in stderr.splitlines() if line.strip()]
  assert len(lines) == 1 and lines[0].startswith('stopped by SIGTERM: the half-written synthesize output was removed')
  assert list(parent.iterdir()) == []   # neither the output nor a hidden .synthetic-* folder


def test_block_seeds_are_distinct_and_fit_int32():
  from gan_jax.outputs.synthesize import block_seed  # pylint: disable=g-import-not-at-top
  seeds = {block_seed(0, c, b) for c in range(10) for b in range(20)}
  assert len(seeds) == 200 and all(0 <= s < 2**31 for s in seeds)
  assert block_seed(0, 3, 1) == block_seed(0, 3, 1) != block_seed(1, 3, 1)


# ---------------------------------------------------------------- synthesize.min_confidence: the classifier filter
def _recording_draw(log):
  """draw(label, index, n): constant 4x4 images of random grey levels (seed (label, index)), logged in order."""
  def draw(label, index, n):
    levels = np.random.default_rng([label, index]).integers(0, 256, n).astype(np.uint8)
    log.setdefault(label, []).extend(levels.tolist())
    return np.broadcast_to(levels[:, None, None, None], (n, 4, 4, 1)).copy()
  return draw


def test_filter_keeps_exactly_the_images_above_the_threshold_and_counts_them(tmp_path):
  from PIL import Image  # pylint: disable=g-import-not-at-top
  from gan_jax.outputs.synthesize import ConfidenceFilter, write_folder  # pylint: disable=g-import-not-at-top
  drawn, names, counts, threshold = {}, ['a', 'b'], np.array([40, 7]), 0.6
  confidence = lambda images, label: images[:, 0, 0, 0] / 255.0   # grey level 153 is exactly 0.6: kept
  filt = ConfidenceFilter(_recording_draw(drawn), confidence, threshold, counts, max_draws=20, names=names)
  out = tmp_path / 'out'
  write_folder(str(out), filt, counts, names, lambda: {'format': 1, 'config_sha256': 'x', 'class_names': names,
                                                       'filter': filt.stats()})
  manifest = json.loads((out / 'manifest.json').read_text())['filter']
  for label, name in enumerate(names):
    levels = np.array(drawn[label])
    above = levels[levels / 255.0 >= threshold]
    written = [int(np.asarray(Image.open(out / name / f'{k:06d}.png'))[0, 0]) for k in range(counts[label])]
    assert written == above[:counts[label]].tolist()   # the first images above the threshold, in draw order
    assert sorted(p.name for p in (out / name).iterdir()) == [f'{k:06d}.png' for k in range(counts[label])]
    assert manifest['drawn'][name] == len(levels) and manifest['kept'][name] == counts[label]
    assert manifest['dropped'][name] == int((levels / 255.0 < threshold).sum()) > 0
    assert manifest['surplus'][name] == len(above) - counts[label]
  assert manifest['min_confidence'] == threshold and manifest['max_draws'] == 20


def test_filter_refuses_a_class_that_cannot_reach_its_count(tmp_path):
  from gan_jax.core.errors import ConfigError  # pylint: disable=g-import-not-at-top
  from gan_jax.outputs.synthesize import ConfidenceFilter, write_folder  # pylint: disable=g-import-not-at-top
  drawn = {}
  confidence = lambda images, label: np.where(label == 1, 0.0, 1.0) * np.ones(len(images))   # class b: never
  filt = ConfidenceFilter(_recording_draw(drawn), confidence, 0.5, np.array([3, 4]), max_draws=5, names=['a', 'b'])
  with pytest.raises(ConfigError) as error:
    write_folder(str(tmp_path / 'out'), filt, np.array([3, 4]), ['a', 'b'], {'format': 1})
  assert str(error.value) == ('synthesize.min_confidence=0.5: class b kept 0 of the 4 requested images after drawing '
                              '20 (synthesize.max_draws=5 times the request); lower synthesize.min_confidence or '
                              'raise synthesize.max_draws')
  assert len(drawn[1]) == 20 and list(tmp_path.iterdir()) == []   # the cap, and nothing half-written left


def test_classifier_confidence_is_the_softmax_of_the_requested_class():
  from gan_jax.outputs.synthesize import classifier_confidence  # pylint: disable=g-import-not-at-top
  seen = []

  def extractor(x):   # fake logits: (mean pixel, 0, -mean pixel), on the [-1, 1] images the data stage serves
    seen.append(x)
    mean = x.reshape(len(x), -1).mean(1)
    return {'logits': np.stack([mean, np.zeros_like(mean), -mean], 1)}
  images = np.array([0, 255], np.uint8)[:, None, None, None] * np.ones((2, 2, 2, 1), np.uint8)
  got = classifier_confidence(extractor)(images, 0)
  expected = [np.exp(-1) / (np.exp(-1) + 1 + np.exp(1)), np.exp(1) / (np.exp(1) + 1 + np.exp(-1))]
  np.testing.assert_allclose(got, expected, rtol=1e-6)
  assert seen[0].min() == -1.0 and seen[0].max() == 1.0


@pytest.mark.parametrize('key, value, message', [
    ('min_confidence', 1.5, 'synthesize.min_confidence=1.5 must be a number in [0, 1] (0 = off)'),
    ('min_confidence', -0.1, 'synthesize.min_confidence=-0.1 must be a number in [0, 1] (0 = off)'),
    ('max_draws', 0, 'synthesize.max_draws=0 must be an integer >= 1'),
])
def test_bad_filter_keys_are_one_line(key, value, message):
  from configs.default import get_config  # pylint: disable=g-import-not-at-top
  from gan_jax.config_checks import validate_config  # pylint: disable=g-import-not-at-top
  from gan_jax.core.errors import ConfigError  # pylint: disable=g-import-not-at-top
  config = get_config()
  config.synthesize[key] = value
  with pytest.raises(ConfigError) as error:
    validate_config(config, 'synthesize', devices=False)
  assert str(error.value) == message
