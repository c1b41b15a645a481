"""TensorFlow (and tfds) for the image pipeline, imported on first use: quiet, CPU only (JAX owns the GPUs).

`tf` and `tfds` are stand-ins that import the real module the first time an attribute is read, so the
paths that never touch the tf.data image pipeline (2D points, the multi-seed trainer, the train-step
benchmark, evaluation of 2D runs) run where TensorFlow is not installed (tests/test_tf_free.py).
"""

import importlib
import os
import types

os.environ.setdefault('TF_ENABLE_ONEDNN_OPTS', '0')
os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')


def _hide_gpus(module) -> None:
  try:
    # tf.data must not grab GPU memory that JAX needs; fails harmlessly once TF has initialised devices.
    module.config.set_visible_devices([], 'GPU')
  except RuntimeError:
    pass


class _LazyModule(types.ModuleType):
  """Imports `name` on the first attribute read (then runs `on_import(module)` once) and forwards to it."""

  def __init__(self, name: str, on_import=None):
    super().__init__(name)
    self.__dict__['_on_import'] = on_import
    self.__dict__['_module'] = None

  def _load(self):
    if self.__dict__['_module'] is None:
      if self is not tf:
        tf._load()   # tfds imports TensorFlow: hide TF's GPUs first
      module = importlib.import_module(self.__name__)
      if self.__dict__['_on_import'] is not None:
        self.__dict__['_on_import'](module)
      self.__dict__['_module'] = module
    return self.__dict__['_module']

  def __getattr__(self, attr):
    return getattr(self._load(), attr)


tf = _LazyModule('tensorflow', _hide_gpus)
tfds = _LazyModule('tensorflow_datasets')


def load() -> None:
  """Imports TensorFlow now (hiding its GPUs); for callers that want the import cost up front."""
  tf._load()


__all__ = ['load', 'tf', 'tfds']
