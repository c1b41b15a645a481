"""Mode statistics on samples from the true mixtures, a collapsed sample and labelled modes."""

import os
import sys

import numpy as np
import pytest

from gan_jax.metrics import label_mode_stats, mode_stats_2d

sys.path.insert(0, os.path.dirname(__file__))
from fake_datasets import grid_centers, mixture_samples, ring_centers  # noqa: E402

MIXTURES = {'ring8': ring_centers(8), 'grid25': grid_centers(5)}


@pytest.mark.parametrize('mixture', sorted(MIXTURES))
@pytest.mark.parametrize('std', [0.01, 0.05])
def test_true_mixture_gives_all_modes_high_quality_low_kl(mixture, std):
  centers = MIXTURES[mixture]
  stats = mode_stats_2d(mixture_samples(centers, std, 2500, seed=1), centers, std)
  assert stats['modes'] == len(centers)
  assert stats['high_quality'] >= 0.97
  assert stats['reverse_kl'] < 0.05


@pytest.mark.parametrize('mixture', sorted(MIXTURES))
def test_single_mode_sample_gives_one_mode_and_log_k(mixture):
  centers = MIXTURES[mixture]
  samples = mixture_samples(centers[3:4], 0.01, 500)
  stats = mode_stats_2d(samples, centers, 0.01)
  assert stats['modes'] == 1
  assert stats['reverse_kl'] == pytest.approx(np.log(len(centers)))


def test_far_samples_are_not_high_quality():
  centers = MIXTURES['ring8']
  stats = mode_stats_2d(np.full((10, 2), 50.0), centers, 0.05)
  assert stats == {'modes': 0.0, 'high_quality': 0.0, 'reverse_kl': float('inf')}


def test_label_mode_stats_stacked_digits():
  rng = np.random.RandomState(0)
  full = label_mode_stats(rng.permutation(np.repeat(np.arange(1000), 26)), 1000)
  assert full['modes'] == 1000 and full['reverse_kl'] == pytest.approx(0.0, abs=1e-12)
  collapsed = label_mode_stats(np.array([7, 7, 42, 42]), 1000)
  assert collapsed['modes'] == 2 and collapsed['reverse_kl'] == pytest.approx(np.log(500))


def test_label_mode_stats_against_real_label_distribution():
  real = np.array([0] * 30 + [1] * 10)
  stats = label_mode_stats(np.array([0] * 3 + [1]), 2, reference=real)
  assert stats['reverse_kl'] == pytest.approx(0.0, abs=1e-12)
