"""The `:small` switch shared by the experiment configs: a run that finishes in well under a minute on CPU
(for smoke tests of the whole pipeline, not for results)."""

import ml_collections


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
  config.eval.num_samples = 64
  config.eval.batch_size = 32
  config.classifier.steps = 50
  return config
