"""The PyTorch peer for the benchmarks: the seed's DCGAN (bugs fixed) and one training step.

Same algorithm as gan_jax's DCGAN step, so step times compare like with like:
- G (32x32): ConvT(nz, 4ngf, 4, 1, 0) BN ReLU, ConvT(4ngf, 2ngf, 4, 2, 1) BN ReLU,
  ConvT(2ngf, ngf, 4, 2, 1) BN ReLU, ConvT(ngf, C, 4, 2, 1) Tanh. 64x64 adds one more stride-2 layer
  (the first layer then has 8ngf channels). No biases; DCGAN init (N(0, 0.02) convs, N(1, 0.02) BN scales).
- D mirrors G: Conv(C, ndf, 4, 2, 1) LReLU(0.2), then stride-2 Conv BN LReLU layers doubling the width,
  then Conv(., 1, 4, 1, 0) -> one logit per image.
- Non-saturating loss with BCE-with-logits; Adam(2e-4, betas (0.5, 0.999)) for both nets.
- One step = one D update on (real, G(z).detach()) then one G update through the *updated* D, reusing the
  same G forward (the PyTorch DCGAN example's algorithm). D's weight gradients are not computed during
  the G update (requires_grad off): XLA drops them from the JAX step too, so the peer must not pay for them.

Variants: eager or `torch.compile` (mode 'default'), float32 or bfloat16 via `torch.autocast`.
"""

import math
from typing import Callable, Tuple

import torch
from torch import nn
from torch.nn import functional as F


def num_upsampling_layers(image_size: int) -> int:
  """Number of stride-2 layers taking 4x4 to image_size x image_size (image_size = 4 * 2**k, k >= 1)."""
  k = int(round(math.log2(image_size))) - 2
  if k < 1 or 4 * 2 ** k != image_size:
    raise ValueError(f'image_size={image_size} is not supported; allowed: 8, 16, 32, 64, 128, ...')
  return k


def build_generator(image_size: int, channels: int, nz: int = 100, ngf: int = 64) -> nn.Sequential:
  """G: z [B, nz, 1, 1] -> images [B, channels, image_size, image_size] in [-1, 1]."""
  k = num_upsampling_layers(image_size)
  width = ngf * 2 ** (k - 1)
  layers = [nn.ConvTranspose2d(nz, width, 4, 1, 0, bias=False), nn.BatchNorm2d(width), nn.ReLU(True)]
  for _ in range(k - 1):
    layers += [nn.ConvTranspose2d(width, width // 2, 4, 2, 1, bias=False), nn.BatchNorm2d(width // 2),
               nn.ReLU(True)]
    width //= 2
  layers += [nn.ConvTranspose2d(width, channels, 4, 2, 1, bias=False), nn.Tanh()]
  return nn.Sequential(*layers)


def build_discriminator(image_size: int, channels: int, ndf: int = 64) -> nn.Sequential:
  """D: images [B, channels, image_size, image_size] -> logits [B]."""
  k = num_upsampling_layers(image_size)
  layers = [nn.Conv2d(channels, ndf, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, True)]
  width = ndf
  for _ in range(k - 1):
    layers += [nn.Conv2d(width, width * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(width * 2),
               nn.LeakyReLU(0.2, True)]
    width *= 2
  layers += [nn.Conv2d(width, 1, 4, 1, 0, bias=False), nn.Flatten(0)]
  return nn.Sequential(*layers)


def dcgan_init_(module: nn.Module) -> None:
  """The DCGAN paper's init, applied in place (the seed's `weights_init`)."""
  if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d)):
    nn.init.normal_(module.weight, 0.0, 0.02)
  elif isinstance(module, nn.BatchNorm2d):
    nn.init.normal_(module.weight, 1.0, 0.02)
    nn.init.zeros_(module.bias)


def _adam(params) -> torch.optim.Optimizer:
  # fused=True is the fastest Adam on both CPU and CUDA in torch >= 2.4 (one kernel over all params).
  return torch.optim.Adam(params, lr=2e-4, betas=(0.5, 0.999), fused=True)


def make_train_step(image_size: int, channels: int, batch_size: int, *, nz: int = 100, ngf: int = 64,
                    ndf: int = 64, dtype: str = 'float32', compile: bool = False,
                    device: str = 'cpu', seed: int = 0) -> Tuple[Callable[[torch.Tensor], dict], dict]:
  """Builds the peer's nets and optimisers; returns (step, info).

  step(real) runs one D update and one G update; real: float32 [batch_size, channels, S, S] in [-1, 1]
  on `device`. It returns the two losses as tensors (no host sync). info holds parameter counts.
  """
  if dtype not in ('float32', 'bfloat16'):
    raise ValueError(f"dtype={dtype!r}; allowed: 'float32', 'bfloat16'")
  torch.manual_seed(seed)
  generator = build_generator(image_size, channels, nz, ngf).to(device)
  discriminator = build_discriminator(image_size, channels, ndf).to(device)
  generator.apply(dcgan_init_)
  discriminator.apply(dcgan_init_)
  opt_g, opt_d = _adam(generator.parameters()), _adam(discriminator.parameters())
  g_fn, d_fn = generator, discriminator
  if compile:
    g_fn, d_fn = torch.compile(generator), torch.compile(discriminator)
  device_type = torch.device(device).type
  autocast = torch.autocast(device_type, dtype=torch.bfloat16, enabled=(dtype == 'bfloat16'))
  ones = torch.ones(batch_size, device=device)
  zeros = torch.zeros(batch_size, device=device)

  def step(real: torch.Tensor) -> dict:
    z = torch.randn(batch_size, nz, 1, 1, device=device)
    with autocast:
      fake = g_fn(z)
      d_loss = (F.binary_cross_entropy_with_logits(d_fn(real).float(), ones)
                + F.binary_cross_entropy_with_logits(d_fn(fake.detach()).float(), zeros))
    opt_d.zero_grad(set_to_none=True)
    d_loss.backward()
    opt_d.step()

    discriminator.requires_grad_(False)
    with autocast:
      g_loss = F.binary_cross_entropy_with_logits(d_fn(fake).float(), ones)
    opt_g.zero_grad(set_to_none=True)
    g_loss.backward()
    opt_g.step()
    discriminator.requires_grad_(True)
    return {'d_loss': d_loss.detach(), 'g_loss': g_loss.detach()}

  info = {
      'g_params': sum(p.numel() for p in generator.parameters()),
      'd_params': sum(p.numel() for p in discriminator.parameters()),
  }
  return step, info
