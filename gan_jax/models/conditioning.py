"""Class conditioning and spectral normalisation, shared by the image model families.

  G: `ConditionalBatchNorm` (de Vries et al. 2017; Miyato & Koyama 2018): BatchNorm without its own affine,
     then a per-class gain and bias looked up from embeddings (gain initialised at 1, bias at 0).
  D: `discriminator_outputs` turns D's features phi(x) and its unconditional logit psi(phi(x)) into the
     model's output for `model.conditional`:
       none        logits                                                        float32 [B]
       projection  logits + <embed(y), phi(x)>  (Miyato & Koyama 2018)          float32 [B]
       acgan       (logits, class_logits [B, num_classes])  (Odena et al. 2017)
       reacgan     (logits, {'embed': [B, E], 'proxy': [B, E]}), both L2-normalised: D's features projected
                   to E dimensions and its learned class proxy of each label, for the data-to-data
                   cross-entropy (Kang et al. 2021, ReACGAN; E = model.d_embed_dim)
  `maybe_spectral_norm(layer, enabled, update_stats)` wraps a layer in flax.linen.SpectralNorm, whose
  power-iteration vectors live in the 'batch_stats' collection and are updated when update_stats (train).
"""

from typing import Any, Callable, Optional, Union

import flax.linen as nn
import jax
import jax.numpy as jnp

from gan_jax.core.registry import Registry

CONDITIONINGS = ('none', 'projection', 'acgan', 'reacgan')
# Conditionings whose D has a class-aware head trained by an auxiliary loss (gan_jax.families.gan.losses.AUX_CLASS_LOSSES).
AUXILIARY_HEADS = ('acgan', 'reacgan')
# model.fake_labels -> draw(key, real_labels int32 [B], num_classes) -> the fake labels int32 [B] of one D update.
FAKE_LABELS = Registry('fake-label source', 'model.fake_labels')


@FAKE_LABELS.register('data')
def permuted_real_labels(key: jax.Array, real_labels: jax.Array, num_classes: int) -> jax.Array:
  """The D update's real labels, shuffled: fakes carry exactly the label counts of the reals beside them,
  whatever data.rebalance / imbalance_factor / synthetic_path / train_fraction made of the class frequencies,
  so a conditional D cannot tell reals from fakes by how often a label occurs. Shuffled so that fake i is
  not paired with real i's label (e.g. in the interpolates of a gradient penalty)."""
  del num_classes
  return jax.random.permutation(key, real_labels)


@FAKE_LABELS.register('uniform')
def uniform_labels(key: jax.Array, real_labels: jax.Array, num_classes: int) -> jax.Array:
  """Every class with probability 1 / num_classes, independently of the reals."""
  log_probs = jnp.log(jnp.full((num_classes,), 1.0 / num_classes, jnp.float32))
  return jax.random.categorical(key, log_probs, shape=real_labels.shape)

DOutput = Union[jax.Array, tuple]


def maybe_spectral_norm(layer: nn.Module, enabled: bool, update_stats: bool) -> Callable:
  """layer itself, or layer under spectral normalisation (one power iteration per call, as in SNGAN)."""
  if not enabled:
    return layer
  normalised = nn.SpectralNorm(layer, n_steps=1, epsilon=1e-12)
  return lambda *args: normalised(*args, update_stats=update_stats)


class ConditionalBatchNorm(nn.Module):
  """x [B, ..., C], labels int [B] -> BN(x) * gain[labels] + bias[labels] (statistics shared by all classes)."""
  num_classes: int
  momentum: float = 0.9
  epsilon: float = 1e-5
  dtype: Any = jnp.float32

  @nn.compact
  def __call__(self, x: jax.Array, labels: jax.Array, train: bool = False) -> jax.Array:
    x = nn.BatchNorm(use_running_average=not train, momentum=self.momentum, epsilon=self.epsilon,
                     use_scale=False, use_bias=False, dtype=self.dtype)(x)
    features = x.shape[-1]
    gain = nn.Embed(self.num_classes, features, embedding_init=nn.initializers.ones, name='gain')(labels)
    bias = nn.Embed(self.num_classes, features, embedding_init=nn.initializers.zeros, name='bias')(labels)
    broadcast = (x.shape[0],) + (1,) * (x.ndim - 2) + (features,)
    return x * gain.reshape(broadcast).astype(x.dtype) + bias.reshape(broadcast).astype(x.dtype)


def generator_norm(num_classes: int, plain: Callable[[], nn.Module], train: bool,
                   dtype: Any) -> Callable[[jax.Array, Optional[jax.Array]], jax.Array]:
  """norm(x, labels): `plain()` BatchNorm for unconditional G (num_classes == 0), else ConditionalBatchNorm."""
  if num_classes == 0:
    layer = plain()
    return lambda x, labels: layer(x)
  layer = ConditionalBatchNorm(num_classes, dtype=dtype)
  return lambda x, labels: layer(x, labels, train)


def discriminator_outputs(logits: jax.Array, features: jax.Array, labels: Optional[jax.Array], *,
                          conditional: str, num_classes: int, spectral_norm: bool, update_stats: bool,
                          dtype: Any, kernel_init: Callable = nn.initializers.lecun_normal(),
                          embed_dim: int = 128) -> DOutput:
  """D's output from logits [B] = psi(phi(x)) and D's last features [B, ...]: the projection uses them
  sum-pooled over space ([B, C]), the AC-GAN head flattened.

  Call inside the discriminator's compact __call__ (the embedding / class head become its submodules).
  """
  if conditional == 'none':
    return logits.astype(jnp.float32)
  if labels is None:
    raise ValueError(f'model.conditional={conditional!r}: the discriminator needs labels')
  if conditional == 'projection':
    # phi(x) is the feature map summed over its spatial positions, as in Miyato & Koyama's D. Projecting
    # the flattened map instead (a class-specific linear D over every position) let D overpower G on
    # digits: G collapsed to one grey image within 400 steps, while the pooled form trains like the
    # unconditional DCGAN (G output std 0.45 vs 0.005 at step 400, 16x16, width 16).
    phi = jnp.sum(features, axis=tuple(range(1, features.ndim - 1))) if features.ndim > 2 else features
    embed = maybe_spectral_norm(nn.Embed(num_classes, phi.shape[-1], dtype=dtype, embedding_init=kernel_init,
                                         name='class_embedding'), spectral_norm, update_stats)
    projection = jnp.sum(embed(labels).astype(jnp.float32) * phi.astype(jnp.float32), axis=-1)
    return logits.astype(jnp.float32) + projection
  phi = features.reshape(features.shape[0], -1)
  if conditional == 'reacgan':   # StudioGAN's ReACGAN D: a linear embedding of phi and a class proxy table
    embed = maybe_spectral_norm(nn.Dense(embed_dim, dtype=dtype, kernel_init=kernel_init, name='embedding'),
                                spectral_norm, update_stats)(phi)
    proxy = maybe_spectral_norm(nn.Embed(num_classes, embed_dim, dtype=dtype, embedding_init=kernel_init,
                                         name='class_proxy'), spectral_norm, update_stats)(labels)
    unit = lambda v: v.astype(jnp.float32) / jnp.maximum(jnp.linalg.norm(v.astype(jnp.float32), axis=-1,
                                                                         keepdims=True), 1e-12)
    return logits.astype(jnp.float32), {'embed': unit(embed), 'proxy': unit(proxy)}
  head = maybe_spectral_norm(nn.Dense(num_classes, dtype=dtype, kernel_init=kernel_init, name='class_head'),
                             spectral_norm, update_stats)
  return logits.astype(jnp.float32), head(phi).astype(jnp.float32)


def split_d_output(output: DOutput):
  """(logits [B], the class head's output or None) from any discriminator's output: class_logits [B, K]
  (acgan) or {'embed', 'proxy'} (reacgan)."""
  if isinstance(output, tuple):
    return output
  return output, None
