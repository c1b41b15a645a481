"""--mode=translate: a translation family's checkpoint applied to a folder of images or a split of its source domain.

  manifest = translate(config, workdir, direction='a2b', source='FOLDER' | 'train' | 'val' | 'test',
                       output='OUT', which='latest')
     # OUT/<k>_<stem>.png: one translated PNG per input, in input order (k zero-padded)
     # OUT/manifest.json: {'direction', 'checkpoint_step', 'input', 'images': [{'source', 'output'}, ...], ...}
     # OUT/grid.png: rows x, G(x), F(G(x)) of the first GRID_COLUMNS inputs

Folder inputs are decoded as the data stage decodes image_folder files (EXIF orientation, converted to
data.channels) and resized and framed as the source domain's data stage does (cleaning.fit_images: data.image_size,
resize_method, antialias, and that domain's frame_fraction), so the generator sees what training showed it; a file
that cannot be read as an image is refused by name. A split input is the source domain's prepared split (its ids
are the manifest's sources). OUT must be new or an empty folder and not the workdir (gan_jax never writes over what
it did not write); it is written in a temporary folder beside it and renamed into place, so an interrupted run
leaves no half output.
"""

import json
import os
import shutil
import tempfile
from typing import Dict, List, Tuple

import numpy as np

from gan_jax.core import parallel
from gan_jax.core.errors import ConfigError, DataError
from gan_jax.data.records import SPLITS
from gan_jax.data.two_domain import domain_config
from gan_jax.logs import pictures

MANIFEST = 'manifest.json'
MANIFEST_FORMAT = 1
GRID_COLUMNS = 8
IMAGE_SUFFIXES = ('.png', '.jpg', '.jpeg', '.bmp', '.gif', '.webp', '.tif', '.tiff')
SOURCE_DOMAIN = {'a2b': 'a', 'b2a': 'b'}
BACK = {'a2b': 'b2a', 'b2a': 'a2b'}


def check_request(direction: str, source: str, output: str, workdir: str) -> None:
  """ConfigError (one line) for a direction, input or output translate cannot use; reads no checkpoint."""
  if direction not in SOURCE_DOMAIN:
    raise ConfigError(f'--direction={direction!r} is not allowed; allowed: {", ".join(SOURCE_DOMAIN)}')
  if not source:
    raise ConfigError(f'--input is empty; allowed: a folder of images or a split ({", ".join(SPLITS)})')
  if source not in SPLITS and not os.path.isdir(source):
    raise ConfigError(f'--input={source}: no such folder; allowed: a folder of images or a split '
                      f'({", ".join(SPLITS)})')
  if not output:
    raise ConfigError('--output is empty: name a new (or empty) folder for the translated images')
  out, work = os.path.abspath(output), os.path.abspath(workdir)
  if out == work or work.startswith(out + os.sep):
    raise ConfigError(f'--output={output} is the workdir or a folder above it; choose a new folder')
  if os.path.lexists(out) and (not os.path.isdir(out) or os.path.islink(out) or os.listdir(out)):
    raise ConfigError(f'--output={output} exists and is not an empty folder; gan_jax never writes over what it '
                      'did not write: choose a new or empty folder')


def read_folder(folder: str, data) -> Tuple[np.ndarray, List[str]]:
  """(float32 [N, S, S, C] in [-1, 1], the files' paths relative to folder) of every image file in it,
  sorted by path, decoded, resized and framed as the data stage does with `data` (the source domain's data.*)."""
  from gan_jax.data import decode  # pylint: disable=g-import-not-at-top  (TensorFlow: when it runs)
  from gan_jax.data.cleaning import fit_images  # pylint: disable=g-import-not-at-top
  from gan_jax.data.records import Fault  # pylint: disable=g-import-not-at-top
  names = sorted(os.path.relpath(os.path.join(root, f), folder) for root, _, files in os.walk(folder)
                 for f in files if f.lower().endswith(IMAGE_SUFFIXES))
  if not names:
    raise DataError(f'--input={folder} holds no image files ({", ".join(IMAGE_SUFFIXES)})')
  images = []
  for name in names:
    try:
      pixels = decode.decode_file(os.path.join(folder, name), data.channels, 'convert',
                                  reduce_to=decode.working_side(data.image_size)).pixels
    except Fault as fault:
      raise DataError(f'--input: {name} cannot be translated ({fault})') from None
    images.append(fit_images(pixels[None], data)[0])
  return np.stack(images).astype(np.float32) / 127.5 - 1.0, names


def _inputs(trainer, source: str, direction: str, config) -> Tuple[np.ndarray, List[str]]:
  if source in SPLITS:
    domain = trainer.dataset().domain(SOURCE_DOMAIN[direction])
    return domain.split_arrays(source)['image'], [str(s) for s in domain.split_sources(source)]
  return read_folder(source, domain_config(config, SOURCE_DOMAIN[direction]).data)


def _png_name(index: int, count: int, source: str) -> str:
  stem = os.path.splitext(os.path.basename(source))[0] or 'image'
  stem = ''.join(c if c.isalnum() or c in '-_.' else '_' for c in stem)
  return f'{index:0{len(str(max(count - 1, 1)))}d}_{stem}.png'


def translate(config, workdir: str, direction: str, source: str, output: str, which: str = 'latest') -> Dict:
  """Writes the translations of `source` (a folder or a split) to `output` (see the module docstring) from the
  latest (or best) checkpoint of workdir; returns the manifest. ConfigError for a model that does not
  translate."""
  from gan_jax.outputs.sampling import restore_checkpoint  # pylint: disable=g-import-not-at-top
  check_request(direction, source, output, workdir)
  trainer, state, step, _ = restore_checkpoint(config, workdir, which)
  if trainer.sample_kind != 'translation':
    raise ConfigError(f'--mode=translate: model.name={config.model.name} does not translate images (its samples '
                      f'are {trainer.sample_kind}); use --mode=sample')
  x, sources = _inputs(trainer, source, direction, config)
  y = trainer.translate_fn(state, direction)(x)
  back = trainer.translate_fn(state, BACK[direction])(y[:GRID_COLUMNS])
  names = [_png_name(i, len(sources), s) for i, s in enumerate(sources)]
  manifest = {'format': MANIFEST_FORMAT, 'direction': direction, 'checkpoint_step': int(step),
              'checkpoint': which, 'workdir': os.path.abspath(workdir), 'input': source,
              'image_shape': list(y.shape[1:]), 'images': [{'source': s, 'output': n} for s, n in zip(sources, names)]}
  if parallel.is_writer():
    _write(os.path.abspath(output), y, names, manifest,
           pictures.image_grid(np.concatenate([x[:GRID_COLUMNS], y[:GRID_COLUMNS], back]), cols=len(back)))
    print(f'translated {len(names)} images ({direction}, checkpoint step {step}) to {output}')
  return manifest


def _write(out: str, y: np.ndarray, names: List[str], manifest: Dict, grid: np.ndarray) -> None:
  parent = os.path.dirname(out)
  os.makedirs(parent, exist_ok=True)
  tmp = tempfile.mkdtemp(prefix=f'.{os.path.basename(out)}.tmp', dir=parent)
  try:
    pixels = np.clip(np.round((y + 1.0) * 127.5), 0, 255).astype(np.uint8)
    for image, name in zip(pixels, names):
      pictures.save_png(os.path.join(tmp, name), image)
    pictures.save_png(os.path.join(tmp, 'grid.png'), grid)
    with open(os.path.join(tmp, MANIFEST), 'w') as f:
      json.dump(manifest, f, indent=1)
    if os.path.isdir(out):
      os.rmdir(out)   # empty (check_request): replaced by the finished folder
    os.replace(tmp, out)
  except BaseException:
    shutil.rmtree(tmp, ignore_errors=True)
    raise
