"""Multi-index near-duplicate search equals brute force; hashes survive JPEG, noise and (as variants) shifts."""

import numpy as np
import pytest

from gan_jax.data import hashing
from gan_jax.data.near_duplicates import candidate_pairs, greedy_keep, near_pairs


def _planted_hashes(n=1500, copies=150, seed=0):
  rng = np.random.default_rng(seed)
  hashes = rng.integers(0, 2**63, size=n, dtype=np.uint64) * np.uint64(2) + rng.integers(0, 2, n, dtype=np.uint64)
  for _ in range(copies):
    a, b = rng.integers(0, n, 2)
    flips = rng.choice(64, size=rng.integers(0, 7), replace=False)
    hashes[b] = hashes[a] ^ np.uint64(sum(1 << int(f) for f in flips))
  return hashes


@pytest.mark.parametrize('threshold', [0, 1, 4, 9])
def test_matches_brute_force(threshold):
  hashes = _planted_hashes()
  i, j = near_pairs(hashes, threshold)
  distances = hashing.hamming(hashes[:, None], hashes[None, :])
  bi, bj = np.nonzero(np.triu(distances <= threshold, 1))
  np.testing.assert_array_equal(i, bi)
  np.testing.assert_array_equal(j, bj)
  qi, rj = near_pairs(hashes[:200], threshold, hashes[700:])
  ci, cj = np.nonzero(distances[:200, 700:] <= threshold)
  np.testing.assert_array_equal(qi, ci)
  np.testing.assert_array_equal(rj, cj)


def test_greedy_keep_keeps_chain_ends():
  keep, duplicate_of = greedy_keep(4, np.array([0, 1]), np.array([1, 2]))   # 0~1, 1~2, 0!~2
  np.testing.assert_array_equal(keep, [True, False, True, True])
  assert duplicate_of[1] == 0


def test_perceptual_hash_is_robust_to_jpeg():
  from PIL import Image  # pylint: disable=g-import-not-at-top
  import io  # pylint: disable=g-import-not-at-top
  rng = np.random.default_rng(1)
  originals, copies = [], []
  for _ in range(20):
    image = Image.fromarray(rng.integers(0, 256, (4, 4, 3), dtype=np.uint8)).resize((48, 48), Image.BICUBIC)
    buffer = io.BytesIO()
    image.save(buffer, 'JPEG', quality=90)
    originals.append(np.asarray(image))
    copies.append(np.asarray(Image.open(buffer)))
  a = hashing.perceptual_hashes(hashing.dct_features(np.stack(originals)))
  b = hashing.perceptual_hashes(hashing.dct_features(np.stack(copies)))
  same = hashing.hamming(a, b)
  assert same.mean() <= 3 and same.max() <= 6
  different = hashing.hamming(a[:, None], a[None, :])[np.triu_indices(20, 1)]
  assert different.min() > 6 and different.mean() > 20


def _smooth(rng, n, side=28, coarse=7):
  """uint8 [n, side, side, 1]: random coarse patterns upscaled (flat high frequencies, as upscaled images)."""
  from PIL import Image  # pylint: disable=g-import-not-at-top
  patterns = rng.integers(0, 256, (n, coarse, coarse), dtype=np.uint8)
  return np.stack([np.asarray(Image.fromarray(p).resize((side, side), Image.BILINEAR)) for p in patterns])[..., None]


def _shift(images, dy, dx):
  """Content moved down dy and right dx pixels, the uncovered border filled with its edge."""
  side = images.shape[1]
  rows, cols = np.clip(np.arange(side) - dy, 0, side - 1), np.clip(np.arange(side) - dx, 0, side - 1)
  return images[:, rows][:, :, cols]


def test_stable_hash_ignores_small_noise_where_the_classic_one_flips_bits():
  rng = np.random.default_rng(0)
  images = _smooth(rng, 200)
  noisy = np.clip(images.astype(int) + rng.integers(-2, 3, images.shape), 0, 255).astype(np.uint8)
  classic = [hashing.perceptual_hashes(hashing.dct_features(x)) for x in (images, noisy)]
  stable = [hashing.stable_hashes(hashing.dct_features(x)) for x in (images, noisy)]
  assert np.median(hashing.hamming(*classic)) >= 4          # why the old search missed such copies
  assert np.mean(hashing.hamming(*stable) <= 2) > 0.9
  different = hashing.hamming(stable[0][:, None], stable[0][None, :])[np.triu_indices(200, 1)]
  assert different.min() > 4


def test_variant_hashes_start_with_the_plain_hash_and_undo_shifts():
  rng = np.random.default_rng(1)
  images = _smooth(rng, 30, side=32)
  thumbs = hashing.thumbnails(images)
  variants = hashing.variant_hashes(thumbs)
  assert hashing.VARIANTS[0] == ((1.0, 0), (1.0, 0))   # column 0: the plain hash (on a 16x16 reduction)
  assert np.median(hashing.hamming(variants[:, 0], hashing.stable_hashes(hashing.dct_features(images)))) <= 2
  shifted = _shift(images, 2, -1)
  plain = hashing.variant_hashes(hashing.thumbnails(shifted))[:, 0]
  k = hashing.VARIANTS.index(((1.0, 2), (1.0, -1)))
  assert np.mean(hashing.hamming(variants[:, k], plain) <= 4) > 0.9
  assert np.median(hashing.hamming(variants[:, 0], plain)) > 8


def test_candidate_pairs_find_shifted_copies_within_and_across_sets():
  rng = np.random.default_rng(2)
  images = _smooth(rng, 40, side=32)
  copies = _shift(images[:10], 2, 1)
  both = hashing.variant_hashes(hashing.thumbnails(np.concatenate([images, copies])))
  i, j = candidate_pairs(both, 4)
  assert {(k, 40 + k) for k in range(10)} <= set(zip(i.tolist(), j.tolist())) and (i < j).all()
  # Across sets the copy may be on either side: both directions are searched.
  qi, rj = candidate_pairs(both[40:], 4, both[:40])
  assert {(k, k) for k in range(10)} <= set(zip(qi.tolist(), rj.tolist()))
  qi, rj = candidate_pairs(both[:40], 4, both[40:])
  assert {(k, k) for k in range(10)} <= set(zip(qi.tolist(), rj.tolist()))


def test_candidate_pairs_are_bounded_per_image():
  # 60 images with equal hashes: every pair is a candidate unless the partners are bounded.
  variants = np.tile(np.uint64(12345), (60, len(hashing.VARIANTS)))
  i, j = candidate_pairs(variants, 4, max_partners=5)
  counts = np.bincount(np.concatenate([i, j]), minlength=60)
  assert len(i) <= 60 * 5 and counts.min() >= 5
  assert len(candidate_pairs(variants, 4, max_partners=100)[0]) == 60 * 59 // 2
