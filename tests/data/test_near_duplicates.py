"""Multi-index near-duplicate search equals brute force; perceptual hashes survive JPEG."""

import numpy as np
import pytest

from gan_jax.data import hashing
from gan_jax.data.near_duplicates import greedy_keep, near_pairs


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
