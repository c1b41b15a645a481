"""Entry point: python launch.py --config configs/dcgan_digits.py --workdir runs/digits [--mode=train].

Modes: train (resumes from the workdir's latest checkpoint), sample (--num_samples to DIR/samples.npz),
prepare (clean + split the dataset, print the report), evaluate (test split, --checkpoint=latest|best),
train_classifier (the digits feature extractor for FID-style metrics), train_downstream (a classifier on the
(long-tailed / synthetic-mixed) train split, scored on the real test split), synthesize (a conditional
generator's samples as a class-per-folder image dataset, --num_per_class / --balance_to), interpolate
(latent slerp rows and a truncation sweep to DIR/interpolations/), translate (a translation model, e.g. CycleGAN,
on --input, a folder of images or a split, --direction=a2b|b2a, to --output: PNGs, manifest.json, grid.png).
A bad config or workdir prints one line `error: <message>` and exits with status 2, before anything
compiles (gan_jax/cli.py); SIGTERM/SIGINT stop training at a step boundary, saved (gan_jax/run/preemption.py).
"""

import os

# Before TensorFlow or JAX is imported anywhere.
os.environ.setdefault('TF_ENABLE_ONEDNN_OPTS', '0')
os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')

from absl import app, flags, logging  # noqa: E402
from ml_collections import config_flags  # noqa: E402

from gan_jax import cli  # noqa: E402
from gan_jax.modes import MODES, READERS  # noqa: E402

config_flags.DEFINE_config_file('config', None, 'Experiment config file (configs/*.py[:arg]).', lock_config=True)
flags.DEFINE_string('workdir', None, 'Directory for checkpoints, logs, samples and reports.')
flags.DEFINE_enum('mode', 'train', list(MODES), 'What to do (gan_jax/modes.py).')
flags.DEFINE_integer('num_samples', 1000, '--mode=sample: how many samples to write.')
flags.DEFINE_integer('label', -1, '--mode=sample, conditional models: the class to sample (-1: all, balanced).')
flags.DEFINE_enum('checkpoint', 'latest', ['latest', 'best'],
                  '--mode=evaluate|synthesize|interpolate|translate: which checkpoint.')
flags.DEFINE_integer('num_per_class', 0, '--mode=synthesize: images per class (or --balance_to=max).')
flags.DEFINE_string('balance_to', '', '--mode=synthesize: max = top every class up to the largest train class.')
flags.DEFINE_enum('direction', 'a2b', ['a2b', 'b2a'], '--mode=translate: a2b (data -> data_b) or b2a.')
flags.DEFINE_string('input', '', '--mode=translate: a folder of images, or a split (train, val, test) of the source '
                    'domain.')
flags.DEFINE_string('output', '', '--mode=translate: a new (or empty) folder for the translated PNGs.')
flags.mark_flags_as_required(['config', 'workdir'])
FLAGS = flags.FLAGS


def main(argv):
  del argv
  if not FLAGS['verbosity'].present:
    logging.set_verbosity(logging.WARNING)   # Orbax and tfds log every step of a save at INFO
  cli.quiet_background_noise()
  from gan_jax.core import xla_flags
  xla_flags.configure_xla_for_cpu()   # before JAX initialises its backend
  from gan_jax import config_checks
  from gan_jax.core import parallel, runtime, workdir as workdir_lib
  config, workdir = FLAGS.config, FLAGS.workdir
  with cli.reported_errors():
    config_checks.validate_config(config, FLAGS.mode, devices=False)
    workdir_lib.check_workdir(workdir, create=FLAGS.mode not in READERS)   # before anything is prepared or written
    if config.distributed:
      parallel.initialize_distributed(config)
    config_checks.validate_devices(config, FLAGS.mode)
    runtime.announce()   # backend, device kind and count, process count; warns about an unused GPU
    if FLAGS.mode == 'train' and parallel.is_writer():
      workdir_lib.lock_workdir(workdir)
    from gan_jax.data import tf_env  # noqa: F401  (TF quiet and without GPUs: JAX owns them)
    MODES[FLAGS.mode](config, workdir, FLAGS)


if __name__ == '__main__':
  app.run(main, flags_parser=cli.parse_flags)
