"""Translation metrics (gan_jax/metrics/translation.py) on stand-in domains and translations: label preservation
counts the target classifier's agreement with the source labels; the cycle error, small for a cycle hidden
in low-amplitude noise, grows once noise is added."""

import ml_collections
import numpy as np
import pytest

from gan_jax.metrics import translation


class _Domain:
  def __init__(self, images, labels):
    self.images, self.labels, self.num_classes = images, labels, int(labels.max()) + 1

  def split_arrays(self, split):
    return {'image': self.images, 'label': self.labels}


class _TwoDomains:
  def __init__(self, a, b):
    self.domains = {'a': a, 'b': b}

  def domain(self, which):
    return self.domains[which]


def _config(metrics, noise_std=0.04):
  return ml_collections.ConfigDict({'eval': {'num_samples': 64, 'seed': 0},
                                    'cyclegan': {'metrics': metrics, 'noise_std': noise_std}})


def _domains():
  draw = np.random.RandomState(0)
  images = draw.uniform(-1, 1, (64, 4, 4, 1)).astype(np.float32)
  return _TwoDomains(_Domain(images, np.arange(64) % 4), _Domain(images[::-1].copy(), np.arange(64) % 4))


def test_a_cycle_hidden_in_low_amplitude_noise_shows_after_noise():
  hide = {'a2b': lambda x: x * 0.01, 'b2a': lambda y: np.clip(y * 100, -1, 1)}   # F(G(x)) = x exactly
  results = translation.evaluate(_config(('cycle_error',)), _domains(), 'val', lambda d, x: hide[d](x))
  assert results['cycle_error_a'] == pytest.approx(0.0, abs=1e-6)
  assert results['cycle_error_noisy_a'] > 0.5   # noise of std 0.04 on G(x) is 4 x the hidden image
  honest = translation.evaluate(_config(('cycle_error',)), _domains(), 'val', lambda d, x: x)
  assert honest['cycle_error_a'] == 0.0 and honest['cycle_error_noisy_a'] < 0.04
  assert 'cycle_error_noisy_a' not in translation.evaluate(_config(('cycle_error',), 0.0), _domains(), 'val',
                                                           lambda d, x: x)


def test_label_preservation_is_the_target_classifiers_agreement_with_source_labels():
  class Classifier:   # predicts the label a translation writes into pixel (0, 0): 0..3
    def __call__(self, x):
      return {'labels': np.round(x[:, 0, 0, 0]).astype(int)}

  def translate(direction, x):
    y = x.copy()
    y[:, 0, 0, 0] = np.arange(len(x)) % 4 if direction == 'a2b' else 0   # a2b keeps every label, b2a says 0
    return y

  ctx = translation.Context(_config(('label_preservation',)), _domains(), 'val', translate)
  ctx._classifiers = {'a': Classifier(), 'b': Classifier()}   # pylint: disable=protected-access
  results = translation.TRANSLATION_METRICS.get('label_preservation').fn(ctx)
  assert results == {'label_preservation_a2b': 1.0, 'label_preservation_b2a': 0.25}


def _known_map_config(**data_b):
  config = _config(('ground_truth_l1',))
  config.data = ml_collections.ConfigDict({'name': 'mnist5k', 'path': '', 'image_key': 'image', 'label_key': 'label',
                                           'transform': 'none', 'frame_fraction': 1.0, 'standardize': False})
  config.data_b = ml_collections.ConfigDict({'name': 'mnist5k', 'path': '', 'image_key': 'image',
                                             'label_key': 'label', 'transform': 'invert', 'frame_fraction': 1.0,
                                             **data_b})
  return config


def test_ground_truth_l1_is_zero_for_the_true_map_and_the_mean_distance_otherwise():
  domains = _domains()
  truth = translation.evaluate(_known_map_config(), domains, 'val', lambda d, x: -x)   # invert is its own inverse
  assert truth == {'ground_truth_l1_a2b': 0.0, 'ground_truth_l1_b2a': 0.0}
  identity = translation.evaluate(_known_map_config(), domains, 'val', lambda d, x: x)
  a = domains.domain('a').images
  assert identity['ground_truth_l1_a2b'] == pytest.approx(float(np.mean(np.abs(2 * a))), rel=1e-6)


def test_ground_truth_needs_one_source_and_unstandardised_images():
  assert translation.ground_truth_problem(_known_map_config()) == ''
  assert translation.ground_truth_problem(_known_map_config(name='digits')).startswith(
      "data_b.name='digits' differs from data.name='mnist5k'")
  assert translation.ground_truth_problem(_known_map_config(frame_fraction=0.7)).startswith(
      'data_b.frame_fraction=0.7 differs from data.frame_fraction=1.0')
  config = _known_map_config()
  config.data.standardize = True
  assert 'data.standardize=True' in translation.ground_truth_problem(config)


def test_spread_takes_every_class_of_a_split_stored_class_by_class():
  labels = np.repeat(np.arange(10), 50)   # 500 images, class by class
  assert sorted(set(labels[translation.spread(500, 20)])) == list(range(10))
  np.testing.assert_array_equal(translation.spread(5, 8), np.arange(5))
  assert len(set(translation.spread(500, 499))) == 499
