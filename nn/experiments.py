"""Reproducible figures quoted in the documentation (docs/guides/nn.md): ``python -m nn.experiments``.

* epochs each optimizer needs to fit XOR (mean binary cross-entropy below 0.05), over ten seeds;
* stochastic, mini-batch and full-batch gradient descent on the two moons;
* linear regression on the housing set against the normal-equation solution.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable

from . import data, losses
from .module import MLP
from .optim import SGD, Adam, RMSProp
from .train import fit

__all__ = ["XOR_OPTIMIZERS", "epochs_to_fit_xor", "moons_by_batch_size", "housing_versus_normal_equation"]

#: Optimizer name -> factory, each at a learning rate that suits it on this problem.
XOR_OPTIMIZERS: dict[str, Callable] = {
    "SGD lr=1": lambda p: SGD(p, lr=1.0),
    "SGD momentum 0.9, lr=0.5": lambda p: SGD(p, lr=0.5, momentum=0.9),
    "SGD Nesterov 0.9, lr=0.5": lambda p: SGD(p, lr=0.5, momentum=0.9, nesterov=True),
    "RMSProp lr=0.05": lambda p: RMSProp(p, lr=0.05),
    "Adam lr=0.1": lambda p: Adam(p, lr=0.1),
}


def epochs_to_fit_xor(make_optimizer: Callable, seeds: range = range(10), target: float = 0.05,
                      max_epochs: int = 2000) -> list[int | None]:
    """For each seed, the first epoch whose mean BCE on XOR is below ``target`` (None if never).

    The model is ``MLP(2, [4, 1], ["tanh", "sigmoid"], seed=seed)`` trained full batch.

    >>> epochs_to_fit_xor(XOR_OPTIMIZERS["Adam lr=0.1"], seeds=range(1))
    [29]
    """
    found = []
    for seed in seeds:
        model = MLP(2, [4, 1], activation=["tanh", "sigmoid"], seed=seed)
        history = fit(model, data.xor(), losses.binary_cross_entropy, make_optimizer(model.parameters()),
                      epochs=max_epochs, callbacks=[lambda e, h, m: h.epoch_loss[-1] < target],
                      progress=False)
        below = [e for e, loss in enumerate(history.epoch_loss) if loss < target]
        found.append(below[0] + 1 if below else None)
    return found


def moons_by_batch_size(epochs: int = 30) -> dict[str, tuple[float, float]]:
    """(loss, accuracy) of the trained model on 100 moons, for full-batch, mini-batch 10 and stochastic SGD.

    The loss is the trained model's mean BCE over all the points, not the last epoch's running
    mean: with one step per point that running mean still holds the noise of the steps taken.
    """
    samples = data.two_moons(100, noise=0.1, seed=0)
    results = {}
    for name, batch_size in (("full batch", None), ("mini-batch 10", 10), ("stochastic", 1)):
        model = MLP(2, [8, 1], activation=["tanh", "sigmoid"], seed=1)
        fit(model, samples, losses.binary_cross_entropy, SGD(model.parameters(), lr=0.1, momentum=0.9),
            epochs=epochs, batch_size=batch_size, progress=False)
        loss = sum(losses.binary_cross_entropy(model(x), t).data for x, t in samples) / len(samples)
        accuracy = sum((model(x).data > 0.5) == (t == 1.0) for x, t in samples) / len(samples)
        results[name] = (loss, accuracy)
    return results


def housing_versus_normal_equation(epochs: int = 900) -> tuple[tuple[float, float], tuple[float, float]]:
    """((w, b) by gradient descent, (w, b) by the normal equation) on ``data.housing()``."""
    samples = data.housing()
    n = len(samples)
    sx = sum(x for (x,), _ in samples)
    sy = sum(y for _, y in samples)
    sxx = sum(x * x for (x,), _ in samples)
    sxy = sum(x * y for (x,), y in samples)
    det = n * sxx - sx * sx
    exact = ((n * sxy - sx * sy) / det, (sxx * sy - sx * sxy) / det)
    model = MLP(1, [1], activation="linear", seed=0)
    fit(model, samples, losses.mse, SGD(model.parameters(), lr=0.5), epochs=epochs, progress=False)
    w, b = (p.data for p in model.parameters())
    return (w, b), exact


def main() -> None:
    """Print every figure."""
    print("Epochs to fit XOR (mean BCE < 0.05), MLP 2-4-1, ten seeds:")
    for name, make in XOR_OPTIMIZERS.items():
        found = epochs_to_fit_xor(make)
        done = [e for e in found if e is not None]
        median = statistics.median(done) if done else float("nan")
        print(f"  {name:<28} median {median:>6}  range {min(done, default=0)}-{max(done, default=0)}  "
              f"failed {len(found) - len(done)}/10")
    print("Two moons (100 points), 30 epochs of SGD momentum 0.9, lr 0.1 (30, 300 and 3000 steps):")
    for name, (loss, accuracy) in moons_by_batch_size().items():
        print(f"  {name:<14} loss {loss:.4f}  accuracy {accuracy:.2f}")
    (w, b), (w_star, b_star) = housing_versus_normal_equation()
    print(f"Housing: GD w = {w:.12f}, b = {b:.12f}; normal equation w = {w_star:.12f}, b = {b_star:.12f}")


if __name__ == "__main__":
    main()
