"""D once on concat([real; fake]) with per-half BatchNorm: the two-pass D update's numerics in one pass.

`discriminate_concatenated` is a drop-in for step.discriminate_separately (train_step's and _d_objective's
`discriminate_pair`): it runs a clone of D with `batch_groups=2` on the 2B batch, so every convolution runs
once at batch 2B while each half is BatchNorm-normalised by its own statistics and the running statistics
end where the real-then-fake passes leave them (gan_jax.models.grouped_batch_norm). Logits, loss, D's
gradients and D's batch_stats equal the two-pass step's up to float rounding (tests/families/gan/
test_concat_d.py).

Opt-in only, not a config key: benchmarks/bench_concat_bn.py binds it to time it against the default
(benchmarks/results/optimisation_log.md, row 13).

Not for a spectral-norm D: its power iteration would run once per D update instead of twice (a different
u, as measured for SNGAN in the log's row 9), so it is refused rather than silently changed.
"""

import jax
import jax.numpy as jnp

from gan_jax.models.conditioning import split_d_output


def discriminate_concatenated(discriminator, d_params, d_stats, real, real_labels, fakes, fake_labels):
  """D (a module with a `batch_groups` field, e.g. DCGANDiscriminator) on [real; fake] in one train-mode pass
  -> (real_logits, real_classes, fake_logits, fake_classes, new d_stats), as step.discriminate_separately.
  real and fakes must have the same batch size (each half is one BatchNorm group)."""
  if getattr(discriminator, 'spectral_norm', False):
    raise ValueError('discriminate_concatenated: a spectral-norm D would do one power iteration instead of two')
  if not hasattr(discriminator, 'batch_groups'):
    raise ValueError(f'discriminate_concatenated: {type(discriminator).__name__} has no batch_groups field')
  if real.shape[0] != fakes.shape[0]:
    raise ValueError(f'real ({real.shape[0]}) and fake ({fakes.shape[0]}) batches must be the same size')
  both = jnp.concatenate([real, fakes.astype(real.dtype)], axis=0)
  labels = None if real_labels is None else jnp.concatenate([real_labels, fake_labels], axis=0)
  out, updates = discriminator.clone(batch_groups=2).apply(
      {'params': d_params, 'batch_stats': d_stats}, both, labels, train=True, mutable=['batch_stats'])
  logits, classes = split_d_output(out)
  # Packing (model.pack) keeps each half's rows together, so the outputs split in half too.
  first, second = lambda a: a[:a.shape[0] // 2], lambda a: a[a.shape[0] // 2:]
  real_classes = None if classes is None else jax.tree.map(first, classes)
  fake_classes = None if classes is None else jax.tree.map(second, classes)
  return first(logits), real_classes, second(logits), fake_classes, updates.get('batch_stats', {})
