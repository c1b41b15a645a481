"""Labelled-generation metrics: conditional_accuracy (GAN-test), cas, intra-FID of conditional models."""

import numpy as np
import pytest

from gan_jax.core.errors import ConfigError
from gan_jax.metrics import validate_eval_config
from gan_jax.metrics.conditional import cas_for_dataset, conditional_accuracy
from gan_jax.metrics.evaluator import Evaluator


def _real_sampler(ds, split, shuffle_labels):
  """sample_fn(num, seed, labels) answering each requested label with a real image of that class (or, with
  shuffle_labels, of a random class): real labelled data fed through the conditional metrics."""
  arrays = ds.split_arrays(split)
  by_class = {c: arrays['image'][arrays['label'] == c] for c in range(ds.num_classes)}

  def sample_fn(num, seed, labels):
    rng = np.random.RandomState(seed)
    classes = rng.randint(0, ds.num_classes, num) if shuffle_labels else labels
    return np.stack([by_class[c][rng.randint(len(by_class[c]))] for c in classes])
  return sample_fn


@pytest.fixture
def conditional_config(digits_classifier):
  config, ds, trained = digits_classifier
  config = config.copy_and_resolve_references()
  config.model.conditional = 'projection'
  config.eval.metrics = ('conditional_accuracy', 'intra_fid')
  config.eval.num_samples = 1000
  return config, ds, trained


def test_conditional_accuracy_high_for_real_labelled_data_chance_for_shuffled(conditional_config, tmp_path):
  config, ds, trained = conditional_config
  evaluator = Evaluator(config, ds, str(tmp_path))
  right = evaluator.evaluate(_real_sampler(ds, 'test', False), split='val', step=1)
  assert right['conditional_accuracy'] > 0.9
  assert right['conditional_accuracy'] == pytest.approx(trained['test_accuracy'], abs=0.05)
  shuffled = evaluator.evaluate(_real_sampler(ds, 'test', True), split='val', step=2)
  assert abs(shuffled['conditional_accuracy'] - 1 / ds.num_classes) < 0.05
  # Intra-FID groups by the REQUESTED labels: right labels give per-class FIDs far below shuffled ones.
  assert right['intra_fid_classes'] == ds.num_classes
  assert right['intra_fid'] < 0.5 * shuffled['intra_fid']


def test_cas_on_real_training_data_approaches_classifier_test_accuracy(digits_classifier):
  config, ds, trained = digits_classifier
  train = ds.split_arrays('train')
  cas = cas_for_dataset(config, ds, train['image'], train['label'], 'test')['cas']
  assert cas == pytest.approx(trained['test_accuracy'], abs=0.03)
  # Labels that carry no information give a chance-level classifier.
  # (A quarter of the steps: a classifier that fits noise labels longer does not get better on the test split.)
  noise = np.random.RandomState(0).permutation(train['label'])
  short = config.copy_and_resolve_references()
  short.classifier.steps = config.classifier.steps // 4
  assert cas_for_dataset(short, ds, train['image'], noise, 'test')['cas'] < 0.3


def test_conditional_accuracy_function():
  assert conditional_accuracy(np.array([1, 2, 3, 3]), np.array([1, 2, 0, 3])) == 0.75
  with pytest.raises(ValueError):
    conditional_accuracy(np.array([1]), np.array([1, 2]))


def test_conditional_metrics_need_a_conditional_model(digits_classifier):
  config, _, _ = digits_classifier
  config = config.copy_and_resolve_references()
  config.eval.metrics = ('fid', 'cas')
  with pytest.raises(ConfigError, match='cas need a class-conditional model'):
    validate_eval_config(config)
