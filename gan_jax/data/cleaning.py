"""The cleaning stage: per-example checks, then duplicates, near duplicates and outliers.

Every dropped example is logged with its reason (and what it duplicates); conversions are logged too.
Order of checks (an example is reported once, for the first failing check):
  folder entries that are not regular files, found by the source (gan_jax.data.files: non_utf8_name,
  dangling_symlink, symlink_loop, duplicate_folder, not_a_regular_file, unreadable); outside_class_folder;
  zero_byte, undecodable, truncated, non_finite, too_small (on the original size), wrong_channels
  (data.clean.channel_policy='drop'; with 'convert' the conversion is logged and the example kept),
  exact_duplicate (byte-identical files; equal pixels for decoded arrays), near_duplicate, outlier, and
  after the splits cross_split_duplicate. EXIF orientations applied are logged as conversions.
Duplicates are searched within each given split (or the whole dataset when the source has none); the
first example in source order is kept. A near duplicate is a pair that the perceptual hashes propose
(gan_jax.data.near_duplicates, data.clean.near_duplicate_threshold) and that the copy check confirms
(gan_jax.data.copy_check, data.clean.copy_max_distance): hashes alone merge distinct simple images.
Every drop records the example's label, for the report's class-share guard. data.clean.enabled=False
keeps only what cannot be skipped (unreadable files, non-finite values, channel conversion).
"""

import collections
import dataclasses
from typing import Any, Dict, List, Optional

import numpy as np

from gan_jax.data import copy_check, decode, hashing, near_duplicates
from gan_jax.data.outliers import OUTLIER_SCORES
from gan_jax.data.records import CleanData, Fault, RecordChunk, SourceData
from gan_jax.data.tf_env import tf

_MIN_CLASS_FOR_OUTLIERS = 20   # smaller classes are scored against the whole dataset
_GROUP_BYTES = 8 << 20         # decoded pixels pending before a batch is processed (float32 copies: ~4x)


@dataclasses.dataclass
class CleaningLog:
  """What the cleaning stage did, for the report.

  settings: the data.clean values the stage ran with (clean_examples fills it); the cross-split pass
  and the report's class-share guard read their thresholds from it when not given one.
  """
  dropped: List[Dict[str, Any]] = dataclasses.field(default_factory=list)
  converted: List[Dict[str, str]] = dataclasses.field(default_factory=list)
  notes: List[str] = dataclasses.field(default_factory=list)
  settings: Dict[str, Any] = dataclasses.field(default_factory=dict)

  def drop(self, source: str, reason: str, detail: str = '', label: Optional[int] = None, **fields) -> None:
    """fields: extra report keys of this drop (e.g. distance=0.012 for a near duplicate)."""
    self.dropped.append({'source': source, 'reason': reason, **({'detail': detail} if detail else {}),
                         **({'label': int(label)} if label is not None and label >= 0 else {}), **fields})

  def convert(self, source: str, detail: str) -> None:
    self.converted.append({'source': source, 'reason': 'converted', 'detail': detail})


def resize_images(pixels: np.ndarray, size: int, method: str, antialias: bool) -> np.ndarray:
  """uint8 [n, H, W, C] -> uint8 [n, size, size, C] with tf.image.resize (unchanged when already square size)."""
  if pixels.shape[1:3] == (size, size):
    return pixels
  # tf's antialias filter only acts when downsampling; its kernel is much slower, so skip it otherwise.
  downsampling = max(pixels.shape[1:3]) > size
  resized = tf.image.resize(tf.convert_to_tensor(pixels, tf.float32), (size, size), method=method,
                            antialias=antialias and downsampling)
  return np.round(resized.numpy()).clip(0, 255).astype(np.uint8)


def framed_side(image_size: int, frame_fraction: float) -> int:
  """The side of the resized image inside a frame of image_size (data.frame_fraction of it, at least 1)."""
  return max(1, min(image_size, round(frame_fraction * image_size)))


def _central(size: int, side: int) -> slice:
  """Rows (or columns) of a frame of `size` where frame_images puts an image of `side`: an odd margin's extra
  pixel goes after."""
  start = (size - side) // 2
  return slice(start, start + side)


def framed_box(images: np.ndarray, frame_fraction: float) -> np.ndarray:
  """[n, S, S, ...] -> [n, s, s, ...], s = framed_side(S, frame_fraction): the central box where frame_images
  places each image (the whole image at fraction 1)."""
  box = _central(images.shape[1], framed_side(images.shape[1], frame_fraction))
  return images[:, box, box]


def frame_images(pixels: np.ndarray, size: int) -> np.ndarray:
  """uint8 [n, s, s, C] -> [n, size, size, C] (s <= size): each image centred on a margin of the median of its
  own outer ring of pixels, per channel (black around MNIST-like digits, white around dark-on-white scans)."""
  n, side, _, channels = pixels.shape
  ring = np.concatenate([pixels[:, 0], pixels[:, -1], pixels[:, 1:-1, 0], pixels[:, 1:-1, -1]], axis=1)
  margin = np.round(np.median(ring, axis=1)).astype(np.uint8)   # [n, C]
  framed = np.broadcast_to(margin[:, None, None, :], (n, size, size, channels)).copy()
  box = _central(size, side)
  framed[:, box, box] = pixels
  return framed


def fit_images(pixels: np.ndarray, data_config) -> np.ndarray:
  """uint8 [n, H, W, C] -> [n, S, S, C], S = data.image_size: resized with data.resize_method / antialias to
  data.frame_fraction of S and framed (frame_images); at fraction 1 this is resize_images to S."""
  size = data_config.image_size
  side = framed_side(size, data_config.frame_fraction)
  resized = resize_images(pixels, side, data_config.resize_method, data_config.antialias)
  return resized if side == size else frame_images(resized, size)


class _Inspector:
  """Runs the per-example checks and accumulates what survives (restored to source order at the end).

  Decoded images wait in groups of one shape until _GROUP_BYTES of pixels are pending; each group is
  then checked, hashed and resized as one batch. This bounds peak memory whatever the folder holds.
  """

  def __init__(self, kind: str, data_config, log: CleaningLog):
    self.kind, self.cfg, self.log = kind, data_config, log
    self.parts = collections.defaultdict(list)
    self.sequence = 0
    self.reduce_to = decode.working_side(data_config.image_size)
    self.pending = collections.defaultdict(list)   # (shape, from_file) -> [(seq, source, label, split, pixels, hash)]
    self.pending_bytes = 0

  def add_chunk(self, chunk: RecordChunk) -> None:
    n = len(chunk.sources)
    seq = np.arange(self.sequence, self.sequence + n)
    self.sequence += n
    splits = chunk.splits if chunk.splits is not None else [''] * n
    if isinstance(chunk.payload, np.ndarray):
      step = max(1, _GROUP_BYTES // max(1, chunk.payload[:1].nbytes))
      for start in range(0, n, step):
        part = slice(start, start + step)
        self._add_uniform(chunk.payload[part], seq[part], chunk.sources[part], chunk.labels[part], splits[part])
      return
    for i, item in enumerate(chunk.payload):
      if isinstance(item, Fault):
        self.log.drop(chunk.sources[i], item.reason, item.detail, chunk.labels[i])
        continue
      if chunk.labels[i] < 0:
        self.log.drop(chunk.sources[i], 'outside_class_folder', 'file next to class folders has no label')
        continue
      try:
        if isinstance(item, str):
          decoded = decode.decode_file(item, self.cfg.channels, self.cfg.clean.channel_policy,
                                       self.cfg.clean.min_size if self.cfg.clean.enabled else 0, self.reduce_to)
          for conversion in decoded.conversions:
            self.log.convert(chunk.sources[i], conversion)
          pixels, content, from_file = decoded.pixels, decoded.content_hash, True
        else:
          pixels, content, from_file = np.asarray(item), None, False
      except Fault as fault:
        self.log.drop(chunk.sources[i], fault.reason, fault.detail, chunk.labels[i])
        continue
      self.pending[pixels.shape, from_file].append((seq[i], chunk.sources[i], chunk.labels[i], splits[i], pixels,
                                                    content))
      self.pending_bytes += pixels.nbytes
      if self.pending_bytes >= _GROUP_BYTES:
        self.flush()

  def flush(self) -> None:
    """Checks, hashes and resizes the pending decoded images, one batch per shape."""
    for (_, from_file), items in self.pending.items():
      seq, sources, labels, splits, pixels, content = zip(*items)
      self._add_uniform(np.stack(pixels), np.array(seq), list(sources), np.array(labels, np.int64), list(splits),
                        np.array(content, np.uint64) if from_file else None, size_checked=from_file)
    self.pending.clear()
    self.pending_bytes = 0

  def _drop_where(self, mask, reason, detail, sources, labels) -> None:
    for i in np.flatnonzero(mask):
      self.log.drop(sources[i], reason, detail, labels[i])

  def _add_uniform(self, batch, seq, sources, labels, splits, content=None, size_checked=False) -> None:
    """batch: [n, H, W, c] decoded pixels of any dtype, or points [n, 2].

    content: uint64 [n] hashes of the files' bytes (None: hash the pixels); size_checked: min_size was
    checked on the original size (decoded files may have been reduced).
    """
    if self.kind == 'points':
      keep = np.isfinite(batch).all(axis=1)
      self._drop_where(~keep, 'non_finite', 'NaN/Inf coordinate', sources, labels)
      points = batch[keep].astype(np.float32)
      self._append(points, seq[keep], sources, labels, splits, keep, hashing.content_hashes(points),
                   np.zeros(len(points), np.uint64), points)
      return
    pixels, keep = decode.array_to_uint8(batch)
    self._drop_where(~keep, 'non_finite', 'NaN/Inf pixels', sources, labels)
    height, width = batch.shape[1:3]
    if self.cfg.clean.enabled and not size_checked and min(height, width) < self.cfg.clean.min_size:
      self._drop_where(keep, 'too_small', f'{width}x{height} < data.clean.min_size={self.cfg.clean.min_size}',
                       sources, labels)
      keep = np.zeros_like(keep)
    pixels, conversion = decode.match_channels(pixels, self.cfg.channels)
    if conversion and self.cfg.clean.channel_policy == 'drop':
      self._drop_where(keep, 'wrong_channels', conversion, sources, labels)
      keep = np.zeros_like(keep)
    elif conversion:
      for i in np.flatnonzero(keep):
        self.log.convert(sources[i], conversion)
    pixels = pixels[keep]
    features = hashing.dct_features(pixels) if len(pixels) else np.zeros((0, 64), np.float32)
    resized = fit_images(pixels, self.cfg)
    content = hashing.content_hashes(pixels) if content is None else content[keep]
    self._append(resized, seq[keep], sources, labels, splits, keep, content, hashing.perceptual_hashes(features),
                 features)

  def _append(self, data, seq, sources, labels, splits, keep, content, perceptual, features):
    idx = np.flatnonzero(keep)
    self.parts['data'].append(data)
    self.parts['seq'].append(seq)
    self.parts['sources'].append(np.array([sources[i] for i in idx], dtype=object))
    self.parts['labels'].append(np.asarray(labels, np.int64)[idx])
    self.parts['splits'].append(np.array([splits[i] for i in idx], dtype='<U5'))
    self.parts['content_hash'].append(content)
    self.parts['perceptual_hash'].append(perceptual)
    self.parts['features'].append(np.asarray(features, np.float32).reshape(len(idx), -1))

  def result(self, example_shape) -> CleanData:
    self.flush()
    if not self.parts['seq']:
      empty = CleanData(np.zeros((0, *example_shape), np.float32 if self.kind == 'points' else np.uint8),
                        np.zeros(0, np.int64), np.zeros(0, object), np.zeros(0, '<U5'),
                        np.zeros(0, np.uint64), np.zeros(0, np.uint64), np.zeros((0, 64), np.float32))
      return empty
    order = np.argsort(np.concatenate(self.parts['seq']), kind='stable')
    return CleanData(**{k: np.concatenate(self.parts[k])[order] for k in
                        ('data', 'labels', 'sources', 'splits', 'content_hash', 'perceptual_hash', 'features')})


def inspect(source_data: SourceData, data_config, log: CleaningLog) -> CleanData:
  """Per-example checks; returns the surviving examples at the output resolution, in source order."""
  inspector = _Inspector(source_data.kind, data_config, log)
  for chunk in source_data.chunks:
    inspector.add_chunk(chunk)
  shape = (2,) if source_data.kind == 'points' else (data_config.image_size,) * 2 + (data_config.channels,)
  return inspector.result(shape)


def _drop(clean: CleanData, drop_mask: np.ndarray, reason: str, details, log: CleaningLog,
          distances: Optional[np.ndarray] = None) -> CleanData:
  """distances: the copy distance of each dropped near duplicate (NaN: none), listed in its report entry."""
  for i in np.flatnonzero(drop_mask):
    extra = {} if distances is None or np.isnan(distances[i]) else {'distance': float(distances[i])}
    log.drop(str(clean.sources[i]), reason, details[i] if details is not None else '', clean.labels[i], **extra)
  return clean.take(~drop_mask)


def _max_distance(max_distance: Optional[float], log: CleaningLog) -> float:
  if max_distance is not None:
    return max_distance
  return log.settings.get('copy_max_distance', copy_check.DEFAULT_MAX_DISTANCE)


def verified_copies(data: np.ndarray, threshold: int, max_distance: float,
                    reference: Optional[np.ndarray] = None):
  """(i, j, distance) of the pairs the hashes propose and the copy check confirms (distance <= max).

  data, reference: uint8 images [n, S, S, C], [m, S, S, C]. Without reference, pairs i < j within data;
  with it, (i in data, j in reference). Sorted by (i, j).
  """
  hashed = _hashed(data)
  return _verified(hashed, threshold, max_distance, None if reference is None else _hashed(reference))


def _hashed(data: np.ndarray):
  """(thumbnails, variant hashes) of uint8 images [n, S, S, C]."""
  thumbs = hashing.thumbnails(data)
  return thumbs, hashing.variant_hashes(thumbs)


def _verified(hashed, threshold: int, max_distance: float, reference=None):
  """verified_copies on _hashed images."""
  (thumbs, variants), (ref_thumbs, ref_variants) = hashed, reference or hashed
  i, j = near_duplicates.candidate_pairs(variants, threshold, None if reference is None else ref_variants)
  if not len(i):
    return i, j, np.zeros(0, np.float32)
  # Only images in some candidate pair are prepared for the copy check (few, in most datasets).
  used_i, used_j = np.unique(i), np.unique(j)
  dist = copy_check.distances(copy_check.prepare(thumbs[used_i]), copy_check.prepare(ref_thumbs[used_j]),
                              np.searchsorted(used_i, i), np.searchsorted(used_j, j), max_distance)
  keep = dist <= max_distance
  return i[keep], j[keep], dist[keep]


def drop_exact_duplicates(clean: CleanData, log: CleaningLog) -> CleanData:
  """Drops later copies (equal pixels) within each given split."""
  drop = np.zeros(len(clean), bool)
  details = [''] * len(clean)
  for split in np.unique(clean.splits):
    idx = np.flatnonzero(clean.splits == split)
    _, first = np.unique(clean.content_hash[idx], return_index=True)
    first_of = {clean.content_hash[idx[f]]: idx[f] for f in first}
    for i in idx:
      original = first_of[clean.content_hash[i]]
      if original != i:
        drop[i] = True
        details[i] = f'copy of {clean.sources[original]}'
  return _drop(clean, drop, 'exact_duplicate', details, log)


def drop_near_duplicates(clean: CleanData, threshold: int, log: CleaningLog,
                         max_distance: Optional[float] = None) -> CleanData:
  """Drops images that are copies of an earlier kept one (see verified_copies).

  threshold: Hamming bits of the hash candidates; max_distance: copy distance (None: the log's
  settings, else copy_check's default). Each drop lists its copy distance.
  """
  max_distance = _max_distance(max_distance, log)
  drop = np.zeros(len(clean), bool)
  details = [''] * len(clean)
  distances = np.full(len(clean), np.nan)
  for split in np.unique(clean.splits):
    idx = np.flatnonzero(clean.splits == split)
    pairs_i, pairs_j, pair_dist = verified_copies(clean.data[idx], threshold, max_distance)
    keep, duplicate_of = near_duplicates.greedy_keep(len(idx), pairs_i, pairs_j)
    distance_of = dict(zip(zip(pairs_i.tolist(), pairs_j.tolist()), pair_dist.tolist()))
    for k in np.flatnonzero(~keep):
      drop[idx[k]] = True
      distances[idx[k]] = round(distance_of[int(duplicate_of[k]), int(k)], 4)
      details[idx[k]] = f'near copy of {clean.sources[idx[duplicate_of[k]]]} (copy distance {distances[idx[k]]:.3f})'
  return _drop(clean, drop, 'near_duplicate', details, log, distances)


def drop_outliers(clean: CleanData, score_name: str, threshold: float, labelled: bool,
                  log: CleaningLog) -> CleanData:
  """Drops examples whose outlier score exceeds `threshold`, scored within their class when it is large."""
  score_fn = OUTLIER_SCORES.get(score_name)
  scores = np.zeros(len(clean))
  groups = [np.flatnonzero(clean.labels == c) for c in np.unique(clean.labels)] if labelled else []
  groups = [g for g in groups if len(g) >= _MIN_CLASS_FOR_OUTLIERS]
  rest = np.setdiff1d(np.arange(len(clean)), np.concatenate(groups) if groups else [])
  for group in groups + [rest]:
    if len(group):
      scores[group] = score_fn(clean.features[group])
  drop = scores > threshold
  details = [f'{score_name} score {s:.1f} > {threshold}' for s in scores]
  return _drop(clean, drop, 'outlier', details, log)


def drop_cross_split_duplicates(clean: CleanData, threshold: int, log: CleaningLog,
                                max_distance: Optional[float] = None) -> CleanData:
  """Drops val examples with a copy in train, and test examples with a copy in train or val.

  A copy is an equal content hash or, when threshold >= 0 (images only), a pair found as in
  drop_near_duplicates (max_distance None: the log's settings, else copy_check's default).
  """
  max_distance = _max_distance(max_distance, log)
  drop = np.zeros(len(clean), bool)
  details = [''] * len(clean)
  distances = np.full(len(clean), np.nan)
  # Hashed once for both held-out splits (the train images are the reference of both).
  thumbs, variants = _hashed(clean.data) if threshold >= 0 else (None, None)
  for split, earlier in (('val', ('train',)), ('test', ('train', 'val'))):
    reference = np.flatnonzero(np.isin(clean.splits, earlier) & ~drop)
    held_out = np.flatnonzero(clean.splits == split)
    if not len(reference) or not len(held_out):
      continue
    by_hash = {h: i for i, h in zip(reference[::-1], clean.content_hash[reference][::-1])}
    for i in held_out:
      if clean.content_hash[i] in by_hash:
        j = by_hash[clean.content_hash[i]]
        drop[i] = True
        details[i] = f'copy of {clean.splits[j]} {clean.sources[j]}'
    if threshold < 0:
      continue
    rest = held_out[~drop[held_out]]
    q, r, pair_dist = _verified((thumbs[rest], variants[rest]), threshold, max_distance,
                                (thumbs[reference], variants[reference]))
    for k in np.lexsort((r, pair_dist)):   # closest copy first
      i, j = rest[q[k]], reference[r[k]]
      if not drop[i]:
        drop[i], distances[i] = True, round(float(pair_dist[k]), 4)
        details[i] = f'near copy of {clean.splits[j]} {clean.sources[j]} (copy distance {distances[i]:.3f})'
  return _drop(clean, drop, 'cross_split_duplicate', details, log, distances)


def clean_examples(source_data: SourceData, data_config, log: CleaningLog) -> CleanData:
  """Per-example checks and the within-split duplicate/outlier passes configured in data.clean."""
  cfg = data_config.clean
  log.settings.update(cfg.to_dict())
  clean = inspect(source_data, data_config, log)
  if not cfg.enabled:
    return clean
  if cfg.exact_duplicates:
    clean = drop_exact_duplicates(clean, log)
  near = source_data.kind == 'image' and not source_data.synthetic and cfg.near_duplicate_threshold >= 0
  if near:
    clean = drop_near_duplicates(clean, cfg.near_duplicate_threshold, log, cfg.copy_max_distance)
  if cfg.outlier_score != 'none':
    clean = drop_outliers(clean, cfg.outlier_score, cfg.outlier_threshold, source_data.num_classes > 0, log)
  return clean
