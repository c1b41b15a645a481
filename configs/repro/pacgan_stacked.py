"""Stacked digits (1,000 modes, the offline analogue of Stacked MNIST): DCGAN vs PacDCGAN2 (PacGAN Table 2).

  python launch.py --config configs/repro/pacgan_stacked.py:pack2 --workdir runs/repro/stacked_pack2
  python benchmarks/reproduce.py --suite=stacked     # K seeds of both variants, the table

Arg: `<variant>[,mnist5k][,steps=N][,small|tiny]`: variant dcgan (= pack1) | pack2 | pack3 | pack4; `mnist5k`
stacks real MNIST digits (data.name=stacked_mnist5k: mnist5k's 28x28 digits, downsampled to 16x16 like the
digits are upsampled; the per-channel classifier learns mnist5k's train digits) instead of sklearn's digits.

PacGAN's Stacked MNIST set-up (fjxmlzn/PacGAN, stacked_MNIST_experiments/VEEGAN_experiment): DCGAN at 28x28
on 128,000 stacked MNIST triples, batch 64 packed samples (G makes 64*m per step), Adam(2e-4, b1=0.5),
z of 100 dims, 50 epochs (100,000 steps), modes counted by a pretrained MNIST classifier on 26,000
samples (G in inference mode), KL(mode histogram || uniform over 1,000).
Ours, to be affordable on CPU: sklearn's 8x8 digits stacked and upsampled to 16x16 (three per image,
label = 100*d0 + 10*d1 + d2), 100,000 generated (80,000 train), DCGAN widths 16 (G's last hidden layer,
D's first), z ~ N(0, I_100), the same optimiser and batch convention, the same 26,000-sample evaluation
with gan_jax's digits classifier (per channel); a much shorter schedule (train.steps, stated with the
results). The paper's DCGAN runs G's update twice per D update (a DCGAN-tensorflow habit); ours once.
"""

from configs import default
from configs.mnist5k_data import CLASSIFIER_STEPS
from configs.repro.args import parse_arg
from configs.shrink import apply_switch

VARIANTS = {'dcgan': 1, 'pack1': 1, 'pack2': 2, 'pack3': 3, 'pack4': 4}
DATA = {'digits': 'stacked_digits', 'mnist5k': 'stacked_mnist5k'}
PACKED_BATCH = 64
PAPER_STEPS = 100_000       # 50 epochs x 128,000 / 64


def get_config(arg: str = 'dcgan'):
  words, numbers = parse_arg(arg, {'variant': VARIANTS, 'data': DATA, 'switch': ('small', 'tiny')}, ('steps',))
  config = default.get_config()
  config.data.name = DATA[words.get('data', 'digits')]
  if config.data.name == 'stacked_mnist5k':
    config.classifier.steps = CLASSIFIER_STEPS
  config.data.image_size = 16
  config.data.channels = 3
  config.data.num_samples = 100_000

  model = config.model
  model.name = 'dcgan'
  model.latent_dim = 100
  model.g_width = model.d_width = 16
  model.init_std = 0.02
  model.pack = VARIANTS[words.get('variant', 'dcgan')]

  config.loss.name = 'non_saturating'
  config.optim.g_lr = config.optim.d_lr = 2e-4
  config.optim.b1, config.optim.b2 = 0.5, 0.999
  config.ema.decay = 0.0

  config.train.steps = PAPER_STEPS
  config.train.batch_size = PACKED_BATCH * model.pack
  config.train.log_every = 500
  config.train.sample_every = 0
  config.checkpoint.every_steps = 5000
  config.checkpoint.keep = 1

  config.eval.metrics = ('modes',)
  config.eval.best_metric = 'modes'
  config.eval.extractor = 'classifier'
  config.eval.every_steps = 0
  config.eval.num_samples = 26_000
  config.eval.batch_size = 1000
  config = apply_switch(config, words.get('switch', ''))
  if words.get('switch'):
    config.train.batch_size = max(config.train.batch_size // model.pack, 1) * model.pack
  config.train.steps = numbers.get('steps', config.train.steps)
  return config
