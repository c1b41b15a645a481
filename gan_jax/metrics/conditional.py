"""Metrics of labelled generation: samples generated FOR a class, judged by a classifier.

conditional_accuracy (GAN-test, Shmelkov et al. 2018): the evaluation classifier's accuracy on generated
  samples against the labels they were generated for. High: samples look like their class.
cas (Classification Accuracy Score, Ravuri & Vinyals 2019): a fresh classifier of the evaluation
  classifier's architecture (gan_jax.metrics.classifier.ConvClassifier, config.classifier settings) trained
  ONLY on generated labelled samples, tested on real data. High: the samples carry the class information a
  classifier needs (fidelity and diversity).
"""

from typing import Any, Dict

import numpy as np

from gan_jax.metrics import classifier as clf


def conditional_accuracy(predicted: np.ndarray, requested: np.ndarray) -> float:
  """Fraction of samples whose predicted label [N] equals the label [N] they were generated for."""
  predicted, requested = np.asarray(predicted), np.asarray(requested)
  if predicted.shape != requested.shape or not predicted.size:
    raise ValueError(f'predicted {predicted.shape} and requested {requested.shape} labels must match, non-empty')
  return float(np.mean(predicted == requested))


def classification_accuracy_score(classifier_config: Any, images: np.ndarray, labels: np.ndarray,
                                  test_images: np.ndarray, test_labels: np.ndarray, num_classes: int,
                                  seed: int = 0) -> Dict[str, float]:
  """Trains ConvClassifier(num_classes) on (images, labels) with `fit_classifier` (classifier_config: steps,
  batch_size, lr, width, feature_dim) and returns {'cas': accuracy on (test_images, test_labels)}."""
  model, params = clf.fit_classifier(classifier_config, np.asarray(images, np.float32), np.asarray(labels),
                                     num_classes, seed=seed)
  return {'cas': clf.accuracy(model, params, np.asarray(test_images, np.float32), np.asarray(test_labels))}


def cas_for_dataset(config: Any, ds, images: np.ndarray, labels: np.ndarray, split: str) -> Dict[str, float]:
  """CAS of generated (images, labels) tested on the real `split` of ds, with the classifier's handling of
  stacked datasets (one digit classifier over the channels, as the evaluation classifier)."""
  base = clf.stacked_base(ds)
  if base:
    images, labels = clf.split_channels(np.asarray(images), np.asarray(labels), base)
  test_images, test_labels, num_classes = clf.classifier_examples(ds, split)
  return classification_accuracy_score(config.classifier, images, labels, test_images, test_labels, num_classes,
                                       seed=config.eval.seed)
