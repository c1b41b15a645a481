"""A name -> object registry: configs list names, modules register implementations."""

from typing import Any, Callable, Dict, Iterable, TypeVar

from gan_jax.core.errors import ConfigError

T = TypeVar('T')


class Registry:
  """Maps names to objects (functions, classes, builders).

  `get` raises `ConfigError` naming the config key and the allowed names, so an unknown name in a
  config fails with one readable line.
  """

  def __init__(self, kind: str, config_key: str):
    self.kind = kind
    self.config_key = config_key
    self._entries: Dict[str, Any] = {}

  def register(self, name: str) -> Callable[[T], T]:
    def decorator(obj: T) -> T:
      if name in self._entries:
        raise ValueError(f'{self.kind} {name!r} is registered twice')
      self._entries[name] = obj
      return obj
    return decorator

  def get(self, name: str, config_key: str = '') -> Any:
    """The entry of `name`; an unknown name raises ConfigError naming `config_key` (default: the registry's
    own key; a second config section that uses the same registry, e.g. data_b.transform, passes its key)."""
    if name not in self._entries:
      raise ConfigError(f'{config_key or self.config_key}={name!r} is not a known {self.kind}; allowed: '
                        f'{", ".join(self.names())}')
    return self._entries[name]

  def check(self, name: str, config_key: str = '') -> None:
    self.get(name, config_key)

  def names(self) -> Iterable[str]:
    return sorted(self._entries)

  def __contains__(self, name: str) -> bool:
    return name in self._entries
