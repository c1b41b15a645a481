"""The VAE family (model.name = vae | vae_mlp): a Gaussian-posterior VAE trained on the negative ELBO of
binarised (Bernoulli) or dequantised 8-bit (Gaussian) pixels. Its keys are the `vae` config section.

State: state.VaeState; step: step.train_step; samples: the decoder's likelihood mean at prior draws
z ~ N(0, I) (EMA params, eval mode), in [-1, 1]; pictures: reconstructions (the likelihood's data of the
first val images, one row, then their reconstructions); evaluation adds the val/test ELBO and IWAE bounds
(bounds.py, keys `RESULT_KEYS`) to the Evaluator's sample metrics. Conditional (model.conditional != 'none'):
the label goes into the encoder and the decoder; prior samples are then class-balanced unless labels are given.
"""

import functools
import math
from typing import Dict, Optional

import jax
import jax.numpy as jnp
import numpy as np

from gan_jax.core import parallel, schema
from gan_jax.core.errors import ConfigError
from gan_jax.core.optimizers import make_optimizer
from gan_jax.families.contract import Trainer
from gan_jax.families.latents import balanced_labels, draw_latents
from gan_jax.families.standing import add_batch_moments, has_batch_norm
from gan_jax.families.vae import objective as vo
from gan_jax.families.vae import bounds as vae_bounds
from gan_jax.families.vae.state import init_vae_state
from gan_jax.families.vae.step import train_step
from gan_jax.logs import pictures as pictures_lib
from gan_jax.models import resolve_num_classes
from gan_jax.models.vae import build_vae


class _Decoder:
  """The VAE's decode method behind the generator interface of gan_jax.families.standing."""

  def __init__(self, vae):
    self.vae = vae

  def apply(self, variables, z, labels, train=False, mutable=False):
    return self.vae.apply(variables, z, labels, train=train, mutable=mutable, method='decode')


class VaeTrainer(Trainer):
  console_keys = ('neg_elbo', 'recon_nll', 'kl', 'bits_per_dim')

  def __init__(self, config, example_shape, mesh=None, ds=None, meta=None):
    super().__init__(config, example_shape, mesh)
    # The resolved class count (0 = unconditional): from the data (ConfigError when unlabelled), or the
    # checkpoint's meta.
    self.num_classes = (resolve_num_classes(config.model, ds.num_classes) if ds is not None
                        else int((meta or {}).get('num_classes', 0)))
    self.conditional = self.num_classes > 0
    self.vae = build_vae(config.model, config.vae, self.example_shape, self.num_classes)
    self.likelihood = vo.LIKELIHOODS.get(config.vae.likelihood)
    optim = config.optim   # b1, b2, schedule, warmup_steps, grad_clip; the learning rate is the VAE's own
    self.tx, self.schedule = make_optimizer(optim, config.vae.lr, config.train.steps, optim.warmup_steps)
    self.init_fn = functools.partial(init_vae_state, config.seed, vae=self.vae, tx=self.tx,
                                     example_shape=self.example_shape, conditional=self.conditional)
    self._sample = {}   # (truncation, temperature) -> the jitted sampler
    self._bounds = self._reconstruct = self._decode = self._add_moments = None
    self._standing = None   # (step, ema_params, batch_stats, their standing statistics) of the last state

  def batch_stats(self, state):
    """The BatchNorm statistics the EMA weights are used with (samples, decodes, reconstructions, bounds):
    the decoder's are standing statistics of state.ema_params (ema.standing_batches batches of prior latents,
    as the GAN's G; 0 = the raw network's running statistics). The decoder with them is the model p(x|z)
    that is sampled and bounded. The encoder keeps its running statistics: it is only the variational
    posterior, and any posterior gives a valid bound.

    Computed once per state step: an evaluation's samples, bounds and pictures share them (keyed by the step,
    and by the very params and statistics objects, so that another state of the same step is not mistaken)."""
    batches, raw = self.config.ema.standing_batches, state.batch_stats
    if not batches or 'decoder' not in raw or not has_batch_norm(raw['decoder']):
      return raw
    step = int(jax.device_get(state.step))
    if self._standing is not None:
      cached_step, cached_params, cached_raw, cached = self._standing
      if cached_step == step and cached_params is state.ema_params and cached_raw is raw:
        return cached
    if self._add_moments is None:
      self._add_moments = jax.jit(functools.partial(
          add_batch_moments, _Decoder(self.vae), batch_size=self.config.train.batch_size,
          latent_dim=self.config.model.latent_dim, num_classes=self.num_classes, num_batches=batches))
    total = raw   # only its shapes matter: batch 0 overwrites it
    for k in range(batches):
      total = self._add_moments(state.ema_params, raw, total, parallel.replicate(np.int32(k), self.mesh))
    stats = {**raw, 'decoder': total['decoder']}   # the decode-only passes leave the encoder's untouched
    self._standing = (step, state.ema_params, raw, stats)
    return stats

  def bind_train_step(self, phase=None):
    del phase   # one phase
    v = self.config.vae
    return functools.partial(
        train_step, vae=self.vae, likelihood=self.likelihood, tx=self.tx, schedule=self.schedule,
        fixed_scale=v.scale, beta=v.beta, kl_warmup_steps=v.kl_warmup_steps, ema_decay=self.config.ema.decay,
        ema_start_step=self.config.ema.start_step,
        conditional=self.conditional)

  # ---------------------------------------------------------------- prior samples
  def _labels(self, num: int, labels: Optional[np.ndarray]) -> Optional[np.ndarray]:
    if not self.conditional:
      if labels is not None:
        raise ValueError('this VAE is unconditional: labels must be None')
      return None
    if labels is None:
      return balanced_labels(num, self.num_classes)
    labels = np.asarray(labels)
    if labels.shape != (num,) or labels.size and (labels.min() < 0 or labels.max() >= self.num_classes):
      raise ValueError(f'labels must be an int array [{num}] in [0, {self.num_classes})')
    return labels.astype(np.int32)

  def sample_fn(self, state, truncation: float = 0.0, temperature: float = 1.0):
    """sample_fn(num, seed, labels=None) -> float32 [num, *example_shape] in [-1, 1]; latents of chunk i
    from fold_in(PRNGKey(seed), i), whatever the device count."""
    chunk = self.config.eval.batch_size
    if (truncation, temperature) not in self._sample:
      vae, likelihood, latent = self.vae, self.likelihood, self.config.model.latent_dim

      def sample(params, batch_stats, seed_and_chunk, labels):
        key = jax.random.fold_in(jax.random.PRNGKey(seed_and_chunk[0]), seed_and_chunk[1])
        z = draw_latents(key, (chunk, latent), truncation, temperature)
        out = vae.apply({'params': params, 'batch_stats': batch_stats}, z, labels, train=False, method='decode')
        return vo.from_unit(likelihood.mean(out)).astype(jnp.float32)

      replicated = parallel.replicated(self.mesh)
      self._sample[(truncation, temperature)] = jax.jit(sample, in_shardings=(replicated,) * 4,
                                                        out_shardings=replicated)
    sample_jit = self._sample[(truncation, temperature)]

    def sample_fn(num: int, seed: int, labels: Optional[np.ndarray] = None) -> np.ndarray:
      all_labels = self._labels(num, labels)
      chunks = []
      for i in range(math.ceil(num / chunk)):
        ids = parallel.replicate(np.array([seed, i], np.int32), self.mesh)
        y = None if all_labels is None else parallel.replicate(
            vae_bounds._pad(all_labels[i * chunk:(i + 1) * chunk], chunk).astype(np.int32), self.mesh)
        chunks.append(np.asarray(jax.device_get(sample_jit(state.ema_params, stats, ids, y))))
      return np.concatenate(chunks)[:num]

    stats = self.batch_stats(state)
    return sample_fn

  def decode_fn(self, state):
    if self._decode is None:
      vae, likelihood = self.vae, self.likelihood

      def decode(params, batch_stats, z, labels):
        out = vae.apply({'params': params, 'batch_stats': batch_stats}, z, labels, train=False, method='decode')
        return vo.from_unit(likelihood.mean(out)).astype(jnp.float32)

      replicated = parallel.replicated(self.mesh)
      self._decode = jax.jit(decode, in_shardings=(replicated,) * 4, out_shardings=replicated)

    stats = self.batch_stats(state)

    def decode_fn(z: np.ndarray, labels: Optional[np.ndarray] = None) -> np.ndarray:
      labels = self._labels(len(z), labels)
      y = None if labels is None else parallel.replicate(labels, self.mesh)
      out = self._decode(state.ema_params, stats, parallel.replicate(np.asarray(z, np.float32), self.mesh), y)
      return np.asarray(jax.device_get(out))

    return decode_fn

  # ---------------------------------------------------------------- reconstructions and bounds
  def pictures(self, state, ds) -> Dict[str, np.ndarray]:
    """'reconstructions': rows of val inputs as the likelihood sees them (binarised, dequantised with eval.seed's
    noise), each followed by its reconstruction row."""
    count = max(1, self.config.train.num_sample_images // 2)
    arrays = ds.split_arrays('val')
    images = arrays['image'][:count]
    labels = arrays['label'][:count].astype(np.int32) if self.conditional else None
    if self._reconstruct is None:
      self._reconstruct = jax.jit(functools.partial(vae_bounds.reconstruct, self.vae, self.likelihood))
    variables = {'params': state.ema_params, 'batch_stats': self.batch_stats(state)}
    data_key = vae_bounds.eval_keys(self.config.eval.seed)[1]
    images, recons = (np.asarray(a) for a in jax.device_get(self._reconstruct(variables, images, labels, data_key)))
    cols = vae_bounds.grid_columns(2 * len(images))
    rows = vae_bounds.reconstruction_rows(images, recons, cols)
    return {'reconstructions': pictures_lib.image_grid(rows, cols=min(cols, len(images)))}

  def extra_metrics(self, state, ds, split: str) -> Dict[str, float]:
    """Negative ELBO and IWAE bound (vae.iwae_samples) on the whole `split`, nats/image and bits/dim:
    `result_keys(config)`."""
    ev, v = self.config.eval, self.config.vae
    if self._bounds is None:
      self._bounds = vae_bounds.BoundEvaluator(self.vae, self.likelihood, v.scale, v.iwae_samples, ev.batch_size,
                                               ev.seed, self.mesh)
    arrays = ds.split_arrays(split)
    labels = arrays['label'] if self.conditional else None
    return self._bounds(state.ema_params, self.batch_stats(state), arrays['image'], labels)


# Every result a VAE evaluation can add, over the likelihoods (eval.best_metric may name one; `validate` checks
# that the configured likelihood reports it).
RESULT_KEYS = tuple(dict.fromkeys(key for name in vo.LIKELIHOODS.names()
                                  for key in vae_bounds.result_keys(vo.LIKELIHOODS.get(name).suffix)))
# (key, what to use instead) of keys a VAE never reads: they must keep their schema default (the value that
# does nothing). The renamed ones (optim.g_lr, model.*_width / *_hidden) would otherwise be silently ignored.
GAN_ONLY = (('loss.n_critic', ''), ('model.pack', ''), ('loss.gp_weight', ''), ('loss.r1_weight', ''),
            ('loss.lecam_weight', ''), ('gan_aug.policy', ''), ('optim.g_lr', 'vae.lr'), ('optim.d_lr', 'vae.lr'),
            ('model.g_width', 'vae.decoder_width'), ('model.d_width', 'vae.encoder_width'),
            ('model.g_hidden', 'vae.decoder_hidden'), ('model.d_hidden', 'vae.encoder_hidden'))


def result_keys(config):
  """The results a VAE evaluation of `config` adds (its likelihood's bound names)."""
  return vae_bounds.result_keys(vo.LIKELIHOODS.get(config.vae.likelihood).suffix)


def validate(config) -> None:
  """One-line ConfigError for a bad VAE config: GAN-only keys or the `progan` section set, and the `vae` section
  (likelihood, lr, network sizes, scale, beta, warm-up, k); eval.best_metric must be a bound this likelihood
  reports."""
  for key, instead in GAN_ONLY:
    neutral, value = schema.BY_NAME[key].default, schema.value(config, key)
    if value != neutral:
      hint = f"; the VAE's own key is {instead}" if instead else ''
      raise ConfigError(f'{key}={value!r} is a GAN-only setting; model.name={config.model.name} is a '
                        f'VAE (allowed: {neutral!r}){hint}')
  schema.refuse_changed(config, 'progan', 'model.name=progan', 'a VAE')
  v = config.vae   # types and ranges: the schema (gan_jax.core.schema)
  vo.LIKELIHOODS.check(v.likelihood)
  best, produced = config.eval.best_metric, result_keys(config)
  if best in RESULT_KEYS and best not in produced:
    raise ConfigError(f'eval.best_metric={best!r} is not reported with vae.likelihood={v.likelihood!r}; '
                      f'allowed bounds: {", ".join(k for k in produced if k not in ("kl", "iwae_samples"))}')
