"""Any image dataset of the tfds catalogue, read from config.data.data_dir (never downloaded unasked)."""

import os

import numpy as np

from gan_jax.core.errors import ConfigError, DataError
from gan_jax.data import records
from gan_jax.data.sources.registry import SOURCES, Source
from gan_jax.data.tf_env import tf, tfds

_CHUNK = 1024
_SPLIT_NAMES = {'train': 'train', 'validation': 'val', 'valid': 'val', 'val': 'val', 'test': 'test'}
# Catalogue datasets that store binary pixels as uint8 0/1: scaled to 0/255 like every other image.
_BINARY_PIXELS = frozenset({'binarized_mnist'})


def tfds_data_dir(data_config) -> str:
  """The tfds data dir: data.data_dir, else $TFDS_DATA_DIR, else ~/tensorflow_datasets."""
  return (data_config.data_dir or os.environ.get('TFDS_DATA_DIR')
          or os.path.join(os.path.expanduser('~'), 'tensorflow_datasets'))


class TfdsSource(Source):
  """A tfds catalogue dataset by name ('mnist', 'cifar10', 'celeb_a', 'name/config:version', ...)."""

  def __init__(self, name: str):
    self.name = name

  def validate(self, data_config) -> None:
    base = self.name.split('/')[0].split(':')[0]
    try:
      tfds.builder_cls(base)
    except Exception:  # tfds raises DatasetNotFoundError (and others for malformed names)
      raise ConfigError(
          f'data.name={self.name!r} is neither a gan_jax source ({", ".join(sorted(SOURCES.names()))}) nor a tfds '
          'catalogue dataset') from None

  def builder(self, data_config):
    return tfds.builder(self.name, data_dir=tfds_data_dir(data_config))

  def fingerprint(self, data_config) -> str:
    return f'{self.name}@{tfds_data_dir(data_config)}'

  def provenance(self, data_config) -> dict:
    """From the builder's DatasetInfo (description, homepage, citation, redistribution licence): metadata only."""
    where = f'in {tfds_data_dir(data_config)}'
    try:
      info = self.builder(data_config).info
    except Exception as e:  # provenance never stops a run whose data were read: say what is missing instead
      unknown = f'unknown: its tfds builder info could not be read ({type(e).__name__})'
      return {'source': f'the tfds catalogue dataset {self.name} {where}', 'content': unknown, 'licence': unknown,
              'citation': unknown}
    not_stated = 'not stated in its tfds metadata; see the homepage'
    licence = getattr(info.redistribution_info, 'license', '') if info.redistribution_info else ''
    description = ' '.join((info.description or '').strip().split('\n\n')[0].split())
    return {'source': f'the tfds catalogue dataset {info.full_name} {where} (tensorflow_datasets)',
            'content': description[:300] or not_stated, 'homepage': info.homepage or not_stated,
            'licence': licence.strip() or not_stated, 'citation': (info.citation or '').strip() or not_stated}

  def ensure_prepared(self, builder, data_config) -> None:
    """Checks preparedness BEFORE anything can download: offline, tfds retries for minutes."""
    if builder.is_prepared():
      return
    data_dir = tfds_data_dir(data_config)
    how = (f'prepare it with `tfds build {self.name} --data_dir={data_dir}` (needs internet) or run with '
           '--config.data.download=True')
    if not data_config.download:
      raise DataError(f'tfds dataset {self.name!r} is not prepared in {data_dir}; {how}')
    try:
      builder.download_and_prepare()
    except Exception as e:  # network, disk, manual-download datasets...: report, don't trace back
      raise DataError(f'tfds dataset {self.name!r} could not be downloaded into {data_dir} '
                      f'({type(e).__name__}: {str(e).splitlines()[0][:200]}); {how}') from None

  def load(self, data_config) -> records.SourceData:
    builder = self.builder(data_config)
    self.ensure_prepared(builder, data_config)
    return self.load_from_builder(builder, data_config, data_config.image_key, data_config.label_key)

  def load_from_builder(self, builder, data_config, image_key: str, label_key: str) -> records.SourceData:
    """Reads every known split of a prepared builder in its on-disk order (deterministic)."""
    features = builder.info.features
    available = ', '.join(sorted(features.keys()))
    if image_key not in features:
      raise DataError(f'data.image_key={image_key!r}: {self.name} has no such feature (it has: {available})')
    if label_key and label_key not in features:
      raise DataError(f'data.label_key={label_key!r}: {self.name} has no such feature (it has: {available}); '
                      "use --config.data.label_key='' for unlabelled data")
    label_feature = features[label_key] if label_key else None
    num_classes = int(getattr(label_feature, 'num_classes', 0) or 0) if label_feature is not None else 0
    label_names = list(label_feature.names) if num_classes else None

    notes = []
    split_names = list(builder.info.splits.keys())
    if not split_names:
      # Dataset info without split metadata (e.g. under tfds.testing.mock_data): assume the usual pair.
      split_names = ['train', 'test']
      notes.append(f'{self.name}: dataset info lists no splits; read train and test')
    ignored = [s for s in split_names if s not in _SPLIT_NAMES]
    if ignored:
      notes.append(f'{self.name}: splits not used (not train/validation/test): {", ".join(ignored)}')
    used = [s for s in split_names if s in _SPLIT_NAMES]
    if 'train' not in used:
      raise DataError(f'tfds dataset {self.name!r} has no train split (splits: {", ".join(split_names)})')
    static_shape = None not in (features[image_key].shape or (None,))

    def chunks():
      for tfds_split in used:
        ds = builder.as_dataset(split=tfds_split, shuffle_files=False)
        ds = ds.map(lambda ex: (ex[image_key], ex[label_key] if label_key else tf.constant(0, tf.int64)))
        ds = ds.batch(_CHUNK) if static_shape else ds.batch(1)
        index = 0
        for images, labels in tfds.as_numpy(ds):
          n = len(labels)
          yield records.RecordChunk(
              sources=[f'{self.name}/{tfds_split}/{i}' for i in range(index, index + n)],
              labels=np.asarray(labels, np.int64),
              payload=_scale_binary(self.name, images) if static_shape else list(images),
              splits=[_SPLIT_NAMES[tfds_split]] * n)
          index += n

    return records.SourceData(kind='image', chunks=chunks(), num_classes=num_classes, label_names=label_names,
                              has_splits=True, notes=notes)


def _scale_binary(name: str, images: np.ndarray) -> np.ndarray:
  """0/1 pixels of a _BINARY_PIXELS dataset -> 0/255 (uint8); other datasets unchanged."""
  if name in _BINARY_PIXELS and images.dtype == np.uint8 and images.max(initial=0) <= 1:
    return images * np.uint8(255)
  return images
