"""BatchNorm over G equal groups of the batch, each normalised by its own statistics.

Running D once on concat([real; fake]) must give the numerics of two separate passes, where train-mode
BatchNorm normalises the real batch by the real batch's mean/variance and the fake batch by the fake
batch's. `GroupedBatchNorm(batch_groups=2)` does exactly that on the concatenated batch: rows
[g * n, (g + 1) * n) are normalised by their own (biased) mean and variance, with the same scale/bias
parameters and the same float32 statistics as `flax.linen.BatchNorm` (use_fast_variance: E[x^2] - E[x]^2).

Running statistics: G separate passes would each apply `ra = momentum * ra + (1 - momentum) * stat` in
turn, group 0 first, so the last group's update lands last. The groups are folded in that order here,
which reproduces the final running statistics of the G sequential passes.

Same variables ('params': scale, bias; 'batch_stats': mean, var) and shapes as nn.BatchNorm, so a module
that swaps one for the other (named alike) reads the same parameter tree.
"""

import flax.linen as nn
import jax
import jax.numpy as jnp


class GroupedBatchNorm(nn.BatchNorm):
  """nn.BatchNorm whose batch axis (0) holds `batch_groups` equal groups normalised separately.

  Only what the DCGAN discriminator uses is supported: features on the last axis, no cross-device axis_name,
  no mask. batch_groups = 1 is plain BatchNorm (one group).
  """
  batch_groups: int = 1

  @nn.compact
  def __call__(self, x, use_running_average=None, *, mask=None):
    if mask is not None or self.axis_name is not None or self.axis not in (-1, x.ndim - 1):
      raise NotImplementedError('GroupedBatchNorm: features on the last axis, no mask or axis_name')
    use_running_average = nn.merge_param('use_running_average', self.use_running_average, use_running_average)
    features = x.shape[-1]
    stat_dtype = jnp.float32
    ra_mean = self.variable('batch_stats', 'mean', lambda s: jnp.zeros(s, stat_dtype), (features,))
    ra_var = self.variable('batch_stats', 'var', lambda s: jnp.ones(s, stat_dtype), (features,))
    scale = self.param('scale', self.scale_init, (features,), self.param_dtype)
    bias = self.param('bias', self.bias_init, (features,), self.param_dtype)

    groups = self.batch_groups
    if x.shape[0] % groups:
      raise ValueError(f'a batch of {x.shape[0]} rows does not split into {groups} BatchNorm groups')
    grouped = x.reshape(groups, x.shape[0] // groups, *x.shape[1:])   # [G, n, ..., C]
    stat_shape = (groups,) + (1,) * (x.ndim - 1) + (features,)          # broadcasts over grouped
    if use_running_average:   # eval mode: every group uses the running statistics
      mean = jnp.broadcast_to(ra_mean.value, (groups, features))
      var = jnp.broadcast_to(ra_var.value, (groups, features))
    else:
      # As flax's _compute_stats: float32 reductions, fast variance clipped at 0.
      x32 = grouped.astype(jnp.promote_types(self.dtype or x.dtype, jnp.float32))
      axes = tuple(range(1, grouped.ndim - 1))
      mean = jnp.mean(x32, axes)
      var = jnp.maximum(0.0, jnp.mean(jnp.square(x32), axes) - jnp.square(mean))
      if not self.is_initializing():
        new_mean, new_var = ra_mean.value, ra_var.value
        for g in range(groups):   # group 0's update first, as the sequential passes would apply them
          new_mean = self.momentum * new_mean + (1 - self.momentum) * mean[g]
          new_var = self.momentum * new_var + (1 - self.momentum) * var[g]
        ra_mean.value, ra_var.value = new_mean, new_var

    # As flax's _normalize: (x - mean) * (rsqrt(var + eps) * scale) + bias, in that order.
    y = grouped - mean.reshape(stat_shape)
    mul = jax.lax.rsqrt(var.reshape(stat_shape) + self.epsilon) * scale
    y = y * mul + bias
    dtype = self.dtype or jnp.result_type(x, scale, bias)
    return jnp.asarray(y.reshape(x.shape), dtype)
