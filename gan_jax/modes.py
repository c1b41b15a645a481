"""What `launch.py --mode=M` does: MODES maps each mode to run(config, workdir, options).

options carries the mode flags (num_samples, label, checkpoint, num_per_class, balance_to, direction, input,
output). Each entry
imports its stage when it runs, so that launch.py can check the config and workdir before TensorFlow or
JAX start. READERS are the modes that read a trained workdir's checkpoints (read-only: they never disturb a
training run in the same workdir, and a workdir that does not exist is reported, not created).
"""

from typing import Any, Callable, Dict


def _train(config, workdir, options) -> None:
  del options
  from gan_jax.run.loop import train_and_evaluate  # pylint: disable=g-import-not-at-top
  train_and_evaluate(config, workdir)


def _sample(config, workdir, options) -> None:
  from gan_jax.outputs.sampling import sample_to_file  # pylint: disable=g-import-not-at-top
  sample_to_file(config, workdir, options.num_samples, options.label)


def _prepare(config, workdir, options) -> None:
  del options
  from gan_jax.data import format_report_summary, prepare_dataset  # pylint: disable=g-import-not-at-top
  print(format_report_summary(prepare_dataset(config, workdir).report))


def _evaluate(config, workdir, options) -> None:
  from gan_jax.run.evaluation import evaluate_checkpoint  # pylint: disable=g-import-not-at-top
  evaluate_checkpoint(config, workdir, options.checkpoint)


def _train_classifier(config, workdir, options) -> None:
  del options
  from gan_jax.metrics import train_classifier  # pylint: disable=g-import-not-at-top
  print(train_classifier(config, workdir))


def _train_downstream(config, workdir, options) -> None:
  del options
  from gan_jax.metrics.downstream import format_scores, train_downstream  # pylint: disable=g-import-not-at-top
  print(format_scores(train_downstream(config, workdir)))


def _synthesize(config, workdir, options) -> None:
  from gan_jax.outputs.synthesize import synthesize  # pylint: disable=g-import-not-at-top
  synthesize(config, workdir, options.num_per_class, options.balance_to, options.checkpoint)


def _interpolate(config, workdir, options) -> None:
  from gan_jax.outputs.interpolate import interpolate  # pylint: disable=g-import-not-at-top
  interpolate(config, workdir, options.checkpoint)


def _translate(config, workdir, options) -> None:
  from gan_jax.outputs.translate import translate  # pylint: disable=g-import-not-at-top
  translate(config, workdir, options.direction, options.input, options.output, options.checkpoint)


MODES: Dict[str, Callable[[Any, str, Any], None]] = {
    'train': _train,                          # resumes from the workdir's latest checkpoint
    'sample': _sample,                        # --num_samples (--label) to DIR/samples.npz
    'prepare': _prepare,                      # clean + split the dataset, print the report
    'evaluate': _evaluate,                    # the test split, --checkpoint=latest|best
    'train_classifier': _train_classifier,    # the digits feature extractor for FID-style metrics
    'train_downstream': _train_downstream,    # a classifier on the train split, scored on the real test split
    'synthesize': _synthesize,                # a conditional generator's samples as a class-per-folder dataset
    'interpolate': _interpolate,              # slerp rows (one per class) and a truncation sweep, DIR/interpolations/
    'translate': _translate,                  # a translation model on --input (folder or split) to --output PNGs
}

READERS = frozenset({'sample', 'evaluate', 'synthesize', 'interpolate', 'translate'})
