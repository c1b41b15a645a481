"""Peak memory (and time) of preparing an image_folder of large photos.

  python benchmarks/data_photo_memory.py --photos 300 [--width 4000 --height 3000] [--image-size 64]
                                         [--dir /tmp/gan_jax_photos] [--json out.json]

Writes --photos JPEGs of --width x --height (random 8x6 mosaics with fine grain, every 4th one a portrait
photo stored sideways with an EXIF orientation tag) into --dir once, then prepares them in a fresh
subprocess (data.cache=False, so nothing is read back) and prints one JSON line: the child's resident
memory before preparing, its peak (ru_maxrss), their difference (`extra_mb`: what preparing cost) and the
preparation time. tests/data/test_photo_memory.py runs it on 40 photos.
"""

import argparse
import json
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_ORIENTATION = 0x0112


def write_photos(directory: str, count: int, width: int, height: int, seed: int = 0) -> list:
  """count distinct JPEG photos (quality 85) under directory/; existing files are kept. Returns the paths."""
  import numpy as np  # pylint: disable=g-import-not-at-top
  from PIL import Image, ImageChops  # pylint: disable=g-import-not-at-top
  os.makedirs(directory, exist_ok=True)
  rng = np.random.default_rng(seed)
  grain = Image.fromarray(rng.integers(0, 40, (height, width, 3), dtype=np.uint8), 'RGB')   # fine texture, shared
  paths = []
  for k in range(count):
    path = os.path.join(directory, f'photo_{k:04d}.jpg')
    paths.append(path)
    coarse = rng.integers(0, 216, (6, 8, 3), dtype=np.uint8)
    if os.path.exists(path):
      continue
    scene = Image.fromarray(coarse, 'RGB').resize((width, height), Image.NEAREST)   # a mosaic: cheap to make
    photo = ImageChops.add(scene, grain)
    exif = Image.Exif()
    if k % 4 == 3:
      exif[_ORIENTATION] = 6   # a portrait phone photo: pixels stored landscape, shown rotated 90 degrees
    tmp = path + '.tmp'
    photo.save(tmp, 'JPEG', quality=85, exif=exif)
    os.replace(tmp, path)
  return paths


_CHILD = r'''
import json, os, resource, sys, time
sys.path.insert(0, {root!r})
os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')
from configs.default import get_config
from gan_jax.data import prepare_dataset

def rss_mb():
  with open('/proc/self/status') as f:
    return next(int(l.split()[1]) for l in f if l.startswith('VmRSS')) / 1024

config = get_config()
config.data.update({{'name': 'image_folder', 'path': {path!r}, 'channels': 3, 'image_size': {size},
                     'cache': False, 'data_dir': {data_dir!r}}})
import tensorflow as tf  # warm TF up so that its one-off allocations are not counted as preparation
tf.image.resize(tf.zeros((1, 8, 8, 3)), (4, 4)).numpy()
before, start = rss_mb(), time.perf_counter()
ds = prepare_dataset(config)
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({{'rss_before_mb': round(before, 1), 'peak_mb': round(peak, 1), 'extra_mb': round(peak - before, 1),
                  'seconds': round(seconds, 1), 'kept': sum(ds.report['kept'].values()),
                  'converted': ds.report['counts_converted'], 'dropped': ds.report['counts_by_reason']}}))
'''


def measure(path: str, image_size: int, data_dir: str) -> dict:
  """Prepares the folder in a fresh Python process and returns its memory/time figures."""
  code = _CHILD.format(root=ROOT, path=path, size=image_size, data_dir=data_dir)
  completed = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, cwd=ROOT, check=False)
  if completed.returncode != 0:
    raise RuntimeError(f'preparation failed:\n{completed.stderr[-3000:]}')
  return json.loads(completed.stdout.strip().splitlines()[-1])


def main() -> None:
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument('--photos', type=int, default=300)
  parser.add_argument('--width', type=int, default=4000)
  parser.add_argument('--height', type=int, default=3000)
  parser.add_argument('--image-size', type=int, default=64)
  parser.add_argument('--dir', default='/tmp/gan_jax_photos')
  parser.add_argument('--json', default='')
  args = parser.parse_args()
  folder = os.path.join(args.dir, f'{args.width}x{args.height}')
  start = time.perf_counter()
  paths = write_photos(folder, args.photos, args.width, args.height)
  # Only the first --photos files: the folder may hold more from an earlier, larger run.
  subset = os.path.join(args.dir, f'{args.width}x{args.height}-{args.photos}')
  if not os.path.isdir(subset):
    os.makedirs(subset + '.tmp', exist_ok=True)
    for p in paths:
      link = os.path.join(subset + '.tmp', os.path.basename(p))
      if not os.path.lexists(link):
        os.symlink(p, link)
    os.replace(subset + '.tmp', subset)
  generated = time.perf_counter() - start
  result = {'photos': args.photos, 'width': args.width, 'height': args.height, 'image_size': args.image_size,
            'generate_seconds': round(generated, 1),
            **measure(subset, args.image_size, os.path.join(args.dir, 'data_dir'))}
  print(json.dumps(result))
  if args.json:
    with open(args.json, 'w') as f:
      json.dump(result, f, indent=1)


if __name__ == '__main__':
  main()
