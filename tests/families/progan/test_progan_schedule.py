"""ProGAN's schedule: the phase of every step, alpha at the phase boundaries, per-resolution batch sizes, and the
one-line errors of a config the schedule cannot run (no compilation: trainers are only constructed)."""

import jax.numpy as jnp
import numpy as np
import pytest

from configs import progan_mnist5k, vae_digits
from gan_jax import config_checks
from gan_jax.core import schema
from gan_jax.core.errors import ConfigError
from gan_jax.families import build_trainer
from gan_jax.families.progan import schedule
from run_helpers import make_tiny_config


def _config(image_size=16, **progan):
  config = progan_mnist5k.get_config('tiny')
  config.data.name = 'digits'
  config.data.image_size = image_size
  config.train.batch_size = 8
  config.progan.update(progan)
  return config


def test_phase_of_every_step_and_alpha_at_the_boundaries():
  # 16x16 from 4x4; 20 images per phase, batches 8, 8, 4: 3 steps per phase at 4 and 8, 5 at 16.
  trainer = build_trainer(_config(images_per_phase=20, batch_sizes=(8, 8, 4)), (16, 16, 1))
  names = ['stable_4'] * 3 + ['fade_8'] * 3 + ['stable_8'] * 3 + ['fade_16'] * 5 + ['stable_16'] * 4
  assert [trainer.phase_at(step).name for step in range(len(names))] == names
  assert [(p.start, p.name) for p in trainer.phases()] == [
      (0, 'stable_4'), (3, 'fade_8'), (6, 'stable_8'), (9, 'fade_16'), (14, 'stable_16')]
  assert [(s.resolution, s.fading, s.batch_size) for s in trainer.specs] == [
      (4, False, 8), (8, True, 8), (8, False, 8), (16, True, 4), (16, False, 4)]
  alphas = {step: schedule.alpha_at(trainer.spec_at(step), step) for step in range(18)}
  # A fade starts at alpha 0 and rises by batch / fade images per step; the steps around it have no blend.
  assert [alphas[s] for s in (2, 3, 4, 5, 6)] == [1.0, 0.0, 8 / 20, 16 / 20, 1.0]
  assert [alphas[s] for s in (8, 9, 10, 13, 14)] == [1.0, 0.0, 4 / 20, 16 / 20, 1.0]
  for step, alpha in alphas.items():   # the step computes the same alpha from its int32 counter
    traced = schedule.traced_alpha(trainer.spec_at(step), jnp.int32(step))
    assert float(traced) == pytest.approx(alpha, abs=1e-7)
  assert trainer.checkpoint_meta(4, 'image')['phase'] == 'fade_8'
  assert trainer.checkpoint_meta(4, 'image')['alpha'] == pytest.approx(0.4)
  assert trainer.evaluation_skipped(16) == '' and 'fading in 16x16' in trainer.evaluation_skipped(12)
  assert 'at 8x8' in trainer.evaluation_skipped(7)


def test_fade_images_and_a_fixed_resolution():
  trainer = build_trainer(_config(8, images_per_phase=16, fade_images=32), (8, 8, 1))
  assert [(p.start, p.name) for p in trainer.phases()] == [(0, 'stable_4'), (2, 'fade_8'), (6, 'stable_8')]
  fixed = build_trainer(_config(8, start_resolution=8), (8, 8, 1))   # the ablation without growing
  assert [(p.start, p.name) for p in fixed.phases()] == [(0, 'stable_8')]
  assert fixed.evaluation_skipped(0) == ''


@pytest.mark.parametrize('override, message', [
    (dict(start_resolution=6), 'progan.start_resolution=6 must be a power of two from 4 to data.image_size=16'),
    (dict(start_resolution=32), 'progan.start_resolution=32 must be a power of two'),
    (dict(batch_sizes=(8, 8)), 'progan.batch_sizes=(8, 8) must give one batch size per resolution 4, 8, 16'),
    (dict(batch_sizes=(8, 8, 3)), 'progan.batch_sizes: 3 at 16x16 must divide train.batch_size=8'),
    (dict(batch_sizes=(8, 8, 2), mbstd_group_size=4), None),   # a batch smaller than a group: one group
    (dict(batch_sizes=(8, 6, 8)), 'progan.batch_sizes: 6 at 8x8 must divide train.batch_size=8'),
    (dict(images_per_phase=4), 'progan.images_per_phase=4 is less than one batch (8 at 4x4)'),
    (dict(batch_sizes=(8, 8, 0)), 'progan.batch_sizes=(8, 8, 0) must be a tuple of integers >= 1'),
    (dict(fmap_max=0), 'progan.fmap_max=0 must be an integer >= 1'),
])
def test_bad_schedule_is_one_line_before_compiling(override, message):
  config = _config(**override)
  if message is None:
    config_checks.validate_config(config)
    return
  with pytest.raises(ConfigError) as error:
    config_checks.validate_config(config)
  assert str(error.value).startswith(message) and '\n' not in str(error.value)


@pytest.mark.parametrize('key, value, message', [
    ('loss.n_critic', 5, 'loss.n_critic=5 is not supported by model.name=progan; allowed: 1'),
    ('model.conditional', 'acgan', "model.conditional='acgan' is not supported by model.name=progan"),
    ('optim.schedule', 'cosine', "optim.schedule='cosine' is not supported by model.name=progan"),
    ('vae.beta', 2.0, 'vae.beta=2.0 applies to VAEs only'),
    ('data.standardize', True, 'data.standardize=True does not fit model.name=progan'),
    ('data.name', 'ring2d', 'model.name=progan needs image data'),
])
def test_settings_progan_does_not_read_are_refused(key, value, message):
  config = _config()
  section, name = key.split('.')
  config[section][name] = value
  with pytest.raises(ConfigError, match=message.replace('(', r'\(').replace(')', r'\)')):
    config_checks.validate_config(config)


@pytest.mark.parametrize('make, kind', [(make_tiny_config, 'a GAN'),
                                         (lambda: vae_digits.get_config('tiny'), 'a VAE')], ids=['dcgan', 'vae'])
@pytest.mark.parametrize('key, value', [('progan.start_resolution', 8), ('progan.batch_sizes', (8, 8, 8)),
                                        ('progan.mbstd_group_size', 0), ('progan.drift', 0.0)])
def test_other_families_refuse_progan_keys_set_away_from_their_defaults(make, kind, key, value):
  config = make()
  config_checks.validate_config(config, 'train', devices=False)   # the defaults (also as a flag's []) pass
  config.progan.batch_sizes = []
  config_checks.validate_config(config, 'train', devices=False)
  config.progan[key.split('.')[1]] = value
  with pytest.raises(ConfigError) as error:
    config_checks.validate_config(config, 'train', devices=False)
  default = schema.BY_NAME[key].default
  assert str(error.value) == (f'{key}={value!r} applies to model.name=progan only; model.name={config.model.name} '
                              f'is {kind} (allowed: the default, {default!r})')


def test_the_papers_schedule():
  phases = schedule.build_schedule(32, 4, 600_000, 600_000, (16,) * 4)
  assert [p.name for p in phases] == ['stable_4', 'fade_8', 'stable_8', 'fade_16', 'stable_16', 'fade_32',
                                      'stable_32']
  assert phases[1].start == 37_500 and phases[-1].steps == 0   # the last phase runs to train.steps
  assert np.all(np.diff([p.start for p in phases]) == 37_500)
