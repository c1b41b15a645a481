"""Shrink switches shared by the experiment configs (`--config configs/<name>.py:small` or `:tiny`).

small: the whole pipeline in well under a minute on CPU (smoke test, not for results).
tiny: what the tests run: 16x16 images, a few channels, batch 8, 4 steps, no evaluation.
"""

import ml_collections


def apply_switch(config: ml_collections.ConfigDict, arg: str) -> ml_collections.ConfigDict:
  """'' -> config unchanged; 'small' / 'tiny' -> shrunken; anything else -> ValueError."""
  switches = {'': lambda c: c, 'small': shrink, 'tiny': tiny}
  if arg not in switches:
    raise ValueError(f'config switch {arg!r}: allowed small, tiny (or none)')
  return switches[arg](config)


def shrink(config: ml_collections.ConfigDict) -> ml_collections.ConfigDict:
  config.model.g_width = min(config.model.g_width, 8)
  config.model.d_width = min(config.model.d_width, 8)
  config.model.g_hidden = min(config.model.g_hidden, 32)
  config.model.d_hidden = min(config.model.d_hidden, 32)
  config.data.num_samples = min(config.data.num_samples, 2000)
  config.train.steps = 20
  config.train.batch_size = min(config.train.batch_size, 16)
  config.train.log_every = 5
  config.train.sample_every = 10
  config.train.num_sample_images = 16
  config.checkpoint.every_steps = 10
  config.eval.every_steps = 0
  config.eval.num_samples = 256         # FID needs more samples than feature dimensions
  config.eval.batch_size = 64
  if config.eval.extractor == 'inception':
    config.eval.extractor = 'classifier'   # offline: no InceptionV3 weights needed
  config.classifier.steps = 50
  return config


def tiny(config: ml_collections.ConfigDict) -> ml_collections.ConfigDict:
  config = shrink(config)
  if config.data.image_size != 28:
    config.data.image_size = 16
  config.data.num_samples = min(config.data.num_samples, 512)
  config.data.clean.near_duplicate_threshold = -1
  config.model.latent_dim = min(config.model.latent_dim, 8)
  config.model.g_width = config.model.d_width = 4
  config.model.g_hidden = config.model.d_hidden = 16
  config.model.g_depth = config.model.d_depth = 2
  config.train.steps = 4
  config.train.batch_size = 8
  config.train.log_every = 2
  config.train.sample_every = 2
  config.train.num_sample_images = 4
  config.checkpoint.every_steps = 2
  config.checkpoint.keep = 2
  config.ema.decay = 0.9
  config.eval.metrics = ()
  config.eval.num_samples = 16
  config.eval.batch_size = 8
  config.classifier.steps = 10
  return config
