"""Labelled sampling: the Sampler's label handling, load_sampler, and --mode=sample with --label."""

import jax
import numpy as np
import pytest

from gan_jax.core import parallel
from gan_jax.families.gan import trainer as gan_trainer
from gan_jax.families.gan.sampler import Sampler
from gan_jax.families.latents import balanced_labels
from gan_jax.outputs.sampling import load_sampler

from configs import cgan_digits
from run_helpers import make_tiny_config

CGAN_TINY = 'cgan_digits.py:tiny'   # the config of the session's cgan_run (tests/conftest.py)


def _cgan_run_config():
  """make_tiny_config() with the model shape cgan_run trained with (configs/cgan_digits.py: spectral norm on D)."""
  config = make_tiny_config()
  config.model.conditional = 'projection'
  config.model.d_spectral_norm = cgan_digits.get_config('tiny').model.d_spectral_norm
  return config


def _sampler(conditional='projection'):
  config = make_tiny_config()
  config.model.conditional = conditional
  setup = gan_trainer.GanTrainer(config, (16, 16, 1), meta={"num_classes": 10})
  sampler = Sampler(setup.generator, config.model.latent_dim, setup.mesh, 8, setup.num_classes)
  return sampler.sample_fn(setup.fresh_state()), setup


def test_conditional_sample_fn_labels():
  sample_fn, setup = _sampler()
  balanced = sample_fn(12, 3)
  np.testing.assert_array_equal(balanced, sample_fn(12, 3, balanced_labels(12, 10)))
  threes = sample_fn(12, 3, np.full(12, 3))
  assert threes.shape == (12, 16, 16, 1)   # (a fresh cBN has gain 1, bias 0 for every class)
  # Chunking (8) and padding do not change a sample: sample i equals G(z_i, label_i) computed directly.
  state = setup.fresh_state()
  z = jax.random.normal(jax.random.fold_in(jax.random.PRNGKey(3), 1), (8, setup.config.model.latent_dim))
  direct = setup.generator.apply({'params': state.ema_params, 'batch_stats': state.g_batch_stats}, z,
                                 np.full(8, 3, np.int32), train=False)
  np.testing.assert_allclose(threes[8:], np.asarray(direct)[:4], rtol=1e-5, atol=1e-6)
  with pytest.raises(ValueError, match='in \\[0, 10\\)'):
    sample_fn(4, 0, np.array([0, 1, 2, 10]))


def test_unconditional_sample_fn_rejects_labels():
  sample_fn, _ = _sampler('none')
  assert sample_fn(3, 0).shape == (3, 16, 16, 1)
  with pytest.raises(ValueError, match='unconditional'):
    sample_fn(3, 0, np.zeros(3, np.int32))


def test_sample_mode_writes_requested_labels(cgan_run, run_launch, tmp_path):
  result = run_launch(CGAN_TINY, cgan_run, '--mode=sample', '--num_samples=13', '--label=3')
  assert result.returncode == 0, result.stderr[-2000:]
  data = np.load(cgan_run / 'samples.npz')
  assert data['labels'].dtype == np.int32
  np.testing.assert_array_equal(data['labels'], np.full(13, 3))
  result = run_launch(CGAN_TINY, cgan_run, '--mode=sample', '--num_samples=13')
  assert result.returncode == 0, result.stderr[-2000:]
  data = np.load(cgan_run / 'samples.npz')
  np.testing.assert_array_equal(data['labels'], np.arange(13) % 10)
  # load_sampler reproduces the file.
  config = _cgan_run_config()
  sample_fn, step, meta = load_sampler(config, str(cgan_run))
  assert step == 4 and meta['num_classes'] == 10
  assert meta['fake_labels'] == 'data' and meta['fake_label_probs'] is None   # fakes took the reals' labels
  np.testing.assert_array_equal(sample_fn(13, config.seed), data['images'])


@pytest.mark.parametrize('flags, message', [
    (('--label=10',), '--label=10 is out of range'),
    (('--config.model.conditional=none', '--label=2'), 'unconditional'),
])
def test_bad_label_is_one_line_exit_2(cgan_run, run_launch, flags, message):
  result = run_launch(CGAN_TINY, cgan_run, '--mode=sample', *flags)
  assert result.returncode == 2
  lines = [line for line in result.stderr.strip().splitlines() if line.startswith('error:')]
  assert len(lines) == 1 and message in lines[0], result.stderr[-2000:]
  assert 'compiled' not in result.stdout


def test_label_of_a_class_the_data_never_had_is_refused(cgan_run):
  from gan_jax.core import checkpointing  # pylint: disable=g-import-not-at-top
  from gan_jax.core.errors import ConfigError  # pylint: disable=g-import-not-at-top
  from gan_jax.outputs import sampling  # pylint: disable=g-import-not-at-top
  store = checkpointing.CheckpointStore(str(cgan_run / 'checkpoints'), 1, read_only=True)
  assert store.read_meta(store.latest_step())['data_num_classes'] == 10   # the loop records the data's classes
  store.close()
  with pytest.raises(ConfigError, match=r'--label=15 is out of range; allowed: 0..9 .*model.num_classes=20'):
    sampling.check_label_flag(15, 20, 10)   # model.num_classes=20 trained on 10-class data
  sampling.check_label_flag(9, 20, 10)
  sampling.check_label_flag(15, 20)   # an older checkpoint without data_num_classes: the model's count


def test_interpolate_mode_writes_class_rows_whose_ends_are_the_end_latents_samples(cgan_run, run_launch):
  from PIL import Image  # pylint: disable=g-import-not-at-top
  from gan_jax.families.latents import draw_latents  # pylint: disable=g-import-not-at-top
  from gan_jax.outputs import sampling  # pylint: disable=g-import-not-at-top
  result = run_launch(CGAN_TINY, cgan_run, '--mode=interpolate', '--config.interpolate.steps=5',
                      '--config.interpolate.rows=3')
  assert result.returncode == 0, result.stderr[-2000:]
  folder = cgan_run / 'interpolations'
  saved = np.load(folder / 'interpolations.npz')
  assert saved['slerp_latents'].shape[0] == 10 * 5
  assert saved['slerp_labels'].tolist() == np.repeat(np.arange(10), 5).tolist()   # one row per class
  assert Image.open(folder / 'slerp.png').size == (5 * 18 + 2, 10 * 18 + 2)
  assert Image.open(folder / 'truncation.png').size == (5 * 18 + 2, 3 * 18 + 2)
  config = _cgan_run_config()
  trainer, state, _, _ = sampling.restore_checkpoint(config, str(cgan_run))
  decode = trainer.decode_fn(state)
  z, labels = saved['slerp_latents'], saved['slerp_labels']
  ends = decode(z[[0, 4]], labels[[0, 4]])   # the row's ends are the samples of the two end latents
  np.testing.assert_allclose(decode(z[:5], labels[:5])[[0, 4]], ends, atol=1e-6)
  # decode agrees with the sampler: the sampler's first chunk is decode at its own latents.
  sample_fn = trainer.sample_fn(state)
  chunk = config.eval.batch_size
  key = jax.random.fold_in(jax.random.PRNGKey(config.seed), 0)
  latents = np.asarray(draw_latents(key, (chunk, config.model.latent_dim)))
  np.testing.assert_allclose(decode(latents[:6], np.arange(6, dtype=np.int32)),
                             sample_fn(6, config.seed, np.arange(6, dtype=np.int32)), atol=1e-5)


def test_conditional_training_run_writes_class_row_grids(cgan_run):
  from PIL import Image
  grid = Image.open(cgan_run / 'generated.png')
  # tiny: 4 sample images -> rows = min(10, max(1, 4 // 4)) = 1 class row of 4 images, 16x16, 2-pixel padding
  assert grid.size == (4 * 18 + 2, 1 * 18 + 2)


def test_conditional_on_unlabelled_data_is_one_line_exit_2(run_launch, tmp_path):
  result = run_launch(CGAN_TINY, tmp_path / 'w', "--config.data.label_key=")
  assert result.returncode == 2
  assert "data.label_key=''" in result.stderr.strip().splitlines()[-1]
