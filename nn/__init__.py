"""nn: neurons, layers, MLPs, losses, optimizers, schedules and training on autograd_core."""
