"""The ProGAN family: progressive growing (Karras et al. 2018) as a phase schedule, its state, step and sampler."""
