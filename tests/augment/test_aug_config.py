"""gan_aug / LeCam config keys: bad values are one-line ConfigErrors naming the key; launch exits 2."""

import pytest

from gan_jax.augment import make_augment, parse_policy
from gan_jax.config_checks import validate_config
from gan_jax.core.errors import ConfigError
from run_helpers import make_tiny_config


@pytest.mark.parametrize('key, value, message', [
    ('gan_aug.policy', 'color,blur', "'blur' is not a known augmentation; allowed: ada, color, cutout, translation"),
    ('gan_aug.policy', 'color,color', 'names an augmentation twice'),
    ('gan_aug.ada_target', 0.0, r'gan_aug.ada_target=0.0 must be a number in \(0, 1\)'),
    ('gan_aug.ada_target', 1.0, r'gan_aug.ada_target=1.0 must be a number in \(0, 1\)'),
    ('gan_aug.ada_interval', 0, 'gan_aug.ada_interval=0 must be an integer >= 1'),
    ('gan_aug.ada_kimg', 0.0, 'gan_aug.ada_kimg=0.0 must be a finite number > 0'),
    ('gan_aug.ada_p', -0.5, r'gan_aug.ada_p=-0.5 must be a number in \[0, 1\]'),
    ('loss.lecam_weight', -1.0, 'loss.lecam_weight=-1.0 must be a finite number >= 0'),
    ('loss.lecam_decay', 1.0, r'loss.lecam_decay=1.0 must be a number in \[0, 1\)'),
])
def test_bad_values_name_the_key(key, value, message):
  config = make_tiny_config()
  section, name = key.split('.')
  config[section][name] = value
  with pytest.raises(ConfigError, match=message):
    validate_config(config, 'train', devices=False)


def test_policies_parse_and_compose():
  assert parse_policy('') == () and make_augment('') is None
  assert parse_policy(' color, translation ,cutout,ada') == ('color', 'translation', 'cutout', 'ada')
  config = make_tiny_config()
  config.gan_aug.policy = 'color,translation,cutout,ada'
  validate_config(config, 'train', devices=False)


@pytest.mark.parametrize('flags, message', [
    (('--config.gan_aug.policy=color,zoom',), "error: gan_aug.policy='color,zoom': 'zoom' is not a known augmentation"),
    (('--config.gan_aug.ada_target=1.5',), 'error: gan_aug.ada_target=1.5 must be a number in (0, 1)'),
    (('--config.data.train_fraction=0.0',), 'error: data.train_fraction=0.0 must be a number in (0, 1]'),
    (('--config.data.train_fraction=0.001',), 'error: data.train_fraction=0.001: class 0 of digits has'),
])
def test_launch_exits_2_with_one_line(flags, message, run_launch, tmp_path):
  result = run_launch('dcgan_digits.py:tiny', tmp_path, *flags)
  assert result.returncode == 2, result.stderr[-2000:]
  # The data-dependent check runs after tfds has built the dataset (its progress goes to stderr too).
  errors = [line for line in result.stderr.splitlines() if line.startswith('error:')]
  assert len(errors) == 1 and errors[0].startswith(message), result.stderr[-2000:]
  if 'class 0' not in message:
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr[-2000:]
  assert not (tmp_path / 'checkpoints').exists()
