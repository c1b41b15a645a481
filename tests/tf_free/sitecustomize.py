"""Makes this interpreter behave as if TensorFlow and tensorflow_datasets were not installed.

Put this folder first on PYTHONPATH (subprocesses inherit it): every finder on sys.meta_path is wrapped so
that it does not find `tensorflow*` or `tensorflow_datasets*`; `import tensorflow` then raises
ModuleNotFoundError and `importlib.util.find_spec('tensorflow')` returns None, exactly as where TF is
absent. With GAN_JAX_TF_FREE_TRACE=1 each attempted import prints its chain of gan_jax callers to stderr.
"""

import os
import sys
import traceback

_BLOCKED = ('tensorflow', 'tensorflow_datasets')


def _blocked(name: str) -> bool:
  return name.split('.')[0] in _BLOCKED


class _Hidden:
  """Delegates to a finder, except for the blocked packages."""

  def __init__(self, finder):
    self._finder = finder

  def find_spec(self, name, path=None, target=None):
    if _blocked(name):
      if os.environ.get('GAN_JAX_TF_FREE_TRACE'):
        chain = [f'{f.filename}:{f.lineno}' for f in traceback.extract_stack()[:-1]
                 if 'importlib' not in f.filename]
        print(f'TF_FREE blocked {name}: ' + ' <- '.join(reversed(chain)), file=sys.stderr)
      return None
    find = getattr(self._finder, 'find_spec', None)
    return find(name, path, target) if find else None

  def __getattr__(self, attr):
    return getattr(self._finder, attr)


sys.meta_path[:] = [_Hidden(f) for f in sys.meta_path]
for _name in [n for n in sys.modules if _blocked(n)]:
  del sys.modules[_name]
