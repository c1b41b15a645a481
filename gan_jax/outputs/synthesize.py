"""--mode=synthesize: a labelled synthetic dataset from a conditional generator's checkpoint.

  python launch.py --config configs/cgan_digits.py --workdir DIR --mode=synthesize --balance_to=max
  python launch.py --config configs/cgan_digits.py --workdir DIR --mode=synthesize --num_per_class=200

Writes an image folder (default DIR/synthetic/, or config.synthesize.out_dir): one subfolder per class,
named as the data report names the class, of PNGs at the dataset's shape that gan_jax's `image_folder`
source reads back (and data.synthetic_path mixes into a train split), plus manifest.json at its root
(checkpoint step, config hash, seed, model, counts per class, the run's eval scores). The folder is
written next to its final place and renamed into it, so a reader never sees half of it; SIGTERM/SIGINT
remove the half-written folder and exit 143/130.
Requests: --num_per_class=N (N per class) or --balance_to=max (every class topped up to the largest real
train class count of the data as configured, e.g. with data.imbalance_factor). Latents:
config.synthesize.truncation (> 0: a normal truncated to [-t, t]) and .temperature (a scale). Images are
generated in blocks of BLOCK and written as they come (memory stays bounded); a request that cannot fit on
the disk is refused before anything is generated, and again once the first block shows the real file size.

Filter (synthesize.min_confidence > 0): an image is kept only when a classifier gives its requested class at
least that probability (softmax of its logits), judged on the uint8 pixels that are written. Which classifier
(synthesize.filter_classifier, FILTER_CLASSIFIERS):
  run_split   (default) gan_jax.metrics.run_classifier.RunSplitClassifier: the evaluation classifier's
              architecture and settings, trained (on demand, cached by the run's data identity, imbalance
              factor, train subset and settings) on the run's OWN real train split as the generator saw it,
              e.g. the long tail of data.imbalance_factor, with the logit-adjusted loss (Menon et al. 2021,
              tau = 1); it judges with its plain logits, whose softmax is the balanced posterior, so a tail
              class is not found improbable for being rare. Nothing in the generated-data pipeline then
              learns from more real data than the run was allowed.
  evaluation  the evaluation classifier (gan_jax.metrics.extractors.ClassifierExtractor): it learned the FULL,
              balanced train split of the data identity, so under data.imbalance_factor it knows each
              minority class from all its real images (400 where the run had 4): a leak, kept for comparison.
Each class draws blocks until its request is kept, at most synthesize.max_draws times the request (else a
one-line ConfigError naming the class; nothing is written). The manifest's 'filter' records the threshold,
which classifier (filter_classifier, its identity, the split it learned: classifier_split, and the class
counts it saw: classifier_train_counts, per digit for stacked datasets) and, per class, the images drawn,
kept (written), dropped (below the threshold) and surplus (above it, not needed).

The output folder (never delete what gan_jax did not write): it must not exist, or be empty, or be a
previous synthesize output (its manifest.json and class folders of PNGs, nothing else) with
synthesize.replace=True. The workdir, a folder above it and its other subfolders are never a target. Every
refusal is one line (ConfigError, exit 2) before the checkpoint is read.
"""

import hashlib
import json
import os
import shutil
import signal
import tempfile
from typing import Dict, List, Optional

import numpy as np
from PIL import Image

from gan_jax.core.errors import ConfigError, RunStopped
from gan_jax.core.registry import Registry

MANIFEST_FORMAT = 1
MANIFEST = 'manifest.json'
BLOCK = 1024                 # images generated (and held in memory) at a time
_MIN_PNG_BYTES = 67          # the smallest valid PNG file: a lower bound for the up-front disk check
_PIL_MODES = {1: 'L', 3: 'RGB'}
# synthesize.filter_classifier: name -> build(config, ds, workdir) -> (extractor, the manifest's record of it).
FILTER_CLASSIFIERS = Registry('filter classifier', 'synthesize.filter_classifier')


@FILTER_CLASSIFIERS.register('run_split')
def _run_split_classifier(config, ds, workdir):
  """Logit-adjusted (tau 1), trained on the run's own train split; judged by its plain logits."""
  del workdir
  from gan_jax.metrics.run_classifier import RunSplitClassifier  # pylint: disable=g-import-not-at-top
  extractor = RunSplitClassifier(config, ds)
  identity = extractor.identity
  return extractor, {'filter_classifier': 'run_split', 'classifier': identity, 'classifier_split': identity['split'],
                     'classifier_train_counts': identity['train_class_counts']}


@FILTER_CLASSIFIERS.register('evaluation')
def _evaluation_classifier(config, ds, workdir):
  """The evaluation classifier: it learned the full, balanced train split of the data identity."""
  from gan_jax.metrics.extractors import ClassifierExtractor  # pylint: disable=g-import-not-at-top
  extractor = ClassifierExtractor(config, ds, workdir)
  identity = extractor.identity
  return extractor, {'filter_classifier': 'evaluation', 'classifier': identity,
                     'classifier_split': 'the full, clean, real train split of the data identity (not the run\'s)',
                     'classifier_train_counts': identity['train_class_counts']}


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
  if not isinstance(syn.replace, bool):
    raise ConfigError(f'synthesize.replace={syn.replace!r} must be True or False')
  FILTER_CLASSIFIERS.check(syn.filter_classifier)


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


def check_request(config, workdir: str, which: str) -> Dict:
  """ConfigError (one line) before anything is restored: unconditional config or no checkpoint. Returns the
  checkpoint's meta (read-only: a training run in the same workdir is not disturbed)."""
  from gan_jax.core import checkpointing  # pylint: disable=g-import-not-at-top
  if config.model.get('conditional', 'none') == 'none':
    raise ConfigError('--mode=synthesize needs a conditional generator: model.conditional is \'none\' '
                      '(allowed: projection, acgan; see configs/cgan_digits.py)')
  if config.data.standardize:
    raise ConfigError('--mode=synthesize writes [0, 255] images: data.standardize=True is not supported')
  directory = checkpointing.checkpoint_dir(workdir, which == 'best')
  if not os.path.isdir(directory):
    raise ConfigError(f'--workdir={workdir} has no {which} checkpoint in {directory}; train first (--mode=train)')
  store = checkpointing.CheckpointStore(directory, 1, read_only=True)
  try:
    step = store.latest_step()
    if step is None:
      raise ConfigError(f'--workdir={workdir} has no {which} checkpoint in {store.directory}; train first '
                        '(--mode=train)')
    meta = store.read_meta(step)
    if not meta.get('num_classes', 0):
      raise ConfigError(f'--workdir={workdir}: checkpoint step {step} holds an unconditional generator; '
                        '--mode=synthesize needs a conditional one (model.conditional=projection|acgan)')
  finally:
    store.close()
  return meta


def output_dir(config, workdir: str) -> str:
  """The absolute synthesize output folder: synthesize.out_dir, or DIR/synthetic."""
  return os.path.abspath(config.synthesize.out_dir or os.path.join(workdir, 'synthetic'))


def _within(path: str, folder: str) -> bool:
  return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def read_manifest(folder: str) -> Optional[Dict]:
  """folder/manifest.json of a finished synthesize output, or None (missing, unreadable, not ours)."""
  try:
    with open(os.path.join(folder, MANIFEST)) as f:
      manifest = json.load(f)
  except (OSError, ValueError):
    return None
  ok = isinstance(manifest, dict) and manifest.get('format') == MANIFEST_FORMAT and 'config_sha256' in manifest
  return manifest if ok and isinstance(manifest.get('class_names'), list) else None


def foreign_entry(folder: str, manifest: Dict) -> Optional[str]:
  """The first path in a synthesize output folder that synthesize did not write (None: all of it is ours)."""
  names = {str(n) for n in manifest['class_names']}
  for entry in sorted(os.listdir(folder)):
    path = os.path.join(folder, entry)
    if entry == MANIFEST:
      continue
    if entry not in names or os.path.islink(path) or not os.path.isdir(path):
      return path
    for file in sorted(os.listdir(path)):
      inner = os.path.join(path, file)
      if not (file.endswith('.png') and os.path.isfile(inner) and not os.path.islink(inner)):
        return inner
  return None


def _nearest_existing(path: str) -> str:
  while not os.path.lexists(path):
    path = os.path.dirname(path)
  return path


def check_output_dir(out_dir: str, workdir: str, replace: bool) -> None:
  """ConfigError (one line) unless synthesize may write `out_dir` (see the module docstring). Writes nothing
  but a probe file in the folder that will hold the output, removed at once."""
  key = f'synthesize.out_dir={out_dir}'
  workdir = os.path.abspath(workdir)
  if _within(workdir, out_dir):
    raise ConfigError(f'{key} is the workdir or a folder above it: synthesize never writes over a run\'s '
                      'checkpoints and logs; choose a new folder (default: <workdir>/synthetic)')
  if _within(out_dir, workdir):   # inside the workdir: only a new folder, or a previous synthesize output
    top = os.path.join(workdir, os.path.relpath(out_dir, workdir).split(os.sep)[0])
    if os.path.lexists(top) and read_manifest(top) is None:
      raise ConfigError(f'{key} is inside {top}, which belongs to the training run, not to synthesize; choose a '
                        'new folder (default: <workdir>/synthetic)')
  existing = _nearest_existing(out_dir)
  if existing == out_dir:
    if not os.path.isdir(out_dir) or os.path.islink(out_dir):
      raise ConfigError(f'{key} is {"a link" if os.path.islink(out_dir) else "a file"}, not a folder; choose a '
                        'new folder')
    if os.listdir(out_dir):
      manifest = read_manifest(out_dir)
      if manifest is None:
        raise ConfigError(f'{key} exists and is not empty, and is not a synthesize output (no {MANIFEST}); '
                          'gan_jax never deletes what it did not write: choose a new or empty folder')
      if not replace:
        raise ConfigError(f'{key} already holds a synthesize output (step {manifest.get("checkpoint_step")}); '
                          'choose a new folder, or set synthesize.replace=True to replace it')
      stray = foreign_entry(out_dir, manifest)
      if stray is not None:
        raise ConfigError(f'{key}: synthesize.replace=True, but {stray} was not written by synthesize; move it '
                          'away or choose a new folder (gan_jax never deletes what it did not write)')
  elif not os.path.isdir(existing):
    raise ConfigError(f'{key} is under {existing}, which is a file, not a folder; choose another folder')
  _probe_writable(os.path.dirname(out_dir) if existing == out_dir else existing, key)


def _probe_writable(folder: str, key: str) -> None:
  try:
    probe = tempfile.mkdtemp(dir=folder, prefix='.synthesize-write-test-')
    os.rmdir(probe)
  except OSError as e:
    raise ConfigError(f'{key} cannot be written ({e.strerror}: {folder}); choose a folder you can write to') from None


def check_disk(out_dir: str, num_files: int, bytes_per_file: float, key: str = '--num_per_class') -> None:
  """ConfigError (one line) when num_files files of bytes_per_file (each at least one inode) cannot fit on the
  file system that holds out_dir."""
  stats = os.statvfs(_nearest_existing(out_dir))
  free_bytes = stats.f_bavail * stats.f_frsize
  need = num_files * bytes_per_file
  if need > free_bytes:
    raise ConfigError(f'{key}: {num_files:,} images need at least {need / 2**30:,.1f} GiB, but '
                      f'{free_bytes / 2**30:,.1f} GiB are free where {out_dir} would be; ask for fewer')
  if stats.f_files and num_files > stats.f_favail:   # f_files == 0: the file system has no inode limit
    raise ConfigError(f'{key}: {num_files:,} images need as many files, but the file system of {out_dir} has '
                      f'{stats.f_favail:,} free inodes; ask for fewer')


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


def block_seed(seed: int, label: int, block: int) -> int:
  """The sampler seed of block `block` of class `label`: independent streams, the same for the same seed."""
  return int(np.random.SeedSequence([seed, label, block]).generate_state(1)[0] >> 1)   # fits int32


class ConfidenceFilter:
  """sample_block(label, block, n) -> uint8 [n, ...] of images whose confidence is >= min_confidence.

  draw(label, index, n) -> uint8 [n, ...] is the unfiltered sampler (index: the class's draw number, its seed);
  confidence(images uint8 [n, ...], label) -> float [n]. A class's kept images are returned in draw order;
  at most max_draws * counts[label] images are drawn for it, else ConfigError. stats() -> the manifest's
  per-class record. Calls must come class by class, as write_folder makes them (every process the same).
  """

  def __init__(self, draw, confidence, min_confidence: float, counts: np.ndarray, max_draws: int,
               names: Optional[List[str]] = None):
    self.draw, self.confidence, self.min_confidence = draw, confidence, float(min_confidence)
    self.counts, self.max_draws = np.asarray(counts, np.int64), int(max_draws)
    k = len(self.counts)
    self.drawn, self.passed, self.written = np.zeros(k, np.int64), np.zeros(k, np.int64), np.zeros(k, np.int64)
    self._draws = np.zeros(k, np.int64)
    self._pending = {}
    self.names = names or [str(c) for c in range(k)]

  def __call__(self, label: int, block: int, n: int) -> np.ndarray:
    del block
    cap = self.max_draws * int(self.counts[label])
    pending = self._pending.get(label)
    while pending is None or len(pending) < n:
      have = 0 if pending is None else len(pending)
      if self.drawn[label] >= cap:
        raise ConfigError(
            f'synthesize.min_confidence={self.min_confidence:g}: class {self.names[label]} kept '
            f'{self.written[label] + have} of the {self.counts[label]} requested images after drawing '
            f'{self.drawn[label]} (synthesize.max_draws={self.max_draws} times the request); lower '
            'synthesize.min_confidence or raise synthesize.max_draws')
      rate = self.passed[label] / self.drawn[label] if self.drawn[label] else 1.0
      size = int(min(BLOCK, cap - self.drawn[label], np.ceil((n - have) / max(rate, 1.0 / BLOCK))))
      images = self.draw(label, int(self._draws[label]), size)
      self._draws[label] += 1
      keep = np.asarray(self.confidence(images, label)) >= self.min_confidence
      self.drawn[label] += size
      self.passed[label] += int(keep.sum())
      pending = images[keep] if pending is None else np.concatenate([pending, images[keep]])
    self._pending[label] = pending[n:]
    self.written[label] += n
    return pending[:n]

  def stats(self) -> Dict:
    per_class = lambda values: {name: int(v) for name, v in zip(self.names, values)}
    return {'min_confidence': self.min_confidence, 'max_draws': self.max_draws, 'drawn': per_class(self.drawn),
            'kept': per_class(self.written), 'dropped': per_class(self.drawn - self.passed),
            'surplus': per_class(self.passed - self.written)}


def classifier_confidence(extractor):
  """confidence(images uint8 [n, H, W, C], label) -> float [n]: softmax probability of `label` under the
  extractor's logits (stacked datasets: the joint probability), on the images as the data stage reads them."""
  def confidence(images: np.ndarray, label: int) -> np.ndarray:
    logits = np.asarray(extractor(np.asarray(images, np.float32) / 127.5 - 1.0)['logits'], np.float64)
    logits -= logits.max(axis=1, keepdims=True)
    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    return probs[:, label]
  return confidence


class _StopOnSignal:
  """SIGTERM/SIGINT mark the writer for stopping after the current block; `check` raises RunStopped then."""

  def __enter__(self):
    self.received = None
    self._previous = {sig: signal.signal(sig, self._handle) for sig in (signal.SIGTERM, signal.SIGINT)}
    return self

  def _handle(self, signum, frame):
    del frame
    self.received = signum

  def check(self, out_dir: str) -> None:
    if self.received is not None:
      raise RunStopped(f'stopped by {signal.Signals(self.received).name}: the half-written synthesize output was '
                       f'removed; {out_dir} is as it was', 128 + self.received)

  def __exit__(self, *exc):
    for sig, handler in self._previous.items():
      signal.signal(sig, handler)


def _save_png(pixels: np.ndarray, path: str) -> None:
  mode = _PIL_MODES[pixels.shape[-1]]
  Image.fromarray(pixels[..., 0] if mode == 'L' else pixels, mode).save(path)


def _used_bytes(folder: str) -> int:
  return sum(os.lstat(os.path.join(root, f)).st_blocks * 512 for root, _, files in os.walk(folder) for f in files)


def write_folder(out_dir: str, sample_block, counts: np.ndarray, names: List[str], manifest: Dict,
                 replace: bool = False) -> None:
  """out_dir/<class name>/<k>.png for counts[c] images of each class c, and out_dir/manifest.json.

  sample_block(label, block, n) -> uint8 [n, H, W, C]; manifest: a dict, or a function returning it, called
  once every image is written (a filter's counts are known then). Written in a hidden folder beside out_dir and renamed
  into place at the end (a previous output is swapped out, then removed, only when `replace`); the hidden
  folder is removed on any failure or signal. check_output_dir must have accepted out_dir.
  """
  parent = os.path.dirname(out_dir)
  os.makedirs(parent, exist_ok=True)
  tmp = tempfile.mkdtemp(dir=parent, prefix='.synthetic-')
  total, written = int(counts.sum()), 0
  try:
    with _StopOnSignal() as stop:
      for label, (name, count) in enumerate(zip(names, counts)):
        os.makedirs(os.path.join(tmp, name))
        for block, start in enumerate(range(0, int(count), BLOCK)):
          images = sample_block(label, block, min(BLOCK, int(count) - start))
          for k, pixels in enumerate(images, start):
            _save_png(pixels, os.path.join(tmp, name, f'{k:06d}.png'))
          written += len(images)
          stop.check(out_dir)
          if written == len(images) and written < total:   # the first block tells the real size per file
            check_disk(out_dir, total - written, _used_bytes(tmp) / written)
      with open(os.path.join(tmp, MANIFEST), 'w') as f:
        json.dump(manifest() if callable(manifest) else manifest, f, indent=1)
      _move_into_place(tmp, out_dir, replace)
  finally:
    shutil.rmtree(tmp, ignore_errors=True)


def _move_into_place(tmp: str, out_dir: str, replace: bool) -> None:
  if os.path.isdir(out_dir) and os.listdir(out_dir):
    if not replace:   # appeared since check_output_dir
      raise ConfigError(f'synthesize.out_dir={out_dir} was filled while synthesizing; the new output is not kept')
    old = tempfile.mkdtemp(dir=os.path.dirname(out_dir), prefix='.synthetic-replaced-')
    os.replace(out_dir, os.path.join(old, 'previous'))
    os.rename(tmp, out_dir)
    shutil.rmtree(old)   # only a checked synthesize output (check_output_dir) reaches here
  else:
    if os.path.isdir(out_dir):
      os.rmdir(out_dir)   # empty
    os.rename(tmp, out_dir)


def synthesize(config, workdir: str, num_per_class: int = 0, balance_to: str = '', which: str = 'latest') -> Dict:
  """Writes the synthetic image folder (see the module docstring); returns its manifest (with 'out_dir')."""
  from gan_jax.core import parallel  # pylint: disable=g-import-not-at-top
  from gan_jax.data import prepare_dataset  # pylint: disable=g-import-not-at-top
  from gan_jax.data.synthetic_mix import class_names  # pylint: disable=g-import-not-at-top
  from gan_jax.outputs import sampling  # pylint: disable=g-import-not-at-top
  if which not in ('latest', 'best'):
    raise ConfigError(f'--checkpoint={which!r} is not allowed; allowed: best, latest')
  requested_counts(np.zeros(1), num_per_class, balance_to)   # flag errors first
  syn = config.synthesize
  out_dir = output_dir(config, workdir)
  check_output_dir(out_dir, workdir, syn.replace)
  meta = check_request(config, workdir, which)
  if num_per_class > 0:   # known before the data is prepared: refuse what cannot fit at once
    check_disk(out_dir, num_per_class * int(meta['num_classes']), _MIN_PNG_BYTES)
  ds = prepare_dataset(config)   # the class names and the real train counts (the long tail, if configured)
  real = np.array([ds.report['class_counts']['train'].get(str(c), 0) for c in range(ds.num_classes)], np.int64)
  counts = requested_counts(real, num_per_class, balance_to)
  check_disk(out_dir, int(counts.sum()), _MIN_PNG_BYTES)
  sample_fn, step, meta = sampling.load_sampler(config, workdir, which, truncation=syn.truncation,
                                                temperature=syn.temperature)
  if meta['num_classes'] != ds.num_classes or tuple(meta['example_shape']) != tuple(ds.example_shape):
    raise ConfigError(f'--workdir={workdir}: the checkpoint ({meta["num_classes"]} classes, shape '
                      f'{tuple(meta["example_shape"])}) does not fit data.name={ds.name!r} '
                      f'({ds.num_classes} classes, shape {tuple(ds.example_shape)})')
  names = class_names(ds.report)
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
      'block_size': BLOCK, 'eval_scores': eval_scores(workdir, int(step)),
  }

  def sample_block(label: int, block: int, n: int) -> np.ndarray:   # collective: every process samples
    return to_uint8(sample_fn(n, block_seed(config.seed, label, block), np.full(n, label, np.int32)))

  manifest['filter'] = None
  if syn.min_confidence > 0:
    extractor, record = FILTER_CLASSIFIERS.get(syn.filter_classifier)(config, ds, workdir)
    sample_block = ConfidenceFilter(sample_block, classifier_confidence(extractor), syn.min_confidence, counts,
                                    syn.max_draws, names)
    manifest['filter'] = record

  if not parallel.is_writer():   # the other processes take part in every block's sampling, and write nothing
    for label, count in enumerate(counts):
      for block, start in enumerate(range(0, int(count), BLOCK)):
        sample_block(label, block, min(BLOCK, int(count) - start))
  else:
    write_folder(out_dir, sample_block, counts, names, lambda: _with_filter(manifest, sample_block),
                 syn.replace)
    print(f'wrote {int(counts.sum())} images ({", ".join(f"{n}:{c}" for n, c in zip(names, counts))}) from '
          f'{which} checkpoint step {step} to {out_dir}')
    if isinstance(sample_block, ConfidenceFilter):
      print(f'filter: {int(sample_block.written.sum())} kept of {int(sample_block.drawn.sum())} drawn, '
            f'{int((sample_block.drawn - sample_block.passed).sum())} below min_confidence={syn.min_confidence:g}')
  return {**_with_filter(manifest, sample_block), 'out_dir': out_dir}


def _with_filter(manifest: Dict, sample_block) -> Dict:
  """The manifest with the filter's per-class counts (once every image is drawn)."""
  if not isinstance(sample_block, ConfidenceFilter):
    return manifest
  return {**manifest, 'filter': {**sample_block.stats(), **manifest['filter']}}
