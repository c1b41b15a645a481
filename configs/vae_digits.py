"""Convolutional VAE on the bundled digits (32x32, 1 channel), offline; the VAE side of BENCHMARKS.md's
VAE-vs-DCGAN table. Encoder = DCGAN's D (vae.encoder_width 32), decoder = DCGAN's G (vae.decoder_width 32),
16 latents, Bernoulli likelihood on binarised pixels (a fresh Bernoulli(pixel) draw per step; val/test
images binarised once with eval.seed), Adam 1e-3. Evaluated on val every 1000 steps: the negative ELBO of
the binarised images (neg_elbo_binarized, nats/image; bits_per_dim_binarized, bits per binary pixel), the
IWAE bound with 100 samples, and classifier FID / precision / recall / modes of prior samples; the
checkpoint with the lowest val neg_elbo_binarized is kept. (--config.vae.likelihood=gaussian instead bounds
the 8-bit pixels themselves, dequantised: neg_elbo, bits_per_dim; set eval.best_metric=neg_elbo with it.)
Writes samples/ (prior samples) and reconstructions/ (binarised val inputs row / reconstructions row) every 500 steps.
  python launch.py --config configs/vae_digits.py --workdir runs/vae_digits
  python launch.py --config configs/vae_digits.py --workdir runs/vae_digits --mode=evaluate   # test split
  python launch.py --config configs/vae_digits.py:small --workdir /tmp/vae_small   # smoke test (:tiny = tests)
"""

from configs import default
from configs.shrink import VAE_SIZES, apply_switch


def get_config(arg: str = ''):
  config = default.get_config()
  config.data.name = 'digits'
  config.data.image_size = 32
  config.data.channels = 1
  config.model.name = 'vae'
  config.model.latent_dim = 16
  config.vae.encoder_width = 32
  config.vae.decoder_width = 32
  config.vae.likelihood = 'bernoulli'
  config.vae.beta = 1.0
  config.vae.kl_warmup_steps = 500
  config.vae.lr = 1e-3
  config.vae.iwae_samples = 100
  config.optim.b1 = 0.9
  config.ema.decay = 0.998
  config.train.steps = 4000
  config.train.batch_size = 64
  config.train.log_every = 50
  config.train.sample_every = 500
  config.checkpoint.every_steps = 1000
  config.eval.metrics = ('fid', 'precision_recall', 'modes')
  config.eval.extractor = 'classifier'
  config.eval.num_samples = 1000
  config.eval.every_steps = 1000
  config.eval.best_metric = 'neg_elbo_binarized'
  config = apply_switch(config, arg, VAE_SIZES)
  if arg:
    config.vae.kl_warmup_steps = min(config.vae.kl_warmup_steps, config.train.steps // 2)
    config.vae.iwae_samples = 8
  return config
