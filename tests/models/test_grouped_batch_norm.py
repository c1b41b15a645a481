"""GroupedBatchNorm: each batch group normalised as its own nn.BatchNorm pass, running stats updated in order."""

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from gan_jax.models.grouped_batch_norm import GroupedBatchNorm

SETTINGS = dict(momentum=0.9, epsilon=1e-5)


def _groups_of_different_statistics(groups=3, rows=4):
  keys = jax.random.split(jax.random.PRNGKey(0), groups)
  return jnp.concatenate([jax.random.normal(k, (rows, 5, 5, 6)) * (g + 1) + 2.0 * g for g, k in enumerate(keys)])


def _variables(x):
  """nn.BatchNorm's variables with a non-trivial scale, bias and running statistics."""
  variables = nn.BatchNorm(use_running_average=False, **SETTINGS).init(jax.random.PRNGKey(1), x)
  features = x.shape[-1]
  ramp = jnp.linspace(0.5, 1.5, features)
  return {'params': {'scale': ramp, 'bias': ramp - 1.0},
          'batch_stats': {'mean': ramp - 0.3, 'var': ramp + 0.2}}


def test_train_mode_equals_one_batchnorm_pass_per_group_in_order():
  x = _groups_of_different_statistics()
  variables = _variables(x)
  plain = nn.BatchNorm(use_running_average=False, **SETTINGS)
  outputs, stats = [], variables['batch_stats']
  for part in jnp.split(x, 3):   # group 0 first, as sequential passes would run
    y, updates = plain.apply({'params': variables['params'], 'batch_stats': stats}, part, mutable=['batch_stats'])
    outputs.append(y)
    stats = updates['batch_stats']

  grouped = GroupedBatchNorm(use_running_average=False, batch_groups=3, **SETTINGS)
  y, updates = grouped.apply(variables, x, mutable=['batch_stats'])
  np.testing.assert_allclose(y, jnp.concatenate(outputs), rtol=1e-5, atol=1e-5)
  for name in ('mean', 'var'):
    np.testing.assert_allclose(updates['batch_stats'][name], stats[name], rtol=1e-5, atol=1e-6)


def test_eval_mode_and_variables_are_batchnorms():
  x = _groups_of_different_statistics(groups=2)
  plain, grouped = (nn.BatchNorm(use_running_average=True, **SETTINGS),
                    GroupedBatchNorm(use_running_average=True, batch_groups=2, **SETTINGS))
  shapes = lambda module: jax.tree.map(jnp.shape, module.init(jax.random.PRNGKey(0), x))
  assert shapes(grouped) == shapes(plain)
  variables = _variables(x)
  np.testing.assert_allclose(grouped.apply(variables, x), plain.apply(variables, x), rtol=1e-6, atol=1e-6)


def test_batch_that_does_not_split_into_the_groups_is_refused():
  x = jnp.ones((5, 2, 2, 3))
  with pytest.raises(ValueError, match='does not split'):
    GroupedBatchNorm(use_running_average=False, batch_groups=2).init(jax.random.PRNGKey(0), x)
