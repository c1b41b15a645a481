"""Imports TensorFlow for the data pipeline: quiet, CPU only (JAX owns the accelerators)."""

import os

os.environ.setdefault('TF_ENABLE_ONEDNN_OPTS', '0')
os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')

import tensorflow as tf  # pylint: disable=g-import-not-at-top,wrong-import-position

try:
  # tf.data must not grab GPU memory that JAX needs; fails harmlessly once TF has initialised devices.
  tf.config.set_visible_devices([], 'GPU')
except RuntimeError:
  pass

__all__ = ['tf']
