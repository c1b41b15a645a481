"""Activation functions by name (`config.model.activation`)."""

import functools

import jax

ACTIVATIONS = {
    'relu': jax.nn.relu,
    'leaky_relu': functools.partial(jax.nn.leaky_relu, negative_slope=0.2),   # DCGAN's slope
    'tanh': jax.nn.tanh,
    'elu': jax.nn.elu,
    'gelu': jax.nn.gelu,
    'swish': jax.nn.swish,
}
