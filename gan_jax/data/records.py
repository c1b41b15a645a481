"""The data a source hands to the cleaning stage, and what cleaning hands to the splits."""

import dataclasses
from typing import Iterator, List, Optional, Sequence, Union

import numpy as np

SPLITS = ('train', 'val', 'test')


class Fault(Exception):
  """An example that cannot be used; `reason` is a report key, `detail` says what was seen.

  Raised by decoding, and handed over in a RecordChunk's payload for entries a source already rejected
  (a folder entry that is not a readable regular file).
  """

  def __init__(self, reason: str, detail: str = ''):
    super().__init__(f'{reason}: {detail}')
    self.reason = reason
    self.detail = detail


@dataclasses.dataclass
class RecordChunk:
  """A chunk of raw examples from a source.

  `payload` is either one array [n, ...] (decoded pixels of one shape, or points [n, 2]) or a list of
  n items, each a decoded array [H, W, C], a file path (str) to decode, or a Fault (an entry the source
  already rejected: reported as dropped with the Fault's reason).
  `splits` names each example's given split ('train' | 'val' | 'test'), or is None when the source has
  no splits (the splits stage assigns them).
  """
  sources: List[str]
  labels: np.ndarray                      # int64 [n]
  payload: Union[np.ndarray, Sequence]
  splits: Optional[List[str]] = None


@dataclasses.dataclass
class SourceData:
  """What a source provides: how to read its examples and what they mean."""
  kind: str                                 # 'image' | 'points'
  chunks: Iterator[RecordChunk]             # consumed once, by the cleaning stage
  num_classes: int                          # 0: unlabelled
  label_names: Optional[List[str]] = None
  has_splits: bool = False                  # examples carry a given split
  synthetic: bool = False                   # generated from clean data: perceptual near-duplicate search is skipped
  mode_centers: Optional[np.ndarray] = None  # points: float64 [K, 2]
  mode_std: Optional[float] = None
  notes: List[str] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class CleanData:
  """The cleaned examples of one dataset: arrays aligned on the first axis.

  data: uint8 [N, S, S, C] images at the output resolution, or float32 [N, 2] points.
  splits: str [N], one of SPLITS after the splits stage ('' before, for sources without splits).
  """
  data: np.ndarray
  labels: np.ndarray          # int64 [N]
  sources: np.ndarray         # str [N]
  splits: np.ndarray          # str [N]
  content_hash: np.ndarray    # uint64 [N]
  perceptual_hash: np.ndarray  # uint64 [N] (0 for points)
  features: np.ndarray        # float32 [N, F]: embedding for the outlier score

  def take(self, mask_or_index: np.ndarray) -> 'CleanData':
    return CleanData(**{f.name: getattr(self, f.name)[mask_or_index] for f in dataclasses.fields(self)})

  def __len__(self) -> int:
    return len(self.labels)
