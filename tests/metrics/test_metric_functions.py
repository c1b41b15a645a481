"""Each metric equals an independent, straightforward reference computation written here."""

import numpy as np
import pytest
import scipy.linalg

from gan_jax.metrics import (TooFewSamplesError, density_coverage, fid_from_features, fid_from_stats,
                             frechet_distance, gaussian_stats, inception_score, kernel_inception_distance,
                             precision_recall)


@pytest.fixture(scope='module')
def features():
  rng = np.random.RandomState(0)
  real = rng.randn(400, 16) @ rng.randn(16, 16) * 0.5
  fake = rng.randn(300, 16) @ rng.randn(16, 16) * 0.5 + 0.3
  return real.astype(np.float32), fake.astype(np.float32)


def reference_fid(x, y):
  """pytorch-fid's formulation: scipy sqrtm of the product, real part."""
  mu1, mu2 = x.mean(0), y.mean(0)
  s1, s2 = np.cov(x, rowvar=False), np.cov(y, rowvar=False)
  covmean = scipy.linalg.sqrtm(s1 @ s2).real
  return ((mu1 - mu2) ** 2).sum() + np.trace(s1) + np.trace(s2) - 2 * np.trace(covmean)


def test_fid_matches_scipy_sqrtm_formulation(features):
  real, fake = features
  np.testing.assert_allclose(fid_from_features(real, fake), reference_fid(real.astype(np.float64),
                                                                          fake.astype(np.float64)), rtol=1e-6)


def test_fid_of_a_set_with_itself_is_zero(features):
  real, _ = features
  assert abs(fid_from_features(real, real)) < 1e-8


def test_fid_too_few_samples_is_a_clear_error_or_documented_regularisation():
  rng = np.random.RandomState(1)
  small, big = rng.randn(10, 16), rng.randn(100, 16)
  with pytest.raises(TooFewSamplesError, match='more samples than feature dimensions'):
    fid_from_features(small, big)
  value = fid_from_stats(gaussian_stats(small), gaussian_stats(big), on_singular='regularize')
  assert np.isfinite(value) and isinstance(value, float)


def test_frechet_distance_never_imaginary_on_singular_covariances():
  rng = np.random.RandomState(2)
  low_rank = rng.randn(64, 3)
  s1, s2 = low_rank @ low_rank.T, np.cov(rng.randn(5, 64), rowvar=False)   # ranks 3 and 4 in 64-d
  value = frechet_distance(np.zeros(64), s1, np.ones(64), s2)
  assert isinstance(value, float) and np.isfinite(value) and value > 0


def reference_is(logits, splits):
  logits = logits[np.random.RandomState(2020).permutation(len(logits))]
  p = np.exp(logits - logits.max(1, keepdims=True))
  p /= p.sum(1, keepdims=True)
  n, scores = len(p), []
  for k in range(splits):
    part = p[k * n // splits:(k + 1) * n // splits]
    py = part.mean(0)
    scores.append(np.exp(np.mean([np.sum(row * (np.log(row) - np.log(py))) for row in part])))
  return np.mean(scores), np.std(scores)


@pytest.mark.parametrize('splits', [1, 10])
def test_inception_score_matches_reference(splits):
  logits = np.random.RandomState(3).randn(500, 12) * 3
  np.testing.assert_allclose(inception_score(logits, splits=splits), reference_is(logits, splits), rtol=1e-10)


def test_inception_score_of_uniform_logits_is_one():
  mean, std = inception_score(np.zeros((100, 1008)), splits=10)
  assert mean == pytest.approx(1.0, abs=1e-12) and std == pytest.approx(0.0, abs=1e-12)


def test_inception_score_of_confident_uniform_classes_is_num_classes():
  logits = np.eye(10)[np.arange(1000) % 10] * 50
  assert inception_score(logits, splits=1)[0] == pytest.approx(10.0, rel=1e-6)


def reference_kid(x, y):
  """One subset holding every sample: unbiased MMD^2 with a cubic kernel, loops over pairs."""
  d = x.shape[1]
  k = lambda a, b: (a @ b / d + 1) ** 3
  m, n = len(x), len(y)
  xx = sum(k(x[i], x[j]) for i in range(m) for j in range(m) if i != j) / (m * (m - 1))
  yy = sum(k(y[i], y[j]) for i in range(n) for j in range(n) if i != j) / (n * (n - 1))
  xy = sum(k(x[i], y[j]) for i in range(m) for j in range(n)) / (m * n)
  return xx + yy - 2 * xy


def test_kid_with_one_subset_of_all_samples_matches_reference(features):
  real, fake = (f[:80].astype(np.float64) for f in features)
  mean, std = kernel_inception_distance(real, fake, subsets=1, subset_size=1000)   # clipped to 80
  assert mean == pytest.approx(reference_kid(real, fake), rel=1e-9) and std == 0.0


def test_kid_is_seeded_and_near_zero_for_same_distribution():
  rng = np.random.RandomState(4)
  a, b = rng.randn(300, 8), rng.randn(300, 8)
  first = kernel_inception_distance(a, b, subsets=20, subset_size=100)
  assert first == kernel_inception_distance(a, b, subsets=20, subset_size=100)
  assert abs(first[0]) < 0.05


def reference_manifold(real, fake, k):
  dist = lambda a, b: np.sqrt(((a[:, None, :] - b[None, :, :]) ** 2).sum(-1))
  real_radii = np.sort(dist(real, real), axis=1)[:, k]
  fake_radii = np.sort(dist(fake, fake), axis=1)[:, k]
  d_fr = dist(fake, real)
  precision = np.mean([(d_fr[j] <= real_radii).any() for j in range(len(fake))])
  recall = np.mean([(d_fr[:, i] <= fake_radii).any() for i in range(len(real))])
  # density / coverage: strict, as Naeem et al.'s prdc; precision / recall: <=, as Kynkaanniemi et al.
  density = np.mean([(d_fr[j] < real_radii).sum() for j in range(len(fake))]) / k
  coverage = np.mean([d_fr[:, i].min() < real_radii[i] for i in range(len(real))])
  return precision, recall, density, coverage


def test_precision_recall_density_coverage_match_reference_exactly(features):
  real, fake = features
  precision, recall, density, coverage = reference_manifold(real.astype(np.float64), fake.astype(np.float64), 3)
  assert precision_recall(real, fake, k=3) == (precision, recall)
  _, _, density5, coverage5 = reference_manifold(real.astype(np.float64), fake.astype(np.float64), 5)
  assert density_coverage(real, fake, k=5) == pytest.approx((density5, coverage5), abs=1e-12)


def test_precision_recall_directions():
  """Fake collapsed onto a small part of real: high precision (quality), low recall (diversity)."""
  rng = np.random.RandomState(5)
  real = rng.randn(1000, 2)
  core = real[np.linalg.norm(real, axis=1) < 0.5]
  fake = core + 0.01 * rng.randn(*core.shape)
  precision, recall = precision_recall(real, fake, k=3)
  assert precision > 0.9 and recall < 0.3


@pytest.mark.parametrize('duplicates', [False, True])
def test_density_coverage_equal_prdc_including_ties(features, duplicates):
  prdc = pytest.importorskip('prdc')
  real, fake = (f.astype(np.float64) for f in features)
  if duplicates:   # exact ties: repeated points sit on each other's k-NN ball edges
    real = np.concatenate([real[:60], real[:40]])
  want = prdc.compute_prdc(real, real, nearest_k=5)
  assert density_coverage(real, real, k=5) == (want['density'], want['coverage'])
  assert density_coverage(real, real, k=5) == (1.0, 1.0) or duplicates
  want = prdc.compute_prdc(real, fake, nearest_k=5)
  assert density_coverage(real, fake, k=5) == (want['density'], want['coverage'])
