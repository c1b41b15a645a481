"""The ProGAN family (model.name = progan): Progressive GAN (Karras et al. 2018) as a phase schedule.

  trainer = ProganTrainer(config, example_shape, mesh, ds=ds)
  trainer.phases()                       # Phase(start, 'stable_4'), Phase(., 'fade_8'), ... (schedule.py)
  state = trainer.enter_phase(state, p)  # new layers in, finished ones out, Adam restarted (state.py)
  step_fn = trainer.make_train_step(p)   # step.train_step at p's resolution, fading or not

Networks: gan_jax.models.progan, sized by the `progan` section; z has model.latent_dim entries. Optimisers:
Adam(optim.b1, optim.b2, eps 1e-8) at optim.g_lr / optim.d_lr, constant (the paper: 0.001, b1 0, b2 0.99),
restarted at every phase boundary. Samples: the EMA generator at the state's phase and alpha, nearest-
upsampled to data.image_size and clipped to [-1, 1]. Evaluation: only at the final resolution, after its
fade (`evaluation_skipped` says why before that). Checkpoints record the phase, its resolution and alpha.
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
from gan_jax.families.contract import Phase, Trainer
from gan_jax.families.gan.losses import LOSSES, gradient_penalty, r1_penalty
from gan_jax.families.latents import draw_latents
from gan_jax.families.progan import schedule as schedule_lib
from gan_jax.families.progan.state import grow, init_layers, phase_state
from gan_jax.families.progan.step import train_step
from gan_jax.models import progan as networks


def batch_sizes(config, final: int) -> tuple:
  """One batch size per resolution start..final: progan.batch_sizes, or train.batch_size everywhere."""
  count = len(networks.resolutions(final, config.progan.start_resolution))
  return tuple(config.progan.batch_sizes) or (config.train.batch_size,) * count


def make_schedule(config, final: int):
  """The phases of growing to `final` (the data's image size)."""
  p = config.progan
  return schedule_lib.build_schedule(final, p.start_resolution, p.images_per_phase,
                                     p.fade_images or p.images_per_phase, batch_sizes(config, final))


class ProganTrainer(Trainer):
  console_keys = ('d_loss', 'g_loss', 'resolution', 'alpha', 'd_real_logit', 'd_fake_logit')
  last_value_keys = ('resolution', 'alpha')   # where the schedule is at the logged step, not a window's mean

  def __init__(self, config, example_shape, mesh=None, ds=None, meta=None):
    super().__init__(config, example_shape, mesh)
    del ds, meta   # unconditional: nothing of the data or a checkpoint changes the networks
    p = config.progan
    size, channels = self.example_shape[0], self.example_shape[-1]
    widths = dict(fmap_base=p.fmap_base, fmap_decay=p.fmap_decay, fmap_max=p.fmap_max)
    self.generator = networks.ProGenerator(final_resolution=size, channels=channels, **widths)
    self.discriminator = networks.ProDiscriminator(final_resolution=size, mbstd_group_size=p.mbstd_group_size,
                                                   **widths)
    optim = config.optim
    self.g_tx, _ = make_optimizer(optim, optim.g_lr, config.train.steps, 0)
    self.d_tx, _ = make_optimizer(optim, optim.d_lr, config.train.steps, 0)
    self.specs = make_schedule(config, size)
    self._phases = tuple(Phase(spec.start, spec.name) for spec in self.specs)
    devices = jax.device_count()
    for spec in self.specs:   # every device gets the same share of every phase's batch
      if spec.batch_size % devices:
        raise ConfigError(f'progan.batch_sizes: {spec.batch_size} at {spec.resolution}x{spec.resolution} must '
                          f'divide by the device count ({devices})')
    self._init_layers = functools.partial(init_layers, config.seed, generator=self.generator,
                                          discriminator=self.discriminator, latent_dim=config.model.latent_dim,
                                          example_shape=self.example_shape)
    self.init_fn = lambda: self._phase_state(self.specs[0])(self._init_layers())
    self._layers_cache, self._jitted, self._samplers = None, {}, {}

  # ---------------------------------------------------------------- phases
  def spec(self, phase: Optional[Phase] = None) -> schedule_lib.PhaseSpec:
    name = (phase or self._phases[0]).name
    return next(spec for spec in self.specs if spec.name == name)

  def spec_at(self, step: int) -> schedule_lib.PhaseSpec:
    return self.spec(self.phase_at(step))

  def phases(self):
    return self._phases

  def _names(self, spec) -> Dict:
    g_layers, d_layers = networks.layer_names(spec.resolution, spec.fading)
    return {'g_layers': g_layers, 'd_layers': d_layers, 'g_tx': self.g_tx, 'd_tx': self.d_tx}

  def _phase_state(self, spec):
    return functools.partial(phase_state, **self._names(spec))

  def _jit(self, name: str, fn):
    """One jit per (purpose, phase) for this trainer, its outputs replicated over the mesh."""
    if name not in self._jitted:
      self._jitted[name] = jax.jit(fn, out_shardings=parallel.replicated(self.mesh))
    return self._jitted[name]

  def layers(self):
    """Every layer of G and D as drawn from config.seed at the start, and the run's key (computed once)."""
    if self._layers_cache is None:
      self._layers_cache = self._jit('init_layers', self._init_layers)()
    return self._layers_cache

  def batch_keys(self, ds):
    return ('image',)   # unconditional

  def fresh_state(self):
    return self._jit(f'state_{self.specs[0].name}', self._phase_state(self.specs[0]))(self.layers())

  def enter_phase(self, state, phase: Phase):
    return self._jit(f'grow_{phase.name}', functools.partial(grow, **self._names(self.spec(phase))))(
        state, self.layers())

  def abstract_state(self, phase: Optional[Phase] = None):
    shapes = jax.eval_shape(lambda: self._phase_state(self.spec(phase))(self._init_layers()))
    sharding = parallel.replicated(self.mesh)
    return jax.tree.map(lambda s: jax.ShapeDtypeStruct(s.shape, s.dtype, sharding=sharding), shapes)

  def restore_state(self, store, step: int):
    """Refuses (one line) a checkpoint written in another phase than this config's schedule puts its step in."""
    saved = store.read_meta(step).get('phase')
    wanted = self.phase_at(step).name
    if saved != wanted:
      raise ConfigError(f'checkpoint {store.directory}/{step} was written in phase {saved}; this config\'s '
                        f'schedule puts step {step} in phase {wanted} (progan.images_per_phase, fade_images, '
                        'batch_sizes, start_resolution or train.batch_size changed); use the config it was '
                        'trained with or a new --workdir')
    return super().restore_state(store, step)

  def checkpoint_meta(self, step: int, data_kind: str, extra: Optional[Dict] = None) -> Dict:
    spec = self.spec_at(step)
    return super().checkpoint_meta(step, data_kind, {'resolution': spec.resolution, 'fading': spec.fading,
                                                     'alpha': schedule_lib.alpha_at(spec, step), **(extra or {})})

  # ---------------------------------------------------------------- the step
  def bind_train_step(self, phase: Optional[Phase] = None):
    config = self.config
    return functools.partial(
        train_step, spec=self.spec(phase), generator=self.generator, discriminator=self.discriminator,
        loss=LOSSES.get(config.loss.name), g_tx=self.g_tx, d_tx=self.d_tx, latent_dim=config.model.latent_dim,
        gp_weight=config.loss.gp_weight, r1_weight=config.loss.r1_weight, drift=config.progan.drift,
        gradient_penalty=gradient_penalty, r1_penalty=r1_penalty, ema_decay=config.ema.decay,
        ema_start_step=config.ema.start_step)

  # ---------------------------------------------------------------- outputs
  def evaluation_skipped(self, step: int) -> str:
    spec, final = self.spec_at(step), self.example_shape[0]
    if spec.resolution == final and not spec.fading:
      return ''
    where = f'fading in {spec.resolution}x{spec.resolution}, alpha {schedule_lib.alpha_at(spec, step):.3f}' \
        if spec.fading else f'at {spec.resolution}x{spec.resolution}'
    return (f'the generator is {where} (phase {spec.name}); progan evaluates at the final resolution '
            f'{final}x{final} only, from step {self.specs[-1].start}')

  def _generate(self, spec, truncation: float, temperature: float):
    """jit of (params, seed_and_chunk [2] or z, alpha) -> float32 [chunk, S, S, C] for `spec`'s networks."""
    key = (spec.name, truncation, temperature)
    if key not in self._samplers:
      chunk, latent, final = self.config.eval.batch_size, self.config.model.latent_dim, self.example_shape[0]

      def generate(params, z, alpha):
        x = self.generator.apply({'params': params}, z, alpha, resolution=spec.resolution, fading=spec.fading)
        return jnp.clip(networks.upsample(x, final // spec.resolution), -1.0, 1.0).astype(jnp.float32)

      def sample(params, seed_and_chunk, alpha):
        z = draw_latents(jax.random.fold_in(jax.random.PRNGKey(seed_and_chunk[0]), seed_and_chunk[1]),
                         (chunk, latent), truncation, temperature)
        return generate(params, z, alpha)

      replicated = parallel.replicated(self.mesh)
      self._samplers[key] = tuple(jax.jit(f, in_shardings=(replicated,) * 3, out_shardings=replicated)
                                  for f in (sample, generate))
    return self._samplers[key]

  def _phase_of(self, state):
    step = int(jax.device_get(state.step))
    spec = self.spec_at(step)
    return spec, parallel.replicate(np.float32(schedule_lib.alpha_at(spec, step)), self.mesh)

  def sample_fn(self, state, truncation: float = 0.0, temperature: float = 1.0):
    """sample_fn(num, seed) -> float32 [num, S, S, C]: the EMA generator at the state's resolution and alpha,
    nearest-upsampled to the data's size; chunk i of seed s draws its latents from fold_in(PRNGKey(s), i)."""
    spec, alpha = self._phase_of(state)
    sample = self._generate(spec, truncation, temperature)[0]
    chunk = self.config.eval.batch_size

    def sample_fn(num: int, seed: int, labels=None) -> np.ndarray:
      if labels is not None:
        raise ValueError('progan is unconditional: labels must be None')
      out = [np.asarray(jax.device_get(sample(state.ema_params, parallel.replicate(np.array([seed, i], np.int32),
                                                                                  self.mesh), alpha)))
             for i in range(math.ceil(num / chunk))]
      return np.concatenate(out)[:num]
    return sample_fn

  def decode_fn(self, state):
    spec, alpha = self._phase_of(state)
    generate = self._generate(spec, 0.0, 1.0)[1]

    def decode(z: np.ndarray, labels=None) -> np.ndarray:
      if labels is not None:
        raise ValueError('progan is unconditional: labels must be None')
      z = parallel.replicate(np.asarray(z, np.float32), self.mesh)
      return np.asarray(jax.device_get(generate(state.ema_params, z, alpha)))
    return decode


# (key, value it must keep) of settings ProGAN does not read or support: set, they would be silently ignored.
UNSUPPORTED = (('loss.n_critic', 1), ('model.pack', 1), ('model.conditional', 'none'), ('gan_aug.policy', ''),
               ('loss.lecam_weight', 0.0), ('model.dtype', 'float32'), ('optim.schedule', 'constant'),
               ('optim.warmup_steps', 0))


def _value(config, dotted: str):
  section, key = dotted.split('.')
  return config[section][key]


def validate(config) -> None:
  """One-line ConfigError for a ProGAN config the schedule or the networks cannot run (types and ranges:
  the schema)."""
  for key, allowed in UNSUPPORTED:
    if _value(config, key) != allowed:
      raise ConfigError(f'{key}={_value(config, key)!r} is not supported by model.name=progan; allowed: {allowed!r}')
  schema.refuse_changed(config, 'vae', 'VAEs', 'a GAN')
  p, size = config.progan, config.data.image_size
  start = p.start_resolution
  if start & (start - 1) or start > size:
    raise ConfigError(f'progan.start_resolution={start} must be a power of two from 4 to data.image_size={size}')
  networks.validate_config(config.model, (size, size, config.data.channels))
  count = len(networks.resolutions(size, start))
  if p.batch_sizes and len(p.batch_sizes) != count:
    raise ConfigError(f'progan.batch_sizes={tuple(p.batch_sizes)} must give one batch size per resolution '
                      f'{", ".join(map(str, networks.resolutions(size, start)))} ({count} numbers), or be ()')
  group = p.mbstd_group_size
  for r, b in zip(networks.resolutions(size, start), batch_sizes(config, size)):
    key = 'progan.batch_sizes' if p.batch_sizes else 'train.batch_size'
    if config.train.batch_size % b:
      raise ConfigError(f'{key}: {b} at {r}x{r} must divide train.batch_size={config.train.batch_size} (the '
                        'rows the loop reads per step)')
    if group > 1 and b % min(group, b):
      raise ConfigError(f'{key}: {b} at {r}x{r} must be a multiple of progan.mbstd_group_size={group} (or '
                        'smaller than it)')
    for name, images in (('images_per_phase', p.images_per_phase), ('fade_images', p.fade_images)):
      if images and images < b:
        raise ConfigError(f'progan.{name}={images} is less than one batch ({b} at {r}x{r})')
