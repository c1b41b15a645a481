"""gan_jax's own small CNN classifier: the offline feature extractor for digits, stacked digits, MNIST.

Its penultimate layer (classifier.feature_dim units) gives FID-like features, its logits the IS and its
argmax the labels for mode counts. For stacked datasets (`stacked_*`: C channels, base**C classes with
label = d0 * base**(C-1) + ... + d_{C-1}) one single-digit classifier is trained on the channels and
applied per channel (see `stacked_outputs`).

It is an instrument shared by runs: it trains only on the full, clean, real train split of the data identity
it is keyed by (`classifier_identity`; gan_jax.data.identity), never on a run's long-tailed, synthetic-mixed
or subset train split, and with a fixed seed. The cache (`default_classifier_dir`) is keyed by that identity,
its settings, seed and format; its metadata, recorded in every evaluation's provenance, says so.
"""

import hashlib
import json
import logging
import os
import re
import time
from typing import Any, Dict, Optional, Tuple

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import optax
import orbax.checkpoint as ocp

from gan_jax.core import schema
from gan_jax.core.errors import DataError

CLASSIFIER_FORMAT = 2   # 2: keyed by classifier_identity, trained on the reference data with CLASSIFIER_SEED


class CosineDense(nn.Module):
  """Cosine logits: <x / |x|, w_j / |w_j|> (Cao et al. 2019's NormedLinear, the head of their LDAM models)."""
  features: int

  @nn.compact
  def __call__(self, x):
    kernel = self.param('kernel', nn.initializers.lecun_normal(), (x.shape[-1], self.features))
    unit = lambda v, axis: v / jnp.sqrt(jnp.sum(v * v, axis=axis, keepdims=True) + 1e-12)
    return unit(x, -1) @ unit(kernel, 0)


class ConvClassifier(nn.Module):
  """x [N, H, W, C] in [-1, 1] -> (features [N, feature_dim] (post-ReLU), logits [N, num_classes]).

  cosine_head: cosine logits in [-1, 1] (CosineDense), for the downstream classifier's LDAM loss only; the
  evaluation classifier never has one."""
  num_classes: int
  width: int = 32
  feature_dim: int = 128
  cosine_head: bool = False

  @nn.compact
  def __call__(self, x):
    # One conv at full resolution (the costly one), two at each lower resolution.
    for multiple, convs in ((1, 1), (2, 2), (4, 2)):
      for _ in range(convs):
        x = nn.relu(nn.Conv(self.width * multiple, (3, 3))(x))
      x = nn.max_pool(x, (2, 2), strides=(2, 2))
    x = x.mean(axis=(1, 2))
    features = nn.relu(nn.Dense(self.feature_dim)(x))
    head = CosineDense(self.num_classes) if self.cosine_head else nn.Dense(self.num_classes)
    return features, head(features)


# ------------------------------------------------------------------ stacked datasets
def stacked_base(ds) -> int:
  """base > 1 when ds is a stacked dataset (one digit per channel), else 0."""
  channels = ds.example_shape[-1]
  if not str(ds.name).startswith('stacked') or channels < 2 or not ds.num_classes:
    return 0
  base = int(round(ds.num_classes ** (1.0 / channels)))
  return base if base ** channels == ds.num_classes else 0


def split_channels(images: np.ndarray, labels: np.ndarray, base: int) -> Tuple[np.ndarray, np.ndarray]:
  """Stacked [N, H, W, C], labels [N] -> single-channel [N*C, H, W, 1] and per-channel digits [N*C]."""
  n, channels = images.shape[0], images.shape[-1]
  digits = np.stack([(labels // base ** (channels - 1 - c)) % base for c in range(channels)], axis=1)
  return np.moveaxis(images, -1, 1).reshape(n * channels, *images.shape[1:3], 1), digits.reshape(-1)


def stacked_outputs(features: jnp.ndarray, logits: jnp.ndarray, batch: int) -> Dict[str, jnp.ndarray]:
  """Per-channel outputs [B*C, F], [B*C, base] -> features [B, C*F], joint logits [B, base**C], labels [B].

  Joint log-probabilities assume independent channels: log p(d0..) = sum_c log p_c(d_c); the flattening
  order makes index = d0 * base**(C-1) + ... , the stacked label convention.
  """
  channels = features.shape[0] // batch
  log_p = jax.nn.log_softmax(logits.reshape(batch, channels, -1), axis=-1)
  joint = log_p[:, 0]
  for c in range(1, channels):
    joint = (joint[:, :, None] + log_p[:, c, None, :]).reshape(batch, -1)
  return {'features': features.reshape(batch, -1), 'logits': joint, 'labels': jnp.argmax(joint, -1)}


def classifier_examples(ds, split: str) -> Tuple[np.ndarray, np.ndarray, int]:
  """(images, labels, num_classes) the classifier trains/tests on for `split` of ds."""
  if ds.kind != 'image' or not ds.num_classes:
    raise DataError(f'dataset {ds.name!r}: the classifier needs a labelled image dataset')
  arrays = ds.split_arrays(split)
  base = stacked_base(ds)
  if base:
    images, labels = split_channels(arrays['image'], arrays['label'], base)
    return images, labels, base
  return arrays['image'], arrays['label'], ds.num_classes


# ------------------------------------------------------------------ training
def weighted_cross_entropy(logits, labels, class_weights=None):
  """mean_i w[y_i] * CE_i (plain mean CE when class_weights [num_classes] is None)."""
  losses = optax.softmax_cross_entropy_with_integer_labels(logits, labels)
  return losses.mean() if class_weights is None else (jnp.asarray(class_weights)[labels] * losses).mean()


def _train_step(model, optimizer, objective=weighted_cross_entropy):
  def loss_fn(params, images, labels, class_weights):
    _, logits = model.apply({'params': params}, images)
    return objective(logits, labels, class_weights)

  @jax.jit
  def step(params, opt_state, images, labels, class_weights):   # class_weights: [K] or None (its own trace)
    loss, grads = jax.value_and_grad(loss_fn)(params, images, labels, class_weights)
    updates, opt_state = optimizer.update(grads, opt_state, params)
    return optax.apply_updates(params, updates), opt_state, loss
  return step


def accuracy(model, params, images: np.ndarray, labels: np.ndarray, batch_size: int = 512) -> float:
  predict = jax.jit(lambda p, x: jnp.argmax(model.apply({'params': p}, x)[1], -1))
  hits = sum(int((np.asarray(predict(params, images[i:i + batch_size])) == labels[i:i + batch_size]).sum())
             for i in range(0, len(images), batch_size))
  return hits / len(images)


def fit_classifier(clf_config, images, labels, num_classes, seed: int = 0, class_weights=None,
                   batches=None, loss=weighted_cross_entropy, cosine_head: bool = False
                   ) -> Tuple[ConvClassifier, Any]:
  """Adam with cosine decay on cross-entropy, no augmentation (it did not help on digits); returns (model, params).

  class_weights: float [num_classes] weighting each example's loss by its class (None: plain CE), or a function
  step -> such weights or None (the downstream classifier's deferred re-weighting).
  batches: an iterator of int index arrays [batch_size] into images (None: uniform draws with replacement).
  loss(logits, labels, class_weights or None) -> scalar and cosine_head: the downstream classifier's long-tail
  losses (gan_jax.metrics.downstream_losses); the evaluation classifier keeps the defaults.
  """
  model = ConvClassifier(num_classes, clf_config.width, clf_config.feature_dim, cosine_head)
  params = model.init(jax.random.PRNGKey(seed), jnp.zeros((1,) + images.shape[1:]))['params']
  optimizer = optax.adam(optax.cosine_decay_schedule(clf_config.lr, clf_config.steps))
  opt_state = optimizer.init(params)
  step = _train_step(model, optimizer, loss)
  weights_at = class_weights if callable(class_weights) else (lambda i: class_weights)
  rng = np.random.RandomState(seed)
  for i in range(clf_config.steps):
    idx = rng.randint(0, len(images), clf_config.batch_size) if batches is None else next(batches)
    weights = weights_at(i)
    params, opt_state, value = step(params, opt_state, images[idx], labels[idx],
                                    None if weights is None else jnp.asarray(weights, jnp.float32))
    if i % 500 == 0 or i == clf_config.steps - 1:
      logging.info('classifier step %d: loss %.4f', i, float(value))
  return model, params


# ------------------------------------------------------------------ identity and storage
# classifier.* keys that shape the evaluation classifier (class_weighting, cb_beta and train_data are the
# downstream classifier's).
# The classifier's own keys in its identity (the schema's classifier-identity keys outside the data section).
SETTINGS = tuple(name.split('.', 1)[1] for name in schema.keys_with(schema.CLASSIFIER, 'classifier'))
CLASSIFIER_SEED = 0   # not config.seed: runs with different seeds are measured by the same instrument


def cache_root(config) -> str:
  """Where runs share classifiers and reference features: data.data_dir, else $GAN_JAX_CACHE_DIR, else ~/.cache/gan_jax."""
  return config.data.data_dir or os.environ.get('GAN_JAX_CACHE_DIR') or os.path.expanduser('~/.cache/gan_jax')


def classifier_identity(config) -> Dict[str, Any]:
  """{'key': 16 hex digits, 'data_identity', 'settings', 'seed', 'format'}: everything the classifier is
  computed from. data_identity (gan_jax.data.identity) is that of the full, clean, real train split it
  trains on, so a run's long tail, synthetic examples, subset or sampling never change the key."""
  from gan_jax.data.identity import data_identity  # pylint: disable=g-import-not-at-top  (the data stage)
  described = {'data_identity': data_identity(config.data), 'seed': CLASSIFIER_SEED, 'format': CLASSIFIER_FORMAT,
               'settings': {k: config.classifier[k] for k in SETTINGS}}
  blob = json.dumps(described, sort_keys=True, default=str)
  return {'key': hashlib.sha256(blob.encode()).hexdigest()[:16], **described}


def default_classifier_dir(config, key: Optional[str] = None) -> str:
  """Shared cache: <cache_root>/classifiers/<dataset>-<size>-<channels>-<classifier_identity key>."""
  key = key or classifier_identity(config)['key']
  safe_name = re.sub(r'[^A-Za-z0-9_.-]+', '_', str(config.data.name))
  return os.path.join(cache_root(config), 'classifiers',
                      f'{safe_name}-{config.data.image_size}-{config.data.channels}-{key}')


def classifier_dir(config, key: Optional[str] = None) -> str:
  return config.eval.classifier_dir or default_classifier_dir(config, key)


def save_classifier(path: str, params, meta: Dict[str, Any]) -> None:
  manager = ocp.CheckpointManager(os.path.abspath(path))
  manager.save(0, args=ocp.args.Composite(params=ocp.args.StandardSave(params), meta=ocp.args.JsonSave(meta)),
               force=True)
  manager.wait_until_finished()
  manager.close()


def load_classifier(path: str) -> Tuple[ConvClassifier, Any, Dict[str, Any]]:
  """(model, params, meta) saved by `train_classifier`; DataError when missing."""
  path = os.path.abspath(path)
  if not os.path.isdir(path):
    raise DataError(f'classifier {path!r} not found; train it with --mode=train_classifier')
  manager = ocp.CheckpointManager(path)
  step = manager.latest_step()
  if step is None:
    raise DataError(f'classifier {path!r} holds no checkpoint; train it with --mode=train_classifier')
  restored = manager.restore(step, args=ocp.args.Composite(params=ocp.args.StandardRestore(),
                                                           meta=ocp.args.JsonRestore()))
  manager.close()
  meta = restored['meta']
  model = ConvClassifier(meta['num_classes'], meta['width'], meta['feature_dim'])
  return model, jax.tree_util.tree_map(jnp.asarray, restored['params']), meta


def train_classifier(config, workdir, ds=None) -> Dict[str, Any]:
  """Trains on the full, clean, real 'train' split of config's data identity, measures 'test' accuracy, saves
  to `classifier_dir(config)` with its identity in the metadata.

  Returns dict(test_accuracy=float, path=str, key=str). `ds` (the run's dataset) is used when its train split
  is already the reference one; otherwise the reference data are prepared (gan_jax.data.identity): a run
  with data.imbalance_factor, data.synthetic_path, data.train_fraction, ... trains the same classifier as
  one without. The workdir is not used (no data report of the reference data is written there).
  """
  del workdir
  from gan_jax.data.files import writable_dir_error  # pylint: disable=g-import-not-at-top
  from gan_jax.data.identity import reference_dataset  # pylint: disable=g-import-not-at-top
  identity = classifier_identity(config)
  path = classifier_dir(config, identity['key'])
  reason = writable_dir_error(os.path.dirname(os.path.abspath(path))) if jax.process_index() == 0 else None
  if reason is not None:   # say so before training, not after
    raise DataError(f'cannot save the evaluation classifier to {path} ({reason}); set --config.data.data_dir '
                    '(or $GAN_JAX_CACHE_DIR) to a writable folder')
  reference = reference_dataset(config, ds)
  images, labels, num_classes = classifier_examples(reference, 'train')
  start = time.time()
  model, params = fit_classifier(config.classifier, images, labels, num_classes, seed=CLASSIFIER_SEED)
  test_images, test_labels, _ = classifier_examples(reference, 'test')
  test_accuracy = accuracy(model, params, test_images, test_labels)
  meta = {**identity, 'dataset': reference.name, 'example_shape': list(reference.example_shape),
          'stacked_base': stacked_base(reference), 'num_classes': num_classes, 'width': config.classifier.width,
          'feature_dim': config.classifier.feature_dim, 'classifier_config': config.classifier.to_dict(),
          'num_train': int(len(labels)),
          'train_class_counts': np.bincount(labels, minlength=num_classes).tolist(),
          'test_accuracy': test_accuracy, 'num_test': int(len(test_labels)), 'train_seconds': time.time() - start}
  if jax.process_index() == 0:
    save_classifier(path, params, meta)
  logging.info('classifier for %s: test accuracy %.4f, saved to %s', reference.name, test_accuracy, path)
  return {'test_accuracy': test_accuracy, 'path': path, 'key': identity['key']}
