"""The FID InceptionV3 (pytorch-fid / TTUR variant) in Flax, and loading its converted weights.

Same graph as pytorch-fid's `fid_inception_v3`: torchvision's Inception3 with the FID blocks (average
pools that exclude padding in A, C and E_1; a max pool in the last E block), 1008 output classes, no
auxiliary head. Module names equal the PyTorch state-dict names, so converted weights map one to one.

Input: NHWC images in [-1, 1], any size and 1 or 3 channels; grayscale is repeated to 3 channels and
images are resized to 299x299 bilinearly without antialiasing (= torch's F.interpolate(mode='bilinear',
align_corners=False)). Output: dict(pool3 [N, 2048], logits [N, 1008], logits_unbiased [N, 1008]);
IS uses logits_unbiased (fc without bias) like torch-fidelity and the original TF Inception score.
"""

import hashlib
from typing import Any, Dict, Sequence, Tuple, Union

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np

INPUT_SIZE = 299
RESIZE_METHOD = 'bilinear, half-pixel centres (align_corners=False), no antialias, to 299x299'
Pad = Union[int, Tuple[int, int]]


def resize_for_inception(images: jnp.ndarray, size: int = INPUT_SIZE) -> jnp.ndarray:
  """[N, H, W, C] in [-1, 1], C in {1, 3} -> [N, size, size, 3] float32."""
  images = images.astype(jnp.float32)
  if images.shape[-1] == 1:
    images = jnp.repeat(images, 3, axis=-1)
  if images.shape[1:3] == (size, size):
    return images
  return jax.image.resize(images, (images.shape[0], size, size, 3), 'bilinear', antialias=False)


def _pair(value: Pad) -> Tuple[int, int]:
  return (value, value) if isinstance(value, int) else tuple(value)


class BasicConv2d(nn.Module):
  """Conv (no bias) + BatchNorm(eps=1e-3, running statistics) + ReLU."""
  features: int
  kernel: Pad = 1
  stride: int = 1
  padding: Pad = 0

  @nn.compact
  def __call__(self, x):
    ph, pw = _pair(self.padding)
    x = nn.Conv(self.features, _pair(self.kernel), strides=(self.stride, self.stride),
                padding=((ph, ph), (pw, pw)), use_bias=False, name='conv')(x)
    x = nn.BatchNorm(use_running_average=True, epsilon=1e-3, name='bn')(x)
    return nn.relu(x)


def _avg_pool_3x3(x):
  # FID blocks exclude the zero padding from the average (torch: count_include_pad=False).
  return nn.avg_pool(x, (3, 3), strides=(1, 1), padding=((1, 1), (1, 1)), count_include_pad=False)


def _max_pool_3x3_stride2(x):
  return nn.max_pool(x, (3, 3), strides=(2, 2), padding='VALID')


class InceptionA(nn.Module):
  pool_features: int

  @nn.compact
  def __call__(self, x):
    b1 = BasicConv2d(64, name='branch1x1')(x)
    b5 = BasicConv2d(48, name='branch5x5_1')(x)
    b5 = BasicConv2d(64, 5, padding=2, name='branch5x5_2')(b5)
    b3 = BasicConv2d(64, name='branch3x3dbl_1')(x)
    b3 = BasicConv2d(96, 3, padding=1, name='branch3x3dbl_2')(b3)
    b3 = BasicConv2d(96, 3, padding=1, name='branch3x3dbl_3')(b3)
    bp = BasicConv2d(self.pool_features, name='branch_pool')(_avg_pool_3x3(x))
    return jnp.concatenate([b1, b5, b3, bp], axis=-1)


class InceptionB(nn.Module):
  @nn.compact
  def __call__(self, x):
    b3 = BasicConv2d(384, 3, stride=2, name='branch3x3')(x)
    bd = BasicConv2d(64, name='branch3x3dbl_1')(x)
    bd = BasicConv2d(96, 3, padding=1, name='branch3x3dbl_2')(bd)
    bd = BasicConv2d(96, 3, stride=2, name='branch3x3dbl_3')(bd)
    return jnp.concatenate([b3, bd, _max_pool_3x3_stride2(x)], axis=-1)


class InceptionC(nn.Module):
  channels_7x7: int

  @nn.compact
  def __call__(self, x):
    c7 = self.channels_7x7
    b1 = BasicConv2d(192, name='branch1x1')(x)
    b7 = BasicConv2d(c7, name='branch7x7_1')(x)
    b7 = BasicConv2d(c7, (1, 7), padding=(0, 3), name='branch7x7_2')(b7)
    b7 = BasicConv2d(192, (7, 1), padding=(3, 0), name='branch7x7_3')(b7)
    bd = BasicConv2d(c7, name='branch7x7dbl_1')(x)
    bd = BasicConv2d(c7, (7, 1), padding=(3, 0), name='branch7x7dbl_2')(bd)
    bd = BasicConv2d(c7, (1, 7), padding=(0, 3), name='branch7x7dbl_3')(bd)
    bd = BasicConv2d(c7, (7, 1), padding=(3, 0), name='branch7x7dbl_4')(bd)
    bd = BasicConv2d(192, (1, 7), padding=(0, 3), name='branch7x7dbl_5')(bd)
    bp = BasicConv2d(192, name='branch_pool')(_avg_pool_3x3(x))
    return jnp.concatenate([b1, b7, bd, bp], axis=-1)


class InceptionD(nn.Module):
  @nn.compact
  def __call__(self, x):
    b3 = BasicConv2d(192, name='branch3x3_1')(x)
    b3 = BasicConv2d(320, 3, stride=2, name='branch3x3_2')(b3)
    b7 = BasicConv2d(192, name='branch7x7x3_1')(x)
    b7 = BasicConv2d(192, (1, 7), padding=(0, 3), name='branch7x7x3_2')(b7)
    b7 = BasicConv2d(192, (7, 1), padding=(3, 0), name='branch7x7x3_3')(b7)
    b7 = BasicConv2d(192, 3, stride=2, name='branch7x7x3_4')(b7)
    return jnp.concatenate([b3, b7, _max_pool_3x3_stride2(x)], axis=-1)


class InceptionE(nn.Module):
  """pool='avg': FIDInceptionE_1 (Mixed_7b); pool='max': FIDInceptionE_2 (Mixed_7c, a TF quirk kept for parity)."""
  pool: str

  @nn.compact
  def __call__(self, x):
    b1 = BasicConv2d(320, name='branch1x1')(x)
    b3 = BasicConv2d(384, name='branch3x3_1')(x)
    b3 = jnp.concatenate([BasicConv2d(384, (1, 3), padding=(0, 1), name='branch3x3_2a')(b3),
                          BasicConv2d(384, (3, 1), padding=(1, 0), name='branch3x3_2b')(b3)], axis=-1)
    bd = BasicConv2d(448, name='branch3x3dbl_1')(x)
    bd = BasicConv2d(384, 3, padding=1, name='branch3x3dbl_2')(bd)
    bd = jnp.concatenate([BasicConv2d(384, (1, 3), padding=(0, 1), name='branch3x3dbl_3a')(bd),
                          BasicConv2d(384, (3, 1), padding=(1, 0), name='branch3x3dbl_3b')(bd)], axis=-1)
    if self.pool == 'avg':
      pooled = _avg_pool_3x3(x)
    else:
      pooled = nn.max_pool(x, (3, 3), strides=(1, 1), padding=((1, 1), (1, 1)))
    bp = BasicConv2d(192, name='branch_pool')(pooled)
    return jnp.concatenate([b1, b3, bd, bp], axis=-1)


class FIDInceptionV3(nn.Module):
  """images [N, H, W, C] in [-1, 1] -> dict(pool3 [N, 2048], logits [N, 1008], logits_unbiased [N, 1008])."""
  num_classes: int = 1008
  resize: bool = True

  @nn.compact
  def __call__(self, images):
    x = resize_for_inception(images) if self.resize else images.astype(jnp.float32)
    x = BasicConv2d(32, 3, stride=2, name='Conv2d_1a_3x3')(x)
    x = BasicConv2d(32, 3, name='Conv2d_2a_3x3')(x)
    x = BasicConv2d(64, 3, padding=1, name='Conv2d_2b_3x3')(x)
    x = _max_pool_3x3_stride2(x)
    x = BasicConv2d(80, name='Conv2d_3b_1x1')(x)
    x = BasicConv2d(192, 3, name='Conv2d_4a_3x3')(x)
    x = _max_pool_3x3_stride2(x)
    x = InceptionA(32, name='Mixed_5b')(x)
    x = InceptionA(64, name='Mixed_5c')(x)
    x = InceptionA(64, name='Mixed_5d')(x)
    x = InceptionB(name='Mixed_6a')(x)
    x = InceptionC(128, name='Mixed_6b')(x)
    x = InceptionC(160, name='Mixed_6c')(x)
    x = InceptionC(160, name='Mixed_6d')(x)
    x = InceptionC(192, name='Mixed_6e')(x)
    x = InceptionD(name='Mixed_7a')(x)
    x = InceptionE('avg', name='Mixed_7b')(x)
    x = InceptionE('max', name='Mixed_7c')(x)
    pool3 = x.mean(axis=(1, 2))
    fc = nn.Dense(self.num_classes, name='fc')
    logits = fc(pool3)
    return {'pool3': pool3, 'logits': logits, 'logits_unbiased': logits - fc.variables['params']['bias']}


# ------------------------------------------------------------------ weights (torch names <-> flax tree)
_BN_NAMES = {'weight': ('params', 'scale'), 'bias': ('params', 'bias'),
             'running_mean': ('batch_stats', 'mean'), 'running_var': ('batch_stats', 'var')}
_SKIPPED = ('num_batches_tracked', 'AuxLogits')


def torch_to_flax_variables(state: Dict[str, np.ndarray]) -> Dict[str, Any]:
  """Torch state-dict names/layouts (as in the converted .npz) -> {'params', 'batch_stats'} for FIDInceptionV3."""
  variables: Dict[str, Any] = {'params': {}, 'batch_stats': {}}
  for name, value in state.items():
    if any(skip in name for skip in _SKIPPED):
      continue
    *path, module, leaf = name.split('.')
    value = np.asarray(value, np.float32)
    if module == 'conv':
      collection, leaf, value = 'params', 'kernel', value.transpose(2, 3, 1, 0)   # OIHW -> HWIO
    elif module == 'bn':
      collection, leaf = _BN_NAMES[leaf]
    elif module == 'fc':
      collection, leaf = 'params', ('kernel' if leaf == 'weight' else 'bias')
      value = value.T if leaf == 'kernel' else value
    else:
      raise ValueError(f'unexpected InceptionV3 weight {name!r}')
    node = variables[collection]
    for key in path + [module]:
      node = node.setdefault(key, {})
    node[leaf] = jnp.asarray(value)
  return variables


def file_sha256(path: str) -> str:
  digest = hashlib.sha256()
  with open(path, 'rb') as f:
    for block in iter(lambda: f.read(1 << 20), b''):
      digest.update(block)
  return digest.hexdigest()


def load_inception_variables(npz_path: str) -> Dict[str, Any]:
  """Variables for FIDInceptionV3 from the .npz written by `python -m gan_jax.metrics.convert_inception`."""
  with np.load(npz_path) as data:
    return torch_to_flax_variables({name: data[name] for name in data.files})


def variables_hash(variables: Dict[str, Any]) -> str:
  """sha256 over all leaves (paths and bytes): provenance for weights not read from a file."""
  digest = hashlib.sha256()
  for path, leaf in sorted(jax.tree_util.tree_flatten_with_path(variables)[0], key=lambda item: str(item[0])):
    digest.update(str(path).encode())
    digest.update(np.asarray(leaf, np.float32).tobytes())
  return digest.hexdigest()
