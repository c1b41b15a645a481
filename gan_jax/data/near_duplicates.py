"""Near-duplicate search over 64-bit hashes by multi-index hashing (no quadratic loop).

With threshold t, the 64 bits are split into t + 1 bands: two hashes within Hamming distance t agree
exactly on at least one band (pigeonhole). Each band is sorted once; candidates are the hashes that share
a band value, found with a count table (or searchsorted for wide bands), and verified with a vectorised
popcount.

`candidate_pairs` searches with each image's variant hashes (small shifts and scalings) and keeps, per
image, its closest few partners: the pairs a copy check (gan_jax.data.copy_check) then confirms or not.
"""

from typing import Optional, Tuple

import numpy as np

from gan_jax.data.hashing import hamming

_MAX_CANDIDATES = 4_000_000   # per query chunk: bounds memory when many hashes share a band value
_TABLE_BITS = 22              # bands up to this wide are looked up in a count table (32 MB at most)
# A band value shared by more references than this says little (smooth images leave whole bands of
# high-frequency bits at 0): queries skip it in that band. A pair at distance d agrees on at least
# t + 1 - d bands, so only a pair at the threshold whose one agreeing band is crowded can be missed.
_CROWDED = 1024
# Partners kept per image (closest hashes first): simple strokes (MNIST ones) hash alike by the hundred,
# and without a bound the copy check's work would grow with the square of such a cluster.
MAX_PARTNERS = 32


def _bands(threshold: int):
  """(shift, width) of each of the threshold + 1 bands covering the 64 bits."""
  num = threshold + 1
  widths = [64 // num + (k < 64 % num) for k in range(num)]
  shifts = np.cumsum([0] + widths[:-1])
  return [(np.uint64(s), w) for s, w in zip(shifts, widths)]


def _buckets(ref_keys: np.ndarray, query_keys: np.ndarray, width: int):
  """(order, first, count): refs sorted by key; where each query's key starts among them, and how often."""
  order = np.argsort(ref_keys, kind='stable')
  if width <= _TABLE_BITS:   # a count per key value: no binary search for millions of (variant) queries
    counts = np.bincount(ref_keys.astype(np.int64), minlength=1 << width)
    starts = np.cumsum(counts) - counts
    keys = query_keys.astype(np.int64)
    return order, starts[keys], counts[keys]
  sorted_keys = ref_keys[order]
  first = np.searchsorted(sorted_keys, query_keys, side='left')
  return order, first, np.searchsorted(sorted_keys, query_keys, side='right') - first


def _candidates(first, count, ref_order, query_index):
  """All (query, ref) index pairs whose band keys are equal."""
  q = np.repeat(query_index, count)
  starts = np.repeat(first - np.cumsum(count) + count, count)
  r = ref_order[starts + np.arange(count.sum())]
  return q, r


def near_pairs(query: np.ndarray, threshold: int,
               reference: Optional[np.ndarray] = None) -> Tuple[np.ndarray, np.ndarray]:
  """Pairs of hashes within Hamming distance `threshold`.

  query, reference: uint64 [n], [m]. Without `reference`, pairs within `query` with i < j; with it, all
  (i in query, j in reference) pairs. Returns two int64 arrays, sorted by (i, j), without repeats.
  Exact, except that a band value shared by more than _CROWDED references is not searched.
  """
  within = reference is None
  reference = query if within else reference
  if threshold < 0 or len(query) == 0 or len(reference) == 0:
    return np.zeros(0, np.int64), np.zeros(0, np.int64)
  n_ref = len(reference)
  found = []
  for shift, width in _bands(min(threshold, 63)):
    mask = np.uint64((1 << width) - 1)
    order, first, count = _buckets((reference >> shift) & mask, (query >> shift) & mask, width)
    count = np.where(count > _CROWDED, 0, count)
    # Chunk the queries so that a crowded band value cannot exhaust memory.
    bounds = np.searchsorted(np.cumsum(count), np.arange(_MAX_CANDIDATES, count.sum() + _MAX_CANDIDATES,
                                                         _MAX_CANDIDATES), side='right')
    start = 0
    for stop in list(bounds) + [len(query)]:
      stop = max(stop, start + 1)
      if start >= len(query):
        break
      idx = np.arange(start, min(stop, len(query)))
      q, r = _candidates(first[idx], count[idx], order, idx)
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


def _rank_within(group: np.ndarray, dist: np.ndarray, other: np.ndarray) -> np.ndarray:
  """Rank of each pair among its group's pairs by distance (ties: by the other index)."""
  order = np.lexsort((other, dist, group))
  ranks = np.empty(len(group), np.int64)
  sorted_group = group[order]
  ranks[order] = np.arange(len(group)) - np.searchsorted(sorted_group, sorted_group, side='left')
  return ranks


def candidate_pairs(variants: np.ndarray, threshold: int, reference: Optional[np.ndarray] = None,
                    max_partners: int = MAX_PARTNERS) -> Tuple[np.ndarray, np.ndarray]:
  """Pairs where a variant hash of one image is within `threshold` bits of the other's plain hash.

  variants, reference: uint64 [n, V], [m, V] from hashing.variant_hashes (column 0: the plain hash).
  Both directions are searched (a variant of i near j, or of j near i). A pair is kept when it is among
  the `max_partners` closest (in bits) of either of its images' pairs, so there are at most
  (n + m) * max_partners pairs (n * max_partners within one set). Without `reference`: pairs i < j
  within `variants`; with it, all (i in variants, j in reference) pairs. Returns two int64 arrays
  sorted by (i, j), without repeats.
  """
  within = reference is None
  reference = variants if within else reference
  n, m, num_variants = len(variants), len(reference), variants.shape[1]
  if threshold < 0 or not n or not m:
    return np.zeros(0, np.int64), np.zeros(0, np.int64)
  found = []
  searches = [(variants, reference[:, 0], False)] + ([] if within else [(reference, variants[:, 0], True)])
  for query, plain, swap in searches:   # within: every image is a query, so one search covers both ways
    q, r = near_pairs(query.reshape(-1), threshold, plain)
    dist = hamming(query.reshape(-1)[q], plain[r])
    q = q // num_variants
    found.append((r, q, dist) if swap else (q, r, dist))
  a, b, dist = (np.concatenate(x) for x in zip(*found))
  if within:
    keep = a != b
    a, b, dist = np.minimum(a, b)[keep], np.maximum(a, b)[keep], dist[keep]
  # Each pair once, at its smallest distance over variants and directions.
  order = np.lexsort((dist, b, a))
  a, b, dist = a[order], b[order], dist[order]
  first = np.ones(len(a), bool)
  first[1:] = (a[1:] != a[:-1]) | (b[1:] != b[:-1])
  a, b, dist = a[first], b[first], dist[first]
  # Rank each pair among all pairs of each of its two images (the two sets count apart across sets).
  ends = np.concatenate([a, b + (0 if within else n)])
  rank = _rank_within(ends, np.concatenate([dist, dist]), np.concatenate([b, a]))
  keep = (rank[:len(a)] < max_partners) | (rank[len(a):] < max_partners)
  return a[keep], b[keep]
