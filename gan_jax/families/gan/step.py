"""One training step: config.loss.n_critic D updates, then one G update, as a pure function.

Bind everything but (state, batch, rng) with functools.partial and jit it (see `make_train_step`).
G's forward pass for the last D update is shared with the G update: the fakes come out of `jax.vjp` of G,
D is updated on stop_gradient(fakes), the G loss is evaluated through the *updated* D on those same fakes,
and its gradient w.r.t. the fakes is pulled back through G's vjp. So G runs forward once per D update and
backward once.

Every D evaluation goes through `_discriminate` (the one place to transform D's inputs, e.g. augmentation).
Every D update reads its own real batch: the step receives n_critic real batches at once (`real_batches`),
as in the SNGAN reference and mimicry, so n_critic > 1 does not show D one batch n_critic times.
Conditional models (num_classes > 0) get the real labels from batch['label'] and draw fake labels with
`draw_fake_labels` (gan_jax.models.conditioning.FAKE_LABELS: model.fake_labels='data' shuffles the D update's
real labels, 'uniform' draws classes uniformly; fresh for every D update; the G update reuses the last D
update's fakes and labels).
AC-GAN / ReACGAN (D returns a class-aware head, scored by `class_loss`: cross-entropy of class logits, or
the data-to-data cross-entropy): ac_weight * [L(real head, real labels) + ac_fake_weight * L(fake head, fake
labels)] joins D's loss and ac_weight * L(fake head, fake labels) joins G's. ac_fake_weight = 0 (the
default) trains D's classifier on real images only, as StudioGAN and TAC-GAN do: with 1 (Odena et al. 2017)
G and D can agree on a class code that is not the class (measured on digits: BENCHMARKS.md).

Data-efficient training (gan_jax.augment, config.gan_aug): with an `augment` function, D never sees a
raw image: reals and fakes are augmented (independent draws) before every D evaluation, in each D update
and in the G update, where the fakes' augmentation is differentiated through back to G (penalties then
read D at the augmented images). ADA's p (state.ada) is the probability that augmentation uses; r_t =
E[sign(D(real))] is accumulated from the D updates and p adjusted at the end of the step, on device, by the
n_critic * B real images D saw in the step.
LeCam (loss.lecam_weight) adds its penalty to D's loss, with EMA anchors in state.lecam.
"""

import functools
from typing import Callable, Dict, Optional, Tuple

import jax
import jax.numpy as jnp
import optax

from gan_jax.augment.adaptive import AdaSettings, accumulate_signs, adjust_p
from gan_jax.core.ema import ema_update
from gan_jax.families.gan.losses import (add_penalties, classification_loss, lecam_anchor_values, lecam_penalty,
                                        update_lecam_anchors)
from gan_jax.families.gan.state import TrainState
from gan_jax.models.conditioning import split_d_output, uniform_labels

Metrics = Dict[str, jax.Array]


def _apply_collecting_stats(module, params, batch_stats, x, labels=None):
  """module.apply in train mode -> (output, new batch_stats) (empty dict for modules without BatchNorm/SN)."""
  out, updates = module.apply({'params': params, 'batch_stats': batch_stats}, x, labels, train=True,
                              mutable=['batch_stats'])
  return out, updates.get('batch_stats', {})


def _discriminate(discriminator, d_params, d_stats, x, labels):
  """D in train mode on x (labels int [B] or None) -> (logits, class_logits or None, new d_stats)."""
  out, d_stats = _apply_collecting_stats(discriminator, d_params, d_stats, x, labels)
  logits, class_logits = split_d_output(out)
  return logits, class_logits, d_stats


def _d_objective(d_params, d_stats, real, real_labels, fakes, fake_labels, rng, lecam, *, discriminator, loss,
                 gp_weight, r1_weight, ac_weight, gradient_penalty, r1_penalty, lecam_weight=0.0,
                 lecam_decay=0.99, class_loss=classification_loss, ac_fake_weight=0.0):
  """D's loss on one real batch and one (gradient-stopped) fake batch, both as D sees them (augmented or
  not) -> (total, (aux, new d_stats, new LeCam anchors))."""
  # Real and fake batches go through D separately, as in DCGAN, so BatchNorm normalises each on its own.
  real_logits, real_classes, d_stats = _discriminate(discriminator, d_params, d_stats, real, real_labels)
  fake_logits, fake_classes, d_stats = _discriminate(discriminator, d_params, d_stats, fakes, fake_labels)
  adversarial = loss.d_loss(real_logits, fake_logits)
  total = adversarial
  aux = {'d_loss_adv': adversarial, 'real_logits': real_logits, 'fake_logits': fake_logits}
  if real_classes is not None:
    aux['d_ac_loss'] = class_loss(real_classes, real_labels)
    if ac_fake_weight > 0:   # Odena et al.'s fake term (off by default: see the module docstring)
      aux['d_ac_loss'] = aux['d_ac_loss'] + ac_fake_weight * class_loss(fake_classes, fake_labels)
    total = total + ac_weight * aux['d_ac_loss']
  # Penalties read D with the batch statistics of this pass and do not update them again.
  d_fn = lambda x: _discriminate(discriminator, d_params, d_stats, x, real_labels)[0]
  total, aux = add_penalties(total, aux, d_fn, real, fakes, rng, gp_weight=gp_weight, r1_weight=r1_weight,
                             gradient_penalty=gradient_penalty, r1_penalty=r1_penalty)
  if lecam_weight > 0:   # the anchors take this batch's means first, as the reference does
    lecam = update_lecam_anchors(lecam, real_logits, fake_logits, lecam_decay)
    aux['lecam_penalty'] = lecam_penalty(real_logits, fake_logits, *lecam_anchor_values(lecam, lecam_decay))
    total = total + lecam_weight * aux['lecam_penalty']
  return total, (aux, d_stats, lecam)


def step_keys(rng: jax.Array, step: jax.Array, n_critic: int) -> jax.Array:
  """The step's keys, [2 * n_critic]: key 2i draws the latents of D update i, key 2i+1 its penalty noise."""
  return jax.random.split(jax.random.fold_in(rng, step), 2 * n_critic)


_AUGMENT_STREAM = 0x41554721   # fold_in tag: augmentation keys independent of the latent/penalty keys


def augment_keys(rng: jax.Array, step: jax.Array, n_critic: int) -> jax.Array:
  """[2 * n_critic + 1] keys: 2i augments the reals of D update i, 2i+1 its fakes, the last the G update's."""
  return jax.random.split(jax.random.fold_in(jax.random.fold_in(rng, step), _AUGMENT_STREAM), 2 * n_critic + 1)


def real_batches(x: jax.Array, n_critic: int) -> list:
  """x [n_critic * B, ...] -> n_critic arrays [B, ...]: row b * n_critic + i goes to D update i.

  Interleaved, not in consecutive blocks: under data-parallel sharding device d holds a contiguous block of
  rows, n_critic * B / devices of them, i.e. examples b of every update i for its b's. So every update's
  rows stay on the device that loaded them (no transfer), and each update's batch is spread over all
  devices. n_critic = 1 returns x itself.
  """
  if n_critic == 1:
    return [x]
  if x.shape[0] % n_critic:
    raise ValueError(f'a batch of {x.shape[0]} rows does not split into n_critic={n_critic} D batches')
  x = x.reshape(x.shape[0] // n_critic, n_critic, *x.shape[1:])
  return [x[:, i] for i in range(n_critic)]


def train_step(state: TrainState, batch: Dict[str, jax.Array], rng: jax.Array, *, generator, discriminator,
               loss, g_tx: optax.GradientTransformation, d_tx: optax.GradientTransformation,
               g_schedule: Callable, d_schedule: Callable, latent_dim: int, n_critic: int = 1,
               gp_weight: float = 0.0, r1_weight: float = 0.0, ema_decay: float = 0.0,
               gradient_penalty: Optional[Callable] = None, r1_penalty: Optional[Callable] = None,
               report_probabilities: bool = False, num_classes: int = 0,
               draw_fake_labels: Callable = uniform_labels, ac_weight: float = 0.0,
               augment: Optional[Callable] = None, ada: AdaSettings = AdaSettings(adaptive=False),
               lecam_weight: float = 0.0, lecam_decay: float = 0.99, class_loss: Callable = classification_loss,
               ac_fake_weight: float = 0.0, ema_start_step: int = 0) -> Tuple[TrainState, Metrics]:
  """n_critic D updates then one G update.

  batch['image']: float32 [n_critic * B, *example_shape] real examples, n_critic batches of B
  (`real_batches`: D update i reads rows i, n_critic + i, 2 * n_critic + i, ...; fresh latents each time;
  the G update draws B fakes); batch['label']: int32 [n_critic * B] likewise, read when num_classes > 0
  (conditional models), whose fake labels come from draw_fake_labels(key, the update's real labels,
  num_classes) (gan_jax.models.conditioning.FAKE_LABELS).
  rng: the run's base key; this step uses fold_in(rng, state.step).
  EMA: ema_params <- decay * ema_params + (1 - decay) * g_params, but a copy of g_params while
  state.step < ema_start_step (compare_gan's ema_start_step).
  Returns the new state (step + 1) and scalar metrics: d_loss (total, with penalties), d_loss_adv,
  g_loss, d_real_logit / d_fake_logit (mean raw D logits on the real and fake batch of the last D
  update), g_fake_logit (mean logit of the updated D on the fakes used for the G update), the same three
  as *_prob = mean sigmoid(logit) when `report_probabilities` (BCE-type losses), g_grad_norm,
  d_grad_norm (global norms before clipping, last D update), g_lr, d_lr, any penalties, and for AC-GAN /
  ReACGAN d_ac_loss / g_ac_loss (the unweighted class losses; D's with its fake term weighted); aug_p (ADA's p after this step's
  adjustment), aug_rt (the last r_t) and, when on, lecam_penalty. The logits are D's on what it saw.
  augment(x, key, p) -> x: what D sees of any image batch (None: the images themselves); ada: p's controller.
  """
  reals = real_batches(batch['image'], n_critic)
  batch_size = reals[0].shape[0]
  labels = real_batches(batch['label'].astype(jnp.int32), n_critic) if num_classes else [None] * n_critic
  keys = step_keys(rng, state.step, n_critic)
  d_objective = functools.partial(
      _d_objective, discriminator=discriminator, loss=loss, gp_weight=gp_weight, r1_weight=r1_weight,
      ac_weight=ac_weight, gradient_penalty=gradient_penalty, r1_penalty=r1_penalty,
      lecam_weight=lecam_weight, lecam_decay=lecam_decay, class_loss=class_loss, ac_fake_weight=ac_fake_weight)
  d_grad_fn = jax.value_and_grad(d_objective, has_aux=True)
  aug_keys = augment_keys(rng, state.step, n_critic)
  p = state.ada['p']
  view = (lambda x, key: x) if augment is None else (lambda x, key: augment(x, key, p))
  ada_state, lecam = state.ada, state.lecam

  g_params, g_stats = state.g_params, state.g_batch_stats
  d_params, d_stats, d_opt_state = state.d_params, state.d_batch_stats, state.d_opt_state
  d_lr = d_schedule(state.step * n_critic)
  for i in range(n_critic):
    z = jax.random.normal(keys[2 * i], (batch_size, latent_dim), jnp.float32)
    label_key = jax.random.fold_in(keys[2 * i], 1)   # a separate stream: unconditional latents unchanged
    fake_y = draw_fake_labels(label_key, labels[i], num_classes) if num_classes else None
    if i < n_critic - 1:
      fakes, g_stats = _apply_collecting_stats(generator, g_params, g_stats, z, fake_y)
    else:  # The last D update shares G's forward pass with the G update.
      fakes, g_vjp, g_stats = jax.vjp(
          lambda p: _apply_collecting_stats(generator, p, g_stats, z, fake_y), g_params, has_aux=True)
    (d_total, (d_aux, d_stats, lecam)), d_grads = d_grad_fn(
        d_params, d_stats, view(reals[i], aug_keys[2 * i]), labels[i],
        view(jax.lax.stop_gradient(fakes), aug_keys[2 * i + 1]), fake_y, keys[2 * i + 1], lecam)
    ada_state = accumulate_signs(ada_state, d_aux['real_logits'])
    d_updates, d_opt_state = d_tx.update(d_grads, d_opt_state, d_params)
    d_params = optax.apply_updates(d_params, d_updates)

  def g_objective(fake_images):   # differentiated through the augmentation back to the fakes
    logits, classes, new_d_stats = _discriminate(discriminator, d_params, d_stats,
                                                 view(fake_images, aug_keys[-1]), fake_y)
    g_aux = {'logits': logits}
    total = loss.g_loss(logits)
    if classes is not None:
      g_aux['g_ac_loss'] = class_loss(classes, fake_y)
      total = total + ac_weight * g_aux['g_ac_loss']
    return total, (g_aux, new_d_stats)

  (g_loss, (g_aux, d_stats)), fake_cotangent = jax.value_and_grad(g_objective, has_aux=True)(fakes)
  g_fake_logits = g_aux['logits']
  (g_grads,) = g_vjp(fake_cotangent)
  g_updates, g_opt_state = g_tx.update(g_grads, state.g_opt_state, g_params)
  new_g_params = optax.apply_updates(g_params, g_updates)

  new_state = state.replace(
      step=state.step + 1, g_params=new_g_params, g_batch_stats=g_stats, d_params=d_params,
      d_batch_stats=d_stats, g_opt_state=g_opt_state, d_opt_state=d_opt_state,
      ema_params=ema_update(state.ema_params, new_g_params, ema_decay, state.step, ema_start_step),
      ada=adjust_p(ada_state, state.step, target=ada.target, interval=ada.interval, batch_size=n_critic * batch_size,
                   kimg=ada.kimg, adaptive=ada.adaptive),
      lecam=lecam)
  metrics = {
      'd_loss': d_total, 'd_loss_adv': d_aux['d_loss_adv'], 'g_loss': g_loss,
      'g_grad_norm': optax.tree.norm(g_grads), 'd_grad_norm': optax.tree.norm(d_grads),
      'g_lr': g_schedule(state.step), 'd_lr': d_lr,
      'aug_p': new_state.ada['p'], 'aug_rt': new_state.ada['r_t'],
  }
  metrics.update({name: d_aux[name] for name in ('gradient_penalty', 'r1_penalty', 'd_ac_loss', 'lecam_penalty')
                  if name in d_aux})
  if 'g_ac_loss' in g_aux:
    metrics['g_ac_loss'] = g_aux['g_ac_loss']
  for name, logits in (('d_real', d_aux['real_logits']), ('d_fake', d_aux['fake_logits']),
                       ('g_fake', g_fake_logits)):
    metrics[f'{name}_logit'] = jnp.mean(logits)
    if report_probabilities:
      metrics[f'{name}_prob'] = jnp.mean(jax.nn.sigmoid(logits))
  return new_state, {k: jnp.asarray(v, jnp.float32) for k, v in metrics.items()}
