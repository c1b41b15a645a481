"""The GAN family's Trainer: G and D with their optimisers and losses, the pure step, the EMA sampler.

  trainer = GanTrainer(config, example_shape, mesh, ds=ds)            # training: classes from the data
  trainer = GanTrainer(config, example_shape, mesh, meta=meta)        # a checkpoint's meta (sampling)
  state = trainer.fresh_state()                                      # state.TrainState, replicated
  step_fn = trainer.make_train_step()                                # jit(step.train_step), config bound
  # the step reads batches_per_step() = loss.n_critic batches of train.batch_size: one per D update
"""

import functools
from typing import Callable, Dict, Optional, Tuple

import ml_collections
import numpy as np

from gan_jax.augment import make_augment, uses_ada
from gan_jax.augment.adaptive import AdaSettings
from gan_jax.core import schema
from gan_jax.core.errors import ConfigError
from gan_jax.core.optimizers import make_gan_optimizers
from gan_jax.families.contract import Trainer
from gan_jax.families.gan.losses import AUX_CLASS_LOSSES, LOSSES, classification_loss, gradient_penalty, r1_penalty
from gan_jax.families.gan.sampler import Sampler
from gan_jax.families.gan.state import init_train_state
from gan_jax.families.gan.step import train_step
from gan_jax.models import build_models, resolve_num_classes
from gan_jax.models.conditioning import FAKE_LABELS

# Losses whose logits are log-odds of "real": their D outputs are also reported as probabilities.
PROBABILITY_LOSSES = frozenset({'non_saturating', 'minimax'})


def class_info(config: ml_collections.ConfigDict, ds) -> Tuple[int, Optional[np.ndarray]]:
  """(resolved num_classes, fixed fake-label probabilities) for a prepared dataset; (0, None) if unconditional.

  model.fake_labels='uniform': 1 / num_classes each. 'data': None, no fixed distribution: each D update's
  fake labels are its real labels shuffled (gan_jax.models.conditioning.FAKE_LABELS), so they follow the
  real batches after data.rebalance, synthetic mixing and train_fraction, not the train split's counts.
  ConfigError for a conditional model on unlabelled data (raised before anything compiles).
  """
  num_classes = resolve_num_classes(config.model, ds.num_classes)
  if not num_classes:
    return 0, None
  if config.model.fake_labels == 'uniform':
    return num_classes, np.full(num_classes, 1.0 / num_classes)
  return num_classes, None


class GanTrainer(Trainer):
  """The state is state.TrainState, the step step.train_step, samples the EMA generator's."""
  console_keys = ('d_loss', 'g_loss', 'd_real_prob', 'd_fake_prob', 'd_real_logit', 'd_fake_logit')

  def __init__(self, config, example_shape, mesh=None, ds=None, meta=None):
    super().__init__(config, example_shape, mesh)
    if ds is not None:
      num_classes, fake_label_probs = class_info(config, ds)   # ConfigError before compiling
    else:
      num_classes, fake_label_probs = (meta or {}).get('num_classes', 0), (meta or {}).get('fake_label_probs')
    if config.gan_aug.policy.strip() and len(self.example_shape) != 3:
      raise ConfigError(f'gan_aug.policy={config.gan_aug.policy!r} augments images [H, W, C]; this dataset\'s '
                        f'examples have shape {self.example_shape}: set gan_aug.policy=\'\'')
    self.num_classes = int(num_classes) if config.model.conditional != 'none' else 0
    self.fake_label_probs = None if fake_label_probs is None else np.asarray(fake_label_probs, np.float64)
    self.generator, self.discriminator = build_models(config.model, self.example_shape, self.num_classes)
    self.g_tx, self.g_schedule, self.d_tx, self.d_schedule = make_gan_optimizers(config)
    self.init_fn = functools.partial(
        init_train_state, config.seed, generator=self.generator, discriminator=self.discriminator,
        g_tx=self.g_tx, d_tx=self.d_tx, latent_dim=config.model.latent_dim, example_shape=self.example_shape,
        pack=config.model.pack, num_classes=self.num_classes, ada_p=config.gan_aug.ada_p)
    self._samplers = {}

  def checkpoint_meta(self, step: int, data_kind: str, extra: Optional[Dict] = None) -> Dict:
    """Adds 'fake_labels' (model.fake_labels of conditional models, else None) and 'fake_label_probs'
    (the fixed distribution of 'uniform'; None for 'data', whose fakes take the real batches' labels)."""
    probs = None if self.fake_label_probs is None else [float(p) for p in self.fake_label_probs]
    mode = self.config.model.fake_labels if self.num_classes else None
    return super().checkpoint_meta(step, data_kind, {'fake_labels': mode, 'fake_label_probs': probs,
                                                     **(extra or {})})

  def batches_per_step(self) -> int:
    """n_critic: every D update reads a fresh real batch (the step splits them, step.real_batches)."""
    return self.config.loss.n_critic

  def bind_train_step(self, phase=None) -> Callable:
    """train_step with everything but (state, batch, rng) bound from the config; pure, not jitted (for
    callers that compose it further, e.g. multi_seed's scan over steps and vmap over seeds)."""
    del phase   # one phase
    config, aug = self.config, self.config.gan_aug
    return functools.partial(
        train_step, generator=self.generator, discriminator=self.discriminator,
        loss=LOSSES.get(config.loss.name), g_tx=self.g_tx, d_tx=self.d_tx, g_schedule=self.g_schedule,
        d_schedule=self.d_schedule, latent_dim=config.model.latent_dim, n_critic=config.loss.n_critic,
        gp_weight=config.loss.gp_weight, r1_weight=config.loss.r1_weight, ema_decay=config.ema.decay,
        gradient_penalty=gradient_penalty, r1_penalty=r1_penalty,
        report_probabilities=config.loss.name in PROBABILITY_LOSSES, num_classes=self.num_classes,
        draw_fake_labels=FAKE_LABELS.get(config.model.fake_labels), ac_weight=config.loss.ac_weight,
        ac_fake_weight=config.loss.ac_fake_weight,
        class_loss=AUX_CLASS_LOSSES.get(config.model.conditional, lambda _: classification_loss)(config.loss),
        augment=make_augment(aug.policy), lecam_weight=config.loss.lecam_weight,
        lecam_decay=config.loss.lecam_decay,
        ada=AdaSettings(aug.ada_target, aug.ada_interval, aug.ada_kimg, adaptive=uses_ada(aug.policy)),
        ema_start_step=config.ema.start_step)

  def sample_fn(self, state, truncation: float = 0.0, temperature: float = 1.0):
    key = (truncation, temperature)
    if key not in self._samplers:   # one compilation per run (and latent setting)
      self._samplers[key] = Sampler(self.generator, self.config.model.latent_dim, self.mesh,
                                    self.config.eval.batch_size, self.num_classes, truncation, temperature,
                                    standing_batches=self.config.ema.standing_batches,
                                    standing_batch_size=self.config.train.batch_size)
    return self._samplers[key].sample_fn(state)

  def decode_fn(self, state):
    return self.sample_fn(state).decode   # the same compiled generator, at given latents


def validate(config) -> None:
  """The VAE's and ProGAN's sections left at their defaults (the schema's): a GAN of this family never reads
  them, so a value set there is a mistake worth one line, not a silent no-op."""
  schema.refuse_changed(config, 'vae', 'VAEs', 'a GAN')
  schema.refuse_changed(config, 'progan', 'model.name=progan', 'a GAN')
