"""Class imbalance on digits: classical remedies vs class-conditional GAN samples, for a downstream classifier.

  python benchmarks/imbalance.py --out /tmp/i13_runs/imbalance                 # runs (resumable), prints the table
  python benchmarks/imbalance.py --out /tmp/i13_runs/imbalance --write_table   # ... and writes it into BENCHMARKS.md
  python benchmarks/imbalance.py --out /tmp/i24 --dataset mnist5k --factors 100 10 --gan_factors 100 \
    --methods plain oversample smote effective la ldam_drw cgan_balance_ldam_drw cgan_x3_filtered_ldam_drw --dry_run

For each imbalance factor (data.imbalance_factor, Cao et al. 2019's long tail of the digits train split;
val/test stay balanced) and seed, the downstream classifier (gan_jax.metrics.downstream: the evaluation
classifier's trainer, 400 Adam steps, batch 64) is trained with
  plain         cross-entropy on the long-tailed split
  oversample    data.rebalance=oversample (every class max_count times per epoch)
  undersample   data.rebalance=undersample (every class min_count times per epoch)
  smote         data.rebalance=smote (imbalanced-learn's SMOTE rows, k = --smote_k; not run when a class has
                fewer than k + 1 train images)
  inverse       classifier.class_weighting=inverse
  effective     classifier.class_weighting=effective_number, cb_beta=0.99
  la            classifier.loss=logit_adjusted, tau = --tau (Menon et al. 2021)
  ldam_drw      classifier.loss=ldam with classifier.drw_start = 80% of the classifier's steps (Cao et al. 2019)
  <gen>_balance real + samples of a class-conditional generator trained on the SAME long-tailed split,
                each class topped up to the largest class (--mode=synthesize, data.synthetic_fill=balance)
  <gen>_x3      ... each class topped up to 3x the largest class (data.synthetic_fill=multiple; --multiples)
  <gen>_<amount>_filtered   ... from samples kept by synthesize.min_confidence = --min_confidence, judged by
                the run-split classifier (synthesize.filter_classifier=run_split, the default: logit-adjusted,
                trained on the SAME long-tailed split; never the evaluation classifier, which learned the
                full balanced split). Filtered folders and results of an older, evaluation-filtered version
                are not reused: their folder names differ and their results lack filter_classifier.
  <gen>_<...>_la, <gen>_<...>_ldam_drw   ... with that classifier remedy on the real + synthetic mix
  <gen>_only    that generator's samples alone, n_max per class (classifier.train_data=synthetic: CAS)
for the generators <gen> (GENERATORS below; --methods picks; they train only for --gan_factors and
--gan_seeds, to keep the CPU budget):
  cgan          projection cGAN: the conditional DCGAN (cBN G with the learned class code, projection D),
                widths 32 (--gan_width), z 64, non-saturating loss, Adam 2e-4, batch 64, 3,000 steps
                (--gan_steps), EMA 0.998, no evaluation
  cgan_da       the same cGAN with DiffAugment color,translation,cutout on everything D sees
  acgan         AC-GAN: the same G and D with configs/acgan_digits.py's class head (no spectral norm, ac_weight 1,
                D's class loss on reals only)
  cvae          conditional VAE (configs/vae_digits.py's model at 16x16: DCGAN-shaped encoder/decoder, widths 32,
                16 latents, Bernoulli likelihood, labels into encoder and decoder, Adam 1e-3, KL warm-up 500
                steps, EMA 0.998), the same number of steps
and scored on the real balanced test split (balanced accuracy; minority recall = mean recall of the 5
rarest train classes, labels 5-9). The ceiling is plain cross-entropy on the balanced split (IF = 1).
Seeds vary the classifier's and the cGAN's initialisation and batches; the data split (split_seed 0) is
fixed. Everything at 16x16 (the 8x8 digits upsampled) to keep the cGAN trainings cheap on CPU.
Raw results: <out>/results.jsonl (one line per run; runs already there are skipped). --dry_run builds and
validates every selected run's configs and prints them, training nothing.
"""

import argparse
import json
import math
import os
import sys
import time
from typing import NamedTuple

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, 'benchmarks'))
from seed_stats import mean_se  # noqa: E402
os.environ.setdefault('TF_ENABLE_ONEDNN_OPTS', '0')
os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')

import numpy as np  # noqa: E402

CLASSIFIER_STEPS = 400
DRW_START = int(0.8 * CLASSIFIER_STEPS)   # Cao et al. 2019: re-weighting from epoch 160 of 200
REMEDIES = {   # classifier-side remedy -> (config overrides, label); applied to real or real + synthetic data
    'ce': ({}, ''), 'la': ({'classifier.loss': 'logit_adjusted'}, 'logit adjustment'),
    'ldam_drw': ({'classifier.loss': 'ldam', 'classifier.drw_start': DRW_START}, 'LDAM-DRW'),
}
CLASSICAL = {   # method -> config overrides of the downstream run
    'plain': {}, 'oversample': {'data.rebalance': 'oversample'}, 'undersample': {'data.rebalance': 'undersample'},
    'smote': {'data.rebalance': 'smote'}, 'inverse': {'classifier.class_weighting': 'inverse'},
    'effective': {'classifier.class_weighting': 'effective_number'},
    'la': REMEDIES['la'][0], 'ldam_drw': REMEDIES['ldam_drw'][0],
}
FILTER_CLASSIFIER = 'run_split'   # synthesize.filter_classifier of *_filtered: the default, no leak of the full split
GENERATOR_LABELS = {'cgan': 'cGAN', 'cgan_da': 'cGAN + DiffAugment', 'acgan': 'AC-GAN', 'cvae': 'cVAE'}


class Use(NamedTuple):
  """How a generator's samples enter the downstream run."""
  fill: str             # data.synthetic_fill
  multiple: float       # data.synthetic_multiple (the folder holds ceil(multiple * n_max) per class)
  filtered: bool        # synthesized with synthesize.min_confidence
  remedy: str           # REMEDIES key
  train_data: str       # classifier.train_data
  label: str


def _uses():
  uses = {}
  for multiple in (1, 3):
    for filtered in (False, True):
      for remedy, (_, remedy_label) in REMEDIES.items():
        name = ('balance' if multiple == 1 else f'x{multiple}') + ('_filtered' if filtered else '') + (
            '' if remedy == 'ce' else f'_{remedy}')
        words = ['to balance' if multiple == 1 else f'to {multiple}x balance'] + (['filtered'] if filtered else [])
        label = 'real + {} samples ' + ', '.join(words) + (f', {remedy_label}' if remedy_label else '')
        uses[name] = Use('balance' if multiple == 1 else 'multiple', float(multiple), filtered, remedy,
                         'real+synthetic', label)
  uses['only'] = Use('all', 1.0, False, 'ce', 'synthetic', '{} samples only (CAS)')
  return uses


USES = _uses()
GENERATIVE = {f'{g}_{use}': (g, use) for g in GENERATOR_LABELS for use in USES}   # method -> (generator, use)
LABELS = {
    'ceiling': 'balanced train split (ceiling, IF = 1)', 'plain': 'plain cross-entropy',
    'oversample': 'oversampling', 'undersample': 'undersampling', 'smote': 'SMOTE',
    'inverse': 'inverse-frequency weights', 'effective': 'effective-number weights (beta 0.99)',
    'la': 'logit adjustment (Menon et al.)', 'ldam_drw': 'LDAM-DRW (Cao et al.)',
    **{method: USES[use].label.format(GENERATOR_LABELS[g]) for method, (g, use) in GENERATIVE.items()},
}
MINORITY = (5, 6, 7, 8, 9)
SECTION = '## Class imbalance: what generated data buys a classifier (issue 13)'


def base_config(out: str, factor: float, seed: int, image_size: int, dataset: str = 'digits'):
  from configs import dcgan_digits  # pylint: disable=g-import-not-at-top
  config = dcgan_digits.get_config()
  config.seed = seed
  config.data.update(name=dataset, data_dir=os.path.join(out, 'tfds'), image_size=image_size,
                     imbalance_factor=float(factor))
  config.classifier.update(steps=CLASSIFIER_STEPS, batch_size=64, lr=2e-3, width=16, feature_dim=64, cb_beta=0.99)
  return config


def override(config, overrides: dict):
  """config with dotted overrides set (a copy)."""
  config = config.copy_and_resolve_references()
  for dotted, value in overrides.items():
    section, key = dotted.split('.')
    config[section][key] = value
  return config


def classical_config(base, method: str, smote_k: int = 5, tau: float = 1.0):
  config = override(base, CLASSICAL[method])
  config.data.smote_k, config.classifier.tau = smote_k, tau
  return config


def generative_config(base, method: str, folder: str, tau: float = 1.0):
  """The downstream run of a generative method on the synthetic `folder` (see USES)."""
  use = USES[GENERATIVE[method][1]]
  config = override(base, REMEDIES[use.remedy][0])
  config.data.update(synthetic_path=folder, synthetic_fill=use.fill, synthetic_multiple=use.multiple)
  config.classifier.update(train_data=use.train_data, tau=tau)
  return config


def _schedule(config, steps: int):
  config.train.update(steps=steps, batch_size=64, log_every=max(steps // 4, 1), sample_every=0)
  config.checkpoint.every_steps = steps
  config.eval.update(metrics=(), every_steps=0, best_metric='')
  return config


def cgan_config(config, steps: int, width: int):
  """A projection cGAN (cBN G + class code, projection D) with dcgan_digits' non-saturating loss, no eval.

  (configs/cgan_digits.py's hinge loss left G at a grey image after 1,000 steps at 16x16 in a trial.)"""
  config = config.copy_and_resolve_references()
  config.model.update(conditional='projection', fake_labels='data', g_width=width, d_width=width)
  config.loss.name = 'non_saturating'
  return _schedule(config, steps)


def cgan_da_config(config, steps: int, width: int):
  config = cgan_config(config, steps, width)
  config.gan_aug.policy = 'color,translation,cutout'
  return config


def cvae_config(config, steps: int, width: int):
  """configs/vae_digits.py's model and optimiser, conditional, at the benchmark's image size."""
  from configs import vae_digits  # pylint: disable=g-import-not-at-top
  vae = vae_digits.get_config()
  config = config.copy_and_resolve_references()
  config.model = vae.model.copy_and_resolve_references()
  config.model.conditional = 'projection'
  config.vae = vae.vae.copy_and_resolve_references()
  config.vae.update(encoder_width=width, decoder_width=width)
  config.loss = vae.loss.copy_and_resolve_references()
  config.optim = vae.optim.copy_and_resolve_references()
  config.ema.decay = vae.ema.decay
  return _schedule(config, steps)


def acgan_config(config, steps: int, width: int):
  """configs/acgan_digits.py's conditioning on the benchmark's cGAN: class head on D, no spectral norm."""
  config = cgan_config(config, steps, width)
  config.model.update(conditional='acgan', d_spectral_norm=None)
  config.loss.update(ac_weight=1.0, ac_fake_weight=0.0)
  return config


GENERATORS = {'cgan': cgan_config, 'cgan_da': cgan_da_config, 'acgan': acgan_config, 'cvae': cvae_config}


def summarise(result: dict) -> dict:
  recall = np.asarray(result['per_class_recall'])
  return {'balanced_accuracy': result['balanced_accuracy'], 'minority_recall': float(recall[list(MINORITY)].mean()),
          'macro_f1': result['macro_f1'], 'per_class_recall': result['per_class_recall'],
          'train_counts': result['train_counts']}


def _stale_filter(record) -> bool:
  """True for a *_filtered result not filtered by FILTER_CLASSIFIER (recorded before the filter had a choice)."""
  use = GENERATIVE.get(record.get('method'), (None, None))[1]
  return bool(use and USES[use].filtered and record.get('filter_classifier') != FILTER_CLASSIFIER)


class Runner:
  def __init__(self, args):
    self.args, self.path = args, os.path.join(args.out, 'results.jsonl')
    os.makedirs(args.out, exist_ok=True)
    self.done = {}
    if os.path.exists(self.path):
      for line in open(self.path):
        try:
          record = json.loads(line)
        except ValueError:
          continue
        if _stale_filter(record):   # filtered by the evaluation classifier (before issue 24's fix): rerun it
          continue
        self.done[(record['method'], record['factor'], record['seed'])] = record
    self._datasets = {}

  def dataset(self, config):
    from gan_jax.data import prepare_dataset  # pylint: disable=g-import-not-at-top
    data = config.data
    key = (data.name, data.imbalance_factor, data.synthetic_path, data.synthetic_fill, data.synthetic_multiple,
           (data.smote_k, config.seed) if data.rebalance == 'smote' else None)
    if key not in self._datasets:
      self._datasets[key] = prepare_dataset(config)
    return self._datasets[key]

  def record(self, method, factor, seed, fn):
    from gan_jax.core.errors import ConfigError, DataError  # pylint: disable=g-import-not-at-top
    if (method, factor, seed) in self.done:
      return self.done[(method, factor, seed)]
    start = time.time()
    try:
      measured = fn()
    except (ConfigError, DataError) as e:   # e.g. SMOTE on a class of one image, a filter a class cannot pass
      print(f'{method:13s} IF={factor:g} seed={seed}: not run: {e}', flush=True)
      return None
    if measured is None:   # --dry_run
      return None
    result = {'method': method, 'factor': factor, 'seed': seed, **measured, 'seconds': time.time() - start}
    with open(self.path, 'a') as f:
      f.write(json.dumps(result) + '\n')
    self.done[(method, factor, seed)] = result
    print(f"{method:13s} IF={factor:g} seed={seed}: balanced acc {result['balanced_accuracy']:.4f}, minority "
          f"recall {result['minority_recall']:.4f} ({result['seconds']:.0f} s)", flush=True)
    return result

  def base(self, factor, seed):
    return base_config(self.args.out, factor, seed, self.args.image_size, self.args.dataset)

  def downstream(self, config):
    from gan_jax.config_checks import validate_config  # pylint: disable=g-import-not-at-top
    from gan_jax.metrics.downstream import train_downstream  # pylint: disable=g-import-not-at-top
    validate_config(config, 'train_downstream', devices=False)
    if self.args.dry_run:
      print(f'  dry run: {config.data.to_dict()} {config.classifier.to_dict()}')
      return None
    return summarise(train_downstream(config, None, ds=self.dataset(config)))

  def classical(self, factor, seed, method):
    config = classical_config(self.base(factor, seed), method, self.args.smote_k, self.args.tau)
    return self.record(method, factor, seed, lambda: self.downstream(config))

  def ceiling(self, seed):
    return self.record('ceiling', 1.0, seed, lambda: self.downstream(self.base(1.0, seed)))

  def generator_config(self, generator, factor, seed):
    return GENERATORS[generator](self.base(factor, seed), self.args.gan_steps, self.args.gan_width)

  def synthetic_folder(self, generator, factor, seed, multiple: float, min_confidence: float) -> str:
    """Trains the generator on the long-tailed split (once) and writes ceil(multiple * n_max) samples per class,
    filtered by the run-split classifier (FILTER_CLASSIFIER) when min_confidence > 0 (one folder per setting)."""
    from gan_jax.outputs.synthesize import synthesize  # pylint: disable=g-import-not-at-top
    from gan_jax.run.loop import train_and_evaluate  # pylint: disable=g-import-not-at-top
    run = os.path.join(self.args.out, generator, f'if{factor:g}_seed{seed}')
    # 'synthetic' (n_max, unfiltered) is the first version's folder: its runs stay valid.
    name = 'synthetic' + (f'_x{multiple:g}' if multiple != 1 else '') + (
        f'_conf{min_confidence:g}_{FILTER_CLASSIFIER}' if min_confidence else '')
    folder = os.path.join(run, name)
    config = self.generator_config(generator, factor, seed)
    config.synthesize.update(out_dir=folder, min_confidence=float(min_confidence),
                             filter_classifier=FILTER_CLASSIFIER)
    if self.args.dry_run:
      from gan_jax.config_checks import validate_config  # pylint: disable=g-import-not-at-top
      for mode in ('train', 'synthesize'):
        validate_config(config, mode, devices=False)
      return self.args.out   # an existing folder, for validate_config
    if not os.path.exists(os.path.join(run, 'gan_seconds.json')):   # written once the training is complete
      start = time.time()
      train_and_evaluate(config, run)
      with open(os.path.join(run, 'gan_seconds.json'), 'w') as f:
        json.dump({'train_seconds': time.time() - start}, f)
    if not os.path.exists(os.path.join(folder, 'manifest.json')):
      n_max = max(self.dataset(config).report['class_counts']['train'].values())
      synthesize(config, run, num_per_class=int(math.ceil(multiple * n_max)))
    return folder

  def generative(self, factor, seed, method):
    if (method, factor, seed) in self.done:
      return self.done[(method, factor, seed)]
    generator, use = GENERATIVE[method]
    min_confidence = self.args.min_confidence if USES[use].filtered else 0.0

    def run():
      folder = self.synthetic_folder(generator, factor, seed, USES[use].multiple, min_confidence)
      measured = self.downstream(generative_config(self.base(factor, seed), method, folder, self.args.tau))
      if measured is not None and min_confidence:
        measured['filter_classifier'] = FILTER_CLASSIFIER
      return measured
    return self.record(method, factor, seed, run)


def percent_cell(values) -> str:
  """'mean ± s.e.' of fractions, in percent with one decimal."""
  mean, se = mean_se(values)
  return f'{100 * mean:.1f} ± {100 * se:.1f}'


def table(runner, methods, factors, seeds, command, gan_seeds=None) -> str:
  lines = [f'Command: `{command}`', '',
           '| method | seeds | ' + ' | '.join(f'IF={f:g} balanced acc. % | IF={f:g} minority recall %'
                                             for f in factors) + ' |',
           '| --- | --- |' + ' --- | --- |' * len(factors)]
  for method in methods:
    cells, method_seeds = [], (gan_seeds or seeds) if method in GENERATIVE else seeds
    for factor in factors:
      rows = [runner.done.get((method, 1.0 if method == 'ceiling' else factor, s)) for s in method_seeds]
      rows = [r for r in rows if r]
      if len(rows) < len(method_seeds):
        cells += ['not run', 'not run']
        continue
      cells += [percent_cell([r['balanced_accuracy'] for r in rows]), percent_cell([r['minority_recall'] for r in rows])]
    lines.append(f'| {LABELS[method]} | {len(method_seeds)} | ' + ' | '.join(cells) + ' |')
  return '\n'.join(lines)


def difference(runner, better: str, worse: str, factor: float, seeds) -> str:
  """'A - B = d ± se' in balanced-accuracy points, se the combined standard error sqrt(se_A^2 + se_B^2); the
  issue's target is d > 2 se."""
  values = []
  for method in (better, worse):
    rows = [runner.done.get((method, factor, s)) for s in seeds]
    if not all(rows):
      return f'{better} - {worse} at IF={factor:g}: not run'
    values.append(np.asarray([r['balanced_accuracy'] for r in rows], np.float64))
  se = math.sqrt(sum(v.var(ddof=1) / len(v) for v in values)) if len(seeds) > 1 else float('nan')
  diff = values[0].mean() - values[1].mean()
  verdict = 'more than' if diff > 2 * se else 'not more than'
  return (f'{better} - {worse} at IF={factor:g}: {100 * diff:+.1f} ± {100 * se:.1f} points ({verdict} 2 combined '
          'standard errors)')


def write_section(body: str) -> None:
  path = os.path.join(ROOT, 'BENCHMARKS.md')
  text = open(path).read()
  start = text.find(SECTION)
  if start >= 0:
    end = text.find('\n## ', start + len(SECTION))
    text = text[:start].rstrip('\n') + '\n\n' + (text[end + 1:] if end >= 0 else '')
  text = text.rstrip('\n') + '\n\n' + body.rstrip('\n') + '\n'
  tmp = path + '.tmp'
  with open(tmp, 'w') as f:
    f.write(text)
  os.replace(tmp, path)


def main(argv=None):
  parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
  parser.add_argument('--out', default='/tmp/gan_jax_imbalance', help='raw results and runs (outside the tree)')
  parser.add_argument('--factors', type=float, nargs='+', default=[10.0, 5.0])
  parser.add_argument('--gan_factors', type=float, nargs='+', default=[10.0, 5.0], help='factors with generator runs')
  parser.add_argument('--gan_seeds', type=int, nargs='+', default=[0, 1, 2], help='seeds with cGAN runs')
  parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
  parser.add_argument('--methods', nargs='+', default=['ceiling', *CLASSICAL, *GENERATIVE],
                      choices=['ceiling', *CLASSICAL, *GENERATIVE])
  parser.add_argument('--dataset', default='digits', help="data.name: digits, or mnist5k (real MNIST digits)")
  parser.add_argument('--smote_k', type=int, default=5, help='data.smote_k of the smote rows')
  parser.add_argument('--tau', type=float, default=1.0, help='classifier.tau of the logit-adjusted rows')
  parser.add_argument('--min_confidence', type=float, default=0.9, help='synthesize.min_confidence of *_filtered')
  parser.add_argument('--dry_run', action='store_true', help='validate every selected run\'s configs; train nothing')
  parser.add_argument('--compare', nargs='*', default=[], metavar='A:B',
                      help='print A - B with its combined standard error at each factor (seeds: --gan_seeds)')
  parser.add_argument('--image_size', type=int, default=16)
  parser.add_argument('--gan_steps', type=int, default=3000)
  parser.add_argument('--gan_width', type=int, default=32)
  parser.add_argument('--write_table', action='store_true', help='write the table into BENCHMARKS.md')
  parser.add_argument('--section_notes', default='', help='a file whose text follows the table in BENCHMARKS.md')
  args = parser.parse_args(argv)
  from gan_jax.core import xla_flags  # pylint: disable=g-import-not-at-top
  xla_flags.configure_xla_for_cpu()
  from gan_jax.data import tf_env  # noqa: F401  pylint: disable=g-import-not-at-top,unused-import
  runner = Runner(args)
  start = time.time()
  for seed in args.seeds:
    if 'ceiling' in args.methods:
      runner.ceiling(seed)
    for factor in args.factors:
      for method in args.methods:
        if method in CLASSICAL:
          runner.classical(factor, seed, method)
        elif method in GENERATIVE and factor in args.gan_factors and seed in args.gan_seeds:
          runner.generative(factor, seed, method)
  print(f'wall {time.time() - start:.0f} s')
  given = sys.argv[1:] if argv is None else list(argv)
  command = ' '.join(['python benchmarks/imbalance.py', *given])
  body = table(runner, args.methods, args.factors, args.seeds, command, args.gan_seeds)
  comparisons = [difference(runner, *pair.split(':'), factor, args.gan_seeds)
                 for pair in args.compare for factor in args.factors]
  body += ''.join(f'\n\n{line}' if i == 0 else f'\n{line}' for i, line in enumerate(comparisons))
  print(body)
  if args.dry_run:
    return
  if args.write_table:
    notes = open(args.section_notes).read() if args.section_notes else ''
    write_section(f'{SECTION}\n\n{body}\n\n{notes}')


if __name__ == '__main__':
  main()
