"""The CycleGAN family: unpaired image-to-image translation between two data domains (Zhu et al., ICCV 2017)."""
