"""Shrink switches shared by the experiment configs (`--config configs/<name>.py:small` or `:tiny`).

small: the whole pipeline in well under a minute on CPU (smoke test, not for results).
tiny: what the tests run: 16x16 images, a few channels, batch 8, 4 steps, no evaluation.
The network sizes shrunk are the family's: GAN_SIZES (config.model) unless a config passes VAE_SIZES.
"""

import ml_collections

# (dotted key, cap under `small` (None: kept), value under `tiny`) of the sizes each family's networks read.
GAN_SIZES = (('model.g_width', 8, 4), ('model.d_width', 8, 4), ('model.g_hidden', 32, 16),
             ('model.d_hidden', 32, 16), ('model.g_depth', None, 2), ('model.d_depth', None, 2))
VAE_SIZES = (('vae.encoder_width', 8, 4), ('vae.decoder_width', 8, 4), ('vae.encoder_hidden', 32, 16),
             ('vae.decoder_hidden', 32, 16))


def apply_switch(config: ml_collections.ConfigDict, arg: str, sizes=GAN_SIZES) -> ml_collections.ConfigDict:
  """'' -> config unchanged; 'small' / 'tiny' -> shrunken (network sizes: `sizes`); else ValueError."""
  switches = {'': lambda c, _: c, 'small': shrink, 'tiny': tiny}
  if arg not in switches:
    raise ValueError(f'config switch {arg!r}: allowed small, tiny (or none)')
  return switches[arg](config, sizes)


def _set_sizes(config: ml_collections.ConfigDict, sizes, pick) -> None:
  for dotted, small, tiny_value in sizes:
    section, key = dotted.split('.')
    value = pick(config[section][key], small, tiny_value)
    if value is not None:
      config[section][key] = value


def shrink(config: ml_collections.ConfigDict, sizes=GAN_SIZES) -> ml_collections.ConfigDict:
  _set_sizes(config, sizes, lambda value, small, _: None if small is None else min(value, small))
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


def tiny(config: ml_collections.ConfigDict, sizes=GAN_SIZES) -> ml_collections.ConfigDict:
  config = shrink(config, sizes)
  if config.data.image_size != 28:
    config.data.image_size = 16
  config.data.num_samples = min(config.data.num_samples, 512)
  config.data.clean.near_duplicate_threshold = -1
  config.model.latent_dim = min(config.model.latent_dim, 8)
  _set_sizes(config, sizes, lambda _, __, tiny_value: tiny_value)
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
