"""ring2d / grid2d: per-mode means and standard deviations match PacGAN's mixtures."""

import numpy as np
import pytest

from gan_jax.data import prepare_dataset


@pytest.mark.parametrize('name,modes,std', [('ring2d', 8, 0.01), ('grid2d', 25, 0.05)])
def test_mixture_statistics(data_config, name, modes, std):
  data_config.data.name, data_config.data.num_samples = name, 20_000
  ds = prepare_dataset(data_config)
  assert ds.kind == 'points' and ds.example_shape == (2,) and ds.num_classes == modes
  assert ds.mode_std == std and ds.mode_centers.shape == (modes, 2)
  train = ds.split_arrays('train')
  points, labels = train['image'], train['label']
  assert points.dtype == np.float32
  counts = np.bincount(labels, minlength=modes)
  assert counts.min() > 0.6 * len(labels) / modes
  for k in range(modes):
    members = points[labels == k]
    np.testing.assert_allclose(members.mean(0), ds.mode_centers[k], atol=4 * std / np.sqrt(len(members)) + 1e-4)
    np.testing.assert_allclose(members.std(0), std, rtol=0.15)
  if name == 'ring2d':
    np.testing.assert_allclose(np.linalg.norm(ds.mode_centers, axis=1), 1.0)
  else:
    assert set(ds.mode_centers.ravel()) == {-4.0, -2.0, 0.0, 2.0, 4.0}
  batch = next(ds.train_iterator(32))
  assert batch['image'].shape == (32, 2) and np.abs(batch['image']).max() > 0.9   # not rescaled
