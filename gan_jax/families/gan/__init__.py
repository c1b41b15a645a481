"""The GAN family: G and D with their optimisers, losses, the pure step, the sampler, multi-seed runs."""
