"""A config named as launch.py names it, 'FILE.py' or 'FILE.py:SWITCH' under configs/, loaded in-process.

The benchmarks that print launch.py commands take the same name, so the config they check and the one the
printed command runs are one. The caller puts the repository root on sys.path (every benchmark does)."""

import importlib


def load_config(name: str):
  """'cyclegan_digits_mnist5k.py:cpu' -> configs/cyclegan_digits_mnist5k.py's get_config('cpu') (switch '' if none);
  ValueError (one line) for a name that is not FILE.py[:SWITCH]."""
  file_name, _, switch = name.partition(':')
  if not file_name.endswith('.py') or '/' in file_name:
    raise ValueError(f'{name!r}: a config is named FILE.py or FILE.py:SWITCH, FILE a file under configs/')
  return importlib.import_module(f'configs.{file_name[:-len(".py")]}').get_config(switch)
