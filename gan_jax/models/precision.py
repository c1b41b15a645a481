"""Compute dtypes by name (`config.model.dtype`). Parameters always stay float32."""

import jax.numpy as jnp

COMPUTE_DTYPES = {'float32': jnp.float32, 'bfloat16': jnp.bfloat16}
