"""Convert pytorch-fid's InceptionV3 weights to the .npz gan_jax reads (needs torch; never downloads).

  python -m gan_jax.metrics.convert_inception \
      --torch_weights pt_inception-2015-12-05-6726825d.pth --out pt_inception.npz

The .npz keeps the torch state-dict names and layouts; `gan_jax.metrics.inception` transposes on load.
"""

import argparse
import hashlib
import sys
from typing import Dict

import numpy as np


def state_dict_to_arrays(state_dict) -> Dict[str, np.ndarray]:
  """torch state dict -> {name: float32 numpy array}, without BatchNorm step counters."""
  return {name: tensor.detach().cpu().numpy().astype(np.float32)
          for name, tensor in state_dict.items() if not name.endswith('num_batches_tracked')}


def convert(torch_weights: str, out: str) -> str:
  """Writes `out` and returns its sha256."""
  import torch  # Only this conversion needs torch.
  state_dict = torch.load(torch_weights, map_location='cpu', weights_only=True)
  arrays = state_dict_to_arrays(state_dict)
  if 'fc.weight' not in arrays or arrays['fc.weight'].shape != (1008, 2048):
    raise SystemExit(f'{torch_weights}: not the FID InceptionV3 weights (expected fc.weight of shape (1008, 2048))')
  with open(out, 'wb') as f:
    np.savez(f, **arrays)
  with open(out, 'rb') as f:
    return hashlib.sha256(f.read()).hexdigest()


def main(argv=None) -> None:
  parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
  parser.add_argument('--torch_weights', required=True, help='pt_inception-2015-12-05-6726825d.pth')
  parser.add_argument('--out', required=True, help='output .npz (set config.eval.inception_weights to it)')
  args = parser.parse_args(argv)
  digest = convert(args.torch_weights, args.out)
  print(f'wrote {args.out} (sha256 {digest})')


if __name__ == '__main__':
  main(sys.argv[1:])
