"""What a faithful translation scores on digits <-> MNIST (issue 23): each domain's digits drawn by the other
domain's own recipe, with no learning, and judged as the CycleGAN's translations are.

  python benchmarks/cyclegan_ceiling.py --data_dir=runs/i20/cache   # -> benchmarks/results/cyclegan_ceiling.{json,md}

The recipes (one image in, one image out; the writer's strokes are kept, only the rendering changes):
  b2a, MNIST -> scikit-learn's digits (UCI optdigits' recipe): ink (> half) cropped to its box, scaled to 32 rows
      and its own aspect (at most 24 columns: scikit-learn's digits keep to columns 1..6, measured: ink in 0.4% of
      column 0 and 7, 22% / 30% of columns 1 / 6), centred in 32x32, counted in 4x4 blocks (0..16).
  a2b, scikit-learn's digits -> MNIST (MNIST's recipe): the 8x8 image scaled to 20x20 (its digits fill the frame
      and MNIST's fit a 20x20 box), centred by its centre of mass in 28x28.
Two instruments score them, as they score translations:
  svc_*          the SVC judges of benchmarks/svc_judges.py (no gan_jax: raw pixels read from their files) on their
                 held-out digits of the source domain, rendered: what cyclegan_judge.py reports for translations.
  metric_*       label_preservation's own instruments: each domain's gan_jax evaluation classifier (trained on its
                 real data, cached) on the test split's eval.num_samples source images, rendered and then prepared
                 as the target domain is (configs/cyclegan_digits_mnist5k.py:cpu: data.frame_fraction, size 32).
  untranslated_* those classifiers on the source images as prepared, not translated at all (for comparison).
Both are deterministic (the judges' splits are fixed; the classifiers are the cached ones): one number each.
"""

import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, 'benchmarks'))

import numpy as np  # noqa: E402
from absl import app, flags  # noqa: E402
from PIL import Image  # noqa: E402
from scipy import ndimage  # noqa: E402
from config_files import load_config  # noqa: E402
from svc_judges import digits_judge, mnist5k_judge, raw_mnist5k  # noqa: E402

flags.DEFINE_string('data_dir', '', "config.data.data_dir for the metric's classifiers ('': the default).")
flags.DEFINE_string('results', os.path.join(ROOT, 'benchmarks', 'results', 'cyclegan_ceiling'),
                    'Results prefix: <results>.json and <results>.md.')
FLAGS = flags.FLAGS

CONFIG = 'cyclegan_digits_mnist5k.py:cpu'
DIGIT_COLUMNS = 24   # of 32: the widest scikit-learn digit keeps to columns 1..6 of 8


def optdigits_8x8(image) -> np.ndarray:
  """float [H, W] in 0..1, one MNIST digit -> int [8, 8] counts 0..16 (UCI optdigits' recipe, the docstring)."""
  ink = np.asarray(image) > 0.5
  if not ink.any():
    return np.zeros((8, 8), np.int64)
  rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
  box = ink[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]
  width = max(1, min(DIGIT_COLUMNS, round(box.shape[1] * 32.0 / box.shape[0])))
  scaled = np.asarray(Image.fromarray(box.astype(np.uint8) * 255).resize((width, 32), Image.BILINEAR)) > 127
  canvas = np.zeros((32, 32), bool)
  left = (32 - width) // 2
  canvas[:, left:left + width] = scaled
  return canvas.reshape(8, 4, 8, 4).sum(axis=(1, 3))


def mnist_28x28(image) -> np.ndarray:
  """float [8, 8] in 0..1, one scikit-learn digit -> float [28, 28] in 0..1 (MNIST's recipe, the docstring)."""
  scaled = np.asarray(Image.fromarray(np.asarray(image, np.float32), mode='F').resize((20, 20), Image.BILINEAR))
  scaled = np.clip(scaled, 0.0, 1.0)
  canvas = np.zeros((28, 28), np.float32)
  canvas[4:24, 4:24] = scaled
  if scaled.sum() > 0:
    cy, cx = ndimage.center_of_mass(canvas)
    canvas = ndimage.shift(canvas, (round(13.5 - cy), round(13.5 - cx)), order=0)
  return canvas


def svc_ceilings() -> dict:
  """The SVC judges on the other domain's held-out digits, rendered (no gan_jax)."""
  digits_svc, digits_own, digits_held, digits_labels = digits_judge()
  mnist_svc, mnist_own, _, _ = mnist5k_judge()
  pixels, labels, held = raw_mnist5k()
  as_digits = np.stack([optdigits_8x8(p.reshape(28, 28)) for p in pixels[held]]).reshape(-1, 64)
  as_mnist = np.stack([mnist_28x28((d[..., 0] + 1.0) / 2.0) for d in digits_held]).reshape(-1, 784)
  return {'svc_b2a': float(digits_svc.score(as_digits, labels[held])),
          'svc_a2b': float(mnist_svc.score(as_mnist, digits_labels)),
          'svc_own_a': float(digits_own), 'svc_own_b': float(mnist_own)}


def metric_ceilings() -> dict:
  """label_preservation's classifiers on the test split's source images, rendered and prepared as the target."""
  from gan_jax.data import prepare_dataset, preprocess, two_domain  # pylint: disable=g-import-not-at-top
  from gan_jax.data import cleaning  # pylint: disable=g-import-not-at-top
  from gan_jax.metrics import translation  # pylint: disable=g-import-not-at-top
  config = load_config(CONFIG)
  if FLAGS.data_dir:
    config.data.data_dir = FLAGS.data_dir
  ds = prepare_dataset(config, None, 0, 1)
  ctx = translation.Context(config, ds, 'test', lambda direction, x: x)   # 'translated' = the source as prepared

  def prepared(pixels, target):   # uint8 [N, h, w, 1] -> the target domain's model input
    fitted = cleaning.fit_images(pixels, two_domain.domain_config(config, target).data)
    return np.asarray(preprocess.finish(preprocess.to_unit_range(fitted), ds.domain(target).standardize_stats),
                      np.float32)

  out = {}
  for direction, source, target in translation.DIRECTIONS:
    images = (ctx.arrays(source)['image'][..., 0] + 1.0) / 2.0   # the source domain as prepared, in 0..1
    if direction == 'b2a':   # MNIST (the whole frame) -> 8x8 counts -> 0..255 as scikit-learn's digits are stored
      rendered = np.stack([np.round(optdigits_8x8(x) * 255.0 / 16.0) for x in images])
    else:   # the framed digit's central box back to its 8x8, then MNIST's recipe
      crops = cleaning.framed_box(images, config.data.frame_fraction)
      small = [np.asarray(Image.fromarray(x, mode='F').resize((8, 8), Image.BOX)) for x in crops]
      rendered = np.stack([np.round(mnist_28x28(x) * 255.0) for x in small])
    said = ctx.classifier(target)(prepared(rendered.astype(np.uint8)[..., None], target))['labels']
    out[f'metric_{direction}'] = float(np.mean(said == ctx.arrays(source)['label']))
  kept = translation.TRANSLATION_METRICS.get('label_preservation').fn(ctx)
  out.update({f'untranslated_{d}': kept[f'label_preservation_{d}'] for d, _, _ in translation.DIRECTIONS})
  return out


def main(argv):
  del argv
  results = {'command': 'python benchmarks/cyclegan_ceiling.py' + (f' --data_dir={FLAGS.data_dir}'
                                                                   if FLAGS.data_dir else ''),
             'config': CONFIG, **svc_ceilings(), **metric_ceilings()}
  print(json.dumps(results, indent=1))
  with open(FLAGS.results + '.json', 'w') as f:
    json.dump(results, f, indent=1)
  with open(FLAGS.results + '.md', 'w') as f:
    f.write('| faithful rendering, no learning | a2b (digits -> MNIST) | b2a (MNIST -> digits) |\n| --- | --- | --- |\n'
            f"| SVC judge (held-out source digits) | {results['svc_a2b']:.3f} | {results['svc_b2a']:.3f} |\n"
            f"| label_preservation's classifiers (test, {CONFIG}) | {results['metric_a2b']:.3f} | "
            f"{results['metric_b2a']:.3f} |\n"
            f"| the same classifiers on the untranslated source (as prepared) | {results['untranslated_a2b']:.3f} | "
            f"{results['untranslated_b2a']:.3f} |\n\n"
            f"The judges on their own held-out digits: a {results['svc_own_a']:.3f}, b {results['svc_own_b']:.3f}.\n\n"
            f"    {results['command']}\n")


if __name__ == '__main__':
  app.run(main)
