"""What every stage shares and that imports nothing of gan_jax: checkpoints, devices, workdirs, errors,
registries, optimisers, EMA, XLA flags."""
