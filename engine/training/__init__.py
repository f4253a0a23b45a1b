"""Training: the config of an experiment, data sets, the training loop and its records."""
