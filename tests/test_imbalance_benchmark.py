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
    expected = 'acgan' if name == 'acgan' else 'projection'
    assert config.model.conditional == expected and config.data.imbalance_factor == 10.0, name
    # The VAE's network widths are its own keys (config.vae); the GANs' are config.model's.
    widths = ((config.vae.encoder_width, config.vae.decoder_width) if config.model.name == 'vae'
              else (config.model.g_width, config.model.d_width))
    assert config.train.steps == 30 and widths == (16, 16), name
  assert bench.GENERATORS['cgan_da'](bench.base_config('/x', 10.0, 0, 16), 30, 16).gan_aug.policy
  assert bench.GENERATORS['cvae'](bench.base_config('/x', 10.0, 0, 16), 30, 16).model.name == 'vae'
  assert set(bench.GENERATIVE) == {f'{g}_{use}' for g in bench.GENERATORS for use in bench.USES}


def test_issue_24_rows_build_valid_downstream_configs(tmp_path):
  bench = _module()
  from gan_jax.config_checks import validate_config  # pylint: disable=g-import-not-at-top
  base = bench.base_config(str(tmp_path), 100.0, 0, 16)
  smote = bench.classical_config(base, 'smote', smote_k=2)
  assert (smote.data.rebalance, smote.data.smote_k) == ('smote', 2)
  la, ldam = bench.classical_config(base, 'la', tau=1.5), bench.classical_config(base, 'ldam_drw')
  assert (la.classifier.loss, la.classifier.tau) == ('logit_adjusted', 1.5)
  assert (ldam.classifier.loss, ldam.classifier.drw_start) == ('ldam', 320)   # 80% of 400 steps (Cao et al.)
  for method in bench.CLASSICAL:
    validate_config(bench.classical_config(base, method), 'train_downstream', devices=False)
  # Real + synthetic: 1x / 3x balance, filtered or not, with CE / LA / LDAM-DRW; and CAS.
  mix = bench.generative_config(base, 'cgan_x3_filtered_ldam_drw', str(tmp_path))
  assert (mix.data.synthetic_fill, mix.data.synthetic_multiple, mix.classifier.loss) == ('multiple', 3.0, 'ldam')
  assert bench.USES['x3_filtered_ldam_drw'].filtered and not bench.USES['balance_la'].filtered
  assert bench.generative_config(base, 'cvae_only', str(tmp_path)).classifier.train_data == 'synthetic'
  assert len(bench.USES) == 2 * 2 * 3 + 1 and all(method in bench.LABELS for method in bench.GENERATIVE)
  for method in bench.GENERATIVE:
    validate_config(bench.generative_config(base, method, str(tmp_path)), 'train_downstream', devices=False)
  assert bench.LABELS['cgan_x3_filtered_la'] == 'real + cGAN samples to 3x balance, filtered, logit adjustment'


def test_dry_run_validates_the_selected_runs_and_trains_nothing(tmp_path, monkeypatch, capsys):
  bench = _module()
  from gan_jax.core import xla_flags  # pylint: disable=g-import-not-at-top
  monkeypatch.setattr(xla_flags, 'configure_xla_for_cpu', lambda: '')   # leave this process's XLA_FLAGS alone
  bench.main(['--out', str(tmp_path), '--factors', '100', '--gan_factors', '100', '--seeds', '0', '--gan_seeds', '0',
              '--methods', 'plain', 'smote', 'la', 'ldam_drw', 'acgan_x3_filtered_la', 'cgan_balance',
              '--compare', 'acgan_x3_filtered_la:ldam_drw', '--dry_run'])
  out = capsys.readouterr().out
  assert out.count('dry run:') == 6 and 'not run' in out and 'at IF=100: not run' in out
  assert not (tmp_path / 'results.jsonl').exists() and not (tmp_path / 'acgan').exists()


def test_difference_is_in_combined_standard_errors():
  bench = _module()
  runner = types.SimpleNamespace(done={})
  for seed, (a, b) in enumerate(((0.90, 0.80), (0.92, 0.82), (0.94, 0.84))):
    runner.done[('x', 100.0, seed)] = {'balanced_accuracy': a}
    runner.done[('y', 100.0, seed)] = {'balanced_accuracy': b}
  # d = 10 points, each s.e. 2 / sqrt(3) = 1.155 points -> combined sqrt(2) * 1.155 = 1.633
  assert bench.difference(runner, 'x', 'y', 100.0, [0, 1, 2]) == (
      'x - y at IF=100: +10.0 ± 1.6 points (more than 2 combined standard errors)')
