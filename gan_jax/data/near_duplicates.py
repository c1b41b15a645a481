"""Near-duplicate search over 64-bit hashes by exact multi-index hashing (no quadratic loop).

With threshold t, the 64 bits are split into t + 1 bands: two hashes within Hamming distance t agree
exactly on at least one band (pigeonhole). Each band is sorted once; candidates are the hashes that share
a band value, found with searchsorted, and verified with a vectorised popcount.
"""

from typing import Optional, Tuple

import numpy as np

from gan_jax.data.hashing import hamming

_MAX_CANDIDATES = 4_000_000   # per query chunk: bounds memory when many hashes share a band value


def _bands(threshold: int):
  """(shift, mask) of each of the threshold + 1 bands covering the 64 bits."""
  num = threshold + 1
  widths = [64 // num + (k < 64 % num) for k in range(num)]
  shifts = np.cumsum([0] + widths[:-1])
  return [(np.uint64(s), np.uint64((1 << w) - 1)) for s, w in zip(shifts, widths)]


def _candidates(query_keys, ref_sorted_keys, ref_order, query_index):
  """All (query, ref) index pairs whose band keys are equal."""
  lo = np.searchsorted(ref_sorted_keys, query_keys, side='left')
  hi = np.searchsorted(ref_sorted_keys, query_keys, side='right')
  counts = hi - lo
  q = np.repeat(query_index, counts)
  starts = np.repeat(lo - np.cumsum(counts) + counts, counts)
  r = ref_order[starts + np.arange(counts.sum())]
  return q, r


def near_pairs(query: np.ndarray, threshold: int,
               reference: Optional[np.ndarray] = None) -> Tuple[np.ndarray, np.ndarray]:
  """Pairs of hashes within Hamming distance `threshold`.

  query, reference: uint64 [n], [m]. Without `reference`, pairs within `query` with i < j; with it, all
  (i in query, j in reference) pairs. Returns two int64 arrays, sorted by (i, j), without repeats.
  """
  within = reference is None
  reference = query if within else reference
  if threshold < 0 or len(query) == 0 or len(reference) == 0:
    return np.zeros(0, np.int64), np.zeros(0, np.int64)
  n_ref = len(reference)
  found = []
  for shift, mask in _bands(min(threshold, 63)):
    ref_keys = (reference >> shift) & mask
    order = np.argsort(ref_keys, kind='stable')
    sorted_keys = ref_keys[order]
    query_keys = (query >> shift) & mask
    # Chunk the queries so that a crowded band value cannot exhaust memory.
    per_query = np.searchsorted(sorted_keys, query_keys, 'right') - np.searchsorted(sorted_keys, query_keys)
    bounds = np.searchsorted(np.cumsum(per_query), np.arange(_MAX_CANDIDATES, per_query.sum() + _MAX_CANDIDATES,
                                                                _MAX_CANDIDATES), side='right')
    start = 0
    for stop in list(bounds) + [len(query)]:
      stop = max(stop, start + 1)
      if start >= len(query):
        break
      idx = np.arange(start, min(stop, len(query)))
      q, r = _candidates(query_keys[idx], sorted_keys, order, idx)
      keep = hamming(query[q], reference[r]) <= threshold
      if within:
        keep &= q < r
      found.append(q[keep] * n_ref + r[keep])
      start = stop
  codes = np.unique(np.concatenate(found)) if found else np.zeros(0, np.int64)
  return codes // n_ref, codes % n_ref


def greedy_keep(num: int, pairs_i: np.ndarray, pairs_j: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
  """Keeps an item unless it is near an earlier kept item.

  pairs (i < j) from `near_pairs`. Returns (keep bool [num], duplicate_of int64 [num], -1 when kept),
  so a chain a~b~c with a !~ c keeps a and c.
  """
  keep = np.ones(num, bool)
  duplicate_of = np.full(num, -1, np.int64)
  order = np.lexsort((pairs_i, pairs_j))
  pairs_i, pairs_j = pairs_i[order], pairs_j[order]
  starts = np.searchsorted(pairs_j, np.unique(pairs_j))
  ends = np.append(starts[1:], len(pairs_j))
  # Loop only over items that have an earlier near neighbour (a few per thousand in real data).
  for s, e in zip(starts, ends):
    kept_earlier = pairs_i[s:e][keep[pairs_i[s:e]]]
    if len(kept_earlier):
      keep[pairs_j[s]] = False
      duplicate_of[pairs_j[s]] = kept_earlier[0]
  return keep, duplicate_of
