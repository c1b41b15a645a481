"""The VAE family: encoder/decoder, the ELBO step, likelihood bounds."""
