"""Intra-class FID: FID computed per class, then averaged (Miyato & Koyama 2018)."""

from typing import Dict

import numpy as np

from gan_jax.metrics.frechet import TooFewSamplesError, fid_from_features


def intra_fid(real, real_labels, fake, fake_labels, on_singular: str = 'error') -> Dict[str, float]:
  """real [N, D] with labels [N]; fake [M, D] with (predicted) labels [M] -> {'intra_fid', 'intra_fid_classes'}.

  Averages over the classes of the real set for which both sides have more samples than D. Classes the
  generator (almost) never produces cannot get an FID; their count shows as intra_fid_classes being lower
  than the number of real classes, and if no class qualifies TooFewSamplesError is raised.
  """
  real, fake = np.asarray(real), np.asarray(fake)
  real_labels, fake_labels = np.asarray(real_labels), np.asarray(fake_labels)
  dim = real.shape[1]
  values = []
  for label in np.unique(real_labels):
    r, f = real[real_labels == label], fake[fake_labels == label]
    if on_singular == 'error' and min(len(r), len(f)) <= dim:
      continue
    if min(len(r), len(f)) < 2:
      continue
    values.append(fid_from_features(r, f, on_singular=on_singular))
  if not values:
    raise TooFewSamplesError(
        f'intra-class FID: no class has more than {dim} real and fake samples; use more samples per class')
  return {'intra_fid': float(np.mean(values)), 'intra_fid_classes': float(len(values))}
