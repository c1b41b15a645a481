"""gan_jax's digits classifier: accuracy, Orbax round trip, stacked-digit conventions."""

import json

import jax.numpy as jnp
import numpy as np

from gan_jax.metrics import classifier as clf


def test_classifier_reaches_97_percent_on_digits(digits_classifier):
  config, ds, result = digits_classifier
  print(f"digits classifier test accuracy: {result['test_accuracy']:.4f}")
  assert result['test_accuracy'] >= 0.97
  model, params, meta = clf.load_classifier(result['path'])
  assert meta['dataset'] == 'digits' and meta['test_accuracy'] == result['test_accuracy']
  assert meta['classifier_config']['feature_dim'] == 64
  json.dumps(meta)   # the metadata is plain JSON
  test = ds.split_arrays('test')
  assert clf.accuracy(model, params, test['image'], test['label']) == result['test_accuracy']


def test_stacked_labels_and_joint_logits_follow_d0_d1_d2_convention():
  labels = np.array([0, 7, 123, 999, 450])
  images = np.stack([np.full((4, 4), c, np.float32) for c in range(3)], -1)[None].repeat(5, 0)
  channel_images, digits = clf.split_channels(images, labels, base=10)
  assert channel_images.shape == (15, 4, 4, 1) and channel_images[1, 0, 0, 0] == 1.0
  np.testing.assert_array_equal(digits.reshape(5, 3), [[0, 0, 0], [0, 0, 7], [1, 2, 3], [9, 9, 9], [4, 5, 0]])
  # Confident per-channel logits for those digits give back the stacked labels.
  logits = jnp.asarray(np.eye(10)[digits] * 20.0)
  out = clf.stacked_outputs(jnp.ones((15, 8)), logits, batch=5)
  np.testing.assert_array_equal(np.asarray(out['labels']), labels)
  assert out['logits'].shape == (5, 1000) and out['features'].shape == (5, 24)
