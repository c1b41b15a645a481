"""The GAN family: G and D with their optimisers (gan_jax.train.state / step / setup, unchanged)."""

from gan_jax.sampling import Sampler
from gan_jax.train import setup as setup_lib
from gan_jax.train.families.base import Trainer


class GanTrainer(Trainer):
  """Delegates to gan_jax.train.setup: the state is state.TrainState, the step step.train_step."""
  console_keys = ('d_loss', 'g_loss', 'd_real_prob', 'd_fake_prob', 'd_real_logit', 'd_fake_logit')

  def __init__(self, config, example_shape, mesh, ds=None, meta=None):
    super().__init__(config, example_shape, mesh)
    if ds is not None:
      num_classes, fake_label_probs = setup_lib.class_info(config, ds)   # ConfigError before compiling
    else:
      num_classes, fake_label_probs = (meta or {}).get('num_classes', 0), (meta or {}).get('fake_label_probs')
    self.setup = setup_lib.build_setup(config, self.example_shape, mesh, num_classes, fake_label_probs)
    self.num_classes = self.setup.num_classes
    self.init_fn = self.setup.init_fn
    self._samplers = {}

  def fresh_state(self):
    return setup_lib.fresh_state(self.setup)

  def restore_state(self, store, step):
    return setup_lib.restore_state(self.setup, store, step)

  def checkpoint_meta(self, step, data_kind, extra=None):
    return setup_lib.checkpoint_meta(self.setup, step, data_kind, extra)

  def bind_train_step(self):
    return setup_lib.bind_train_step(self.setup)

  def make_train_step(self):
    return setup_lib.make_train_step(self.setup)

  def sample_fn(self, state, truncation: float = 0.0, temperature: float = 1.0):
    key = (truncation, temperature)
    if key not in self._samplers:   # one compilation per run (and latent setting)
      self._samplers[key] = Sampler(self.setup.generator, self.config.model.latent_dim, self.mesh,
                                    self.config.eval.batch_size, self.setup.num_classes, truncation, temperature)
    return self._samplers[key].sample_fn(state)

  def decode_fn(self, state):
    return self.sample_fn(state).decode   # the same compiled generator, at given latents


def validate(config) -> None:
  """VAE-only keys left at their defaults (they do nothing for a GAN)."""
  from gan_jax.errors import ConfigError  # pylint: disable=g-import-not-at-top
  if config.loss.beta != 1.0 or config.loss.kl_warmup_steps != 0:
    raise ConfigError(f'loss.beta={config.loss.beta!r} / loss.kl_warmup_steps={config.loss.kl_warmup_steps!r} '
                      f'apply to VAEs only; model.name={config.model.name} is a GAN (allowed: 1.0 / 0)')
