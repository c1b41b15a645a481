"""One-line `ConfigError`s for model config values."""

from typing import Any, Iterable

from gan_jax.core.errors import ConfigError


def require_positive_int(value: Any, key: str) -> None:
  if isinstance(value, bool) or not isinstance(value, int) or value < 1:
    raise ConfigError(f'{key}={value!r} must be an integer >= 1')


def require_choice(value: Any, key: str, allowed: Iterable[Any]) -> None:
  allowed = list(allowed)
  if value not in allowed:
    raise ConfigError(f'{key}={value!r} is not allowed; allowed: {", ".join(map(str, allowed))}')
