"""nn: neurons, layers, MLPs, losses, optimizers, schedules and training on autograd_core.

>>> from nn import MLP, SGD, fit, losses, data
>>> model = MLP(2, [4, 1], activation=["tanh", "sigmoid"], seed=0)
>>> history = fit(model, data.xor(), losses.binary_cross_entropy,
...               SGD(model.parameters(), lr=1.0, momentum=0.9), epochs=200)
>>> history.epoch_loss[-1] < 0.1
True
"""

from . import article, data, gpt, losses, optim, schedules, sweep
from .module import MLP, Layer, Module, Neuron
from .optim import SGD, Adam, Optimizer, RMSProp
from .schedules import (
    ConstantLR,
    CosineAnnealing,
    CosineWarmRestarts,
    CyclicLR,
    ExponentialDecay,
    LinearDecay,
    ReduceOnPlateau,
    StepDecay,
)
from .train import SWA, EarlyStopping, History, batches, fit

__all__ = [
    "Module", "Neuron", "Layer", "MLP",
    "losses", "optim", "schedules", "data", "article", "gpt", "sweep",
    "Optimizer", "SGD", "RMSProp", "Adam",
    "ConstantLR", "StepDecay", "ExponentialDecay", "LinearDecay", "CosineAnnealing", "CosineWarmRestarts",
    "CyclicLR", "ReduceOnPlateau",
    "fit", "batches", "History", "EarlyStopping", "SWA",
]

