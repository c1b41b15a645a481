"""The config schema: every key gan_jax reads, declared once (type and range, default, one-line help, and what
it changes). configs/default.py is generated from it (`python -m gan_jax.core.schema > configs/default.py`;
tests/core/test_schema.py keeps them equal), and so are the key lists other modules need:

  keys_with(DATA_IDENTITY)   split membership: refused on resume (gan_jax.run.resume)
  keys_with(TRAIN_MEMBERSHIP) which examples are in the train split: refused on resume
  keys_with(FREE)            where or how long a run goes: changed on resume without a warning
  keys_with(SHAPE)           the train state's shapes: recorded in checkpoints (gan_jax.core.checkpointing)
  keys_with(DATA_CACHE)      what the prepare stage produces: the prepared-data cache key (gan_jax.data.cache)
  keys_with(CLASSIFIER)      what the evaluation classifier is trained on and how: its cache key

`check_values(config)` raises the one-line ConfigError for a value of the wrong type or out of range;
`unknown_key(dotted)` the one for a key the schema does not have, with the closest key as a suggestion;
`value(config, dotted)` reads a dotted key; `refuse_changed(config, section, ...)` the one for a family's section
set away from its defaults under another family (`changed_keys` lists them).
Names chosen from a registry (data.name, model.name, loss.name, ...) are Str here: their registries check
them, with the allowed names. Cross-key rules live with the stage or family that reads the keys.
"""

import ast
import difflib
import math
import sys
import textwrap
from typing import Any, Callable, Dict, FrozenSet, Iterable, NamedTuple, Optional, Tuple

from gan_jax.core.errors import ConfigError

DATA_IDENTITY, TRAIN_MEMBERSHIP, FREE, SHAPE, DATA_CACHE = 'data_identity', 'train_membership', 'free', 'shape', 'cache'
CLASSIFIER = 'classifier'   # the evaluation classifier's identity (gan_jax.data.identity, gan_jax.metrics.classifier)


class Kind(NamedTuple):
  """A value check: `check(value) -> bool` and the allowed values in words (for the error message)."""
  check: Callable[[Any], bool]
  allowed: str


def Int(low: int, high: Optional[int] = None, meaning: str = '') -> Kind:   # pylint: disable=invalid-name
  ok = lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= low and (high is None or v <= high)
  return Kind(ok, (f'an integer >= {low}' if high is None else f'an integer in [{low}, {high}]') + meaning)


def Float(low: float, high: float = math.inf, low_open: bool = False,   # pylint: disable=invalid-name
          high_open: bool = False, meaning: str = '') -> Kind:
  def ok(v):
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
      return False
    return (v > low if low_open else v >= low) and (v < high if high_open else v <= high)
  if high == math.inf:
    return Kind(ok, f'a finite number {">" if low_open else ">="} {low}{meaning}')
  left, right = '(' if low_open else '[', ')' if high_open else ']'
  return Kind(ok, f'a number in {left}{low}, {high}{right}{meaning}')


BOOL = Kind(lambda v: isinstance(v, bool), 'True or False')
OPTIONAL_BOOL = Kind(lambda v: v is None or isinstance(v, bool), 'None, True or False')
STR = Kind(lambda v: isinstance(v, str), 'a string')
NAMES = Kind(lambda v: isinstance(v, str) or (isinstance(v, (tuple, list)) and all(isinstance(x, str) for x in v)),
             'a name or a tuple of names')
NUMBERS = Kind(lambda v: isinstance(v, (tuple, list)) and all(isinstance(x, (int, float)) and not isinstance(x, bool)
                                                              for x in v), 'a tuple of numbers')
INTS = Kind(lambda v: isinstance(v, (tuple, list)) and all(isinstance(x, int) and not isinstance(x, bool) and x >= 1
                                                          for x in v), 'a tuple of integers >= 1')
OPTIONAL_DICT = Kind(lambda v: v is None or isinstance(v, dict) or hasattr(v, 'to_dict'), 'None or {label: weight}')


class Key(NamedTuple):
  name: str                  # dotted, e.g. 'train.steps'
  default: Any
  kind: Kind
  help: str                  # one line
  flags: FrozenSet[str] = frozenset()
  placeholder: str = ''      # the ml_collections placeholder type of a None default ('bool', 'dict')


def _k(name, default, kind, help_text, *flags, placeholder=''):
  return Key(name, default, kind, help_text, frozenset(flags), placeholder)


_ID, _TRAIN, _SHAPE, _CACHE, _CLS = DATA_IDENTITY, TRAIN_MEMBERSHIP, SHAPE, DATA_CACHE, CLASSIFIER
PROB = Float(0, 1, meaning=' (a probability; 0 = off)')

# Sections, in the order configs/default.py lists them, each with its comment line.
SECTIONS = (
    ('', ''),
    ('data', 'data'),
    ('data.augment', 'Augmentation, train split only: probability of applying each op (0 = off).'),
    ('data.augment_params', ''),
    ('data.clean', 'Cleaning (the `prepare` stage; cached per dataset and config).'),
    ('data_b', "second data domain (model.name = cyclegan): any source, prepared with data.*'s size, channels, "
               'cleaning, split and augmentation settings; its labels are measured, never trained on'),
    ('model', 'model'),
    ('loss', 'loss'),
    ('gan_aug', 'augmentation of what D sees (on device, reals AND fakes; not data.augment)'),
    ('optim', 'optimisers'),
    ('ema', ''),
    ('train', 'training'),
    ('checkpoint', ''),
    ('eval', 'evaluation'),
    ('classifier', 'classifier (--mode=train_classifier) and the downstream classifier'),
    ('synthesize', 'synthesize (--mode=synthesize)'),
    ('interpolate', 'interpolate (--mode=interpolate)'),
    ('vae', 'VAE family (model.name = vae | vae_mlp): its own keys; it shares model.latent_dim, dtype, init_std, '
            'conditioning, optim.b1/b2/schedule/warmup_steps/grad_clip, ema, train and eval'),
    ('progan', 'ProGAN family (model.name = progan): growing from start_resolution to data.image_size; it shares '
               'model.latent_dim, loss (name, gp_weight, r1_weight), optim (g_lr, d_lr, b1, b2, grad_clip), ema, '
               'train and eval'),
    ('cyclegan', 'CycleGAN family (model.name = cyclegan): unpaired translation between data and data_b; it shares '
                 'loss.name (least_squares), optim (g_lr, d_lr, b1, b2, schedule, grad_clip), train and eval'),
)

KEYS: Tuple[Key, ...] = (
    _k('seed', 0, Int(0), 'the run seed: initialisation, latents, data order'),
    _k('distributed', False, BOOL, 'call jax.distributed.initialize() (coordinator, ids: environment or below)',
       FREE),
    _k('coordinator_address', '', STR, "'host:port'; '' lets JAX detect it (SLURM, TPU, ...)", FREE),
    _k('num_processes', 0, Int(0, meaning=' (0 = detected)'), '0: detected', FREE),
    _k('process_id', -1, Int(-1, meaning=' (-1 = detected)'), '-1: detected', FREE),
    # ---------------------------------------------------------------- data
    _k('data.name', 'digits', STR, 'a gan_jax source (digits, mnist5k, stacked_digits, stacked_mnist5k, ring2d, '
       'grid2d, image_folder) or any tfds image dataset', _ID, _CACHE, _CLS),
    _k('data.data_dir', '', STR, "tfds data dir; '' = $TFDS_DATA_DIR or ~/tensorflow_datasets", FREE),
    _k('data.download', False, BOOL, 'allow tfds to download a catalogue dataset that is not prepared'),
    _k('data.path', '', STR, 'image_folder: the folder of images (class subfolders become labels)', _ID, _CACHE, _CLS),
    _k('data.image_key', 'image', STR, 'tfds feature holding the image', _ID, _CACHE, _CLS),
    _k('data.label_key', 'label', STR, "tfds feature holding the label ('' = unlabelled)", _ID, _CACHE, _CLS),
    _k('data.image_size', 32, Int(1), 'output resolution (square); ignored by 2D point datasets', _SHAPE, _CACHE, _CLS),
    _k('data.channels', 1, Int(1, 3), '1 or 3', _SHAPE, _CACHE, _CLS),
    _k('data.num_samples', 100_000, Int(1), 'generated sources (ring2d, grid2d, stacked_*): examples generated',
       _ID, _CACHE, _CLS),
    _k('data.transform', 'none', STR, 'a known pixel map of the whole dataset (gan_jax/data/transforms.py): none | '
       'invert (255 - p; a transformed copy with ground truth, e.g. as data_b.transform)', _ID, _CACHE, _CLS),
    _k('data.resize_method', 'bilinear', STR, 'tf.image.resize method: bilinear, bicubic, nearest, area, '
       'lanczos3, ...', _CACHE, _CLS),
    _k('data.antialias', True, BOOL, 'antialias when resizing', _CACHE, _CLS),
    _k('data.frame_fraction', 1.0, Float(0, 1, low_open=True), 'side of the frame the resized image fills, centred '
       "on a margin of its border's median (0.7 puts full-frame digits in MNIST's 20-of-28 box); 1 = all of it",
       _CACHE, _CLS),
    _k('data.standardize', False, BOOL, 'per-channel standardisation with train-split statistics (after scaling '
       'to [-1, 1])', _CLS),
    _k('data.resplit', False, BOOL, 'tfds datasets keep their own splits unless True; other sources are always '
       'split', _ID, _CACHE, _CLS),
    _k('data.val_fraction', 0.1, Float(0, 1, high_open=True), 'fraction of the examples in the val split',
       _ID, _CACHE, _CLS),
    _k('data.train_fraction', 1.0, Float(0, 1, low_open=True), 'keep this stratified, deterministic fraction of the '
       'train split (val/test untouched)', _TRAIN),
    _k('data.test_fraction', 0.1, Float(0, 1, high_open=True), 'fraction of the examples in the test split', _ID,
       _CACHE, _CLS),
    _k('data.split_seed', 0, Int(0), 'seed of the stratified split', _ID, _CACHE, _CLS),
    _k('data.rebalance', 'none', STR, 'class imbalance: none | oversample | undersample | target '
       "(data.target_distribution) | smote (imbalanced-learn's SMOTE rows added to the real train split)"),
    _k('data.smote_k', 5, Int(1), 'rebalance=smote: k_neighbors (same-class nearest neighbours); every minority '
       'class needs k + 1 train images'),
    _k('data.target_distribution', None, OPTIONAL_DICT, 'rebalance=target: {label: weight}', placeholder='dict'),
    _k('data.imbalance_factor', 1.0, Float(1), '>= 1: class i keeps n_max * (1/IF)**(i/(K-1)) train examples (Cao '
       'et al. 2019); 1 = off', _TRAIN),
    _k('data.synthetic_path', '', STR, "image folder (one subfolder per class, e.g. from --mode=synthesize) added to "
       "train; '' = none", _TRAIN),
    _k('data.synthetic_fill', 'balance', STR, 'balance: top each class up to the largest real class | all | '
       'fraction (data.synthetic_fraction) | multiple (data.synthetic_multiple)', _TRAIN),
    _k('data.synthetic_fraction', 0.5, Float(0, 1, low_open=True), "synthetic_fill='fraction': add this fraction of "
       'the real train count, evenly over classes', _TRAIN),
    _k('data.synthetic_multiple', 1.0, Float(1), "synthetic_fill='multiple': top every class up to round(m * the "
       'largest real class) real + synthetic examples (1 = balance)', _TRAIN),
    _k('data.augment.hflip', 0.0, PROB, 'horizontal flip'),
    _k('data.augment.rotate', 0.0, PROB, 'rotation by up to augment_params.max_degrees'),
    _k('data.augment.crop', 0.0, PROB, 'pad by augment_params.crop_padding (reflect), crop back'),
    _k('data.augment.color_jitter', 0.0, PROB, 'brightness, contrast, saturation'),
    _k('data.augment_params.max_degrees', 10.0, Float(0, 180), 'rotate: uniform in [-max, max]'),
    _k('data.augment_params.crop_padding', 4, Int(0), 'crop: pad by this many pixels (reflect), crop back'),
    _k('data.augment_params.brightness', 0.2, Float(0, 1), 'color_jitter: max delta (in [0, 1] pixel units)'),
    _k('data.augment_params.contrast', 0.2, Float(0, 1), 'color_jitter: max relative change'),
    _k('data.augment_params.saturation', 0.2, Float(0, 1), 'color_jitter: max relative change'),
    _k('data.clean.enabled', True, BOOL, 'run the cleaning stage', _ID, _CACHE, _CLS),
    _k('data.clean.channel_policy', 'convert', STR, 'wrong channel count: convert | drop', _ID, _CACHE, _CLS),
    _k('data.clean.min_size', 8, Int(1), 'drop images smaller than this on either side (pixels)', _ID, _CACHE, _CLS),
    _k('data.clean.exact_duplicates', True, BOOL, 'drop byte-identical and pixel-identical copies', _ID, _CACHE, _CLS),
    _k('data.clean.near_duplicate_threshold', 4, Int(-1, 64, meaning=' (-1 = off)'), 'Hamming bits of 64-bit '
       'pHashes (shifted/scaled a little) that make a candidate pair; -1 = off', _ID, _CACHE, _CLS),
    _k('data.clean.copy_max_distance', 0.06, Float(0), 'a candidate is a copy when, aligned, the RMS difference is '
       'below this (std units): gan_jax/data/copy_check.py', _ID, _CACHE, _CLS),
    _k('data.clean.cross_split_duplicates', True, BOOL, 'drop val images with a (near) copy in train, test ones '
       'with one in train or val', _ID, _CACHE, _CLS),
    _k('data.clean.outlier_score', 'none', STR, 'none | mad (robust z-score of a feature embedding)',
       _ID, _CACHE, _CLS),
    _k('data.clean.outlier_threshold', 6.0, Float(0, low_open=True), 'mad: drop above this robust z-score', _ID,
       _CACHE, _CLS),
    _k('data.clean.max_class_share_change', 1.0, Float(0), 'warn when cleaning moves a class\'s share by more '
       '(percentage points)', _ID, _CACHE, _CLS),
    _k('data.cache', True, BOOL, 'tf.data cache of the prepared splits'),
    _k('data.deterministic', True, BOOL, 'tf.data deterministic order'),
    _k('data.prefetch', 2, Int(-1, meaning=' (-1 = AUTOTUNE)'), 'batches prefetched; 0 = none, -1 = AUTOTUNE'),
    # ---------------------------------------------------------------- data_b (a second domain)
    _k('data_b.name', '', STR, "domain b's source (any data.name value); '' = one domain (every family but "
       'cyclegan)', _ID),
    _k('data_b.path', '', STR, 'image_folder: the folder of domain b images', _ID),
    _k('data_b.image_key', 'image', STR, 'tfds feature holding the image', _ID),
    _k('data_b.label_key', 'label', STR, "tfds feature holding the label ('' = unlabelled)", _ID),
    _k('data_b.transform', 'none', STR, "domain b's data.transform: none | invert (e.g. data_b.name = data.name: "
       'a transformed copy of domain a, whose true translation is known)', _ID),
    _k('data_b.frame_fraction', 1.0, Float(0, 1, low_open=True), "domain b's data.frame_fraction (each domain is "
       'framed as its source needs: e.g. 0.7 for full-frame digits against MNIST at 1)'),
    # ---------------------------------------------------------------- model
    _k('model.name', 'dcgan', STR, 'dcgan | mlp | resnet (SNGAN) (GANs) | vae | vae_mlp (VAEs) | progan | '
       'cyclegan', _SHAPE),
    _k('model.latent_dim', 100, Int(1), 'size of the latent z', _SHAPE),
    _k('model.g_width', 64, Int(1), "DCGAN: channels of G's last hidden layer (doubling towards the input); "
       'resnet: see gan_jax/models/resnet.py; VAE: the decoder', _SHAPE),
    _k('model.d_width', 64, Int(1), "DCGAN: channels of D's first layer; resnet: see gan_jax/models/resnet.py; "
       'VAE: the encoder', _SHAPE),
    _k('model.dtype', 'float32', STR, 'compute dtype: float32 | bfloat16 (params stay float32)'),
    _k('model.pack', 1, Int(1), 'PacGAN: D scores `pack` samples at once', _SHAPE),
    _k('model.g_depth', 4, Int(1), 'MLP G: hidden layers', _SHAPE),
    _k('model.g_hidden', 400, Int(1), 'MLP G: units per hidden layer', _SHAPE),
    _k('model.g_batch_norm', True, BOOL, 'MLP G: BatchNorm after each hidden layer', _SHAPE),
    _k('model.d_depth', 3, Int(1), 'MLP D: hidden layers', _SHAPE),
    _k('model.d_hidden', 200, Int(1), 'MLP D: units per hidden layer', _SHAPE),
    _k('model.d_batch_norm', False, BOOL, 'MLP D: BatchNorm after each hidden layer', _SHAPE),
    _k('model.d_maxout_pieces', 0, Int(0), '> 1: maxout units with this many pieces in D', _SHAPE),
    _k('model.activation', 'relu', STR, 'relu | leaky_relu | tanh | elu | gelu | swish'),
    _k('model.init_std', 0.02, Float(0), 'N(0, init_std) weights (the DCGAN init); 0 = flax defaults'),
    _k('model.conditional', 'none', STR, 'none | projection | acgan | reacgan (D: + data-to-data embedding); G: '
       'class-conditional BN', _SHAPE),
    _k('model.d_embed_dim', 128, Int(1), "reacgan: size of D's normalised embedding and class proxies", _SHAPE),
    _k('model.num_classes', 0, Int(0), 'classes the conditional models are built for; 0 = the dataset\'s count',
       _SHAPE),
    _k('model.fake_labels', 'data', STR, "labels of fakes in training: data (each D update's real labels, shuffled: "
       'the label counts D sees after rebalance/synthetic mixing) | uniform'),
    _k('model.d_spectral_norm', None, OPTIONAL_BOOL, 'None: family default (resnet on, dcgan off)', _SHAPE,
       placeholder='bool'),
    # ---------------------------------------------------------------- loss
    _k('loss.name', 'non_saturating', STR, 'non_saturating | minimax | hinge | least_squares | wasserstein'),
    _k('loss.gp_weight', 0.0, Float(0), 'gradient penalty (WGAN-GP); 10 is usual with wasserstein'),
    _k('loss.r1_weight', 0.0, Float(0), 'R1 penalty on real data'),
    _k('loss.n_critic', 1, Int(1), 'D steps per G step, each on its own real batch (a step reads n_critic * '
       'train.batch_size examples)'),
    _k('loss.ac_weight', 1.0, Float(0), 'acgan | reacgan: weight of the class loss in D\'s and G\'s losses'),
    _k('loss.ac_fake_weight', 0.0, Float(0), "D's class loss on fakes relative to the real one: 0 = reals only "
       "(StudioGAN, TAC-GAN); 1 = Odena et al.'s objective"),
    _k('loss.d2d_temperature', 0.5, Float(0, low_open=True), 'reacgan: temperature of the data-to-data '
       'cross-entropy'),
    _k('loss.d2d_margin', 0.98, Float(0, 2), 'reacgan: positive margin m_p; negatives count above cosine 1 - m_p'),
    _k('loss.lecam_weight', 0.0, Float(0), 'LeCam regulariser (Tseng et al. 2021) on D; 0 = off'),
    _k('loss.lecam_decay', 0.99, Float(0, 1, high_open=True), "EMA decay of LeCam's anchors"),
    # ---------------------------------------------------------------- gan_aug
    _k('gan_aug.policy', '', STR, 'comma-separated, in order: DiffAugment color | translation | cutout, and/or '
       "ada; '' = off"),
    _k('gan_aug.ada_target', 0.6, Float(0, 1, low_open=True, high_open=True),
       'ADA: p moves so that r_t = E[sign(D(real))] approaches this'),
    _k('gan_aug.ada_interval', 4, Int(1), 'ADA: G steps between adjustments of p'),
    _k('gan_aug.ada_kimg', 500.0, Float(0, low_open=True), 'ADA: thousands of images over which p can move by 1'),
    _k('gan_aug.ada_p', 0.0, PROB, 'ADA: p at the start of training (then it lives in the train state)'),
    # ---------------------------------------------------------------- optim
    _k('optim.g_lr', 2e-4, Float(0, low_open=True), "G's learning rate"),
    _k('optim.d_lr', 2e-4, Float(0, low_open=True), "D's learning rate"),
    _k('optim.b1', 0.5, Float(0, 1, high_open=True), 'Adam beta1'),
    _k('optim.b2', 0.999, Float(0, 1, high_open=True), 'Adam beta2'),
    _k('optim.schedule', 'constant', STR, 'constant | cosine | linear | warmup_cosine | constant_then_linear (half '
       'constant, then linear: CycleGAN)'),
    _k('optim.warmup_steps', 0, Int(0), 'linear warm-up steps (< train.steps)'),
    _k('optim.grad_clip', 0.0, Float(0, meaning=' (0 = off)'), 'global-norm clipping; 0 = off'),
    _k('ema.decay', 0.999, Float(0, 1, high_open=True, meaning=' (0 = off)'), "EMA of G's params used for sampling "
       'and evaluation; 0 = off'),
    _k('ema.start_step', 0, Int(0), "the EMA is a copy of G's params until this many steps are done (compare_gan's "
       'ema_start_step)'),
    _k('ema.standing_batches', 16, Int(0), 'samples use BatchNorm statistics recomputed for the EMA params over this '
       'many batches of train.batch_size ("standing statistics"); 0 = the raw G\'s running statistics'),
    # ---------------------------------------------------------------- train
    _k('train.steps', 2000, Int(1), 'G steps', FREE),
    _k('train.batch_size', 64, Int(1), 'global batch, over all devices and processes'),
    _k('train.log_every', 50, Int(1), 'steps between console/metrics lines'),
    _k('train.sample_every', 500, Int(0, meaning=' (0 = only generated.png at the end)'), 'steps between sample '
       'grids; 0 = only generated.png at the end'),
    _k('train.num_sample_images', 64, Int(1), 'images in each sample grid'),
    _k('checkpoint.every_steps', 500, Int(0, meaning=' (0 = only at the end)'), 'steps between checkpoints'),
    _k('checkpoint.keep', 3, Int(1), 'checkpoints kept'),
    # ---------------------------------------------------------------- eval
    _k('eval.metrics', ('fid', 'modes'), NAMES, "names in gan_jax.metrics' registry"),
    _k('eval.extractor', 'classifier', STR, 'classifier | inception'),
    _k('eval.classifier_dir', '', STR, "Orbax dir of a classifier from --mode=train_classifier; '' = a cache shared "
       'by runs on the same data identity (gan_jax/data/identity.py), trained on demand on its full clean train '
       'split'),
    _k('eval.inception_weights', '', STR, ".npz converted from pytorch-fid's pt_inception weights (see README)"),
    _k('eval.every_steps', 0, Int(0, meaning=' (0 = only at the end)'), 'periodic evaluation on the val split'),
    _k('eval.num_samples', 2000, Int(1), 'generated samples per evaluation'),
    _k('eval.best_metric', 'fid', STR, "keep the checkpoint with the lowest value of this result; '' = none"),
    _k('eval.batch_size', 250, Int(1), 'samples per generator/extractor call'),
    _k('eval.seed', 1234, Int(0), 'seed of the evaluation samples'),
    # ---------------------------------------------------------------- classifier
    _k('classifier.steps', 400, Int(1), 'training steps (97.7% test accuracy on digits at 32x32)', _CLS),
    _k('classifier.batch_size', 64, Int(1), 'training batch', _CLS),
    _k('classifier.lr', 2e-3, Float(0, low_open=True), 'Adam learning rate', _CLS),
    _k('classifier.width', 16, Int(1), 'channels of the first conv layer', _CLS),
    _k('classifier.feature_dim', 64, Int(1), 'features (penultimate layer) for FID-style metrics', _CLS),
    _k('classifier.class_weighting', 'none', STR, 'downstream: none | inverse | effective_number (Cui et al. 2019)'),
    _k('classifier.cb_beta', 0.999, Float(0, 1, high_open=True), 'downstream effective_number: beta'),
    _k('classifier.train_data', 'real', STR, 'downstream: real | synthetic | real+synthetic'),
    _k('classifier.loss', 'ce', STR, 'downstream: ce | logit_adjusted (Menon et al. 2021, classifier.tau) | ldam '
       '(Cao et al. 2019: margins 0.5 * (n_min / n_j)^(1/4), scale 30, cosine head)'),
    _k('classifier.tau', 1.0, Float(0), 'downstream logit_adjusted: trains on logits + tau * log(train class prior)'),
    _k('classifier.drw_start', 0, Int(0, meaning=' (0 = off)'), 'downstream: from this step on, effective-number '
       "class weights with beta 0.9999 (Cao et al. 2019's deferred re-weighting, DRW); 0 = off"),
    # ---------------------------------------------------------------- synthesize, interpolate
    _k('synthesize.out_dir', '', STR, "the synthetic image folder; '' = <workdir>/synthetic"),
    _k('synthesize.truncation', 0.0, Float(0), '> 0: latents from a normal truncated to [-t, t]; 0 = off'),
    _k('synthesize.temperature', 1.0, Float(0, low_open=True), 'latents scaled by this'),
    _k('synthesize.replace', False, BOOL, 'replace a previous synthesize output in out_dir (with its manifest.json)'),
    _k('synthesize.min_confidence', 0.0, Float(0, 1, meaning=' (0 = off)'), "keep an image only when the classifier "
       "of synthesize.filter_classifier gives its requested class at least this probability; 0 = off"),
    _k('synthesize.filter_classifier', 'run_split', STR, "min_confidence > 0: the classifier that filters: run_split "
       "(logit-adjusted, trained on the run's own, e.g. long-tailed, train split; cached) | evaluation (the evaluation "
       'classifier: the full balanced train split, a leak under data.imbalance_factor)'),
    _k('synthesize.max_draws', 20, Int(1), 'min_confidence > 0: at most this many times the requested count is drawn '
       'per class; a class that keeps fewer is refused'),
    _k('interpolate.steps', 8, Int(2), 'images per slerp row, both end latents included'),
    _k('interpolate.rows', 8, Int(1), 'slerp rows of an unconditional model (conditional: one per class)'),
    _k('interpolate.truncations', (0.5, 1.0, 1.5, 2.0, 0.0), NUMBERS, 'truncation sweep columns: normal truncated '
       'to [-t, t]; 0 = none'),
    # ---------------------------------------------------------------- VAE family
    _k('vae.lr', 1e-3, Float(0, low_open=True), 'Adam learning rate of the whole VAE (encoder, decoder, learned '
       'scale)'),
    _k('vae.encoder_width', 64, Int(1), "model.name=vae: channels of the conv encoder's first layer (DCGAN D's "
       'layout)', _SHAPE),
    _k('vae.decoder_width', 64, Int(1), "model.name=vae: channels of the conv decoder's last hidden layer (DCGAN "
       "G's layout)", _SHAPE),
    _k('vae.encoder_hidden', 500, Int(1), "model.name=vae_mlp: hidden units of the encoder (flax's examples/vae)",
       _SHAPE),
    _k('vae.decoder_hidden', 500, Int(1), 'model.name=vae_mlp: hidden units of the decoder', _SHAPE),
    _k('vae.likelihood', 'bernoulli', STR, 'p(x|z): bernoulli = binarised pixels (bounds *_binarized, bits per '
       'binary pixel) | gaussian = 8-bit pixels, uniformly dequantised (bits per 8-bit value, >= 0)', _SHAPE),
    _k('vae.scale', 0.0, Float(0), 'gaussian: fixed std on [0, 1] pixels; 0 = learned (one per channel)', _SHAPE),
    _k('vae.beta', 1.0, Float(0, low_open=True), 'weight of the KL term (beta-VAE)'),
    _k('vae.kl_warmup_steps', 0, Int(0), 'KL weight ramps linearly 0 -> beta over these steps; 0 = off'),
    _k('vae.iwae_samples', 100, Int(1), 'k of the importance-weighted bound reported with the ELBO (1 = ELBO)'),
    # ---------------------------------------------------------------- ProGAN family
    _k('progan.start_resolution', 4, Int(4), 'resolution training starts at (a power of two <= data.image_size); '
       '= data.image_size: no growing', _SHAPE),
    _k('progan.images_per_phase', 600_000, Int(1), 'real images shown in each stable phase (the paper 600k; its '
       'CIFAR-10 config 400k)'),
    _k('progan.fade_images', 0, Int(0), 'real images shown while a new resolution fades in; 0 = images_per_phase'),
    _k('progan.batch_sizes', (), INTS, 'batch size per resolution, start..final (each divides train.batch_size); '
       '() = train.batch_size everywhere'),
    _k('progan.fmap_base', 8192, Int(1), 'feature maps at stage s: min(fmap_base / 2**(s * fmap_decay), fmap_max)',
       _SHAPE),
    _k('progan.fmap_decay', 1.0, Float(0), 'log2 of the feature-map reduction per doubling', _SHAPE),
    _k('progan.fmap_max', 512, Int(1), 'most feature maps in any layer', _SHAPE),
    _k('progan.mbstd_group_size', 4, Int(0), "D's minibatch standard deviation over groups of this many images; "
       '0 or 1 = off', _SHAPE),
    _k('progan.drift', 0.001, Float(0), "weight of the drift term mean(D(real)**2) in D's loss (the paper's "
       'epsilon_drift)'),
    # ---------------------------------------------------------------- CycleGAN family
    _k('cyclegan.g_width', 64, Int(1), "channels of G's first conv (x2, x4, ... after each downsampling; the "
       "reference's ngf)", _SHAPE),
    _k('cyclegan.g_blocks', 6, Int(1), "ResNet blocks at G's lowest resolution (the reference: 6 at 128x128, 9 "
       'at 256x256)', _SHAPE),
    _k('cyclegan.g_downsamplings', 2, Int(0, 4), "G's stride-2 convs before its ResNet blocks (the reference: 2; "
       'fewer: a more local translation; data.image_size must divide by 2^this)', _SHAPE),
    _k('cyclegan.d_width', 64, Int(1), "channels of PatchGAN D's first conv (the reference's ndf)", _SHAPE),
    _k('cyclegan.d_layers', 3, Int(1), "PatchGAN D's stride-2 convs (3: 70x70 patches, 2: 34x34, 1: 16x16)",
       _SHAPE),
    _k('cyclegan.cycle_weight', 10.0, Float(0), 'weight of each cycle-consistency L1 (lambda_A = lambda_B)'),
    _k('cyclegan.identity_weight', 0.5, Float(0), 'identity L1 weight, relative to cycle_weight (0 = off)'),
    _k('cyclegan.low_frequency_weight', 0.0, Float(0), 'weight of |blur(G(a)) - blur(a)|_1 + |blur(F(b)) - blur(b)|_1 '
       "(FDIT's low-frequency loss, Cai et al. 2021; not the reference's): keeps where the ink is; 0 = off"),
    _k('cyclegan.low_frequency_sigma', 2.0, Float(0, low_open=True), 'std in pixels of that Gaussian blur'),
    _k('cyclegan.pool_size', 50, Int(0), "past fakes D is shown from (Shrivastava et al.'s pool, in the train "
       'state); 0 = the current fakes', _SHAPE),
    _k('cyclegan.metrics', ('label_preservation', 'cycle_error', 'translated_fid'), NAMES,
       "names in gan_jax.metrics.translation's registry, computed on eval.num_samples images of each split"),
    _k('cyclegan.noise_std', 0.04, Float(0), 'cycle_error also reports F(G(x) + N(0, noise_std)) (a cycle hidden '
       'in low-amplitude noise shows as a much larger error); 0 = off'),
)
BY_NAME: Dict[str, Key] = {key.name: key for key in KEYS}


def keys_with(flag: str, section: str = '') -> Tuple[str, ...]:
  """Dotted names of the keys carrying `flag` (within `section.` when given), in declaration order."""
  return tuple(k.name for k in KEYS if flag in k.flags and (not section or k.name.startswith(section + '.')))


def unknown_key(dotted: str) -> Optional[str]:
  """None when `dotted` is a key (or a section) of the schema, else the one-line message naming the first
  part that does not exist, with the closest key as a suggestion."""
  sections = {k.name.rsplit('.', 1)[0] for k in KEYS if '.' in k.name}
  if dotted in BY_NAME or dotted in sections:
    return None
  parts = dotted.split('.')
  known = set(BY_NAME) | sections
  depth = next(i for i in range(len(parts)) if '.'.join(parts[:i + 1]) not in known)
  where = '.'.join(['config'] + parts[:depth])
  close = difflib.get_close_matches(dotted, list(BY_NAME), n=1, cutoff=0.6)
  hint = f'; did you mean --config.{close[0]}?' if close else ''
  return f'--config.{dotted}: {where} has no key {parts[depth]!r}{hint}'


def value(config, dotted: str, plain: bool = False):
  """config['a']['b'] for dotted 'a.b' (KeyError / AttributeError when a part is missing); `config` may be a
  whole config or a section with `dotted` relative to it. plain=True returns a ConfigDict value as a dict."""
  found = config
  for part in dotted.split('.'):
    found = found[part]
  return found.to_dict() if plain and hasattr(found, 'to_dict') else found


def set_value(config, dotted: str, new) -> None:
  """config['a']['b'] = new for dotted 'a.b' (the sections must exist), as `value` reads it."""
  *sections, last = dotted.split('.')
  for part in sections:
    config = config[part]
  config[last] = new


def parse_override(item: str) -> Tuple[str, str, object]:
  """'KEY=VALUE' -> (dotted key, value text, value): the text as a Python literal where it is one ('1.0', "('a',)"),
  else the text itself. ValueError (one line) for an item that is not KEY=VALUE."""
  key, sep, text = item.partition('=')
  if not sep or not key:
    raise ValueError(f'{item!r} is not KEY=VALUE (e.g. data.frame_fraction=1.0)')
  try:
    return key, text, ast.literal_eval(text)
  except (ValueError, SyntaxError):
    return key, text, text


def _flat_names(config, prefix: str = '') -> Iterable[str]:
  for name in config.keys():
    value = config[name]
    if hasattr(value, 'keys') and not isinstance(value, dict) and name != 'target_distribution':
      yield from _flat_names(value, f'{prefix}{name}.')
    else:
      yield f'{prefix}{name}'


def check_values(config) -> None:
  """ConfigError (one line) for a key the schema lacks, or a value of the wrong type or out of range."""
  for dotted in _flat_names(config):
    if dotted not in BY_NAME:
      message = unknown_key(dotted)
      raise ConfigError(message.replace('--config.', '', 1) if message else f'{dotted}: not a key of gan_jax')
  for key in KEYS:
    try:
      found = value(config, key.name)
    except (KeyError, AttributeError):
      raise ConfigError(f'{key.name} is missing from the config; build configs on configs/default.py') from None
    if not key.kind.check(found):
      raise ConfigError(f'{key.name}={found!r} must be {key.kind.allowed}')


def _same(a, b) -> bool:
  if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):   # a flag may give [] for ()
    return tuple(a) == tuple(b)
  return a == b


def changed_keys(config, section: str) -> Tuple[Tuple[Key, Any], ...]:
  """(key, value) of the keys of `section` whose value differs from their default, in declaration order."""
  found = ((key, value(config, key.name)) for key in KEYS if key.name.startswith(section + '.'))
  return tuple((key, v) for key, v in found if not _same(v, key.default))


def refuse_changed(config, section: str, owner: str, this: str) -> None:
  """ConfigError (one line) naming the first key of `section` set away from its default: the section applies
  to `owner` only (e.g. 'model.name=progan'), and config.model.name, `this` (e.g. 'a GAN'), would ignore it."""
  for key, found in changed_keys(config, section)[:1]:
    raise ConfigError(f'{key.name}={found!r} applies to {owner} only; model.name={config.model.name} is {this} '
                      f'(allowed: the default, {key.default!r})')


# ------------------------------------------------------------------ configs/default.py, generated
_HEADER = '''"""Base config: every key gan_jax reads, with its default and a one-line help. Experiments import it and
override fields.

GENERATED from gan_jax/core/schema.py (types, ranges and what each key changes are declared there):
  python -m gan_jax.core.schema > configs/default.py

Run (the embedded offline default is `configs/dcgan_digits.py`):
  python launch.py --config configs/default.py --workdir runs/gan_default
"""

import ml_collections


def get_config() -> ml_collections.ConfigDict:
  config = ml_collections.ConfigDict()
'''


def _literal(key: Key) -> str:
  if key.placeholder:
    return f'ml_collections.config_dict.placeholder({key.placeholder})'
  if isinstance(key.default, int) and not isinstance(key.default, bool) and abs(key.default) >= 10_000:
    return f'{key.default:_}'
  return repr(key.default)


def default_config_source() -> str:
  """The text of configs/default.py: sections in SECTIONS order, keys in declaration order."""
  lines = [_HEADER.rstrip('\n')]
  for section, comment in SECTIONS:
    keys = [k for k in KEYS if (k.name.rsplit('.', 1)[0] if '.' in k.name else '') == section]
    if section:
      lines.append('')
      if '.' not in section:
        lines += textwrap.wrap(f'---------------------------------------- {comment}', 116, initial_indent='  # ',
                               subsequent_indent='  # ')
      elif comment:
        lines.append(f'  # {comment}')
      lines.append(f'  config.{section} = ml_collections.ConfigDict()')
    for key in keys:
      flags = f' [{", ".join(sorted(key.flags))}]' if key.flags else ''
      assignment = f'  config.{key.name} = {_literal(key)}'
      line = f'{assignment}   # {key.help}{flags}'
      if len(line) <= 120:
        lines.append(line)
      else:   # a long help goes above its key
        lines += textwrap.wrap(key.help + flags, 116, initial_indent='  # ', subsequent_indent='  # ')
        lines.append(assignment)
  lines.append('  return config')
  return '\n'.join(lines) + '\n'


if __name__ == '__main__':
  sys.stdout.write(default_config_source())
