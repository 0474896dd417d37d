"""The landscape gallery drawn by ``autograd-core landscape NAME -o FILE``.

Each entry is a function that returns a matplotlib Figure; the functions, data and
starting points are fixed so every run draws the same picture. The optimizers and
schedules are ``nn``'s, the derivatives the engine's.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from autograd_core import Value
from nn import Module, fit, schedules
from nn.article import DEFAULT_INPUTS, DEFAULT_LR, DEFAULT_TARGET, article_network
from nn.data import housing
from nn.losses import mse, squared_error
from nn.optim import SGD
from viz import landscape

__all__ = ["GALLERY", "GalleryEntry", "draw_gallery_picture", "two_minima", "TWO_MINIMA_START",
           "regression_mse", "valley", "minibatch_paths", "schedule_paths", "gradient_descent"]


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
    """One of each of nn.schedules' step-indexed schedules, tuned to ``steps`` steps of :func:`valley`."""
    quarter = max(1, steps // 4)
    return {
        "constant": schedules.ConstantLR(0.4),
        "step decay": schedules.StepDecay(0.4, step_size=quarter, gamma=0.5),
        "exponential": schedules.ExponentialDecay(0.4, gamma=0.95),
        "cosine": schedules.CosineAnnealing(0.4, t_max=steps),
        "cosine restarts": schedules.CosineWarmRestarts(0.4, t_0=quarter),
        "cyclic": schedules.CyclicLR(0.05, 0.45, step_size=max(1, steps // 6)),
    }


def schedule_paths(steps: int, start: tuple[float, float]) -> dict[str, list]:
    """SGD on :func:`valley` under each of :func:`valley_schedules`."""
    return {name: landscape.descend(valley, start, gradient_descent(0.0), steps, schedule=schedule)
            for name, schedule in valley_schedules(steps).items()}


# --- the pictures --------------------------------------------------------------------------------

def draw_bowl() -> Any:
    """Linear regression's MSE over (w, b): one bowl, arrows toward its single minimum."""
    data = regression_data()
    f = regression_mse(data)
    figure = landscape.new_figure(11, 4.6)
    path = landscape.descend(f, (-0.5, 4.0), gradient_descent(0.6), 150)
    flat, solid = figure.add_subplot(1, 2, 1), figure.add_subplot(1, 2, 2, projection="3d")
    landscape.plot_contour(f, (-1.0, 5.0), (-1.0, 5.0), ax=flat, log_levels=True,
                    paths={"gradient descent, lr 0.6": path}, critical=True,
                    title="MSE of a line fit: a convex bowl")
    landscape.plot_surface(f, (-1.0, 5.0), (-1.0, 5.0), ax=solid, paths={"gradient descent": path},
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


def draw_large_lr() -> Any:
    """The same valley at three step sizes: smooth, bouncing across it, and diverging."""
    figure = landscape.new_figure(8, 5)
    start = (-4.5, 1.5)
    paths = {f"lr {lr}{note}": landscape.descend(valley, start, gradient_descent(lr), steps)
             for lr, steps, note in ((0.1, 40, ""), (0.46, 40, ": bounces"), (0.52, 8, ": diverges"))}
    landscape.plot_contour(valley, (-5.0, 5.0), (-2.5, 2.5), ax=figure.add_subplot(), log_levels=True, arrows=0,
                    paths=paths, title="too large a learning rate bounces across the valley (stable: lr < 0.5)")
    return figure


def draw_schedules() -> Any:
    """Each schedule's learning rate (left) and its path down the valley (right)."""
    steps = 40
    figure = landscape.new_figure(12, 4.8)
    left = figure.add_subplot(1, 2, 1)
    for (name, schedule), colour in zip(valley_schedules(steps).items(), landscape.PATH_COLOURS, strict=False):
        left.plot(range(steps), [schedule(k) for k in range(steps)], label=name, color=colour)
    left.set_xlabel("step")
    left.set_ylabel("learning rate")
    left.set_title("learning-rate schedules")
    left.legend(fontsize="small", loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=3)  # off the lines
    landscape.plot_contour(valley, (-5.0, 1.0), (-2.0, 2.0), ax=figure.add_subplot(1, 2, 2), log_levels=True,
                    arrows=0, paths=schedule_paths(steps, (-4.5, 1.5)), title=f"SGD on the valley, {steps} steps")
    return figure


def draw_batches() -> Any:
    """Batch, mini-batch and stochastic gradient descent over the same 10 epochs of linear regression."""
    data = regression_data()
    paths = minibatch_paths(data, (-0.5, 4.0), lr=0.3, epochs=10,
                            batch_sizes={"batch (50)": 50, "mini-batch (10)": 10, "stochastic (1)": 1})
    figure = landscape.new_figure(8, 5.5)
    ax = figure.add_subplot()
    landscape.plot_contour(regression_mse(data), (-1.0, 5.0), (-1.0, 5.0), ax=ax, log_levels=True, arrows=0,
                    paths=paths, title="10 epochs of linear regression: 10, 50 and 500 updates")
    ax.set_xlabel("w (slope)")
    ax.set_ylabel("b (intercept)")
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
    alphas, betas, Z = landscape.loss_slice(loss, filters, span=1.5, n=31, seed=0)
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
    "schedules": GalleryEntry("learning-rate schedules side by side", draw_schedules),
    "batches": GalleryEntry("batch vs mini-batch vs stochastic gradient descent paths", draw_batches),
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
