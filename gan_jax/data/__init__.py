"""The data stage: sources -> cleaning -> splits -> preprocessing and augmentation -> batches.

  ds = prepare_dataset(config, workdir)           # cleans once (cached), writes workdir/data_report.json
  it = ds.train_iterator(global_batch_size, start_step=0)
"""

from gan_jax.data.config_checks import validate_data_config
from gan_jax.data.dataset import PreparedDataset, prepare_dataset
from gan_jax.data.report import format_report_summary

__all__ = ['PreparedDataset', 'format_report_summary', 'prepare_dataset', 'validate_data_config']
