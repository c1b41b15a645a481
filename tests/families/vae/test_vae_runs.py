"""The VAE family end to end: training lowers the val negative ELBO (of the binarised digits), evaluation
JSON has the likelihood bounds beside FID / precision / recall, pictures (prior samples, reconstructions),
--mode=sample and --mode=evaluate through launch.py, a conditional VAE, and bad VAE configs exit 2 with one
line.
(SIGKILL resume and 1 vs 8 devices: tests/run/test_training_runs.py, parametrised over families.)"""

import json
import shutil

import numpy as np
import pytest
from PIL import Image

from configs import vae_digits
from gan_jax.data import prepare_dataset
from gan_jax.families import build_trainer
from gan_jax.outputs.synthesize import synthesize
from gan_jax.run import evaluation, loop
from run_helpers import FAMILY_RUN_CONFIGS, subprocess_env

VAE_CONFIG = FAMILY_RUN_CONFIGS['vae']


def _tiny_vae(data_dir):
  config = vae_digits.get_config('tiny')
  config.data.data_dir = data_dir
  return config


def test_training_lowers_val_neg_elbo_and_evaluation_has_all_metrics(data_dir, tmp_path):
  config = _tiny_vae(data_dir)
  config.train.steps = 60
  config.train.sample_every = 30
  config.checkpoint.every_steps = 30   # (:tiny saves every 2 steps: 30 saves nothing here reads)
  config.vae.lr = 3e-3
  config.eval.metrics = ('fid', 'precision_recall', 'modes')
  config.eval.every_steps = 30
  config.eval.best_metric = 'neg_elbo_binarized'
  config.eval.num_samples = 24
  config.classifier.feature_dim = 8
  config.classifier.width = 4
  config.classifier.steps = 5
  config.classifier.batch_size = 16
  ds = prepare_dataset(config, str(tmp_path))
  trainer = build_trainer(config, ds.example_shape, ds=ds)
  untrained = trainer.extra_metrics(trainer.fresh_state(), ds, 'val')['neg_elbo_binarized']
  loop.train_and_evaluate(config, str(tmp_path))

  records = [json.loads(line) for line in open(tmp_path / 'eval' / 'results.jsonl')]
  assert [(r['split'], r['step']) for r in records] == [('val', 30), ('val', 60)]
  neg_elbos = [r['results']['neg_elbo_binarized'] for r in records]
  assert neg_elbos[-1] < untrained - 5, (untrained, neg_elbos)
  for record in records:
    results = record['results']
    assert set(results) >= {'fid', 'precision', 'recall', 'modes', 'neg_elbo_binarized', 'bits_per_dim_binarized',
                            'neg_iwae_binarized'}
    np.testing.assert_allclose(results['bits_per_dim_binarized'],
                               results['neg_elbo_binarized'] / (16 * 16 * np.log(2)), rtol=1e-6)
    assert results['iwae_samples'] == config.vae.iwae_samples
  for name in ('generated.png', 'reconstructions.png', 'samples/step_0000030.png',
               'reconstructions/step_0000060.png'):
    assert (tmp_path / name).exists(), name
  # Reconstructions: an input row then its reconstruction row (2 x 2 images of 16x16, 2-pixel padding).
  assert Image.open(tmp_path / 'reconstructions.png').size == (2 * 18 + 2, 2 * 18 + 2)

  best_step = min(records, key=lambda r: r['results']['neg_elbo_binarized'])['step']
  results = evaluation.evaluate_checkpoint(config, str(tmp_path), 'best')
  assert set(results) >= {'fid', 'precision', 'recall', 'neg_elbo_binarized', 'bits_per_dim_binarized',
                          'neg_iwae_binarized'}
  test_record = json.load(open(tmp_path / 'eval' / f'test_step{best_step}.json'))
  assert test_record['split'] == 'test'
  assert test_record['results']['neg_elbo_binarized'] == results['neg_elbo_binarized']


def test_conditional_vae_takes_labels_into_encoder_and_decoder(data_dir, tmp_path):
  config = _tiny_vae(data_dir)
  config.model.conditional = 'projection'   # any value but 'none' makes a VAE conditional
  config.train.steps = 2
  config.eval.batch_size = 10
  state = loop.train_and_evaluate(config, str(tmp_path))
  ds = prepare_dataset(config, str(tmp_path))
  trainer = build_trainer(config, ds.example_shape, ds=ds)
  sample_fn = trainer.sample_fn(state)
  balanced = sample_fn(20, 0)
  np.testing.assert_array_equal(balanced, sample_fn(20, 0, labels=np.arange(20) % 10))
  assert not np.array_equal(sample_fn(10, 0, labels=np.zeros(10, np.int32)),
                            sample_fn(10, 0, labels=np.full(10, 7, np.int32)))   # same z, other label
  # The run's own evaluation at its end: the bounds of the val split, with its labels.
  record = json.load(open(tmp_path / 'eval' / 'val_step2.json'))
  assert np.isfinite(record['results']['neg_elbo_binarized'])
  manifest = synthesize(config, str(tmp_path), num_per_class=2)   # a cVAE is a generator for --mode=synthesize
  assert manifest['model']['name'] == 'vae' and manifest['total'] == 20
  assert sorted(len(list((tmp_path / 'synthetic' / name).glob('*.png'))) for name in manifest['class_names']) == [2] * 10
  # (An unconditional VAE refuses labels: tests/families/vae/test_vae_standing_stats.py.)


def test_sample_and_evaluate_modes(vae_run, run_launch, tmp_path):
  results = []
  for name in ('first', 'second'):
    workdir = tmp_path / name
    shutil.copytree(vae_run / 'checkpoints', workdir / 'checkpoints')
    result = run_launch(VAE_CONFIG, workdir, '--mode=sample', '--num_samples=10')
    assert result.returncode == 0, result.stderr[-2000:]
    results.append(np.load(workdir / 'samples.npz')['images'])
  assert results[0].shape == (10, 16, 16, 1) and np.all(np.abs(results[0]) <= 1)
  np.testing.assert_array_equal(results[0], results[1])
  result = run_launch(VAE_CONFIG, tmp_path / 'first', '--mode=evaluate')
  assert result.returncode == 0, result.stderr[-2000:]
  record = json.load(open(tmp_path / 'first' / 'eval' / 'test_step9.json'))
  assert record['split'] == 'test' and np.isfinite(record['results']['neg_elbo_binarized'])
  assert record['results']['bits_per_dim_binarized'] > 0 and record['results']['neg_iwae_binarized'] > 0


BAD = [
    (('--config.loss.n_critic=5',), 'loss.n_critic=5 is a GAN-only setting; model.name=vae is a VAE'),
    (('--config.model.pack=2',), 'model.pack=2 is a GAN-only setting'),
    (('--config.vae.likelihood=poisson',), "vae.likelihood='poisson' is not a known VAE likelihood"),
    (('--config.vae.beta=0.0',), 'vae.beta=0.0 must be a finite number > 0'),
    (('--config.optim.g_lr=0.001',), "optim.g_lr=0.001 is a GAN-only setting; model.name=vae is a VAE (allowed: "
                                     "0.0002); the VAE's own key is vae.lr"),
]


@pytest.mark.parametrize('flags, message', BAD, ids=[m.split('=')[0] for _, m in BAD])
def test_bad_vae_config_exits_2_with_one_line(flags, message, run_launch, tmp_path):
  result = run_launch(VAE_CONFIG, tmp_path, *flags, env=subprocess_env(), timeout=120)
  assert result.returncode == 2, result.stderr[-2000:]
  errors = [line for line in result.stderr.splitlines() if line.startswith('error: ')]
  assert len(errors) == 1 and message in errors[0], result.stderr[-2000:]
  assert 'Traceback' not in result.stderr
