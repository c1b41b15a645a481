"""Base config: every key gan_jax reads, with its default. Experiments import it and override fields.

Run (the embedded offline default is `configs/dcgan_digits.py`):
  python launch.py --config configs/default.py --workdir /tmp/gan_default
"""

import ml_collections


def get_config() -> ml_collections.ConfigDict:
  config = ml_collections.ConfigDict()
  config.seed = 0
  # Calls jax.distributed.initialize() (coordinator/process ids from the environment or the fields below).
  config.distributed = False
  config.coordinator_address = ''   # 'host:port'; '' lets JAX detect it (SLURM, TPU, ...)
  config.num_processes = 0          # 0: detected
  config.process_id = -1            # -1: detected

  # ---------------------------------------------------------------- data
  config.data = data = ml_collections.ConfigDict()
  data.name = 'digits'          # a gan_jax source (digits, stacked_digits, ring2d, grid2d, image_folder) or any tfds image dataset
  data.data_dir = ''            # tfds data dir; '' = $TFDS_DATA_DIR or ~/tensorflow_datasets
  data.download = False         # allow tfds to download a catalogue dataset that is not prepared
  data.path = ''                # image_folder: the folder of images (class subfolders become labels)
  data.image_key = 'image'      # tfds feature holding the image
  data.label_key = 'label'      # tfds feature holding the label ('' = unlabelled)
  data.image_size = 32          # output resolution (square); ignored by 2D point datasets
  data.channels = 1             # 1 or 3
  data.num_samples = 100_000    # synthetic sources (ring2d, grid2d, stacked_digits): examples generated
  data.resize_method = 'bilinear'   # tf.image.resize method: bilinear, bicubic, nearest, area, lanczos3, ...
  data.antialias = True
  data.standardize = False      # per-channel standardisation with train-split statistics (after scaling to [-1, 1])
  # Splits: tfds datasets keep their own splits unless resplit=True; other sources are always split.
  data.resplit = False
  data.val_fraction = 0.1
  data.train_fraction = 1.0     # keep this stratified, deterministic fraction of the train split (val/test untouched)
  data.test_fraction = 0.1
  data.split_seed = 0
  # Class imbalance: none | oversample | undersample | target (target_distribution = {label: weight}).
  data.rebalance = 'none'
  data.target_distribution = ml_collections.config_dict.placeholder(dict)
  # Long tail and synthetic data (issue 13), train split only; val/test stay as they are.
  data.imbalance_factor = 1.0    # >= 1: class i (by label) keeps n_max * (1/IF)**(i/(K-1)) train examples (Cao et al. 2019); 1 = off
  data.synthetic_path = ''       # image folder (one subfolder per class, e.g. from --mode=synthesize) added to train; '' = none
  data.synthetic_fill = 'balance'  # balance: top each class up to the largest real class | all | fraction: see synthetic_fraction
  data.synthetic_fraction = 0.5  # synthetic_fill='fraction': add this fraction of the real train count, evenly over classes
  # Augmentation, train split only: probability of applying each op (0 = off).
  data.augment = ml_collections.ConfigDict()
  data.augment.hflip = 0.0
  data.augment.rotate = 0.0
  data.augment.crop = 0.0
  data.augment.color_jitter = 0.0
  data.augment_params = ml_collections.ConfigDict()
  data.augment_params.max_degrees = 10.0     # rotate: uniform in [-max, max]
  data.augment_params.crop_padding = 4       # crop: pad by this many pixels (reflect), crop back
  data.augment_params.brightness = 0.2       # color_jitter: max delta (in [0, 1] pixel units)
  data.augment_params.contrast = 0.2         # color_jitter: max relative change
  data.augment_params.saturation = 0.2       # color_jitter: max relative change
  # Cleaning (the `prepare` stage; cached per dataset and config).
  data.clean = ml_collections.ConfigDict()
  data.clean.enabled = True
  data.clean.channel_policy = 'convert'      # wrong channel count: convert | drop
  data.clean.min_size = 8                    # drop images smaller than this on either side (pixels)
  data.clean.exact_duplicates = True
  data.clean.near_duplicate_threshold = 4    # Hamming bits of 64-bit pHashes (one image shifted/scaled a little) that make a candidate pair; -1 = off (2 before the copy check)
  data.clean.copy_max_distance = 0.06        # a candidate is a copy when, aligned, the RMS difference is below this (std units): gan_jax/data/copy_check.py
  data.clean.cross_split_duplicates = True   # drop val images with a (near) copy in train, test ones with one in train or val
  data.clean.outlier_score = 'none'          # none | mad (robust z-score of a feature embedding)
  data.clean.outlier_threshold = 6.0
  data.clean.max_class_share_change = 1.0    # warn at prepare time when cleaning moves a class's share by more (percentage points)
  # Input pipeline.
  data.cache = True
  data.deterministic = True
  data.prefetch = 2              # batches prefetched; 0 = none, -1 = AUTOTUNE

  # ---------------------------------------------------------------- model
  config.model = model = ml_collections.ConfigDict()
  model.name = 'dcgan'          # dcgan | mlp | resnet (SNGAN) (GANs) | vae | vae_mlp (VAEs)
  model.latent_dim = 100
  model.g_width = 64            # DCGAN: channels of G's last hidden layer (doubles each layer towards the input); resnet: see gan_jax/models/resnet.py
  model.d_width = 64            # DCGAN: channels of D's first layer; resnet: see gan_jax/models/resnet.py
  model.dtype = 'float32'       # compute dtype: float32 | bfloat16 (params stay float32)
  model.pack = 1                # PacGAN: D scores `pack` samples at once
  # MLP models (2D data)
  model.g_depth = 4
  model.g_hidden = 400
  model.g_batch_norm = True
  model.d_depth = 3
  model.d_hidden = 200
  model.d_batch_norm = False
  model.d_maxout_pieces = 0     # > 1: maxout units with this many pieces in D
  model.activation = 'relu'     # relu | leaky_relu | tanh | elu | gelu | swish
  model.init_std = 0.02         # N(0, init_std) weights (the DCGAN init); 0 = flax defaults (LeCun normal)
  # Class conditioning (dcgan, resnet) and spectral normalisation of D.
  model.conditional = 'none'    # none | projection (D: logit + <embed(y), phi(x)>) | acgan (D: + class head) | reacgan (D: + data-to-data embedding, Kang et al. 2021); G: class-conditional BN
  model.d_embed_dim = 128       # reacgan: size of D's normalised embedding and class proxies
  model.num_classes = 0         # classes the conditional models are built for; 0 = the dataset's class count
  model.fake_labels = 'data'    # labels of fakes in training: data (each D update's real labels, shuffled: the label counts D sees after rebalance/synthetic mixing) | uniform
  model.d_spectral_norm = ml_collections.config_dict.placeholder(bool)   # None: family default (resnet on, dcgan off)

  # ---------------------------------------------------------------- loss
  config.loss = loss = ml_collections.ConfigDict()
  loss.name = 'non_saturating'  # non_saturating | minimax | hinge | least_squares | wasserstein
  loss.gp_weight = 0.0          # gradient penalty (WGAN-GP); 10 is the usual value with wasserstein
  loss.r1_weight = 0.0          # R1 penalty on real data
  loss.n_critic = 1             # D steps per G step, each on its own real batch (a step reads n_critic * train.batch_size examples)
  loss.ac_weight = 1.0          # model.conditional=acgan|reacgan: weight of the class loss (cross-entropy | D2D-CE) in D's and G's losses
  loss.ac_fake_weight = 0.0     # D's class loss on generated images, relative to the real one: 0 = real images only (StudioGAN, TAC-GAN); 1 = Odena et al.'s objective
  loss.d2d_temperature = 0.5    # reacgan: temperature of the data-to-data cross-entropy (ReACGAN's published 0.5)
  loss.d2d_margin = 0.98        # reacgan: positive margin m_p (published 0.98); negatives count above cosine 1 - m_p
  loss.lecam_weight = 0.0       # LeCam regulariser (Tseng et al. 2021) on D; 0 = off (the authors' BigGAN CIFAR scripts use 0.3)
  loss.lecam_decay = 0.99       # EMA decay of LeCam's anchors (D's mean logits on reals and fakes)

  # ---------------------------------------------------------------- augmentation of what D sees (on device)
  # Applied to reals AND fakes before every D evaluation (D and G updates; gradients flow to G). Not the
  # tf.data augmentation of data.augment, which changes the reals only.
  config.gan_aug = gan_aug = ml_collections.ConfigDict()
  gan_aug.policy = ''           # comma-separated, applied in order: DiffAugment color | translation | cutout, and/or ada; '' = off
  gan_aug.ada_target = 0.6      # ADA: p moves so that r_t = E[sign(D(real))] approaches this
  gan_aug.ada_interval = 4      # ADA: G steps between adjustments of p
  gan_aug.ada_kimg = 500.0      # ADA: thousands of images over which p can move by 1
  gan_aug.ada_p = 0.0           # ADA: p at the start of training (then it lives in the train state)

  # ---------------------------------------------------------------- optimisers
  config.optim = optim = ml_collections.ConfigDict()
  optim.g_lr = 2e-4
  optim.d_lr = 2e-4
  optim.b1 = 0.5
  optim.b2 = 0.999
  optim.schedule = 'constant'   # constant | cosine | linear | warmup_cosine
  optim.warmup_steps = 0
  optim.grad_clip = 0.0         # global-norm clipping; 0 = off

  config.ema = ml_collections.ConfigDict()
  config.ema.decay = 0.999      # EMA of G's params used for sampling and evaluation; 0 = off
  config.ema.start_step = 0     # the EMA is a copy of G's params until this many steps are done (compare_gan's ema_start_step)
  config.ema.standing_batches = 16   # samples use BatchNorm statistics recomputed for the EMA params over this many batches of train.batch_size ("standing statistics"); 0 = the raw G's running statistics

  # ---------------------------------------------------------------- training
  config.train = train = ml_collections.ConfigDict()
  train.steps = 2000            # G steps
  train.batch_size = 64         # global batch, over all devices and processes
  train.log_every = 50
  train.sample_every = 500
  train.num_sample_images = 64  # images in each sample grid

  config.checkpoint = ml_collections.ConfigDict()
  config.checkpoint.every_steps = 500
  config.checkpoint.keep = 3

  # ---------------------------------------------------------------- evaluation
  config.eval = ev = ml_collections.ConfigDict()
  ev.metrics = ('fid', 'modes')   # names in gan_jax.metrics' registry
  ev.extractor = 'classifier'     # classifier | inception
  ev.classifier_dir = ''          # Orbax dir of a classifier from --mode=train_classifier; '' = a cache shared by runs on
                                  # the same dataset, trained on demand: <data_dir or $GAN_JAX_CACHE_DIR or ~/.cache/gan_jax>/classifiers/
  ev.inception_weights = ''       # .npz converted from pytorch-fid's pt_inception weights (see README)
  ev.every_steps = 0              # periodic evaluation on the val split; 0 = only at the end
  ev.num_samples = 2000           # generated samples per evaluation
  ev.best_metric = 'fid'          # keep the checkpoint with the lowest value of this metric
  ev.batch_size = 250
  ev.seed = 1234

  # ---------------------------------------------------------------- classifier (--mode=train_classifier)
  config.classifier = clf = ml_collections.ConfigDict()
  clf.steps = 400               # 97.7% test accuracy on digits (32x32) in well under a minute on 2 CPU cores
  clf.batch_size = 64
  clf.lr = 2e-3
  clf.width = 16
  clf.feature_dim = 64
  # The downstream classifier (--mode=train_downstream, issue 13); the keys above set its network and schedule.
  clf.class_weighting = 'none'  # none | inverse | effective_number (class-balanced loss, Cui et al. 2019)
  clf.cb_beta = 0.999           # effective_number: beta in [0, 1)
  clf.train_data = 'real'       # real | synthetic | real+synthetic (synthetic = the data.synthetic_path examples)

  # ---------------------------------------------------------------- synthesize (--mode=synthesize, issue 13)
  config.synthesize = syn = ml_collections.ConfigDict()
  syn.out_dir = ''              # the synthetic image folder; '' = <workdir>/synthetic
  syn.truncation = 0.0          # > 0: latents from a normal truncated to [-t, t] (fewer, cleaner modes); 0 = off
  syn.temperature = 1.0         # latents scaled by this (> 0; < 1 trades diversity for fidelity)
  syn.replace = False           # True: replace a previous synthesize output in out_dir (only one with its manifest.json)

  # ---------------------------------------------------------------- interpolate (--mode=interpolate)
  config.interpolate = interp = ml_collections.ConfigDict()
  interp.steps = 8              # images per slerp row, both end latents included
  interp.rows = 8               # slerp rows of an unconditional model (conditional: one per class); truncation-sweep rows
  interp.truncations = (0.5, 1.0, 1.5, 2.0, 0.0)   # truncation sweep columns: normal truncated to [-t, t]; 0 = none

  # ---------------------------------------------------------------- VAE family (model.name = vae | vae_mlp)
  # The conv VAE's encoder is DCGAN's D (width model.d_width), its decoder DCGAN's G (model.g_width); the MLP
  # VAE uses model.d_hidden / g_hidden. Adam runs at optim.g_lr with optim.b1/b2; ema.decay applies.
  model.vae_likelihood = 'bernoulli'  # p(x|z) on pixels scaled to [0, 1]: bernoulli | gaussian
  model.vae_scale = 0.0               # gaussian: fixed std on [0, 1] pixels; 0 = learned (one per channel)
  loss.beta = 1.0                     # weight of the KL term (beta-VAE); > 0
  loss.kl_warmup_steps = 0            # KL weight ramps linearly 0 -> beta over these steps; 0 = off
  ev.iwae_samples = 100               # k of the importance-weighted bound reported with the ELBO (1 = ELBO)
  return config
