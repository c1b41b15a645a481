"""The CycleGAN family (model.name = cyclegan): unpaired translation between data (domain a) and data_b (domain b).

  trainer = CycleganTrainer(config, example_shape, mesh, ds=two_domain_ds)
  trainer.batch_keys(ds)                    # ('image', 'image_b'): one batch of each domain per step
  step_fn = trainer.make_train_step()       # step.train_step: G and F, then D_a and D_b with the image pools
  translate = trainer.translate_fn(state, 'a2b')   # float32 [N, H, W, C] in [-1, 1] -> G(x), same shape
  trainer.sample_kind == 'translation'; trainer.sample_fn(state)(num, seed)   # G(a) of domain a's val images

Networks (gan_jax/models/cyclegan.py) sized by the `cyclegan` section; loss.name picks the GAN terms
(objective.ADVERSARIAL: least_squares is the reference's); Adam(optim.b1, optim.b2) at optim.g_lr / optim.d_lr
on optim.schedule (the reference: constant_then_linear); no EMA (the reference has none: ema.decay must be 0).
Evaluation is the family's own (cyclegan.metrics, gan_jax/metrics/translation.py): eval.metrics must be empty,
since the Evaluator's metrics compare samples with domain a, and a translation's belong to domain b.
"""

import functools
from typing import Dict

import jax
import numpy as np

from gan_jax.core import parallel, schema
from gan_jax.core.errors import ConfigError
from gan_jax.core.optimizers import make_optimizer
from gan_jax.families.contract import Trainer
from gan_jax.families.cyclegan.objective import ADVERSARIAL
from gan_jax.families.cyclegan.state import init_state
from gan_jax.families.cyclegan.step import train_step
from gan_jax.logs import pictures
from gan_jax.metrics import translation
from gan_jax.models import cyclegan as networks

DIRECTIONS = {'a2b': 'ab', 'b2a': 'ba'}   # --direction -> the generator's key in state.g_params
PICTURE_COLUMNS = 8


class CycleganTrainer(Trainer):
  console_keys = ('g_loss', 'd_loss', 'cycle_a', 'cycle_b', 'g_adv_ab', 'g_adv_ba')

  def __init__(self, config, example_shape, mesh=None, ds=None, meta=None):
    super().__init__(config, example_shape, mesh)
    del meta   # nothing of a checkpoint changes the networks
    c, optim = config.cyclegan, config.optim
    self.generator = networks.ResnetGenerator(channels=self.example_shape[-1], width=c.g_width, blocks=c.g_blocks,
                                              downsamplings=c.g_downsamplings)
    self.discriminator = networks.PatchDiscriminator(width=c.d_width, layers=c.d_layers)
    self.g_tx, self.g_schedule = make_optimizer(optim, optim.g_lr, config.train.steps, optim.warmup_steps)
    self.d_tx, self.d_schedule = make_optimizer(optim, optim.d_lr, config.train.steps, optim.warmup_steps)
    self.init_fn = functools.partial(init_state, config.seed, generator=self.generator,
                                     discriminator=self.discriminator, example_shape=self.example_shape,
                                     pool_size=c.pool_size, g_tx=self.g_tx, d_tx=self.d_tx)
    self._ds = ds
    self._translators = {}

  @property
  def sample_kind(self) -> str:
    return 'translation'

  def batch_keys(self, ds):
    return ('image', 'image_b')   # unpaired images of both domains; labels are measured, never trained on

  def bind_train_step(self, phase=None):
    c = self.config.cyclegan
    return functools.partial(train_step, generator=self.generator, discriminator=self.discriminator,
                             adversarial=ADVERSARIAL.get(self.config.loss.name), g_tx=self.g_tx, d_tx=self.d_tx,
                             cycle_weight=c.cycle_weight, identity_weight=c.identity_weight,
                             g_schedule=self.g_schedule, d_schedule=self.d_schedule,
                             low_frequency_weight=c.low_frequency_weight, low_frequency_sigma=c.low_frequency_sigma)

  # ---------------------------------------------------------------- translation
  def dataset(self):
    """The two-domain dataset: the one training was given, else prepared (from the cache) on first need."""
    if self._ds is None:
      from gan_jax.data import prepare_dataset  # pylint: disable=g-import-not-at-top
      self._ds = prepare_dataset(self.config, None, jax.process_index(), jax.process_count())
    return self._ds

  def translate_fn(self, state, direction: str):
    """direction 'a2b' (G) or 'b2a' (F) -> translate(x float32 [N, H, W, C] in [-1, 1]) -> float32, same shape,
    in chunks of eval.batch_size (every process passes the same x)."""
    if direction not in DIRECTIONS:
      raise ConfigError(f'--direction={direction!r} is not allowed; allowed: {", ".join(DIRECTIONS)}')
    if 'apply' not in self._translators:
      replicated = parallel.replicated(self.mesh)
      self._translators['apply'] = jax.jit(lambda params, x: self.generator.apply({'params': params}, x),
                                           in_shardings=(replicated, replicated), out_shardings=replicated)
    apply, params = self._translators['apply'], state.g_params[DIRECTIONS[direction]]
    chunk = self.config.eval.batch_size

    def translate(x: np.ndarray) -> np.ndarray:
      x = np.asarray(x, np.float32)
      if x.shape[1:] != self.example_shape:
        raise ValueError(f'translate: images {x.shape[1:]}, expected {self.example_shape}')
      out = []
      for start in range(0, len(x), chunk):   # the last chunk padded to the compiled shape
        part = x[start:start + chunk]
        padded = np.concatenate([part, np.zeros((chunk - len(part), *part.shape[1:]), np.float32)])
        out.append(np.asarray(jax.device_get(apply(params, parallel.replicate(padded, self.mesh))))[:len(part)])
      return np.concatenate(out) if out else np.zeros((0, *self.example_shape), np.float32)
    return translate

  def sample_fn(self, state, truncation: float = 0.0, temperature: float = 1.0):
    """sample_fn(num, seed) -> G(a) float32 [num, H, W, C] of domain a's val images in the order of a
    permutation drawn from `seed` (repeated when num exceeds the split)."""
    del truncation, temperature   # no latents
    translate = self.translate_fn(state, 'a2b')

    def sample_fn(num: int, seed: int, labels=None) -> np.ndarray:
      if labels is not None:
        raise ValueError('cyclegan translates images: labels must be None')
      images = self.dataset().domain('a').split_arrays('val')['image']
      order = np.random.RandomState(seed).permutation(len(images))
      return translate(images[np.resize(order, num)])
    return sample_fn

  def decode_fn(self, state):
    raise ConfigError('model.name=cyclegan has no latent space to interpolate; use --mode=translate')

  def pictures(self, state, ds) -> Dict[str, np.ndarray]:
    """'translations': for each domain, rows x, G(x), F(G(x)) of PICTURE_COLUMNS val images spread evenly over
    the split (a split stored class by class shows every class, not the first one's)."""
    rows = []
    for source, (forward, back) in (('a', ('a2b', 'b2a')), ('b', ('b2a', 'a2b'))):
      images = ds.domain(source).split_arrays('val')['image']
      x = images[translation.spread(len(images), PICTURE_COLUMNS)]
      y = self.translate_fn(state, forward)(x)
      rows += [x, y, self.translate_fn(state, back)(y)]
    return {'translations': pictures.image_grid(np.concatenate(rows), cols=len(rows[0]))}

  def extra_metrics(self, state, ds, split: str) -> Dict[str, float]:
    translators = {d: self.translate_fn(state, d) for d in DIRECTIONS}
    return translation.evaluate(self.config, ds, split, lambda direction, x: translators[direction](x))


# (key, value it must keep) of settings CycleGAN does not read: set, they would be silently ignored.
UNSUPPORTED = (('loss.n_critic', 1), ('loss.gp_weight', 0.0), ('loss.r1_weight', 0.0), ('loss.lecam_weight', 0.0),
               ('model.pack', 1), ('model.conditional', 'none'), ('model.dtype', 'float32'), ('gan_aug.policy', ''),
               ('ema.decay', 0.0), ('eval.metrics', ()))
OTHER_FAMILIES = ('vae.', 'progan.')


def result_keys() -> tuple:
  """Every result cyclegan.metrics can produce (usable as eval.best_metric)."""
  return tuple(key for name in translation.TRANSLATION_METRICS.names()
               for key in translation.TRANSLATION_METRICS.get(name).keys)


def validate(config) -> None:
  """One-line ConfigError for a CycleGAN config its networks or objective cannot run (types and ranges: the
  schema)."""
  ADVERSARIAL.check(config.loss.name)
  for key, allowed in UNSUPPORTED:
    found = schema.value(config, key)
    if (tuple(found) if key == 'eval.metrics' and not isinstance(found, str) else found) != allowed:
      why = ' (translations are measured by cyclegan.metrics)' if key == 'eval.metrics' else ''
      raise ConfigError(f'{key}={found!r} is not supported by model.name=cyclegan; allowed: {allowed!r}{why}')
  for key in schema.KEYS:
    if key.name.startswith(OTHER_FAMILIES) and schema.value(config, key.name) != key.default:
      raise ConfigError(f'{key.name}={schema.value(config, key.name)!r} applies to another family; '
                        f'model.name=cyclegan allows only its default, {key.default!r}')
  if not config.data_b.name:
    raise ConfigError("data_b.name='' : model.name=cyclegan translates between two domains; set data_b.name (and "
                      'data_b.path for an image_folder)')
  size = config.data.image_size
  networks.validate_config(config.model, (size, size, config.data.channels), config.cyclegan.g_downsamplings)
  if networks.patch_grid(size, config.cyclegan.d_layers) < 1:
    allowed = [n for n in range(1, 8) if networks.patch_grid(size, n) >= 1]
    raise ConfigError(f'cyclegan.d_layers={config.cyclegan.d_layers} leaves no patch of a {size}x{size} image; '
                      f'allowed: {", ".join(map(str, allowed))}')
  names = (config.cyclegan.metrics,) if isinstance(config.cyclegan.metrics, str) else tuple(config.cyclegan.metrics)
  for name in names:
    translation.TRANSLATION_METRICS.check(name)
  problem = translation.ground_truth_problem(config) if 'ground_truth_l1' in names else ''
  if problem:
    raise ConfigError(f"cyclegan.metrics has 'ground_truth_l1' but {problem}")
  produced = {key for name in names for key in translation.TRANSLATION_METRICS.get(name).keys}
  if config.eval.best_metric and config.eval.best_metric not in produced:
    raise ConfigError(f'eval.best_metric={config.eval.best_metric!r} is not produced by cyclegan.metrics={names}; '
                      f'allowed: {", ".join(sorted(produced))} or empty')
