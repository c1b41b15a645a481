"""One-line `ConfigError`s for model config values."""

from typing import Any, Callable, Iterable, Optional, Sequence

from gan_jax.core.errors import ConfigError


def require_positive_int(value: Any, key: str) -> None:
  if isinstance(value, bool) or not isinstance(value, int) or value < 1:
    raise ConfigError(f'{key}={value!r} must be an integer >= 1')


def require_choice(value: Any, key: str, allowed: Iterable[Any]) -> None:
  allowed = list(allowed)
  if value not in allowed:
    raise ConfigError(f'{key}={value!r} is not allowed; allowed: {", ".join(map(str, allowed))}')


def require_image(model_name: str, example_shape: Sequence[int], size_ok: Optional[Callable[[int], bool]] = None,
                  allowed: str = '') -> None:
  """Images [H, W, C] for model.name=`model_name`; with `size_ok`, also square with size_ok(H) (`allowed`
  says which sizes in words)."""
  if len(example_shape) != 3:
    raise ConfigError(f'model.name={model_name} needs image data (H, W, C); this dataset gives '
                      f'{tuple(example_shape)}')
  height, width, _ = example_shape
  if size_ok is not None and (height != width or not size_ok(height)):
    raise ConfigError(f'data.image_size={height} is not supported by model.name={model_name}; allowed: {allowed}')
