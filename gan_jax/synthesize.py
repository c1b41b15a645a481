"""--mode=synthesize: a labelled synthetic dataset from a conditional generator's checkpoint.

  python launch.py --config configs/cgan_digits.py --workdir DIR --mode=synthesize --balance_to=max
  python launch.py --config configs/cgan_digits.py --workdir DIR --mode=synthesize --num_per_class=200

Writes an image folder (default DIR/synthetic/, or config.synthesize.out_dir): one subfolder per class,
named as the data report names the class, of PNGs at the dataset's shape that gan_jax's `image_folder`
source reads back (and data.synthetic_path mixes into a train split), plus manifest.json at its root
(checkpoint step, config hash, seed, model, counts per class, the run's eval scores). The folder is
written next to its final place and renamed into it, so a reader never sees half of it.
Requests: --num_per_class=N (N per class) or --balance_to=max (every class topped up to the largest real
train class count of the data as configured, e.g. with data.imbalance_factor). Latents:
config.synthesize.truncation (> 0: a normal truncated to [-t, t]) and .temperature (a scale).
"""

import hashlib
import json
import os
import shutil
import tempfile
from typing import Dict, Optional

import numpy as np
from PIL import Image

from gan_jax.errors import ConfigError

MANIFEST_FORMAT = 1
_MODES = {1: 'L', 3: 'RGB'}


def validate_synthesize_config(config) -> None:
  """ConfigError (one line) for bad synthesize.* values or model section (no checkpoint is read)."""
  from gan_jax.models import validate_model_config  # pylint: disable=g-import-not-at-top
  validate_model_config(config)
  syn = config.synthesize
  for key, low, meaning in (('truncation', 0.0, '>= 0 (0 = off)'), ('temperature', 1e-12, '> 0')):
    value = syn[key]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value < float('inf'):
      raise ConfigError(f'synthesize.{key}={value!r} must be a number {meaning}')
  if not isinstance(syn.out_dir, str):
    raise ConfigError(f'synthesize.out_dir={syn.out_dir!r} must be a folder path (or empty)')


def requested_counts(real_counts: np.ndarray, num_per_class: int, balance_to: str) -> np.ndarray:
  """int64 [K]: images to write per class, for exactly one of num_per_class > 0 or balance_to='max'."""
  if (num_per_class > 0) == bool(balance_to):
    raise ConfigError(f'--mode=synthesize needs exactly one of --num_per_class=N (> 0) or --balance_to=max; got '
                      f'--num_per_class={num_per_class} --balance_to={balance_to!r}')
  if balance_to and balance_to != 'max':
    raise ConfigError(f'--balance_to={balance_to!r} is not allowed; allowed: max')
  real_counts = np.asarray(real_counts, np.int64)
  if num_per_class > 0:
    return np.full(len(real_counts), num_per_class, np.int64)
  return real_counts.max() - real_counts


def check_request(config, workdir: str, which: str) -> int:
  """ConfigError (one line) before anything is restored: unconditional config or no checkpoint. Returns the step."""
  from gan_jax import checkpointing  # pylint: disable=g-import-not-at-top
  from gan_jax.train import setup as setup_lib  # pylint: disable=g-import-not-at-top
  if config.model.get('conditional', 'none') == 'none':
    raise ConfigError('--mode=synthesize needs a conditional generator: model.conditional is \'none\' '
                      '(allowed: projection, acgan; see configs/cgan_digits.py)')
  if config.data.standardize:
    raise ConfigError('--mode=synthesize writes [0, 255] images: data.standardize=True is not supported')
  store = checkpointing.CheckpointStore(setup_lib.checkpoint_dir(workdir, which == 'best'), 1)
  try:
    step = store.latest_step()
    if step is None:
      raise ConfigError(f'--workdir={workdir} has no {which} checkpoint in {store.directory}; train first '
                        '(--mode=train)')
    if not store.read_meta(step).get('num_classes', 0):
      raise ConfigError(f'--workdir={workdir}: checkpoint step {step} holds an unconditional generator; '
                        '--mode=synthesize needs a conditional one (model.conditional=projection|acgan)')
  finally:
    store.close()
  return step


def to_uint8(images: np.ndarray) -> np.ndarray:
  """float [N, H, W, C] in [-1, 1] -> uint8 [N, H, W, C] (the inverse of the data stage's scaling)."""
  return np.clip(np.round((np.asarray(images, np.float64) + 1.0) * 127.5), 0, 255).astype(np.uint8)


def eval_scores(workdir: str, step: int) -> Optional[Dict]:
  """The run's evaluation record for `step` (else its last one) from DIR/eval/results.jsonl; None if none."""
  path = os.path.join(workdir, 'eval', 'results.jsonl')
  records = []
  if os.path.exists(path):
    with open(path) as f:
      for line in f:
        try:
          records.append(json.loads(line))
        except ValueError:   # a damaged line is skipped, never a dead end
          continue
  if not records:
    return None
  at_step = [r for r in records if r.get('step') == step]
  record = (at_step or records)[-1]
  return {'step': record.get('step'), 'split': record.get('split'), 'results': record.get('results')}


def config_hash(config) -> str:
  return hashlib.sha256(config.to_json_best_effort(sort_keys=True).encode()).hexdigest()


def write_folder(out_dir: str, images: np.ndarray, labels: np.ndarray, names, manifest: Dict) -> None:
  """out_dir/<class name>/<k>.png for uint8 images [N, H, W, C], plus out_dir/manifest.json; atomic rename."""
  parent = os.path.dirname(os.path.abspath(out_dir))
  os.makedirs(parent, exist_ok=True)
  tmp = tempfile.mkdtemp(dir=parent, prefix='.synthetic-')
  try:
    for c, name in enumerate(names):
      os.makedirs(os.path.join(tmp, name))
      for k, index in enumerate(np.flatnonzero(labels == c)):
        pixels = images[index]
        mode = _MODES[pixels.shape[-1]]
        Image.fromarray(pixels[..., 0] if mode == 'L' else pixels, mode).save(os.path.join(tmp, name, f'{k:06d}.png'))
    with open(os.path.join(tmp, 'manifest.json'), 'w') as f:
      json.dump(manifest, f, indent=1)
    if os.path.exists(out_dir):
      shutil.rmtree(out_dir)
    os.rename(tmp, out_dir)
  finally:
    shutil.rmtree(tmp, ignore_errors=True)


def synthesize(config, workdir: str, num_per_class: int = 0, balance_to: str = '', which: str = 'latest') -> Dict:
  """Writes the synthetic image folder (see the module docstring); returns its manifest (with 'out_dir')."""
  from gan_jax import parallel, sampling  # pylint: disable=g-import-not-at-top
  from gan_jax.data import prepare_dataset  # pylint: disable=g-import-not-at-top
  from gan_jax.data.synthetic_mix import class_names  # pylint: disable=g-import-not-at-top
  if which not in ('latest', 'best'):
    raise ConfigError(f'--checkpoint={which!r} is not allowed; allowed: best, latest')
  requested_counts(np.zeros(1), num_per_class, balance_to)   # flag errors first
  check_request(config, workdir, which)
  ds = prepare_dataset(config)   # the class names and the real train counts (the long tail, if configured)
  real = np.array([ds.report['class_counts']['train'].get(str(c), 0) for c in range(ds.num_classes)], np.int64)
  counts = requested_counts(real, num_per_class, balance_to)
  syn = config.synthesize
  sample_fn, step, meta = sampling.load_sampler(config, workdir, which, truncation=syn.truncation,
                                                temperature=syn.temperature)
  if meta['num_classes'] != ds.num_classes or tuple(meta['example_shape']) != tuple(ds.example_shape):
    raise ConfigError(f'--workdir={workdir}: the checkpoint ({meta["num_classes"]} classes, shape '
                      f'{tuple(meta["example_shape"])}) does not fit data.name={ds.name!r} '
                      f'({ds.num_classes} classes, shape {tuple(ds.example_shape)})')
  labels = np.repeat(np.arange(ds.num_classes), counts).astype(np.int32)
  images = to_uint8(sample_fn(len(labels), config.seed, labels)) if len(labels) else np.zeros((0, *ds.example_shape), np.uint8)
  names = class_names(ds.report)
  out_dir = os.path.abspath(syn.out_dir or os.path.join(workdir, 'synthetic'))
  manifest = {
      'format': MANIFEST_FORMAT, 'dataset': ds.name, 'example_shape': list(ds.example_shape),
      'checkpoint': which, 'checkpoint_step': int(step), 'workdir': os.path.abspath(workdir),
      'config_sha256': config_hash(config), 'seed': int(config.seed),
      'model': {'name': config.model.name, 'conditional': config.model.conditional,
                'latent_dim': int(config.model.latent_dim), 'num_classes': int(meta['num_classes'])},
      'truncation': float(syn.truncation), 'temperature': float(syn.temperature),
      'request': {'num_per_class': int(num_per_class)} if num_per_class > 0 else {'balance_to': balance_to},
      'class_names': names, 'counts_per_class': {n: int(c) for n, c in zip(names, counts)},
      'real_train_counts': {n: int(c) for n, c in zip(names, real)},
      'imbalance_factor': float(config.data.imbalance_factor), 'total': int(counts.sum()),
      'eval_scores': eval_scores(workdir, int(step)),
  }
  if parallel.is_writer():
    write_folder(out_dir, images, labels, names, manifest)
    print(f'wrote {int(counts.sum())} images ({", ".join(f"{n}:{c}" for n, c in zip(names, counts))}) from '
          f'{which} checkpoint step {step} to {out_dir}')
  return {**manifest, 'out_dir': out_dir}
