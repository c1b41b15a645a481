"""`digits`: a tfds builder over scikit-learn's 8x8 digits, the embedded offline default dataset."""

import tempfile

import numpy as np
import tensorflow_datasets as tfds

from gan_jax.data import files, records
from gan_jax.data.sources import registry, tfds_catalog
from gan_jax.data.sources.sklearn_digits import PROVENANCE, load_sklearn_digits


class GanJaxDigits(tfds.core.GeneratorBasedBuilder):
  """1,797 8x8 grey digits (0..9) from sklearn.datasets.load_digits; one 'train' split, no download."""

  VERSION = tfds.core.Version('1.0.0')
  RELEASE_NOTES = {'1.0.0': 'Initial release.'}

  def _info(self) -> tfds.core.DatasetInfo:
    return self.dataset_info_from_configs(
        features=tfds.features.FeaturesDict({
            'image': tfds.features.Image(shape=(8, 8, 1)),
            'label': tfds.features.ClassLabel(num_classes=10),
        }),
        supervised_keys=('image', 'label'),
        homepage='https://scikit-learn.org/stable/modules/generated/sklearn.datasets.load_digits.html',
    )

  def _split_generators(self, dl_manager):
    del dl_manager  # the data ships with scikit-learn
    return {'train': self._generate_examples()}

  def _generate_examples(self):
    images, labels = load_sklearn_digits()
    for index, (image, label) in enumerate(zip(images, labels)):
      yield index, {'image': np.asarray(image), 'label': int(label)}


class DigitsSource(tfds_catalog.TfdsSource):   # registered as `digits` by sources/__init__.py, lazily
  """Reads the GanJaxDigits builder like any tfds dataset; preparing it needs no network."""

  def __init__(self):
    super().__init__(GanJaxDigits.name)

  def validate(self, data_config) -> None:
    del data_config  # any image size / channel count works

  def provenance(self, data_config) -> dict:
    del data_config   # the builder wraps scikit-learn's copy: its metadata would say less than this
    return {**PROVENANCE, 'source': "scikit-learn's load_digits through gan_jax's tfds builder gan_jax_digits "
                                    '(shipped with scikit-learn, no download)'}

  def builder(self, data_config):
    return GanJaxDigits(data_dir=tfds_catalog.tfds_data_dir(data_config))

  def ensure_prepared(self, builder, data_config):
    if not builder.is_prepared():
      builder.download_and_prepare()

  def load(self, data_config) -> records.SourceData:
    # The builder's features are fixed; the config's image/label keys name tfds features of other datasets.
    builder = self.builder(data_config)
    data_dir = tfds_catalog.tfds_data_dir(data_config)
    if builder.is_prepared() or files.writable_dir_error(data_dir) is None:
      self.ensure_prepared(builder, data_config)
      return self.load_from_builder(builder, data_config, image_key='image', label_key='label')
    # An unwritable data dir is no reason to fail: build the (1,797-example) copy in a temporary folder.
    with tempfile.TemporaryDirectory(prefix='gan_jax_digits-') as tmp:
      builder = GanJaxDigits(data_dir=tmp)
      builder.download_and_prepare()
      source = self.load_from_builder(builder, data_config, image_key='image', label_key='label')
      source.chunks = iter(list(source.chunks))
    source.notes.append(f'digits: {data_dir} is not writable (data.data_dir); built the tfds copy in a '
                        'temporary folder')
    return source
