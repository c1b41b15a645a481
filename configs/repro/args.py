"""Parses the comma-separated config argument of the repro configs: `ring,pack2,steps=20000`.

Tokens are either a bare word from an allowed set (dataset, variant, size switch) or `key=int`.
"""

from typing import Dict, Iterable, Tuple

from gan_jax.core.errors import ConfigError


def parse_arg(arg: str, words: Dict[str, Iterable[str]], int_keys: Iterable[str]) -> Tuple[Dict[str, str], Dict[str, int]]:
  """'ring,pack2,steps=100' -> ({'dataset': 'ring', 'variant': 'pack2'}, {'steps': 100}).

  words: slot -> allowed bare words (each slot at most once); int_keys: allowed `key=int` tokens.
  Raises ConfigError naming the token and what is allowed.
  """
  chosen, numbers = {}, {}
  allowed = {word: slot for slot, options in words.items() for word in options}
  for token in filter(None, (t.strip() for t in arg.split(','))):
    if '=' in token:
      key, _, value = token.partition('=')
      if key not in int_keys or not value.isdigit() or int(value) < 1:
        raise ConfigError(f'config arg {token!r}: allowed {", ".join(f"{k}=<positive int>" for k in int_keys)}')
      numbers[key] = int(value)
    elif token in allowed and allowed[token] not in chosen:
      chosen[allowed[token]] = token
    else:
      raise ConfigError(f'config arg {token!r}: allowed one each of ' +
                        '; '.join(f'{slot}: {"|".join(options)}' for slot, options in words.items()))
  return chosen, numbers
