"""Loss-landscape slice: today's eager loop against the compiled sweep, on one core and on all.

``python -m benchmarks.sweeps`` trains ``MLP(2, [16, 16, 1])`` (tanh, tanh, sigmoid; MSE) on
100 two-moons points, then times three ways of computing its 41x41 filter-normalised slice
(Li et al., 2018), side by side in one process so that other load on the machine weighs on
all three alike:

* eager: the loop ``viz.landscape.loss_slice`` ran before it compiled (set the weights, call
  the loss under ``no_grad``, 1,681 times): ``loss_slice`` on the same loss returning a float,
  which cannot be traced, so ``loss_slice`` falls back to that loop;
* compiled, ``n_jobs=1``: ``loss_slice(...)``: trace once, run the generated forward per point;
* compiled, ``n_jobs=-1``: the same on every core (joblib's worker processes, started and
  warmed before the timing, as a long-lived session would have them).

Each compiled time includes the tracing and compiling. The three grids must be equal to the
last bit, or the benchmark fails. The eager loop takes minutes: ``--n 21`` is quicker.
"""

from __future__ import annotations

import argparse
import os
import platform
import time

from nn import MLP, Adam, data, fit, losses
from nn.sweep import sweep
from viz import landscape

N_POINTS = 100
SIZES = [16, 16, 1]


def trained_model() -> tuple[MLP, list]:
    """The benchmark's model after 60 full-batch Adam epochs (lr 0.05) on MSE, and its data."""
    samples = data.two_moons(N_POINTS, noise=0.1, seed=0)
    model = MLP(2, SIZES, activation=["tanh", "tanh", "sigmoid"], seed=0)
    fit(model, samples, losses.mse, Adam(model.parameters(), lr=0.05), epochs=60, progress=False, compile=True)
    return model, samples


def dataset_loss(model: MLP, samples: list):
    """``loss()``: the mean squared error over every sample at the model's current weights."""
    def loss():
        return sum((losses.mse(model(x), t) for x, t in samples), 0.0) * (1.0 / len(samples))
    return loss


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=41, help="grid points per side (default 41)")
    args = parser.parse_args(argv)
    model, samples = trained_model()
    loss, filters = dataset_loss(model, samples), landscape.neuron_filters(model)
    sweep(abs, list(range(8)), n_jobs=-1)  # start the worker processes

    start = time.perf_counter()
    _, _, serial = landscape.loss_slice(loss, filters, n=args.n, n_jobs=1)
    compiled_1 = time.perf_counter() - start
    start = time.perf_counter()
    _, _, parallel = landscape.loss_slice(loss, filters, n=args.n, n_jobs=-1)
    compiled_all = time.perf_counter() - start
    start = time.perf_counter()
    _, _, eager = landscape.loss_slice(lambda: loss().data, filters, n=args.n, n_jobs=1)
    eager_full = time.perf_counter() - start
    assert parallel == serial, "n_jobs=-1 gave other numbers than n_jobs=1"
    assert eager == serial, "the compiled slice differs from the eager loop"

    cores = os.cpu_count()
    print(f"{args.n}x{args.n} slice of MLP(2, {SIZES}) on {N_POINTS} moons points "
          f"({sum(1 for _ in model.parameters())} parameters); CPython {platform.python_version()}, "
          f"{cores} cores, load average {os.getloadavg()[0]:.1f}")
    print(f"  eager loop          {eager_full:8.2f} s")
    print(f"  compiled, n_jobs=1  {compiled_1:8.2f} s  {eager_full / compiled_1:6.1f}x the eager loop")
    print(f"  compiled, n_jobs=-1 {compiled_all:8.2f} s  {eager_full / compiled_all:6.1f}x the eager loop, "
          f"{compiled_1 / compiled_all:.2f}x n_jobs=1")
    print("  all three grids equal to the last bit")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
