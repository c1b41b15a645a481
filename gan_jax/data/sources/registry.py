"""The registry of gan_jax data sources; any other name is looked up in the tfds catalogue."""

from gan_jax.core.registry import Registry


class Source:
  """A data source: validates its config fields and reads its examples.

  Subclasses are registered as instances: `SOURCES.register(name)(SourceClass)` instantiates lazily via
  `get_source`.
  """

  kind = 'image'   # 'image' | 'points'

  def validate(self, data_config) -> None:
    """Raises ConfigError for source-specific config problems (cheap: no data is read)."""

  def fingerprint(self, data_config) -> str:
    """Extra cache-key material that changes when the source's content changes (e.g. a folder listing)."""
    del data_config
    return ''

  def provenance(self, data_config) -> dict:
    """Where the data come from, for data_report.json: {'source', 'content', 'licence', 'citation', ...}, each a
    line of text ('unknown: ...' or 'none needed: ...' rather than missing). Reads metadata only, never the data."""
    raise NotImplementedError

  def load(self, data_config):
    """Returns records.SourceData; raises DataError when the data cannot be read."""
    raise NotImplementedError


SOURCES = Registry('data source', 'data.name')
