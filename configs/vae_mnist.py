"""flax's examples/vae protocol on binarized MNIST: the MLP VAE 784-500-20-500-784, Bernoulli likelihood,
Adam(1e-3) with default betas, batch 128, 10 epochs of the 50,000 training images (3,907 steps), no EMA,
the dataset's own train/validation/test splits and no cleaning. Its README reports a test-set loss of
about 104 after 10 epochs; that loss is the negative ELBO in nats per image with one posterior sample,
which is `neg_elbo_binarized` here (the images are binary already: binarising keeps them as they are).
Needs tfds 'binarized_mnist' prepared (data.download=True fetches it once).

Check the ~104 nats (the test negative ELBO of the final checkpoint, plus bits/dim and the IWAE bound):
  python launch.py --config configs/vae_mnist.py --workdir runs/vae_mnist --config.data.download=True
  python launch.py --config configs/vae_mnist.py --workdir runs/vae_mnist --mode=evaluate
  # prints `eval test step 3907: {... "neg_elbo_binarized": ~104 ...}`, writes .../eval/test_step3907.json
The dataset is unlabelled, so no classifier metrics (FID etc.) are computed: eval.metrics is empty.
"""

from configs import default
from configs.shrink import VAE_SIZES, apply_switch

EPOCHS = 10
TRAIN_IMAGES = 50_000
BATCH = 128


def get_config(arg: str = ''):
  config = default.get_config()
  config.data.name = 'binarized_mnist'
  config.data.label_key = ''
  config.data.image_size = 28
  config.data.channels = 1
  config.data.clean.enabled = False      # the benchmark's images as published
  config.model.name = 'vae_mlp'
  config.model.latent_dim = 20
  config.vae.encoder_hidden = 500
  config.vae.decoder_hidden = 500
  config.vae.likelihood = 'bernoulli'
  config.vae.lr = 1e-3
  config.optim.b1 = 0.9
  config.optim.b2 = 0.999
  config.ema.decay = 0.0
  config.train.steps = -(-EPOCHS * TRAIN_IMAGES // BATCH)
  config.train.batch_size = BATCH
  config.train.log_every = 100
  config.train.sample_every = 1000
  config.checkpoint.every_steps = 1000
  config.eval.metrics = ()
  config.eval.every_steps = 0
  config.eval.best_metric = ''
  config.vae.iwae_samples = 100
  return apply_switch(config, arg, VAE_SIZES)
