"""conv_transpose: values and gradients equal a reference transposed convolution; fast lowering."""

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from gan_jax.models.conv_transpose import ConvTranspose, conv_transpose

# (kernel, stride, padding, in_channels, out_channels, input size)
CASES = [
    (4, 2, 1, 3, 5, 4),     # DCGAN's upsampling layer
    (4, 1, 0, 6, 4, 1),     # DCGAN's projection from 1x1
    (7, 1, 0, 5, 3, 1),     # the 28x28 projection
    (3, 2, 0, 2, 3, 5),
    (5, 3, 2, 4, 2, 3),
    (3, 1, 1, 3, 3, 6),
]


def reference(x, kernel, stride, padding):
  """flax.linen.ConvTranspose (unflipped lhs-dilated conv) fed the flipped kernel and PyTorch's padding."""
  k = kernel.shape[0]
  module = nn.ConvTranspose(kernel.shape[-1], (k, k), (stride, stride),
                            padding=[(k - 1 - padding, k - 1 - padding)] * 2, use_bias=False)
  return module.apply({'params': {'kernel': kernel[::-1, ::-1]}}, x)


def _inputs(seed, k, cin, cout, size):
  """x [2, size, size, cin], kernel [k, k, cin, cout] and an rng (numpy: jax.random compiles slowly)."""
  rng = np.random.default_rng(seed)
  x = jnp.asarray(rng.standard_normal((2, size, size, cin)), jnp.float32)
  kernel = jnp.asarray(rng.standard_normal((k, k, cin, cout)), jnp.float32)
  return x, kernel, rng


@pytest.mark.parametrize('k,stride,padding,cin,cout,size', CASES)
def test_values_and_gradients_match_reference(k, stride, padding, cin, cout, size):
  x, kernel, kg = _inputs(0, k, cin, cout, size)
  mine = lambda x, w: conv_transpose(x, w, (stride, stride), (padding, padding))
  ref = lambda x, w: reference(x, w, stride, padding)
  y, mine_vjp = jax.vjp(jax.jit(mine), x, kernel)
  y_ref, ref_vjp = jax.vjp(jax.jit(ref), x, kernel)
  assert y.shape == (2, (size - 1) * stride - 2 * padding + k, (size - 1) * stride - 2 * padding + k,
                     cout)
  np.testing.assert_allclose(y, y_ref, atol=1e-5, rtol=1e-5)
  dy = jnp.asarray(kg.standard_normal(y.shape), jnp.float32)
  for got, want in zip(mine_vjp(dy), ref_vjp(dy)):
    np.testing.assert_allclose(got, want, atol=1e-4, rtol=1e-5)


def test_bfloat16_close_to_float32():
  x, kernel, kg = _inputs(1, 4, 8, 6, 4)
  loss = lambda x, w: jnp.sum(jnp.sin(conv_transpose(x, w, (2, 2), (1, 1)).astype(jnp.float32)))
  grad_fn = jax.jit(jax.grad(loss, argnums=(0, 1)))
  grads32 = grad_fn(x, kernel)
  grads16 = grad_fn(x.astype(jnp.bfloat16), kernel.astype(jnp.bfloat16))
  for g16, g32 in zip(grads16, grads32):
    assert g16.dtype == jnp.bfloat16
    scale = float(jnp.max(jnp.abs(g32)))
    np.testing.assert_allclose(g16.astype(jnp.float32), g32, atol=0.05 * scale)


def test_second_order_gradient_matches_reference():
  x, kernel, _ = _inputs(2, 4, 3, 2, 3)
  def input_grad_norm(fn):
    return lambda w: jnp.sum(jnp.square(jax.grad(lambda x: jnp.sum(jnp.tanh(fn(x, w))))(x)))
  mine = jax.jit(jax.grad(input_grad_norm(lambda x, w: conv_transpose(x, w, (2, 2), (1, 1)))))(kernel)
  ref = jax.jit(jax.grad(input_grad_norm(lambda x, w: reference(x, w, 2, 1))))(kernel)
  np.testing.assert_allclose(mine, ref, atol=1e-4, rtol=1e-4)


def test_kernel_gradient_lowers_without_rhs_reversal():
  # rhs_reversal convolutions run as naive loops on XLA:CPU: the reason this module exists.
  x, kernel, _ = _inputs(3, 4, 8, 4, 4)
  loss = lambda x, w: jnp.sum(jnp.square(conv_transpose(x, w, (2, 2), (1, 1))))
  hlo = jax.jit(jax.grad(loss, argnums=(0, 1))).lower(x, kernel).compile().as_text()
  convolutions = [line for line in hlo.splitlines() if 'convolution(' in line]
  assert len(convolutions) == 3
  assert not any('rhs_reversal' in line for line in convolutions)


def test_module_shapes_dtypes_and_bias():
  module = ConvTranspose(5, kernel_size=4, stride=2, padding=1, use_bias=True, dtype=jnp.bfloat16)
  x = jnp.ones((3, 4, 4, 2))
  variables = module.init(jax.random.key(0), x)
  assert variables['params']['kernel'].shape == (4, 4, 2, 5)
  assert variables['params']['kernel'].dtype == jnp.float32
  y = module.apply(variables, x)
  assert y.shape == (3, 8, 8, 5) and y.dtype == jnp.bfloat16
  bias = jnp.arange(5.0)
  shifted = module.apply({'params': {**variables['params'], 'bias': bias}}, x)
  np.testing.assert_allclose(shifted.astype(jnp.float32) - y.astype(jnp.float32),
                             jnp.broadcast_to(bias, y.shape), atol=0.1)
