"""Mean and standard error over seeds: the one helper behind every benchmark table's `mean ± s.e.`."""

import math


def mean_se(values):
  """(mean, standard error of the mean) of the values that are not None.

  The s.e. is std(ddof=1) / sqrt(n). One value has no s.e.: nan, never 0 (a table then shows `± nan`, not a
  false certainty). No values: (None, None), which the tables print as '—'.
  """
  values = [float(v) for v in values if v is not None]
  if not values:
    return None, None
  n = len(values)
  mean = sum(values) / n
  if n < 2:
    return mean, float('nan')
  return mean, math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1) / n)
