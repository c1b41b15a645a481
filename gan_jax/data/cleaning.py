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
first example in source order is kept. data.clean.enabled=False keeps only what cannot be skipped
(unreadable files, non-finite values, channel conversion).
"""

import collections
import dataclasses
from typing import Dict, List

import numpy as np

from gan_jax.data import decode, hashing, near_duplicates
from gan_jax.data.outliers import OUTLIER_SCORES
from gan_jax.data.records import CleanData, Fault, RecordChunk, SourceData
from gan_jax.data.tf_env import tf

_MIN_CLASS_FOR_OUTLIERS = 20   # smaller classes are scored against the whole dataset
_GROUP_BYTES = 8 << 20         # decoded pixels pending before a batch is processed (float32 copies: ~4x)


@dataclasses.dataclass
class CleaningLog:
  """What the cleaning stage did, for the report."""
  dropped: List[Dict[str, str]] = dataclasses.field(default_factory=list)
  converted: List[Dict[str, str]] = dataclasses.field(default_factory=list)
  notes: List[str] = dataclasses.field(default_factory=list)

  def drop(self, source: str, reason: str, detail: str = '') -> None:
    self.dropped.append({'source': source, 'reason': reason, **({'detail': detail} if detail else {})})

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
        self.log.drop(chunk.sources[i], item.reason, item.detail)
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
        self.log.drop(chunk.sources[i], fault.reason, fault.detail)
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

  def _drop_where(self, mask, reason, detail, sources) -> None:
    for i in np.flatnonzero(mask):
      self.log.drop(sources[i], reason, detail)

  def _add_uniform(self, batch, seq, sources, labels, splits, content=None, size_checked=False) -> None:
    """batch: [n, H, W, c] decoded pixels of any dtype, or points [n, 2].

    content: uint64 [n] hashes of the files' bytes (None: hash the pixels); size_checked: min_size was
    checked on the original size (decoded files may have been reduced).
    """
    if self.kind == 'points':
      keep = np.isfinite(batch).all(axis=1)
      self._drop_where(~keep, 'non_finite', 'NaN/Inf coordinate', sources)
      points = batch[keep].astype(np.float32)
      self._append(points, seq[keep], sources, labels, splits, keep, hashing.content_hashes(points),
                   np.zeros(len(points), np.uint64), points)
      return
    pixels, keep = decode.array_to_uint8(batch)
    self._drop_where(~keep, 'non_finite', 'NaN/Inf pixels', sources)
    height, width = batch.shape[1:3]
    if self.cfg.clean.enabled and not size_checked and min(height, width) < self.cfg.clean.min_size:
      self._drop_where(keep, 'too_small', f'{width}x{height} < data.clean.min_size={self.cfg.clean.min_size}',
                       sources)
      keep = np.zeros_like(keep)
    pixels, conversion = decode.match_channels(pixels, self.cfg.channels)
    if conversion and self.cfg.clean.channel_policy == 'drop':
      self._drop_where(keep, 'wrong_channels', conversion, sources)
      keep = np.zeros_like(keep)
    elif conversion:
      for i in np.flatnonzero(keep):
        self.log.convert(sources[i], conversion)
    pixels = pixels[keep]
    features = hashing.dct_features(pixels) if len(pixels) else np.zeros((0, 64), np.float32)
    resized = resize_images(pixels, self.cfg.image_size, self.cfg.resize_method, self.cfg.antialias)
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


def _drop(clean: CleanData, drop_mask: np.ndarray, reason: str, details, log: CleaningLog) -> CleanData:
  for i in np.flatnonzero(drop_mask):
    log.drop(str(clean.sources[i]), reason, details[i] if details is not None else '')
  return clean.take(~drop_mask)


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


def drop_near_duplicates(clean: CleanData, threshold: int, log: CleaningLog) -> CleanData:
  """Drops examples whose perceptual hash is within `threshold` bits of an earlier kept one."""
  drop = np.zeros(len(clean), bool)
  details = [''] * len(clean)
  for split in np.unique(clean.splits):
    idx = np.flatnonzero(clean.splits == split)
    pairs_i, pairs_j = near_duplicates.near_pairs(clean.perceptual_hash[idx], threshold)
    keep, duplicate_of = near_duplicates.greedy_keep(len(idx), pairs_i, pairs_j)
    for k in np.flatnonzero(~keep):
      drop[idx[k]] = True
      details[idx[k]] = f'near copy of {clean.sources[idx[duplicate_of[k]]]}'
  return _drop(clean, drop, 'near_duplicate', details, log)


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


def drop_cross_split_duplicates(clean: CleanData, threshold: int, log: CleaningLog) -> CleanData:
  """Drops val examples with a copy in train, and test examples with a copy in train or val.

  A copy is an equal content hash or, when threshold >= 0, a perceptual hash within threshold bits.
  """
  drop = np.zeros(len(clean), bool)
  details = [''] * len(clean)
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
    q, r = near_duplicates.near_pairs(clean.perceptual_hash[held_out], threshold, clean.perceptual_hash[reference])
    for qi, ri in zip(q, r):
      if not drop[held_out[qi]]:
        drop[held_out[qi]] = True
        details[held_out[qi]] = f'near copy of {clean.splits[reference[ri]]} {clean.sources[reference[ri]]}'
  return _drop(clean, drop, 'cross_split_duplicate', details, log)


def clean_examples(source_data: SourceData, data_config, log: CleaningLog) -> CleanData:
  """Per-example checks and the within-split duplicate/outlier passes configured in data.clean."""
  clean = inspect(source_data, data_config, log)
  cfg = data_config.clean
  if not cfg.enabled:
    return clean
  if cfg.exact_duplicates:
    clean = drop_exact_duplicates(clean, log)
  near = source_data.kind == 'image' and not source_data.synthetic and cfg.near_duplicate_threshold >= 0
  if near:
    clean = drop_near_duplicates(clean, cfg.near_duplicate_threshold, log)
  if cfg.outlier_score != 'none':
    clean = drop_outliers(clean, cfg.outlier_score, cfg.outlier_threshold, source_data.num_classes > 0, log)
  return clean
