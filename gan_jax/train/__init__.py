"""Training: the state pytree, optimisers, the jitted step and the loop that runs it."""
