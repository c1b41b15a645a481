"""benchmarks/imbalance.py: the table is mean ± s.e. over seeds of the raw records; the section is replaced."""

import importlib.util
import os
import types

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _module():
  spec = importlib.util.spec_from_file_location('imbalance_bench', os.path.join(ROOT, 'benchmarks', 'imbalance.py'))
  module = importlib.util.module_from_spec(spec)
  spec.loader.exec_module(module)
  return module


def test_table_is_mean_and_standard_error_over_seeds():
  bench = _module()
  runner = types.SimpleNamespace(done={})
  for seed, acc in zip((0, 1, 2), (0.90, 0.92, 0.94)):
    runner.done[('plain', 10.0, seed)] = {'balanced_accuracy': acc, 'minority_recall': acc - 0.1}
  text = bench.table(runner, ['plain', 'oversample'], [10.0], [0, 1, 2], 'python benchmarks/imbalance.py')
  # mean 92.0, s.e. = std(ddof=1) / sqrt(3) = 2.0 / sqrt(3) = 1.15 (percent)
  assert '| plain cross-entropy | 3 | 92.0 ± 1.2 | 82.0 ± 1.2 |' in text
  assert '| oversampling | 3 | not run | not run |' in text and 'Command: `python benchmarks/imbalance.py`' in text


def test_summary_minority_recall_is_the_five_rarest_classes():
  bench = _module()
  result = {'balanced_accuracy': 0.5, 'macro_f1': 0.5, 'train_counts': [1] * 10,
            'per_class_recall': [1.0] * 5 + [0.0, 0.2, 0.4, 0.6, 0.8]}
  assert abs(bench.summarise(result)['minority_recall'] - 0.4) < 1e-12


def test_write_section_replaces_only_its_own_section(tmp_path, monkeypatch):
  bench = _module()
  (tmp_path / 'BENCHMARKS.md').write_text('# B\n\n## 1. Other\ntext\n')
  monkeypatch.setattr(bench, 'ROOT', str(tmp_path))
  bench.write_section(f'{bench.SECTION}\n\nfirst\n')
  bench.write_section(f'{bench.SECTION}\n\nsecond\n')
  text = (tmp_path / 'BENCHMARKS.md').read_text()
  assert text.count(bench.SECTION) == 1 and 'second' in text and 'first' not in text and '## 1. Other\ntext' in text


def test_every_generator_is_a_valid_conditional_config_of_its_family():
  bench = _module()
  from gan_jax.config_checks import validate_config
  for name, make in bench.GENERATORS.items():
    config = make(bench.base_config('/nonexistent', 10.0, 0, 16), 30, 16)
    validate_config(config, devices=False)
    assert config.model.conditional == 'projection' and config.data.imbalance_factor == 10.0, name
    # The VAE's network widths are its own keys (config.vae); the GANs' are config.model's.
    widths = ((config.vae.encoder_width, config.vae.decoder_width) if config.model.name == 'vae'
              else (config.model.g_width, config.model.d_width))
    assert config.train.steps == 30 and widths == (16, 16), name
  assert bench.GENERATORS['cgan_da'](bench.base_config('/x', 10.0, 0, 16), 30, 16).gan_aug.policy
  assert bench.GENERATORS['cvae'](bench.base_config('/x', 10.0, 0, 16), 30, 16).model.name == 'vae'
  assert set(bench.GENERATIVE) == {f'{g}_{use}' for g in bench.GENERATORS for use in ('balance', 'only')}
