"""--mode=translate (gan_jax/outputs/translate.py) on the session's CycleGAN run: one PNG per input with a manifest
naming its source and a grid of rows x, G(x), F(G(x)); a split as input; refusals in one line."""

import json

import numpy as np
import pytest
from PIL import Image

from configs import cyclegan_digits_mnist5k
from gan_jax.core.errors import ConfigError
from gan_jax.outputs.translate import translate


@pytest.fixture
def config(data_dir):
  config = cyclegan_digits_mnist5k.get_config('tiny')
  config.data.data_dir = data_dir
  return config


def test_a_folder_gives_one_png_per_input_and_a_manifest(cyclegan_run, config, tmp_path):
  inputs = tmp_path / 'digits'
  (inputs / 'more').mkdir(parents=True)
  draw = np.random.RandomState(0)
  Image.fromarray(draw.randint(0, 255, (8, 8), np.uint8)).resize((32, 32)).save(inputs / 'a.png')   # 8x8 upscaled
  Image.fromarray(draw.randint(0, 255, (24, 24, 3), np.uint8)).save(inputs / 'b.jpg')           # RGB, other size
  Image.fromarray(draw.randint(0, 255, (16, 16), np.uint8)).save(inputs / 'more' / 'c.png')
  (inputs / 'notes.txt').write_text('not an image')
  out = tmp_path / 'out'
  manifest = translate(config, str(cyclegan_run), 'a2b', str(inputs), str(out))
  assert [m['source'] for m in manifest['images']] == ['a.png', 'b.jpg', 'more/c.png']
  saved = json.loads((out / 'manifest.json').read_text())
  assert saved == manifest and saved['direction'] == 'a2b' and saved['checkpoint_step'] == 4
  for entry in saved['images']:
    assert np.asarray(Image.open(out / entry['output'])).shape == (16, 16)
  assert np.asarray(Image.open(out / 'grid.png')).shape == (3 * 18 + 2, 3 * 18 + 2)   # rows x, G(x), F(G(x))
  assert sorted(p.name for p in out.iterdir()) == sorted([m['output'] for m in saved['images']] +
                                                         ['grid.png', 'manifest.json'])


def test_a_split_of_the_source_domain(cyclegan_run, config, tmp_path):
  manifest = translate(config, str(cyclegan_run), 'b2a', 'val', str(tmp_path / 'val'))
  assert len(manifest['images']) == len(list((tmp_path / 'val').glob('*.png'))) - 1 > 0   # + grid.png


def test_refusals_are_one_line(cyclegan_run, config, tmp_path):
  (tmp_path / 'full').mkdir()
  (tmp_path / 'full' / 'x.txt').write_text('mine')
  for source, output, message in ((str(tmp_path / 'missing'), str(tmp_path / 'o1'), 'no such folder'),
                                  ('val', str(tmp_path / 'full'), 'exists and is not an empty folder'),
                                  ('val', str(cyclegan_run), 'is the workdir or a folder above it')):
    with pytest.raises(ConfigError) as error:
      translate(config, str(cyclegan_run), 'a2b', source, output)
    assert message in str(error.value) and '\n' not in str(error.value)
