"""Base config: every key gan_jax reads, with its default and a one-line help. Experiments import it and
override fields.

GENERATED from gan_jax/core/schema.py (types, ranges and what each key changes are declared there):
  python -m gan_jax.core.schema > configs/default.py

Run (the embedded offline default is `configs/dcgan_digits.py`):
  python launch.py --config configs/default.py --workdir runs/gan_default
"""

import ml_collections


def get_config() -> ml_collections.ConfigDict:
  config = ml_collections.ConfigDict()
  config.seed = 0   # the run seed: initialisation, latents, data order
  config.distributed = False   # call jax.distributed.initialize() (coordinator, ids: environment or below) [free]
  config.coordinator_address = ''   # 'host:port'; '' lets JAX detect it (SLURM, TPU, ...) [free]
  config.num_processes = 0   # 0: detected [free]
  config.process_id = -1   # -1: detected [free]

  # ---------------------------------------- data
  config.data = ml_collections.ConfigDict()
  # a gan_jax source (digits, mnist5k, stacked_digits, stacked_mnist5k, ring2d, grid2d, image_folder) or any tfds
  # image dataset [cache, classifier, data_identity]
  config.data.name = 'digits'
  config.data.data_dir = ''   # tfds data dir; '' = $TFDS_DATA_DIR or ~/tensorflow_datasets [free]
  config.data.download = False   # allow tfds to download a catalogue dataset that is not prepared
  # image_folder: the folder of images (class subfolders become labels) [cache, classifier, data_identity]
  config.data.path = ''
  config.data.image_key = 'image'   # tfds feature holding the image [cache, classifier, data_identity]
  # tfds feature holding the label ('' = unlabelled) [cache, classifier, data_identity]
  config.data.label_key = 'label'
  config.data.image_size = 32   # output resolution (square); ignored by 2D point datasets [cache, classifier, shape]
  config.data.channels = 1   # 1 or 3 [cache, classifier, shape]
  # generated sources (ring2d, grid2d, stacked_*): examples generated [cache, classifier, data_identity]
  config.data.num_samples = 100_000
  # a known pixel map of the whole dataset (gan_jax/data/transforms.py): none | invert (255 - p; a transformed copy
  # with ground truth, e.g. as data_b.transform) [cache, classifier, data_identity]
  config.data.transform = 'none'
  # tf.image.resize method: bilinear, bicubic, nearest, area, lanczos3, ... [cache, classifier]
  config.data.resize_method = 'bilinear'
  config.data.antialias = True   # antialias when resizing [cache, classifier]
  # side of the frame the resized image fills, centred on a margin of its border's median (0.7 puts full-frame
  # digits in MNIST's 20-of-28 box); 1 = all of it [cache, classifier]
  config.data.frame_fraction = 1.0
  # per-channel standardisation with train-split statistics (after scaling to [-1, 1]) [classifier]
  config.data.standardize = False
  # tfds datasets keep their own splits unless True; other sources are always split [cache, classifier,
  # data_identity]
  config.data.resplit = False
  config.data.val_fraction = 0.1   # fraction of the examples in the val split [cache, classifier, data_identity]
  # keep this stratified, deterministic fraction of the train split (val/test untouched) [train_membership]
  config.data.train_fraction = 1.0
  config.data.test_fraction = 0.1   # fraction of the examples in the test split [cache, classifier, data_identity]
  config.data.split_seed = 0   # seed of the stratified split [cache, classifier, data_identity]
  # class imbalance: none | oversample | undersample | target (data.target_distribution) | smote (imbalanced-learn's
  # SMOTE rows added to the real train split)
  config.data.rebalance = 'none'
  # rebalance=smote: k_neighbors (same-class nearest neighbours); every minority class needs k + 1 train images
  config.data.smote_k = 5
  config.data.target_distribution = ml_collections.config_dict.placeholder(dict)   # rebalance=target: {label: weight}
  # >= 1: class i keeps n_max * (1/IF)**(i/(K-1)) train examples (Cao et al. 2019); 1 = off [train_membership]
  config.data.imbalance_factor = 1.0
  # image folder (one subfolder per class, e.g. from --mode=synthesize) added to train; '' = none [train_membership]
  config.data.synthetic_path = ''
  # balance: top each class up to the largest real class | all | fraction (data.synthetic_fraction) | multiple
  # (data.synthetic_multiple) [train_membership]
  config.data.synthetic_fill = 'balance'
  # synthetic_fill='fraction': add this fraction of the real train count, evenly over classes [train_membership]
  config.data.synthetic_fraction = 0.5
  # synthetic_fill='multiple': top every class up to round(m * the largest real class) real + synthetic examples (1
  # = balance) [train_membership]
  config.data.synthetic_multiple = 1.0
  config.data.cache = True   # tf.data cache of the prepared splits
  config.data.deterministic = True   # tf.data deterministic order
  config.data.prefetch = 2   # batches prefetched; 0 = none, -1 = AUTOTUNE

  # Augmentation, train split only: probability of applying each op (0 = off).
  config.data.augment = ml_collections.ConfigDict()
  config.data.augment.hflip = 0.0   # horizontal flip
  config.data.augment.rotate = 0.0   # rotation by up to augment_params.max_degrees
  config.data.augment.crop = 0.0   # pad by augment_params.crop_padding (reflect), crop back
  config.data.augment.color_jitter = 0.0   # brightness, contrast, saturation

  config.data.augment_params = ml_collections.ConfigDict()
  config.data.augment_params.max_degrees = 10.0   # rotate: uniform in [-max, max]
  config.data.augment_params.crop_padding = 4   # crop: pad by this many pixels (reflect), crop back
  config.data.augment_params.brightness = 0.2   # color_jitter: max delta (in [0, 1] pixel units)
  config.data.augment_params.contrast = 0.2   # color_jitter: max relative change
  config.data.augment_params.saturation = 0.2   # color_jitter: max relative change

  # Cleaning (the `prepare` stage; cached per dataset and config).
  config.data.clean = ml_collections.ConfigDict()
  config.data.clean.enabled = True   # run the cleaning stage [cache, classifier, data_identity]
  # wrong channel count: convert | drop [cache, classifier, data_identity]
  config.data.clean.channel_policy = 'convert'
  # drop images smaller than this on either side (pixels) [cache, classifier, data_identity]
  config.data.clean.min_size = 8
  # drop byte-identical and pixel-identical copies [cache, classifier, data_identity]
  config.data.clean.exact_duplicates = True
  # Hamming bits of 64-bit pHashes (shifted/scaled a little) that make a candidate pair; -1 = off [cache,
  # classifier, data_identity]
  config.data.clean.near_duplicate_threshold = 4
  # a candidate is a copy when, aligned, the RMS difference is below this (std units): gan_jax/data/copy_check.py
  # [cache, classifier, data_identity]
  config.data.clean.copy_max_distance = 0.06
  # drop val images with a (near) copy in train, test ones with one in train or val [cache, classifier,
  # data_identity]
  config.data.clean.cross_split_duplicates = True
  # none | mad (robust z-score of a feature embedding) [cache, classifier, data_identity]
  config.data.clean.outlier_score = 'none'
  config.data.clean.outlier_threshold = 6.0   # mad: drop above this robust z-score [cache, classifier, data_identity]
  # warn when cleaning moves a class's share by more (percentage points) [cache, classifier, data_identity]
  config.data.clean.max_class_share_change = 1.0

  # ---------------------------------------- second data domain (model.name = cyclegan): any source, prepared with
  # data.*'s size, channels, cleaning, split and augmentation settings; its labels are measured, never trained on
  config.data_b = ml_collections.ConfigDict()
  # domain b's source (any data.name value); '' = one domain (every family but cyclegan) [data_identity]
  config.data_b.name = ''
  config.data_b.path = ''   # image_folder: the folder of domain b images [data_identity]
  config.data_b.image_key = 'image'   # tfds feature holding the image [data_identity]
  config.data_b.label_key = 'label'   # tfds feature holding the label ('' = unlabelled) [data_identity]
  # domain b's data.transform: none | invert (e.g. data_b.name = data.name: a transformed copy of domain a, whose
  # true translation is known) [data_identity]
  config.data_b.transform = 'none'
  # domain b's data.frame_fraction (each domain is framed as its source needs: e.g. 0.7 for full-frame digits
  # against MNIST at 1)
  config.data_b.frame_fraction = 1.0

  # ---------------------------------------- model
  config.model = ml_collections.ConfigDict()
  config.model.name = 'dcgan'   # dcgan | mlp | resnet (SNGAN) (GANs) | vae | vae_mlp (VAEs) | progan | cyclegan [shape]
  config.model.latent_dim = 100   # size of the latent z [shape]
  # DCGAN: channels of G's last hidden layer (doubling towards the input); resnet: see gan_jax/models/resnet.py;
  # VAE: the decoder [shape]
  config.model.g_width = 64
  # DCGAN: channels of D's first layer; resnet: see gan_jax/models/resnet.py; VAE: the encoder [shape]
  config.model.d_width = 64
  config.model.dtype = 'float32'   # compute dtype: float32 | bfloat16 (params stay float32)
  config.model.pack = 1   # PacGAN: D scores `pack` samples at once [shape]
  config.model.g_depth = 4   # MLP G: hidden layers [shape]
  config.model.g_hidden = 400   # MLP G: units per hidden layer [shape]
  config.model.g_batch_norm = True   # MLP G: BatchNorm after each hidden layer [shape]
  config.model.d_depth = 3   # MLP D: hidden layers [shape]
  config.model.d_hidden = 200   # MLP D: units per hidden layer [shape]
  config.model.d_batch_norm = False   # MLP D: BatchNorm after each hidden layer [shape]
  config.model.d_maxout_pieces = 0   # > 1: maxout units with this many pieces in D [shape]
  config.model.activation = 'relu'   # relu | leaky_relu | tanh | elu | gelu | swish
  config.model.init_std = 0.02   # N(0, init_std) weights (the DCGAN init); 0 = flax defaults
  # none | projection | acgan | reacgan (D: + data-to-data embedding); G: class-conditional BN [shape]
  config.model.conditional = 'none'
  config.model.d_embed_dim = 128   # reacgan: size of D's normalised embedding and class proxies [shape]
  config.model.num_classes = 0   # classes the conditional models are built for; 0 = the dataset's count [shape]
  # labels of fakes in training: data (each D update's real labels, shuffled: the label counts D sees after
  # rebalance/synthetic mixing) | uniform
  config.model.fake_labels = 'data'
  # None: family default (resnet on, dcgan off) [shape]
  config.model.d_spectral_norm = ml_collections.config_dict.placeholder(bool)

  # ---------------------------------------- loss
  config.loss = ml_collections.ConfigDict()
  config.loss.name = 'non_saturating'   # non_saturating | minimax | hinge | least_squares | wasserstein
  config.loss.gp_weight = 0.0   # gradient penalty (WGAN-GP); 10 is usual with wasserstein
  config.loss.r1_weight = 0.0   # R1 penalty on real data
  # D steps per G step, each on its own real batch (a step reads n_critic * train.batch_size examples)
  config.loss.n_critic = 1
  config.loss.ac_weight = 1.0   # acgan | reacgan: weight of the class loss in D's and G's losses
  # D's class loss on fakes relative to the real one: 0 = reals only (StudioGAN, TAC-GAN); 1 = Odena et al.'s
  # objective
  config.loss.ac_fake_weight = 0.0
  config.loss.d2d_temperature = 0.5   # reacgan: temperature of the data-to-data cross-entropy
  config.loss.d2d_margin = 0.98   # reacgan: positive margin m_p; negatives count above cosine 1 - m_p
  config.loss.lecam_weight = 0.0   # LeCam regulariser (Tseng et al. 2021) on D; 0 = off
  config.loss.lecam_decay = 0.99   # EMA decay of LeCam's anchors

  # ---------------------------------------- augmentation of what D sees (on device, reals AND fakes; not
  # data.augment)
  config.gan_aug = ml_collections.ConfigDict()
  # comma-separated, in order: DiffAugment color | translation | cutout, and/or ada; '' = off
  config.gan_aug.policy = ''
  config.gan_aug.ada_target = 0.6   # ADA: p moves so that r_t = E[sign(D(real))] approaches this
  config.gan_aug.ada_interval = 4   # ADA: G steps between adjustments of p
  config.gan_aug.ada_kimg = 500.0   # ADA: thousands of images over which p can move by 1
  config.gan_aug.ada_p = 0.0   # ADA: p at the start of training (then it lives in the train state)

  # ---------------------------------------- optimisers
  config.optim = ml_collections.ConfigDict()
  config.optim.g_lr = 0.0002   # G's learning rate
  config.optim.d_lr = 0.0002   # D's learning rate
  config.optim.b1 = 0.5   # Adam beta1
  config.optim.b2 = 0.999   # Adam beta2
  # constant | cosine | linear | warmup_cosine | constant_then_linear (half constant, then linear: CycleGAN)
  config.optim.schedule = 'constant'
  config.optim.warmup_steps = 0   # linear warm-up steps (< train.steps)
  config.optim.grad_clip = 0.0   # global-norm clipping; 0 = off

  # ----------------------------------------
  config.ema = ml_collections.ConfigDict()
  config.ema.decay = 0.999   # EMA of G's params used for sampling and evaluation; 0 = off
  # the EMA is a copy of G's params until this many steps are done (compare_gan's ema_start_step)
  config.ema.start_step = 0
  # samples use BatchNorm statistics recomputed for the EMA params over this many batches of train.batch_size
  # ("standing statistics"); 0 = the raw G's running statistics
  config.ema.standing_batches = 16

  # ---------------------------------------- training
  config.train = ml_collections.ConfigDict()
  config.train.steps = 2000   # G steps [free]
  config.train.batch_size = 64   # global batch, over all devices and processes
  config.train.log_every = 50   # steps between console/metrics lines
  config.train.sample_every = 500   # steps between sample grids; 0 = only generated.png at the end
  config.train.num_sample_images = 64   # images in each sample grid

  # ----------------------------------------
  config.checkpoint = ml_collections.ConfigDict()
  config.checkpoint.every_steps = 500   # steps between checkpoints
  config.checkpoint.keep = 3   # checkpoints kept

  # ---------------------------------------- evaluation
  config.eval = ml_collections.ConfigDict()
  config.eval.metrics = ('fid', 'modes')   # names in gan_jax.metrics' registry
  config.eval.extractor = 'classifier'   # classifier | inception
  # Orbax dir of a classifier from --mode=train_classifier; '' = a cache shared by runs on the same data identity
  # (gan_jax/data/identity.py), trained on demand on its full clean train split
  config.eval.classifier_dir = ''
  config.eval.inception_weights = ''   # .npz converted from pytorch-fid's pt_inception weights (see README)
  config.eval.every_steps = 0   # periodic evaluation on the val split
  config.eval.num_samples = 2000   # generated samples per evaluation
  config.eval.best_metric = 'fid'   # keep the checkpoint with the lowest value of this result; '' = none
  config.eval.batch_size = 250   # samples per generator/extractor call
  config.eval.seed = 1234   # seed of the evaluation samples

  # ---------------------------------------- classifier (--mode=train_classifier) and the downstream classifier
  config.classifier = ml_collections.ConfigDict()
  config.classifier.steps = 400   # training steps (97.7% test accuracy on digits at 32x32) [classifier]
  config.classifier.batch_size = 64   # training batch [classifier]
  config.classifier.lr = 0.002   # Adam learning rate [classifier]
  config.classifier.width = 16   # channels of the first conv layer [classifier]
  config.classifier.feature_dim = 64   # features (penultimate layer) for FID-style metrics [classifier]
  config.classifier.class_weighting = 'none'   # downstream: none | inverse | effective_number (Cui et al. 2019)
  config.classifier.cb_beta = 0.999   # downstream effective_number: beta
  config.classifier.train_data = 'real'   # downstream: real | synthetic | real+synthetic
  # downstream: ce | logit_adjusted (Menon et al. 2021, classifier.tau) | ldam (Cao et al. 2019: margins 0.5 *
  # (n_min / n_j)^(1/4), scale 30, cosine head)
  config.classifier.loss = 'ce'
  config.classifier.tau = 1.0   # downstream logit_adjusted: trains on logits + tau * log(train class prior)
  # downstream: from this step on, effective-number class weights with beta 0.9999 (Cao et al. 2019's deferred re-
  # weighting, DRW); 0 = off
  config.classifier.drw_start = 0

  # ---------------------------------------- synthesize (--mode=synthesize)
  config.synthesize = ml_collections.ConfigDict()
  config.synthesize.out_dir = ''   # the synthetic image folder; '' = <workdir>/synthetic
  config.synthesize.truncation = 0.0   # > 0: latents from a normal truncated to [-t, t]; 0 = off
  config.synthesize.temperature = 1.0   # latents scaled by this
  config.synthesize.replace = False   # replace a previous synthesize output in out_dir (with its manifest.json)
  # keep an image only when the classifier of synthesize.filter_classifier gives its requested class at least this
  # probability; 0 = off
  config.synthesize.min_confidence = 0.0
  # min_confidence > 0: the classifier that filters: run_split (logit-adjusted, trained on the run's own, e.g. long-
  # tailed, train split; cached) | evaluation (the evaluation classifier: the full balanced train split, a leak
  # under data.imbalance_factor)
  config.synthesize.filter_classifier = 'run_split'
  # min_confidence > 0: at most this many times the requested count is drawn per class; a class that keeps fewer is
  # refused
  config.synthesize.max_draws = 20

  # ---------------------------------------- interpolate (--mode=interpolate)
  config.interpolate = ml_collections.ConfigDict()
  config.interpolate.steps = 8   # images per slerp row, both end latents included
  config.interpolate.rows = 8   # slerp rows of an unconditional model (conditional: one per class)
  # truncation sweep columns: normal truncated to [-t, t]; 0 = none
  config.interpolate.truncations = (0.5, 1.0, 1.5, 2.0, 0.0)

  # ---------------------------------------- VAE family (model.name = vae | vae_mlp): its own keys; it shares
  # model.latent_dim, dtype, init_std, conditioning, optim.b1/b2/schedule/warmup_steps/grad_clip, ema, train and
  # eval
  config.vae = ml_collections.ConfigDict()
  config.vae.lr = 0.001   # Adam learning rate of the whole VAE (encoder, decoder, learned scale)
  # model.name=vae: channels of the conv encoder's first layer (DCGAN D's layout) [shape]
  config.vae.encoder_width = 64
  # model.name=vae: channels of the conv decoder's last hidden layer (DCGAN G's layout) [shape]
  config.vae.decoder_width = 64
  config.vae.encoder_hidden = 500   # model.name=vae_mlp: hidden units of the encoder (flax's examples/vae) [shape]
  config.vae.decoder_hidden = 500   # model.name=vae_mlp: hidden units of the decoder [shape]
  # p(x|z): bernoulli = binarised pixels (bounds *_binarized, bits per binary pixel) | gaussian = 8-bit pixels,
  # uniformly dequantised (bits per 8-bit value, >= 0) [shape]
  config.vae.likelihood = 'bernoulli'
  config.vae.scale = 0.0   # gaussian: fixed std on [0, 1] pixels; 0 = learned (one per channel) [shape]
  config.vae.beta = 1.0   # weight of the KL term (beta-VAE)
  config.vae.kl_warmup_steps = 0   # KL weight ramps linearly 0 -> beta over these steps; 0 = off
  config.vae.iwae_samples = 100   # k of the importance-weighted bound reported with the ELBO (1 = ELBO)

  # ---------------------------------------- ProGAN family (model.name = progan): growing from start_resolution to
  # data.image_size; it shares model.latent_dim, loss (name, gp_weight, r1_weight), optim (g_lr, d_lr, b1, b2,
  # grad_clip), ema, train and eval
  config.progan = ml_collections.ConfigDict()
  # resolution training starts at (a power of two <= data.image_size); = data.image_size: no growing [shape]
  config.progan.start_resolution = 4
  # real images shown in each stable phase (the paper 600k; its CIFAR-10 config 400k)
  config.progan.images_per_phase = 600_000
  config.progan.fade_images = 0   # real images shown while a new resolution fades in; 0 = images_per_phase
  # batch size per resolution, start..final (each divides train.batch_size); () = train.batch_size everywhere
  config.progan.batch_sizes = ()
  config.progan.fmap_base = 8192   # feature maps at stage s: min(fmap_base / 2**(s * fmap_decay), fmap_max) [shape]
  config.progan.fmap_decay = 1.0   # log2 of the feature-map reduction per doubling [shape]
  config.progan.fmap_max = 512   # most feature maps in any layer [shape]
  # D's minibatch standard deviation over groups of this many images; 0 or 1 = off [shape]
  config.progan.mbstd_group_size = 4
  config.progan.drift = 0.001   # weight of the drift term mean(D(real)**2) in D's loss (the paper's epsilon_drift)

  # ---------------------------------------- CycleGAN family (model.name = cyclegan): unpaired translation between
  # data and data_b; it shares loss.name (least_squares), optim (g_lr, d_lr, b1, b2, schedule, grad_clip), train and
  # eval
  config.cyclegan = ml_collections.ConfigDict()
  # channels of G's first conv (x2, x4, ... after each downsampling; the reference's ngf) [shape]
  config.cyclegan.g_width = 64
  # ResNet blocks at G's lowest resolution (the reference: 6 at 128x128, 9 at 256x256) [shape]
  config.cyclegan.g_blocks = 6
  # G's stride-2 convs before its ResNet blocks (the reference: 2; fewer: a more local translation; data.image_size
  # must divide by 2^this) [shape]
  config.cyclegan.g_downsamplings = 2
  config.cyclegan.d_width = 64   # channels of PatchGAN D's first conv (the reference's ndf) [shape]
  config.cyclegan.d_layers = 3   # PatchGAN D's stride-2 convs (3: 70x70 patches, 2: 34x34, 1: 16x16) [shape]
  config.cyclegan.cycle_weight = 10.0   # weight of each cycle-consistency L1 (lambda_A = lambda_B)
  config.cyclegan.identity_weight = 0.5   # identity L1 weight, relative to cycle_weight (0 = off)
  # weight of |blur(G(a)) - blur(a)|_1 + |blur(F(b)) - blur(b)|_1 (FDIT's low-frequency loss, Cai et al. 2021; not
  # the reference's): keeps where the ink is; 0 = off
  config.cyclegan.low_frequency_weight = 0.0
  config.cyclegan.low_frequency_sigma = 2.0   # std in pixels of that Gaussian blur
  # past fakes D is shown from (Shrivastava et al.'s pool, in the train state); 0 = the current fakes [shape]
  config.cyclegan.pool_size = 50
  # names in gan_jax.metrics.translation's registry, computed on eval.num_samples images of each split
  config.cyclegan.metrics = ('label_preservation', 'cycle_error', 'translated_fid')
  # cycle_error also reports F(G(x) + N(0, noise_std)) (a cycle hidden in low-amplitude noise shows as a much larger
  # error); 0 = off
  config.cyclegan.noise_std = 0.04
  return config
