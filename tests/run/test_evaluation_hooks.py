"""Evaluation during training: periodic val evaluation, the best checkpoint, --mode=evaluate's function."""

import json

from gan_jax.core import checkpointing
from gan_jax.families.gan import trainer as gan_trainer
from gan_jax.run import evaluation, loop


def test_periodic_eval_keeps_lowest_metric_checkpoint_and_evaluates_it(tiny_config, tmp_path):
  config = tiny_config
  config.train.sample_every = 0
  config.eval.metrics = ('fid', 'modes')
  config.eval.extractor = 'classifier'
  config.eval.every_steps = 2
  config.eval.best_metric = 'fid'
  config.eval.num_samples = 24
  config.classifier.feature_dim = 8
  config.classifier.width = 4
  config.classifier.steps = 5
  config.classifier.batch_size = 16
  workdir = str(tmp_path)
  loop.train_and_evaluate(config, workdir)

  records = [json.loads(line) for line in open(tmp_path / 'eval' / 'results.jsonl')]
  assert [(r['split'], r['step']) for r in records] == [('val', 2), ('val', 4)]   # the end is step 4
  best_step = min(records, key=lambda r: r['results']['fid'])['step']
  best = checkpointing.CheckpointStore(checkpointing.checkpoint_dir(workdir, best=True), 1)
  assert best.latest_step() == best_step
  assert best.read_meta(best_step)['best_value'] == min(r['results']['fid'] for r in records)

  results = evaluation.evaluate_checkpoint(config, workdir, 'best')
  assert set(results) >= {'fid', 'modes', 'reverse_kl'}
  assert json.load(open(tmp_path / 'eval' / f'test_step{best_step}.json'))['split'] == 'test'


def test_points_run_draws_a_scatter_plot(points_config, tmp_path):
  from PIL import Image  # pylint: disable=g-import-not-at-top
  points_config.train.sample_every = 0
  loop.train_and_evaluate(points_config, str(tmp_path))
  picture = Image.open(tmp_path / 'generated.png')
  assert picture.size == (512, 512) and picture.mode == 'RGB'
