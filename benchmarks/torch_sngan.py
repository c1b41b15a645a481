"""The PyTorch SNGAN peer for the benchmarks: gan_jax's `model.name=resnet` (mimicry's sngan_32 layout) and
the SNGAN training step, so step times compare like with like.

- G: Linear(z -> 4x4xW, no bias), up-blocks to the image size, BN, ReLU, 3x3 conv, tanh. Up-block:
  BN, ReLU, 2x nearest upsample, 3x3 conv, BN, ReLU, 3x3 conv; shortcut 2x upsample, 1x1 conv. G's block
  convs have no bias (every one feeds a BatchNorm), as in gan_jax/models/resnet.py.
- D: the optimised block (3x3 conv, ReLU, 3x3 conv, 2x2 avg pool; shortcut avg pool, 1x1 conv), then
  blocks (ReLU, 3x3, ReLU, 3x3, [avg pool]; shortcut 1x1 conv [, avg pool] when shape changes), ReLU,
  global sum pooling, Linear -> 1. Every D layer under `torch.nn.utils.parametrizations.spectral_norm`
  with one power iteration per forward (flax.linen.SpectralNorm with update_stats, as gan_jax does).
- Xavier-uniform init (gain sqrt(2) on the residual 3x3 convs, 1 elsewhere), zero biases.
- Hinge loss; Adam(2e-4, betas (0, 0.9)) for both nets; n_critic = 5 D updates then one G update. Each
  D update draws fresh latents; the last one's G forward is shared with the G update, which goes
  through the *updated* D with D's weight gradients off (XLA drops them from the JAX step too).
- Real batches: step(real) with real [n_critic, B, C, S, S] gives each D update its own batch, as mimicry
  and gan_jax's step (gan_jax/families/gan/step.py) do; real [B, C, S, S] reuses that batch for every D
  update.

Images are NCHW tensors; the training step keeps weights and activations in torch.channels_last memory
order (oneDNN's preferred layout on CPU: 13-22% faster than NCHW here, optimisation_log.md), which changes
no value. 16x16 and 32x32 only (the sngan_32 layout, constant widths).
"""

import math
from typing import Callable, Tuple

import torch
from torch import nn
from torch.nn import functional as F
from torch.nn.utils.parametrizations import spectral_norm


def _xavier(layer: nn.Module, gain: float) -> nn.Module:
  nn.init.xavier_uniform_(layer.weight, gain)
  if layer.bias is not None:
    nn.init.zeros_(layer.bias)
  return layer


def _sn(layer: nn.Module) -> nn.Module:
  return spectral_norm(layer, n_power_iterations=1, eps=1e-12)


def _upsample(x: torch.Tensor) -> torch.Tensor:
  return F.interpolate(x, scale_factor=2, mode='nearest')


class GBlock(nn.Module):
  def __init__(self, in_ch: int, out_ch: int):
    super().__init__()
    conv = lambda i, k, gain: _xavier(nn.Conv2d(i, out_ch, k, 1, k // 2, bias=False), gain)
    self.bn1, self.bn2 = nn.BatchNorm2d(in_ch, momentum=0.1, eps=1e-5), nn.BatchNorm2d(out_ch, momentum=0.1, eps=1e-5)
    self.c1, self.c2 = conv(in_ch, 3, math.sqrt(2)), conv(out_ch, 3, math.sqrt(2))
    self.c_sc = conv(in_ch, 1, 1.0)

  def forward(self, x):
    h = self.c1(_upsample(F.relu(self.bn1(x))))
    h = self.c2(F.relu(self.bn2(h)))
    return h + self.c_sc(_upsample(x))


class Generator(nn.Module):
  """z [B, nz] -> images [B, channels, S, S] in (-1, 1)."""

  def __init__(self, resolution: int, channels: int, width: int, nz: int):
    super().__init__()
    self.width = width
    self.l1 = _xavier(nn.Linear(nz, 4 * 4 * width, bias=False), 1.0)
    self.blocks = nn.Sequential(*[GBlock(width, width) for _ in range(int(math.log2(resolution // 4)))])
    self.bn = nn.BatchNorm2d(width, momentum=0.1, eps=1e-5)
    self.c_out = _xavier(nn.Conv2d(width, channels, 3, 1, 1), 1.0)

  def forward(self, z):
    # NHWC order of the Dense output, as gan_jax reshapes it (the weights then copy over unpermuted).
    x = self.l1(z).view(z.shape[0], 4, 4, self.width).permute(0, 3, 1, 2)
    return torch.tanh(self.c_out(F.relu(self.bn(self.blocks(x)))))


class DBlock(nn.Module):
  def __init__(self, in_ch: int, out_ch: int, downsample: bool, optimized: bool):
    super().__init__()
    conv = lambda i, k, gain: _sn(_xavier(nn.Conv2d(i, out_ch, k, 1, k // 2), gain))
    self.downsample, self.optimized = downsample, optimized
    self.c1, self.c2 = conv(in_ch, 3, math.sqrt(2)), conv(out_ch, 3, math.sqrt(2))
    self.learnable_sc = optimized or downsample or in_ch != out_ch
    self.c_sc = conv(in_ch, 1, 1.0) if self.learnable_sc else None

  def forward(self, x):
    h = x if self.optimized else F.relu(x)
    h = self.c2(F.relu(self.c1(h)))
    if self.downsample:
      h = F.avg_pool2d(h, 2)
    if self.optimized:
      shortcut = self.c_sc(F.avg_pool2d(x, 2))
    elif self.learnable_sc:
      shortcut = self.c_sc(x)
      shortcut = F.avg_pool2d(shortcut, 2) if self.downsample else shortcut
    else:
      shortcut = x
    return h + shortcut


class Discriminator(nn.Module):
  """images [B, channels, S, S] -> logits [B]."""

  def __init__(self, resolution: int, channels: int, width: int):
    super().__init__()
    downs = max(1, int(math.log2(resolution // 8)))   # gan_jax's d_plan for resolution <= 32
    plan = [(True, True)] + [(True, False)] * (downs - 1) + [(False, False)] * 2
    self.blocks = nn.Sequential(*[DBlock(channels if i == 0 else width, width, down, opt)
                                  for i, (down, opt) in enumerate(plan)])
    self.l_out = _sn(_xavier(nn.Linear(width, 1), 1.0))

  def forward(self, x):
    phi = torch.sum(F.relu(self.blocks(x)), dim=(2, 3))
    return self.l_out(phi).view(-1)


def _adam(params) -> torch.optim.Optimizer:
  # fused=True: one kernel over all parameters (the fastest Adam on CPU and CUDA in torch >= 2.4).
  return torch.optim.Adam(params, lr=2e-4, betas=(0.0, 0.9), fused=True)


def make_train_step(image_size: int, channels: int, batch_size: int, *, g_width: int, d_width: int,
                    nz: int = 64, n_critic: int = 5, dtype: str = 'float32', compile: bool = False,
                    device: str = 'cpu', seed: int = 0, channels_last: bool = True) -> Tuple[Callable[[torch.Tensor], dict], dict]:
  """Builds the peer's nets and optimisers; returns (step, info).

  step(real) runs n_critic D updates and one G update; real: float32 [B, C, S, S] (reused by every D
  update) or [n_critic, B, C, S, S] (one batch each) in [-1, 1] on `device`. Returns the last losses as
  tensors (no host sync). info holds parameter counts.
  """
  if image_size not in (16, 32):
    raise ValueError(f'image_size={image_size}: the sngan_32 peer supports 16 and 32')
  if dtype not in ('float32', 'bfloat16'):
    raise ValueError(f"dtype={dtype!r}; allowed: 'float32', 'bfloat16'")
  torch.manual_seed(seed)
  layout = torch.channels_last if channels_last else torch.contiguous_format
  generator = Generator(image_size, channels, g_width, nz).to(device, memory_format=layout)
  discriminator = Discriminator(image_size, channels, d_width).to(device, memory_format=layout)
  opt_g, opt_d = _adam(generator.parameters()), _adam(discriminator.parameters())
  g_fn, d_fn = generator, discriminator
  if compile:
    g_fn, d_fn = torch.compile(generator), torch.compile(discriminator)
  autocast = torch.autocast(torch.device(device).type, dtype=torch.bfloat16, enabled=(dtype == 'bfloat16'))

  def step(real: torch.Tensor) -> dict:
    reals = [r.contiguous(memory_format=layout) for r in (real if real.dim() == 5 else [real] * n_critic)]
    for i in range(n_critic):
      z = torch.randn(batch_size, nz, device=device)
      with autocast:
        if i < n_critic - 1:
          with torch.no_grad():   # G in train mode all the same: its BatchNorm statistics update
            fake = g_fn(z)
        else:   # the last D update's fakes are the G update's
          fake = g_fn(z)
        d_loss = (F.relu(1 - d_fn(reals[i]).float()).mean() + F.relu(1 + d_fn(fake.detach()).float()).mean())
      opt_d.zero_grad(set_to_none=True)
      d_loss.backward()
      opt_d.step()

    discriminator.requires_grad_(False)
    with autocast:
      g_loss = -d_fn(fake).float().mean()
    opt_g.zero_grad(set_to_none=True)
    g_loss.backward()
    opt_g.step()
    discriminator.requires_grad_(True)
    return {'d_loss': d_loss.detach(), 'g_loss': g_loss.detach()}

  info = {
      'g_params': sum(p.numel() for p in generator.parameters()),
      'd_params': sum(p.numel() for p in discriminator.parameters()),
      'generator': generator, 'discriminator': discriminator,
  }
  return step, info
