"""Label preservation of CycleGAN translations judged by SVCs on raw pixels that share nothing with gan_jax (issue 23).

  python benchmarks/cyclegan_judge.py --config=cyclegan_digits_mnist5k.py:cpu --steps=1000 \
      --workdir=runs/i23f/frame07 --seeds 0 1 2 --data_dir=runs/i20/cache
  python benchmarks/cyclegan_judge.py --config=cyclegan_digits_mnist5k.py:cpu --steps=1000 \
      --workdir=runs/i23/digits_mnist5k --seeds 0 1 2 --data_dir=runs/i20/cache --set=data.frame_fraction=1.0

For each seed's workdir (from benchmarks/cyclegan_bench.py) it runs `launch.py --mode=translate --input=test` both
ways into a temporary folder, reads the PNGs with PIL and asks the other domain's SVC judge
(benchmarks/svc_judges.py: an RBF SVC on mnist5k's raw 28x28 pixels read with numpy, or on
scikit-learn's raw 8x8 digits) for their class; the source labels are the test split's (data, not an
instrument). A judge learns only real digits of its domain, never a translation. A framed domain
(data.frame_fraction < 1) is unframed for its judge first: the central round(fraction * side) pixels, resized back
to the side with PIL's bilinear filter (the judges learn whole-frame digits). Prints, per seed and as mean ± s.e.,
the judged label preservation both ways, and the most frequent label flips over all seeds (source label -> judged
label of its translation). Writes nothing outside the temporary folder.
"""

import argparse
import collections
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, 'benchmarks'))
from config_files import load_config  # noqa: E402
from seed_stats import mean_se  # noqa: E402
os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402
from svc_judges import JUDGES  # noqa: E402

from gan_jax.core import schema  # noqa: E402
from gan_jax.data import cleaning  # noqa: E402

def translated(config_arg: str, steps: int, data_dir: str, workdir: str, direction: str, out: str,
               overrides=()) -> np.ndarray:
  """float32 [N, H, W, 1] in [-1, 1]: the test split of the source domain translated, in split order."""
  argv = [sys.executable, 'launch.py', f'--config=configs/{config_arg}', f'--config.train.steps={steps}',
          f'--workdir={workdir}', '--mode=translate', f'--direction={direction}', '--input=test', f'--output={out}',
          *(f'--config.{item}' for item in overrides)]
  if data_dir:
    argv.append(f'--config.data.data_dir={data_dir}')
  done = subprocess.run(argv, capture_output=True, text=True, cwd=ROOT)
  if done.returncode:
    raise RuntimeError(f'translate failed: {done.stderr[-2000:]}')
  with open(os.path.join(out, 'manifest.json')) as f:
    names = [entry['output'] for entry in json.load(f)['images']]
  return np.stack([np.asarray(Image.open(os.path.join(out, n)).convert('L'), np.float32)[..., None] / 127.5 - 1.0
                   for n in names])


def unframe(images: np.ndarray, fraction: float) -> np.ndarray:
  """float [N, S, S, 1]: the central round(fraction * S) pixels of each image resized back to S (bilinear)."""
  size = images.shape[1]
  crops = cleaning.framed_box(images, fraction)[..., 0].astype(np.float32)
  if crops.shape[1] == size:
    return images
  return np.stack([np.asarray(Image.fromarray(c, mode='F').resize((size, size), Image.BILINEAR)) for c in crops]
                  )[..., None]


def test_labels(config) -> dict:
  from gan_jax.data import prepare_dataset  # pylint: disable=g-import-not-at-top
  ds = prepare_dataset(config)
  return {d: ds.domain(d).split_arrays('test')['label'] for d in ('a', 'b')}


def judge(domain_name: str):
  """(predict(images [N, H, W, 1] in [-1, 1]) -> labels, held-out accuracy) of a domain's SVC judge."""
  make, resize = JUDGES[domain_name]
  svc, accuracy, _, _ = make()
  return (lambda images: svc.predict(resize(images))), accuracy


def main():
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument('--config', default='cyclegan_digits_mnist5k.py:cpu')
  parser.add_argument('--steps', type=int, default=1000)
  parser.add_argument('--workdir', default='runs/i23/digits_mnist5k')
  parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
  parser.add_argument('--data_dir', default='')
  parser.add_argument('--set', action='append', default=[], metavar='KEY=VALUE',
                      help="a config override, as cyclegan_bench.py's --set (the runs' own; the value a Python "
                      'literal, else a string)')
  args = parser.parse_args()
  config = load_config(args.config)
  if args.data_dir:
    config.data.data_dir = args.data_dir
  for item in args.set:
    try:
      key, _, value = schema.parse_override(item)
    except ValueError as e:
      parser.error(f'--set={e}')
    schema.set_value(config, key, value)
  if config.data_b.transform != 'none' or config.data.name not in JUDGES or config.data_b.name not in JUDGES:
    raise SystemExit(f'{args.config}: the judges cover untransformed {", ".join(JUDGES)} domains only')
  labels = test_labels(config)
  judges = {'a': judge(config.data.name), 'b': judge(config.data_b.name)}
  print(f'judges: a ({config.data.name}) {judges["a"][1]:.3f}, b ({config.data_b.name}) {judges["b"][1]:.3f} on their '
        'own held-out raw digits')
  kept = {'a2b': [], 'b2a': []}
  flips = {'a2b': collections.Counter(), 'b2a': collections.Counter()}
  for seed in args.seeds:
    workdir = os.path.join(args.workdir, f'seed_{seed}')
    for direction, source, target in (('a2b', 'a', 'b'), ('b2a', 'b', 'a')):
      with tempfile.TemporaryDirectory() as tmp:
        images = translated(args.config, args.steps, args.data_dir, workdir, direction, os.path.join(tmp, 'out'),
                            args.set)
      fraction = (config.data if target == 'a' else config.data_b).frame_fraction
      said = judges[target][0](unframe(images, fraction))
      kept[direction].append(float(np.mean(said == labels[source])))
      flips[direction].update((int(s), int(p)) for s, p in zip(labels[source], said) if s != p)
    print(json.dumps({'seed': seed, **{f'svc_label_preservation_{d}': v[-1] for d, v in kept.items()}}), flush=True)
  for direction in kept:
    mean, se = mean_se(kept[direction])
    top = ', '.join(f'{s}->{p} x{n}' for (s, p), n in flips[direction].most_common(6))
    print(f'svc_label_preservation_{direction}: {mean:.3f} ± {se:.3f} ({len(args.seeds)} seeds); top flips: {top}')


if __name__ == '__main__':
  main()
