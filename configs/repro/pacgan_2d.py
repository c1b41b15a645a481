"""PacGAN's 2D mode-collapse benchmarks (Lin et al., 2018, Table 1; the VEEGAN ring/grid setup).

  python launch.py --config configs/repro/pacgan_2d.py:ring,pack2 --workdir runs/repro/ring_pack2
  python benchmarks/reproduce.py --suite=2d          # K seeds of every cell, scan+vmap trainer, the table

Arg: `<dataset>,<variant>[,steps=N][,small|tiny]`: dataset ring | grid; variant gan (= pack1) | pack2 |
pack3 | pack4; steps=N overrides the 400,000-step schedule (the CPU table runs a shorter one).

The paper's setup (fjxmlzn/PacGAN, synthetic_data_experiments/2D*_GAN&PacGAN):
  data: ring = 8 Gaussians on the unit circle, std 0.01; grid = 25 at {-4,-2,0,2,4}^2, std 0.05;
        100,000 training examples (we generate 125,000 and keep the usual 80/10/10 split: 100,000 train);
  G: z ~ N(0, I_2), 4 x (Dense 400 without bias, BatchNorm, ReLU), Dense 2;
  D: 3 maxout layers of 200 units x 5 pieces, Dense 1; init N(0, 0.02), zero biases;
  Adam(1e-4, b1=0.8, b2=0.999) for both; the original GAN loss (G: -log D(G(z))); no EMA;
  400 epochs of 1,000 minibatches = 400,000 steps.
Packing convention: in PacGAN's code a training example is already an m-tuple of real points and a
minibatch holds 100 of them, while G draws m batches of 100 latents; so D sees 100 packed samples per
step whatever m, and G generates 100*m points. Here train.batch_size = 100*m real points (packed by
D into 100 groups) and the step draws 100*m latents, which is the same thing; the epoch count of the paper
(1,000 steps per epoch whatever m) is kept as steps, so every variant makes 400,000 steps.
Known differences: G's BatchNorm normalises the 100*m fakes together (the paper: each of the m batches of
100 on its own); D and G are updated alternately (the paper's ALI-style algorithm updates them
simultaneously from the same forward pass); BatchNorm running averages use momentum 0.9 (paper 0.95).
Evaluation (as the paper's MetricLogger): 2,500 samples of G in inference mode (running BatchNorm
statistics), modes covered (>= 1 sample within 3 std), high-quality fraction, reverse KL of the histogram.
"""

from configs import default
from configs.repro.args import parse_arg
from configs.shrink import apply_switch

DATASETS = {'ring': 'ring2d', 'grid': 'grid2d'}
VARIANTS = {'gan': 1, 'pack1': 1, 'pack2': 2, 'pack3': 3, 'pack4': 4}
PACKED_BATCH = 100          # D's minibatch: packed samples per step
PAPER_STEPS = 400_000       # 400 epochs x 1,000 minibatches


def get_config(arg: str = 'ring,gan'):
  words, numbers = parse_arg(arg, {'dataset': DATASETS, 'variant': VARIANTS, 'switch': ('small', 'tiny')},
                             ('steps',))
  config = default.get_config()
  config.data.name = DATASETS[words.get('dataset', 'ring')]
  config.data.num_samples = 125_000        # 80/10/10 split -> 100,000 train examples
  config.data.val_fraction = config.data.test_fraction = 0.1

  model = config.model
  model.name = 'mlp'
  model.latent_dim = 2
  model.g_depth, model.g_hidden, model.g_batch_norm = 4, 400, True
  model.d_depth, model.d_hidden, model.d_batch_norm, model.d_maxout_pieces = 3, 200, False, 5
  model.activation = 'relu'
  model.init_std = 0.02
  model.pack = VARIANTS[words.get('variant', 'gan')]

  config.loss.name = 'non_saturating'
  config.optim.g_lr = config.optim.d_lr = 1e-4
  config.optim.b1, config.optim.b2 = 0.8, 0.999
  config.ema.decay = 0.0

  config.train.steps = PAPER_STEPS
  config.train.batch_size = PACKED_BATCH * model.pack
  config.train.log_every = 1000
  config.train.sample_every = 0
  config.train.num_sample_images = 2500   # points in the scatter plot
  config.checkpoint.every_steps = 10_000
  config.checkpoint.keep = 1

  config.eval.metrics = ('modes',)
  config.eval.best_metric = 'modes'
  config.eval.every_steps = 0
  config.eval.num_samples = 2500
  config.eval.batch_size = 2500
  config = apply_switch(config, words.get('switch', ''))
  if words.get('switch'):   # shrinking keeps packing consistent with the batch
    config.train.batch_size = max(config.train.batch_size // model.pack, 1) * model.pack
  config.train.steps = numbers.get('steps', config.train.steps)   # an explicit steps=N wins
  return config
