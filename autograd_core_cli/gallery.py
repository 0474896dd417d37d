"""The landscape gallery drawn by ``autograd-core landscape NAME -o FILE``.

Each entry is a function that returns a matplotlib Figure; the functions, data and
starting points are fixed so every run draws the same picture. The optimizers and
schedules are ``nn``'s, the derivatives the engine's.
"""

from __future__ import annotations

import os
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from autograd_core import Value
from autograd_core.helpers.display import plain_log_scale
from nn import MLP, SWA, Module, fit, schedules
from nn.article import DEFAULT_INPUTS, DEFAULT_LR, DEFAULT_TARGET, article_network
from nn.data import housing
from nn.losses import mse, squared_error
from nn.optim import SGD, Adam, RMSProp
from viz import landscape

__all__ = ["GALLERY", "GalleryEntry", "draw_gallery_picture", "two_minima", "TWO_MINIMA_START",
           "regression_mse", "valley", "minibatch_paths", "schedule_paths", "gradient_descent",
           "four_minima", "restart_paths", "stability_limit", "learning_rate_paths", "LEARNING_RATES",
           "swa_run", "banana", "optimizers", "box_around"]


# --- the functions the pictures show ---------------------------------------------------------

def two_minima(x: Any, y: Any) -> Any:
    """A tilted double well: minima near x = -1 (the deeper one) and x = +1, a saddle between.

    (x² - 1)² has two equal wells; the tilt 0.3·x lowers the left one and raises the
    right one, so gradient descent started at (1.6, 0.5) settles in the worse, right well.
    """
    return (x * x - 1.0) ** 2 + 0.3 * x + y * y


TWO_MINIMA_START = (1.6, 0.5)


def valley(x: Any, y: Any) -> Any:
    """A long narrow valley: curvature 0.2 along x and 4 across it (stable step sizes < 0.5)."""
    return 0.1 * x * x + 2.0 * y * y


def saddle(x: Any, y: Any) -> Any:
    """x² - y²: a minimum along x, a maximum along y."""
    return x * x - y * y


def regression_data() -> list:
    """The linear-regression examples: nn.data.housing's 50 lots (area -> price)."""
    return housing(50, seed=0)


def regression_mse(data: Sequence) -> Callable[[Any, Any], Any]:
    """The mean squared error of the line ``price = w·area + b`` on ``data``, as f(w, b)."""

    def mse(w: Any, b: Any) -> Any:
        total = 0.0
        for (area,), price in data:
            error = w * area + b - price
            total = total + error * error
        return total / len(data)

    return mse


# --- optimizer runs ----------------------------------------------------------------------------

def gradient_descent(lr: float) -> Callable[[list[Value]], Any]:
    """An optimizer factory for :func:`viz.landscape.descend`: plain SGD from nn.optim."""
    return lambda params: SGD(params, lr=lr)


class StraightLine(Module):
    """``price = w·area + b`` as an nn module, so :func:`nn.fit` can train it."""

    def __init__(self, w: float, b: float) -> None:
        self.w, self.b = Value(w, label="w"), Value(b, label="b")

    def named_parameters(self) -> list[tuple[str, Value]]:
        """``w`` then ``b``."""
        return [("w", self.w), ("b", self.b)]

    def __call__(self, xs: Any) -> Value:
        return self.w * xs[0] + self.b


def minibatch_paths(data: Sequence, start: tuple[float, float], lr: float, epochs: int,
                    batch_sizes: dict[str, int], seed: int = 0) -> dict[str, list]:
    """(w, b) after every update of linear regression, for each named batch size.

    Each run is :func:`nn.fit` with plain SGD on the mean squared error, reshuffled every
    epoch by ``random.Random(seed)``, for the same number of epochs.
    """
    paths = {}
    for name, size in batch_sizes.items():
        line = StraightLine(*start)
        history = fit(line, data, mse, SGD(line.parameters(), lr=lr), epochs, batch_size=size,
                      shuffle_seed=seed, record_trajectory=True, progress=False)
        paths[name] = [(w, b) for w, b in history.trajectory]
    return paths


def valley_schedules(steps: int) -> dict[str, Callable[[int], float]]:
    """One of each of nn.schedules' step-indexed schedules, tuned to ``steps`` steps of :func:`valley`:
    the decaying ones end at about 1/20 of the starting rate 0.4 or below."""
    quarter = max(1, steps // 4)
    return {
        "constant": schedules.ConstantLR(0.4),
        "step decay": schedules.StepDecay(0.4, step_size=quarter, gamma=0.5),
        "exponential": schedules.ExponentialDecay(0.4, gamma=0.02 ** (1.0 / steps)),
        "cosine": schedules.CosineAnnealing(0.4, t_max=steps),
        "cosine restarts": schedules.CosineWarmRestarts(0.4, t_0=quarter),
        "cyclic": schedules.CyclicLR(0.05, 0.45, step_size=max(1, steps // 6)),
    }


SCHEDULE_NOISE = 1.0
"""Standard deviation of the Gaussian noise added to each gradient component in the schedules
picture: a mini-batch's gradient is the exact one plus noise, and schedules are for noise."""


def schedule_paths(steps: int, start: tuple[float, float], noise: float = SCHEDULE_NOISE,
                   seed: int = 0) -> dict[str, list]:
    """SGD on :func:`valley` under each of :func:`valley_schedules`, every gradient plus Gaussian
    noise of standard deviation ``noise`` drawn by ``random.Random(seed)`` (the same draws for
    every schedule, so they differ only in their rates)."""
    return {name: landscape.descend(valley, start, gradient_descent(0.0), steps, schedule=schedule,
                                    noise=noise, seed=seed)
            for name, schedule in valley_schedules(steps).items()}


def mean_distances(steps: int, start: tuple[float, float], runs: int, noise: float = SCHEDULE_NOISE) -> dict[str, list]:
    """For each schedule, the distance to the valley's minimum (0, 0) after every step, averaged
    over ``runs`` runs of :func:`schedule_paths` with seeds 0, 1, ...: one run's distance is as
    noisy as its gradients."""
    totals: dict[str, list] = {}
    for seed in range(runs):
        for name, path in schedule_paths(steps, start, noise, seed).items():
            distances = [(x * x + y * y) ** 0.5 for x, y in path]
            totals[name] = [a + b for a, b in zip(totals.get(name, [0.0] * len(distances)), distances, strict=True)]
    return {name: [total / runs for total in column] for name, column in totals.items()}


# --- the pictures --------------------------------------------------------------------------------

box_around = landscape.box_around  # the gallery's pictures keep every path inside their axes


BOWL_START = (-0.5, 4.0)


def draw_bowl() -> Any:
    """Linear regression's MSE over (w, b): one bowl, arrows toward its single minimum."""
    data = regression_data()
    f = regression_mse(data)
    figure = landscape.new_figure(11, 4.6)
    path = landscape.descend(f, BOWL_START, gradient_descent(0.6), 150)
    xlim, ylim = box_around([path], (-1.0, 5.0), (-1.0, 5.0))
    flat, solid = figure.add_subplot(1, 2, 1), figure.add_subplot(1, 2, 2, projection="3d")
    landscape.plot_contour(f, xlim, ylim, ax=flat, log_levels=True, paths={"gradient descent, lr 0.6": path},
                           critical=True, title="MSE of a line fit: a convex bowl")
    landscape.plot_surface(f, xlim, ylim, ax=solid, paths={"gradient descent": path},
                           title="the same bowl in 3-D")
    for ax in (flat, solid):
        ax.set_xlabel("w (slope)")
        ax.set_ylabel("b (intercept)")
    return figure


def draw_two_minima() -> Any:
    """Gradient descent from (1.6, 0.5) ends in the worse of two minima."""
    figure = landscape.new_figure(7.5, 5.2)
    path = landscape.descend(two_minima, TWO_MINIMA_START, gradient_descent(0.05), 80)
    end = path[-1]
    landscape.plot_contour(two_minima, (-2.0, 2.0), (-1.5, 1.5), ax=figure.add_subplot(), levels=30,
                           paths={f"GD from {TWO_MINIMA_START}: ends at f={two_minima(*end):.2f}": path},
                           critical=True, title="two local minima: descent keeps to the nearer, worse one")
    return figure


def draw_saddle() -> Any:
    """x² - y²: descent slides toward the saddle along x, then escapes along y."""
    figure = landscape.new_figure(11, 4.6)
    path = landscape.descend(saddle, (1.8, 0.02), gradient_descent(0.1), 30)
    landscape.plot_contour(saddle, (-2.0, 2.0), (-2.0, 2.0), ax=figure.add_subplot(1, 2, 1), paths={"GD": path},
                           critical=True, title="a saddle: x² − y²")
    landscape.plot_surface(saddle, (-2.0, 2.0), (-2.0, 2.0), ax=figure.add_subplot(1, 2, 2, projection="3d"),
                           paths={"GD": path}, title="the saddle in 3-D")
    return figure


def four_minima(x: Any, y: Any) -> Any:
    """Two tilted double wells added: (x² - 1)² + 0.3·x + (y² - 1)² + 0.2·y.

    Each well has two minima (the tilts make them unequal), so the sum has four minima
    of four different depths, four saddles between them and a maximum near the origin.
    """
    return (x * x - 1.0) ** 2 + 0.3 * x + (y * y - 1.0) ** 2 + 0.2 * y


RESTARTS = 16
RESTARTS_BOX = ((-2.0, 2.0), (-2.0, 2.0))


def restart_paths(n: int = RESTARTS, seed: int = 0, lr: float = 0.05, steps: int = 120) -> list[list]:
    """Gradient descent on :func:`four_minima` from ``n`` starts drawn uniformly in the box
    by ``random.Random(seed)``."""
    rng = random.Random(seed)
    (x0, x1), (y0, y1) = RESTARTS_BOX
    starts = [(rng.uniform(x0, x1), rng.uniform(y0, y1)) for _ in range(n)]
    return [landscape.descend(four_minima, start, gradient_descent(lr), steps) for start in starts]


def nearest(point: tuple[float, float], candidates: Sequence[landscape.CriticalPoint]) -> landscape.CriticalPoint:
    """The candidate closest to ``point``."""
    return min(candidates, key=lambda c: (c.x - point[0]) ** 2 + (c.y - point[1]) ** 2)


def draw_restarts() -> Any:
    """Random restarts: gradient descent from 16 random starts falls into four different minima."""
    xlim, ylim = RESTARTS_BOX
    minima = [p for p in landscape.critical_points(four_minima, xlim, ylim) if p.kind == "minimum"]
    minima.sort(key=lambda p: p.value)
    colours = dict(zip([(p.x, p.y) for p in minima], landscape.PATH_COLOURS, strict=False))
    figure = landscape.new_figure(8, 6.4)
    ax = figure.add_subplot()
    landscape.plot_contour(four_minima, xlim, ylim, ax=ax, levels=30, arrows=0, log_levels=True,
                           title=f"{RESTARTS} random restarts of gradient descent (lr 0.05, 120 steps)")
    paths = restart_paths()
    for path in paths:
        end = nearest(path[-1], minima)
        landscape.draw_path(ax, path, None, colours[(end.x, end.y)], linewidth=1.2, points=False)
    for rank, point in enumerate(minima):
        count = sum(nearest(path[-1], minima) is point for path in paths)
        ax.plot([point.x], [point.y], "o", color=colours[(point.x, point.y)], markeredgecolor="black",
                markersize=13, linestyle="none", zorder=6,
                label=f"minimum {rank + 1}: f = {point.value:.3f}, reached by {count}")
        ax.annotate(str(rank + 1), (point.x, point.y), ha="center", va="center", fontsize=8, zorder=7,
                    color="white", fontweight="bold")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=2, fontsize="small",
              title="minima (Newton on the engine's Hessian), best first; small circles: random starts")
    return figure


LEARNING_RATES = {"too small": 0.05, "about right": 0.7, "too large": 0.8}
LEARNING_RATE_STEPS = {"too small": 60, "about right": 60, "too large": 14}  # a diverging run leaves any picture


def stability_limit(data: Sequence) -> float:
    """2/λ_max of the regression MSE's Hessian: gradient descent on :func:`regression_mse`
    converges for learning rates below it and diverges above it.

    The MSE is quadratic in (w, b) with the constant Hessian 2·[[E a², E a], [E a, 1]] (a the
    lot areas), whose largest eigenvalue has the 2×2 closed form used here.
    """
    areas = [inputs[0] for inputs, _ in data]
    m1 = sum(areas) / len(areas)
    m2 = sum(a * a for a in areas) / len(areas)
    a, b, d = 2.0 * m2, 2.0 * m1, 2.0
    largest = (a + d) / 2.0 + ((a - d) ** 2 / 4.0 + b * b) ** 0.5
    return 2.0 / largest


def learning_rate_paths() -> dict[str, list]:
    """Gradient descent on the regression MSE from :data:`BOWL_START` at each of :data:`LEARNING_RATES`
    (for :data:`LEARNING_RATE_STEPS` steps)."""
    f = regression_mse(regression_data())
    return {name: landscape.descend(f, BOWL_START, gradient_descent(lr), LEARNING_RATE_STEPS[name])
            for name, lr in LEARNING_RATES.items()}


def draw_learning_rates() -> Any:
    """The same bowl at a learning rate too small, about right and too large, and their losses."""
    data = regression_data()
    f = regression_mse(data)
    limit = stability_limit(data)
    paths = learning_rate_paths()
    (minimum,) = [p for p in landscape.critical_points(f, (-1.0, 5.0), (-1.0, 5.0)) if p.kind == "minimum"]
    figure = landscape.new_figure(15, 4.4)
    for column, ((name, path), colour) in enumerate(zip(paths.items(), landscape.PATH_COLOURS, strict=False)):
        ax = figure.add_subplot(1, 4, column + 1)
        xlim, ylim = box_around([path], (-1.0, 5.0), (-1.0, 5.0))
        landscape.plot_contour(f, xlim, ylim, ax=ax, log_levels=True, arrows=0, n=60, critical=[minimum],
                               legend=False)
        landscape.draw_path(ax, path, None, colour)
        ax.set_title(f"lr {LEARNING_RATES[name]}: {name}")
        ax.set_xlabel("w (slope)")
        ax.set_ylabel("b (intercept)")
    losses_ax = figure.add_subplot(1, 4, 4)
    for (name, path), colour in zip(paths.items(), landscape.PATH_COLOURS, strict=False):
        losses_ax.plot(range(len(path)), [landscape.value_at(f, *p) for p in path], color=colour,
                       label=f"lr {LEARNING_RATES[name]} ({name})")
    plain_log_scale(losses_ax)
    losses_ax.set_xlabel("step")
    losses_ax.set_ylabel("MSE")
    losses_ax.set_title(f"MSE; it diverges when\nlr > 2/λmax = {limit:.3f}")
    losses_ax.legend(fontsize="small")
    return figure


def draw_large_lr() -> Any:
    """The same valley at three step sizes: smooth, bouncing across it, and diverging."""
    figure = landscape.new_figure(8, 5)
    start = (-4.5, 1.5)
    paths = {f"lr {lr}{note}": landscape.descend(valley, start, gradient_descent(lr), steps)
             for lr, steps, note in ((0.1, 40, ""), (0.46, 40, ": bounces"), (0.52, 8, ": diverges"))}
    xlim, ylim = box_around(list(paths.values()), (-5.0, 5.0), (-2.5, 2.5), margin=0.03)
    landscape.plot_contour(valley, xlim, ylim, ax=figure.add_subplot(), log_levels=True, arrows=0,
                           paths=paths, title="too large a learning rate bounces across the valley (stable: lr < 0.5)")
    return figure


SCHEDULE_STEPS = 200
SCHEDULE_START = (-4.5, 1.5)
SCHEDULE_RUNS = 20
SCHEDULES_CAPTION = (
    "Schedules are for noisy gradients. Each step here follows the exact gradient plus Gaussian noise "
    f"(σ = {SCHEDULE_NOISE:g}, seeded), as a mini-batch's gradient does. At a constant rate SGD never "
    "settles: it jitters in a cloud whose size grows with the rate. A decaying rate shrinks the cloud and "
    "ends closer; the rates that climb again (restarts, cyclic) bring the jitter back. On the exact "
    "gradient of this bowl a constant rate would get there first.")


def draw_schedules() -> Any:
    """Each schedule's learning rate, the mean distance to the minimum it leaves over 20 noisy runs,
    and one noisy run's path down the valley, with a caption saying why schedules exist."""
    steps = SCHEDULE_STEPS
    named = valley_schedules(steps)
    paths = schedule_paths(steps, SCHEDULE_START)
    distances_by_name = mean_distances(steps, SCHEDULE_START, SCHEDULE_RUNS)
    colours = dict(zip(named, landscape.PATH_COLOURS, strict=False))
    figure = landscape.new_figure(15, 8.8)
    top, bottom, caption = figure.subfigures(3, 1, height_ratios=[1.1, 1, 0.14])
    rates, distances = top.subplots(1, 2)
    for name, schedule in named.items():
        rates.plot(range(steps), [schedule(k) for k in range(steps)], label=name, color=colours[name])
        distances.plot(range(steps + 1), distances_by_name[name], label=name, color=colours[name])
    rates.set(xlabel="step", ylabel="learning rate", title="learning-rate schedules")
    plain_log_scale(distances)
    distances.set(xlabel="step", ylabel="mean distance to the minimum (0, 0)",
                  title=f"noisy SGD on the valley 0.1x² + 2y² from {SCHEDULE_START}: "
                        f"distance left, mean of {SCHEDULE_RUNS} runs")
    # One legend for both panels, outside the data, right of the distances.
    distances.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small", borderaxespad=0.0)
    panels = bottom.subplots(1, len(named), sharey=True)
    xlim, ylim = box_around(list(paths.values()), (-5.0, 1.5), (-2.0, 2.0), margin=0.02)
    for ax, (name, path) in zip(panels, paths.items(), strict=True):
        landscape.plot_contour(valley, xlim, ylim, ax=ax, log_levels=True, arrows=0, n=50, colorbar=False)
        landscape.draw_path(ax, path, None, colours[name], linewidth=0.9, points=False)
        end = path[-1]
        ax.set_title(f"{name}\nends {(end[0] ** 2 + end[1] ** 2) ** 0.5:.2f} from the minimum", fontsize="medium")
        ax.set_ylabel("y" if ax is panels[0] else "")
    caption.text(0.5, 0.5, SCHEDULES_CAPTION, ha="center", va="center", wrap=True, fontsize="medium",
                 style="italic")
    return figure


BATCH_SIZES = {"stochastic (1)": 1, "mini-batch (10)": 10, "batch (50)": 50}
BATCH_EPOCHS = 10


def draw_batches() -> Any:
    """Batch, mini-batch and stochastic gradient descent over the same 10 epochs of linear regression."""
    data = regression_data()
    f = regression_mse(data)
    paths = minibatch_paths(data, BOWL_START, lr=0.3, epochs=BATCH_EPOCHS, batch_sizes=BATCH_SIZES)
    figure = landscape.new_figure(13, 5.2)
    ax, curves = figure.add_subplot(1, 2, 1), figure.add_subplot(1, 2, 2)
    xlim, ylim = box_around(list(paths.values()), (-1.0, 5.0), (-1.0, 5.0))
    landscape.plot_contour(f, xlim, ylim, ax=ax, log_levels=True, arrows=0,
                           title=f"{BATCH_EPOCHS} epochs of linear regression: 500, 50 and 10 updates")
    colours = {"stochastic (1)": "#2f9e44", "mini-batch (10)": "#1971c2", "batch (50)": "#d9480f"}
    # The stochastic path, busiest, goes underneath, thin and translucent; the other two on top.
    for (name, path), z in zip(paths.items(), (3, 4, 5), strict=True):
        busy = BATCH_SIZES[name] == 1
        landscape.draw_path(ax, path, name, colours[name], linewidth=0.8 if busy else 2.0,
                            alpha=0.55 if busy else 1.0, points=not busy, zorder=z)
        per_epoch = len(data) // BATCH_SIZES[name]
        curves.plot(range(BATCH_EPOCHS + 1), [landscape.value_at(f, *path[e * per_epoch])
                                              for e in range(BATCH_EPOCHS + 1)],
                    "o-", color=colours[name], label=name, markersize=3)
    ax.legend(loc="upper right", fontsize="small")
    ax.set_xlabel("w (slope)")
    ax.set_ylabel("b (intercept)")
    plain_log_scale(curves)
    curves.set(xlabel="epoch", ylabel="MSE on all 50 examples", title="loss after each epoch")
    curves.legend(fontsize="small")
    return figure


SWA_EPOCHS, SWA_START, SWA_LR = 30, 10, 0.3


def swa_run() -> tuple[Any, Any]:
    """Stochastic gradient descent (batch size 1, lr 0.3) on the regression data with
    ``nn.fit``'s SWA averaging every epoch from epoch 10: returns (history, model); the
    model holds the averaged weights, ``history.trajectory`` every iterate."""
    model = MLP(1, [1], activation="linear", seed=0)
    history = fit(model, regression_data(), mse, SGD(model.parameters(), lr=SWA_LR), epochs=SWA_EPOCHS,
                  batch_size=1, swa=SWA(start=SWA_START, cycle=1), record_trajectory=True)
    return history, model


def draw_swa() -> Any:
    """SWA: the average of the iterates collected at each epoch's end against the last iterate."""
    data = regression_data()
    f = regression_mse(data)
    history, model = swa_run()
    path = [tuple(point) for point in history.trajectory]
    per_epoch = len(data)
    snapshots = [path[(e + 1) * per_epoch] for e in range(SWA_START, SWA_EPOCHS)]
    averaged = tuple(p.data for p in model.parameters())
    (best,) = [p for p in landscape.critical_points(f, (0.0, 4.0), (0.0, 3.0)) if p.kind == "minimum"]
    figure = landscape.new_figure(8.5, 6)
    ax = figure.add_subplot()
    landscape.plot_contour(f, (1.0, 3.2), (0.6, 2.2), ax=ax, log_levels=True, arrows=0,
                           title=f"SWA: stochastic GD (lr {SWA_LR}), weights averaged at the end of "
                                 f"epochs {SWA_START}-{SWA_EPOCHS - 1}")
    late = path[-5 * per_epoch:]
    ax.plot([p[0] for p in late], [p[1] for p in late], "-", color="#adb5bd", linewidth=0.6, alpha=0.8,
            label="iterates of the last 5 epochs", zorder=3)
    ax.plot([p[0] for p in snapshots], [p[1] for p in snapshots], "o", color="#1971c2", markersize=4,
            markeredgecolor="white", label=f"{len(snapshots)} snapshots averaged", zorder=4, linestyle="none")
    marks = (("last iterate", path[-1], "*", "#d9480f", 16), ("SWA average", averaged, "P", "#f59f00", 13),
             ("least-squares minimum", (best.x, best.y), "o", "#2f9e44", 10))
    for name, (x, y), marker, colour, size in marks:
        distance = ((x - best.x) ** 2 + (y - best.y) ** 2) ** 0.5
        label = name if name.startswith("least") else f"{name}: {distance:.3f} from the minimum"
        ax.plot([x], [y], marker, color=colour, markeredgecolor="black", markersize=size, label=label,
                linestyle="none", zorder=6)
    ax.legend(loc="upper right", fontsize="small", framealpha=0.9)
    ax.set_xlabel("w (slope)")
    ax.set_ylabel("b (intercept)")
    return figure


def banana(x: Any, y: Any) -> Any:
    """A gentle Rosenbrock function, (1 - x)² + 5·(y - x²)²: a curved valley, minimum 0 at (1, 1)."""
    return (1.0 - x) ** 2 + 5.0 * (y - x * x) ** 2


OPTIMIZER_START, OPTIMIZER_STEPS = (-1.5, 2.0), 150


def optimizers() -> dict[str, Callable[[list[Value]], Any]]:
    """nn.optim's optimizers, each at a learning rate that works on :func:`banana`."""
    return {
        "SGD, lr 0.02": lambda ps: SGD(ps, lr=0.02),
        "momentum 0.9, lr 0.02": lambda ps: SGD(ps, lr=0.02, momentum=0.9),
        "Nesterov 0.9, lr 0.02": lambda ps: SGD(ps, lr=0.02, momentum=0.9, nesterov=True),
        "RMSProp, lr 0.02": lambda ps: RMSProp(ps, lr=0.02),
        "Adam, lr 0.1": lambda ps: Adam(ps, lr=0.1),
    }


def draw_optimizers() -> Any:
    """SGD, momentum, Nesterov, RMSProp and Adam from one start on one curved valley: one panel
    each (the others in grey underneath), the minimum marked, and f against step."""
    paths = {name: landscape.descend(banana, OPTIMIZER_START, make, OPTIMIZER_STEPS)
             for name, make in optimizers().items()}
    figure = landscape.new_figure(14, 8.2)
    grid = figure.subplots(2, 3)
    panels, curves = list(grid.flat[:5]), grid.flat[5]
    xlim, ylim = box_around(list(paths.values()), (-2.0, 2.0), (-1.0, 3.0), margin=0.03)
    minimum = [p for p in landscape.critical_points(banana, xlim, ylim) if p.kind == "minimum"]
    landscape.plot_path_panels(banana, paths, xlim, ylim, axes=panels, critical=minimum)
    for ax in panels:
        ax.set(xlabel="x", ylabel="y")
    for (name, path), colour in zip(paths.items(), landscape.PATH_COLOURS, strict=False):
        curves.plot(range(len(path)), [landscape.value_at(banana, *p) for p in path], color=colour, label=name)
    plain_log_scale(curves)
    curves.set(xlabel="step", ylabel="f (minimum 0 at (1, 1))", title="f against step")
    curves.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0)
    figure.suptitle(f"{OPTIMIZER_STEPS} steps on (1 − x)² + 5(y − x²)² from {OPTIMIZER_START}; "
                    "the green circle is the minimum")
    return figure


ARTICLE_TRAINING_STEPS = 300


def article_loss_and_filters(steps: int = ARTICLE_TRAINING_STEPS) -> tuple[Callable[[], Value], list]:
    """The article network's loss E on its example after ``steps`` SGD steps (lr 0.5, the
    article's rate), and its neurons' incoming weights as filters."""
    model = article_network()
    fit(model, [(list(DEFAULT_INPUTS), DEFAULT_TARGET)], squared_error, SGD(model.parameters(), lr=DEFAULT_LR),
        epochs=steps, progress=False)
    return (lambda: model.loss()[0]), landscape.neuron_filters(model)


def draw_article_slice() -> Any:
    """The article network's loss on a random filter-normalised plane through its weights."""
    loss, filters = article_loss_and_filters()
    alphas, betas, Z = landscape.loss_slice(loss, filters, span=1.5, n=61, seed=0)
    return landscape.plot_slice(alphas, betas, Z, centre=f"weights after {ARTICLE_TRAINING_STEPS} SGD steps", log=True,
                         title="the article network's log10 E on a random filter-normalised plane "
                               "through its trained weights (Li et al., 2018)")


@dataclass(frozen=True)
class GalleryEntry:
    """One picture: what it shows and the function that draws it."""

    description: str
    draw: Callable[[], Any]


GALLERY: dict[str, GalleryEntry] = {
    "bowl": GalleryEntry("linear regression's MSE bowl, arrows toward its single minimum", draw_bowl),
    "two-minima": GalleryEntry("two local minima; GD from (1.6, 0.5) ends in the worse one", draw_two_minima),
    "saddle": GalleryEntry("a saddle point, contour and surface", draw_saddle),
    "large-lr": GalleryEntry("too large a learning rate bouncing across a valley", draw_large_lr),
    "schedules": GalleryEntry("learning-rate schedules side by side on noisy gradients, which they are for",
                              draw_schedules),
    "batches": GalleryEntry("batch vs mini-batch vs stochastic gradient descent paths", draw_batches),
    "restarts": GalleryEntry("random restarts fall into four different minima, minima marked", draw_restarts),
    "learning-rates": GalleryEntry("learning rate too small, about right and too large on the MSE bowl",
                                   draw_learning_rates),
    "swa": GalleryEntry("stochastic weight averaging: averaged weights against the last iterate", draw_swa),
    "optimizers": GalleryEntry("SGD, momentum, Nesterov, RMSProp and Adam on one curved valley", draw_optimizers),
    "article-slice": GalleryEntry("the article network's loss along two filter-normalised directions",
                                  draw_article_slice),
}


def draw_gallery_picture(name: str, path: str | os.PathLike, dpi: int = 100) -> Path:
    """Draw the gallery picture ``name`` and write it atomically to ``path`` (.png, .svg, .pdf)."""
    if name not in GALLERY:
        raise ValueError(f"no landscape named {name!r}: choose one of {', '.join(GALLERY)}")
    if isinstance(dpi, bool) or not isinstance(dpi, int) or not 10 <= dpi <= 1000:
        raise ValueError(f"dpi must be an int from 10 to 1000, got {dpi!r}")
    landscape.require_matplotlib()
    return landscape.save_figure(GALLERY[name].draw(), path, dpi=dpi)
