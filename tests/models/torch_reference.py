"""PyTorch DCGANs built like the seed's, and their weights converted to gan_jax's flax parameters.

Only the tests import this (torch is optional). Layer i of each kind maps to the flax module of the
same kind and index (ConvTranspose_i, Conv_i, BatchNorm_i): both are built in the same order.
"""

import numpy as np
import torch
from torch import nn

from gan_jax.models.conv_transpose import kernel_from_torch
from gan_jax.models.dcgan import spatial_plan


def torch_generator(latent_dim, resolution, channels, width):
  start, doublings = spatial_plan(resolution)
  widths = [width * 2 ** i for i in reversed(range(doublings))]
  layers, in_features = [], latent_dim
  specs = [(widths[0], start, 1, 0)] + [(w, 4, 2, 1) for w in widths[1:]]
  for features, kernel, stride, padding in specs:
    layers += [nn.ConvTranspose2d(in_features, features, kernel, stride, padding, bias=False),
               nn.BatchNorm2d(features), nn.ReLU()]
    in_features = features
  layers += [nn.ConvTranspose2d(in_features, channels, 4, 2, 1, bias=False), nn.Tanh()]
  return nn.Sequential(*layers)


def torch_discriminator(resolution, channels, width):
  start, halvings = spatial_plan(resolution)
  layers, in_features = [], channels
  for i in range(halvings):
    features = width * 2 ** i
    layers.append(nn.Conv2d(in_features, features, 4, 2, 1, bias=False))
    if i > 0:
      layers.append(nn.BatchNorm2d(features))
    layers.append(nn.LeakyReLU(0.2))
    in_features = features
  layers.append(nn.Conv2d(in_features, 1, start, 1, 0, bias=False))
  return nn.Sequential(*layers)


def randomize(module, seed):
  """Random weights and BatchNorm running statistics, so eval-mode parity is not trivial."""
  generator = torch.Generator().manual_seed(seed)
  with torch.no_grad():
    for layer in module.modules():
      if isinstance(layer, (nn.Conv2d, nn.ConvTranspose2d)):
        layer.weight.copy_(0.1 * torch.randn(layer.weight.shape, generator=generator))
      elif isinstance(layer, nn.BatchNorm2d):
        shape = layer.weight.shape
        layer.weight.copy_(1 + 0.2 * torch.randn(shape, generator=generator))
        layer.bias.copy_(0.2 * torch.randn(shape, generator=generator))
        layer.running_mean.copy_(0.2 * torch.randn(shape, generator=generator))
        layer.running_var.copy_(0.5 + torch.rand(shape, generator=generator))
  return module


def to_flax_variables(module):
  """torch.nn.Sequential -> {'params': ..., 'batch_stats': ...} for the matching flax DCGAN module."""
  params, stats, counts = {}, {}, {}
  def name(kind):
    counts[kind] = counts.get(kind, -1) + 1
    return f'{kind}_{counts[kind]}'
  numpy = lambda t: t.detach().cpu().numpy().astype(np.float32)
  for layer in module:
    if isinstance(layer, nn.ConvTranspose2d):
      params[name('ConvTranspose')] = {'kernel': kernel_from_torch(numpy(layer.weight))}
    elif isinstance(layer, nn.Conv2d):   # [out, in, kh, kw] -> HWIO
      params[name('Conv')] = {'kernel': numpy(layer.weight).transpose(2, 3, 1, 0)}
    elif isinstance(layer, nn.BatchNorm2d):
      key = name('BatchNorm')
      params[key] = {'scale': numpy(layer.weight), 'bias': numpy(layer.bias)}
      stats[key] = {'mean': numpy(layer.running_mean), 'var': numpy(layer.running_var)}
  return {'params': params, 'batch_stats': stats}
