"""Label-preserving augmentations of image batches in [-1, 1], with tf stateless randomness.

Each op is a pure function (images [b, H, W, C] float32 in [-1, 1], uniforms [b, k] in [0, 1)) ->
images in [-1, 1]. `augment_batch` draws the uniforms from (config.seed, op, step) for the whole global
batch and keeps this process's rows, so an example's augmentation depends on (seed, step, its row) only:
the same eagerly and inside tf.data, on one process or many.

Ops run in the order of ORDER; each applies to an example with probability data.augment.<name>.
color_jitter needs 3 channels (validate_data_config rejects it for grey data rather than silently
skipping saturation).
"""

import dataclasses
import math
from typing import Callable

from gan_jax.core.registry import Registry
from gan_jax.data.tf_env import tf

AUGMENTATIONS = Registry('augmentation', 'data.augment')
ORDER = ('hflip', 'crop', 'rotate', 'color_jitter')
_AUGMENT_STREAM = 0x41554721   # separates augmentation randomness from the sampler's
_LUMA = (0.299, 0.587, 0.114)


@dataclasses.dataclass(frozen=True)
class Augmentation:
  num_uniforms: int
  apply: Callable   # (images, uniforms [b, num_uniforms], params) -> images; uniforms[:, 0] decides


def _where(apply, changed, images):
  return tf.where(tf.reshape(apply, [-1, 1, 1, 1]), changed, images)


def _transform(images, transforms, interpolation: str):
  """Projective transform with reflected borders: output pixel (x, y) samples input at T(x, y)."""
  height, width = images.shape[1], images.shape[2]
  return tf.raw_ops.ImageProjectiveTransformV3(
      images=images, transforms=tf.cast(transforms, tf.float32), output_shape=[height, width],
      fill_value=0.0, interpolation=interpolation, fill_mode='REFLECT')


def hflip(images, uniforms, prob, params):
  del params
  return _where(uniforms[:, 0] < prob, tf.reverse(images, axis=[2]), images)


def crop(images, uniforms, prob, params):
  """Pad by crop_padding (reflect) and crop back at a random offset: an integer shift in [-p, p]."""
  pad = float(params.crop_padding)
  shift = tf.floor(uniforms[:, 1:3] * (2 * pad + 1)) - pad    # [b, 2] (dx, dy)
  zeros, ones = tf.zeros_like(shift[:, 0]), tf.ones_like(shift[:, 0])
  transforms = tf.stack([ones, zeros, shift[:, 0], zeros, ones, shift[:, 1], zeros, zeros], axis=1)
  return _where(uniforms[:, 0] < prob, _transform(images, transforms, 'NEAREST'), images)


def rotate(images, uniforms, prob, params):
  """Rotation about the centre by an angle uniform in [-max_degrees, max_degrees], bilinear."""
  angle = (2.0 * uniforms[:, 1] - 1.0) * (params.max_degrees * math.pi / 180.0)
  height, width = float(images.shape[1] - 1), float(images.shape[2] - 1)
  cos, sin = tf.cos(angle), tf.sin(angle)
  x_offset = (width - (cos * width - sin * height)) / 2.0
  y_offset = (height - (sin * width + cos * height)) / 2.0
  zeros = tf.zeros_like(angle)
  transforms = tf.stack([cos, -sin, x_offset, sin, cos, y_offset, zeros, zeros], axis=1)
  rotated = tf.clip_by_value(_transform(images, transforms, 'BILINEAR'), -1.0, 1.0)
  return _where(uniforms[:, 0] < prob, rotated, images)


def color_jitter(images, uniforms, prob, params):
  """Brightness (+delta), contrast (about the image mean), saturation (about grey), in [0, 1] units."""
  def factor(u, amount):
    return tf.reshape((2.0 * u - 1.0) * amount, [-1, 1, 1, 1])
  x = (images + 1.0) / 2.0
  x = x + factor(uniforms[:, 1], params.brightness)
  mean = tf.reduce_mean(x, axis=[1, 2, 3], keepdims=True)
  x = (x - mean) * (1.0 + factor(uniforms[:, 2], params.contrast)) + mean
  grey = tf.reduce_sum(x * tf.constant(_LUMA), axis=-1, keepdims=True)
  x = (x - grey) * (1.0 + factor(uniforms[:, 3], params.saturation)) + grey
  jittered = tf.clip_by_value(x, 0.0, 1.0) * 2.0 - 1.0
  return _where(uniforms[:, 0] < prob, jittered, images)


AUGMENTATIONS.register('hflip')(Augmentation(1, hflip))
AUGMENTATIONS.register('crop')(Augmentation(3, crop))
AUGMENTATIONS.register('rotate')(Augmentation(2, rotate))
AUGMENTATIONS.register('color_jitter')(Augmentation(4, color_jitter))


def enabled_ops(augment_config):
  """Names of the ops with a non-zero probability, in application order."""
  return [name for name in ORDER if augment_config[name] > 0]


def augment_batch(images, seed: int, step, row_start: int, global_batch: int, augment_config, params):
  """Augments this process's rows [row_start, row_start + b) of global batch `step`.

  images: float32 [b, H, W, C] in [-1, 1]; step: int64 scalar (tensor or int). Returns the same shape,
  still in [-1, 1]. Pure function of (seed, step, row, pixels).
  """
  b = images.shape[0] if images.shape[0] is not None else tf.shape(images)[0]
  for index, name in enumerate(ORDER):
    prob = float(augment_config[name])
    if prob <= 0:
      continue
    op = AUGMENTATIONS.get(name)
    op_seed = tf.random.experimental.stateless_fold_in(
        tf.constant([seed, _AUGMENT_STREAM], tf.int64), index)
    step_seed = tf.random.experimental.stateless_fold_in(op_seed, tf.cast(step, tf.int64))
    uniforms = tf.random.stateless_uniform([global_batch, op.num_uniforms], seed=step_seed)
    images = op.apply(images, uniforms[row_start:row_start + b], prob, params)
  return images
