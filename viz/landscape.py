"""Loss landscapes: contours, surfaces, gradient arrows, optimizer paths and critical points.

Every derivative here comes from the engine: the arrows are ``-grad f`` from
:func:`autograd_core.grad`, optimizer paths run real optimizers on ``Value``
parameters, and critical points are found by Newton's method on the engine's
gradient and Hessian (:func:`autograd_core.hessian`) and classified by the Hessian's
eigenvalues. Plotting needs matplotlib (the ``plot`` extra); the numerical helpers
(:func:`critical_points`, :func:`classify`, :func:`descend`, :func:`loss_slice`) do not.

A two-parameter function ``f(x, y)`` is written with ``Value`` operations, so it can
be evaluated, differentiated and differentiated twice:

>>> f = lambda x, y: x * x - y * y
>>> [(p.x, p.y, p.kind) for p in critical_points(f, (-1, 1), (-1, 1))]
[(0.0, 0.0, 'saddle')]
"""

from __future__ import annotations

import math
import os
import random
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from autograd_core import Value, as_int, grad, hessian, no_grad
from autograd_core.helpers import display
from autograd_core.helpers.files import write_atomically
from autograd_core.helpers.sweep import sweep

__all__ = [
    "CriticalPoint", "classify", "critical_points", "descend", "random_restarts", "evaluate_grid", "gradient_field",
    "neuron_filters", "filter_normalised_direction", "loss_slice", "new_figure", "save_figure",
    "plot_contour", "plot_surface", "plot_slice", "require_matplotlib", "PATH_COLOURS",
    "draw_path", "nice_ticks", "nice_colorbar", "surface_path", "value_at", "box_around", "plot_path_panels",
    "CONTOUR_LINE_WIDTH", "CONTOUR_LINE_ALPHA",
]

Function2 = Callable[[Any, Any], Any]
Point = tuple[float, float]
Limits = tuple[float, float]


# --- matplotlib, only when drawing ------------------------------------------------------------

def require_matplotlib() -> Any:
    """The ``matplotlib`` module, or an ImportError that says how to install it."""
    try:
        import matplotlib
        import matplotlib.figure  # noqa: F401  (the object-oriented API: no global pyplot state)
    except ImportError as error:
        raise ImportError(
            "drawing loss landscapes needs matplotlib: install the plot extra with "
            "pip install 'autograd-core[plot]' (or pip install matplotlib)") from error
    return matplotlib


def new_figure(width: float = 6.4, height: float = 4.8, dpi: int = 100) -> Any:
    """A matplotlib Figure not attached to pyplot that Jupyter shows inline (as PNG) by itself.

    It is an :class:`autograd_core.helpers.display.Figure`; a script saves it with
    :func:`save_figure` or ``figure.savefig``.

    >>> figure = new_figure(4, 3)
    >>> figure._repr_png_()[:4]
    b'\\x89PNG'
    """
    require_matplotlib()
    return display.new_figure(width, height, dpi)


def save_figure(figure: Any, path: str | os.PathLike, **savefig_options: Any) -> Path:
    """Save ``figure`` atomically; the format comes from the file's suffix (png, svg, pdf...)."""
    target = Path(path)
    fmt = target.suffix.lower().lstrip(".")
    supported = figure.canvas.get_supported_filetypes()
    if fmt not in supported:
        raise ValueError(f"cannot save a picture as {fmt or 'a file without a suffix'!r}: "
                         f"use one of {', '.join(sorted(supported))}")
    write_atomically(path, display.figure_bytes(figure, fmt, **savefig_options))  # path as given: a trailing / is refused
    return target


# --- evaluating a two-parameter function -----------------------------------------------------

def _linspace(lo: float, hi: float, n: int) -> list[float]:
    if n < 2:
        raise ValueError(f"a grid needs at least 2 points per side, got {n}")
    return [lo + (hi - lo) * i / (n - 1) for i in range(n)]


def _check_limits(limits: Any, what: str) -> Limits:
    try:
        lo, hi = (float(v) for v in limits)
    except (TypeError, ValueError):
        raise TypeError(f"{what} must be a pair of numbers (low, high), got {limits!r}") from None
    if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
        raise ValueError(f"{what} must be finite with low < high, got {limits!r}")
    return lo, hi


def value_at(f: Function2, x: float, y: float) -> float:
    """``f(x, y)`` as a float, recording no graph.

    >>> value_at(lambda x, y: x * y + 1, 2.0, 3.0)
    7.0
    """
    with no_grad():
        out = f(Value(x), Value(y))
    return float(out.data if isinstance(out, Value) else out)


def evaluate_grid(f: Function2, xlim: Limits, ylim: Limits, n: int = 60) -> tuple[list, list, list]:
    """``(xs, ys, Z)`` with ``Z[i][j] = f(xs[j], ys[i])`` (the row-major layout contour plots use).

    >>> xs, ys, Z = evaluate_grid(lambda x, y: x + 10 * y, (0, 1), (0, 1), n=2)
    >>> Z
    [[0.0, 1.0], [10.0, 11.0]]
    """
    xs = _linspace(*_check_limits(xlim, "xlim"), n)
    ys = _linspace(*_check_limits(ylim, "ylim"), n)
    return xs, ys, [[value_at(f, x, y) for x in xs] for y in ys]


def _gradient(f: Function2) -> Callable[[float, float], tuple[float, float]]:
    return grad(f, argnums=(0, 1))


def gradient_field(f: Function2, xlim: Limits, ylim: Limits, n: int = 15) -> tuple[list, list, list, list]:
    """Arrows of steepest descent: ``(X, Y, U, V)`` with ``(U, V) = -grad f(X, Y)`` from the engine.

    >>> X, Y, U, V = gradient_field(lambda x, y: x * x + y * y, (-1, 1), (-1, 1), n=3)
    >>> U[0], V[0]
    (2.0, 2.0)
    """
    df = _gradient(f)
    X, Y, U, V = [], [], [], []
    for y in _linspace(*_check_limits(ylim, "ylim"), n):
        for x in _linspace(*_check_limits(xlim, "xlim"), n):
            gx, gy = df(x, y)
            X.append(x)
            Y.append(y)
            U.append(-gx)
            V.append(-gy)
    return X, Y, U, V


# --- critical points -------------------------------------------------------------------------

@dataclass(frozen=True)
class CriticalPoint:
    """A point where the gradient vanishes, with the Hessian's eigenvalues and what they make it."""

    x: float
    y: float
    value: float
    kind: str  # "minimum", "maximum", "saddle" or "degenerate"
    eigenvalues: tuple[float, float]


def classify(h: Sequence[Sequence[float]], tol: float = 1e-9) -> tuple[str, tuple[float, float]]:
    """Kind of a critical point from its symmetric 2x2 Hessian, and the eigenvalues (ascending).

    The eigenvalues of [[a, b], [b, d]] are (a+d)/2 ± sqrt(((a-d)/2)² + b²): both positive
    is a minimum, both negative a maximum, opposite signs a saddle, and a zero eigenvalue
    leaves the second-derivative test undecided ("degenerate").

    >>> classify([[2.0, 0.0], [0.0, -2.0]])
    ('saddle', (-2.0, 2.0))
    """
    (a, b), (c, d) = h
    b = (b + c) / 2.0  # symmetric up to rounding
    mean, radius = (a + d) / 2.0, math.hypot((a - d) / 2.0, b)
    low, high = mean - radius, mean + radius
    scale = max(1.0, abs(low), abs(high))
    if abs(low) <= tol * scale or abs(high) <= tol * scale:
        return "degenerate", (low, high)
    if low > 0:
        return "minimum", (low, high)
    if high < 0:
        return "maximum", (low, high)
    return "saddle", (low, high)


def _newton(df: Callable, d2f: Callable, x: float, y: float, max_iter: int, tol: float,
            scale: float) -> Point | None:
    """Newton's method on grad f = 0 from (x, y); the point reached, or None if it did not converge.

    It stops when the step is below 1e-13 of the box rather than when the gradient is
    small: near a degenerate point (zero Hessian eigenvalue) Newton converges only
    linearly, and stopping early would leave scattered near-copies of one point.
    """
    for _ in range(max_iter):
        gx, gy = df(x, y)
        (a, b), (c, d) = d2f(x, y)
        det = a * d - b * c
        if not math.isfinite(det) or det == 0.0:
            break  # a singular Hessian gives no Newton step; accept the point only if it is critical
        # Solve H (dx, dy) = -g with the 2x2 inverse.
        dx, dy = -(d * gx - b * gy) / det, -(-c * gx + a * gy) / det
        x, y = x + dx, y + dy
        if not (math.isfinite(x) and math.isfinite(y)):
            return None
        if math.hypot(dx, dy) <= 1e-13 * scale:
            break
    gx, gy = df(x, y)
    return (x, y) if math.hypot(gx, gy) <= tol else None


def _tidy(v: float, scale: float) -> float:
    """Round away Newton's last-digit noise (and -0.0) so equal points print equally."""
    rounded = round(v, 10)
    return 0.0 if abs(rounded) < 1e-12 * scale else rounded


@dataclass(frozen=True)
class _NewtonFrom:
    """Newton's method on ``f`` from one start (a sweep task ``{"x": x, "y": y}``)."""

    f: Function2
    max_iter: int
    tol: float
    scale: float

    def __call__(self, x: float, y: float) -> Point | None:
        return _newton(_gradient(self.f), hessian(self.f), x, y, self.max_iter, self.tol, self.scale)


def critical_points(f: Function2, xlim: Limits, ylim: Limits, *, starts: int = 7, max_iter: int = 100,
                    tol: float = 1e-9, n_jobs: int | None = 1) -> list[CriticalPoint]:
    """The critical points of ``f`` inside the box, found by Newton's method from a grid of starts.

    Each start is iterated with the engine's gradient and Hessian; converged points are
    deduplicated, kept if they lie in the box, and classified by :func:`classify`.
    Sorted by (x, y). A critical point no start converges to is missed, as with any
    local method: use more ``starts`` for a busy function. The starts are independent:
    ``n_jobs`` runs them on other cores or a cluster (:func:`autograd_core.helpers.sweep.sweep`), same result.

    >>> [(p.kind, p.value) for p in critical_points(lambda x, y: -(x * x + y * y), (-1, 1), (-1, 1))]
    [('maximum', 0.0)]
    """
    (x0, x1), (y0, y1) = _check_limits(xlim, "xlim"), _check_limits(ylim, "ylim")
    scale = max(x1 - x0, y1 - y0)
    tasks = [{"x": x, "y": y} for y in _linspace(y0, y1, starts) for x in _linspace(x0, x1, starts)]
    reached = sweep(_NewtonFrom(f, max_iter, tol, scale), tasks, n_jobs=n_jobs, description="Newton starts")
    found: list[Point] = []
    for point in reached:
        if point is None:
            continue
        px, py = point
        inside = x0 - 1e-9 * scale <= px <= x1 + 1e-9 * scale and y0 - 1e-9 * scale <= py <= y1 + 1e-9 * scale
        if inside and all(math.hypot(px - qx, py - qy) > 1e-6 * scale for qx, qy in found):
            found.append((px, py))
    d2f = hessian(f)
    points = []
    for px, py in sorted(found):
        kind, eigenvalues = classify(d2f(px, py))
        x, y = _tidy(px, scale), _tidy(py, scale)
        points.append(CriticalPoint(x, y, value_at(f, px, py) + 0.0, kind, eigenvalues))  # + 0.0: no -0.0
    return points


# --- optimizer paths ---------------------------------------------------------------------------

def descend(f: Function2, start: Point, optimizer: Callable[[list[Value]], Any], steps: int = 50,
            schedule: Callable[[int], float] | None = None, *, noise: float = 0.0,
            seed: int = 0) -> list[Point]:
    """The path an optimizer takes on ``f`` from ``start``: ``steps + 1`` points, start included.

    ``optimizer`` makes the optimizer from the two parameters, for example
    ``lambda params: nn.optim.SGD(params, lr=0.1)``; it needs ``zero_grad()``,
    ``step()`` and, with a ``schedule`` (``schedule(step) -> lr``), a settable ``lr``.
    With ``noise`` > 0 each gradient component gets Gaussian noise of that standard
    deviation, drawn by ``random.Random(seed)``: the noisy gradient of a mini-batch, on a
    function whose exact gradient is known.

    >>> from nn.optim import SGD
    >>> exact = descend(lambda x, y: x * x + y * y, (1.0, 1.0), lambda ps: SGD(ps, lr=0.25), 2)
    >>> exact
    [(1.0, 1.0), (0.5, 0.5), (0.25, 0.25)]
    >>> noisy = descend(lambda x, y: x * x + y * y, (1.0, 1.0), lambda ps: SGD(ps, lr=0.25), 2, noise=0.1)
    >>> noisy == exact, noisy == descend(lambda x, y: x * x + y * y, (1.0, 1.0), lambda ps: SGD(ps, lr=0.25),
    ...                                  2, noise=0.1)
    (False, True)
    """
    as_int(steps, "steps", minimum=0)
    if isinstance(noise, bool) or not isinstance(noise, (int, float)) or not 0.0 <= noise < math.inf:
        raise ValueError(f"noise must be a standard deviation >= 0, got {noise!r}")
    rng = random.Random(seed)
    px, py = Value(float(start[0]), label="x"), Value(float(start[1]), label="y")
    opt = optimizer([px, py])
    path = [(px.data, py.data)]
    for step in range(steps):
        if schedule is not None:
            opt.lr = schedule(step)
        opt.zero_grad()
        loss = f(px, py)
        loss.backward()
        if noise:
            px.grad += rng.gauss(0.0, noise)
            py.grad += rng.gauss(0.0, noise)
        opt.step()
        path.append((px.data, py.data))
    return path


@dataclass(frozen=True)
class _DescentFrom:
    """:func:`descend` from one start (a sweep task ``{"x": x, "y": y}``)."""

    f: Function2
    optimizer: Callable[[list[Value]], Any]
    steps: int
    schedule: Callable[[int], float] | None

    def __call__(self, x: float, y: float) -> list[Point]:
        return descend(self.f, (x, y), self.optimizer, self.steps, self.schedule)


def random_restarts(f: Function2, xlim: Limits, ylim: Limits, optimizer: Callable[[list[Value]], Any], *,
                    n: int = 8, steps: int = 50, seed: int = 0, schedule: Callable[[int], float] | None = None,
                    n_jobs: int | None = 1) -> list[list[Point]]:
    """:func:`descend` from ``n`` starts drawn uniformly in the box by ``random.Random(seed)``:
    the paths, in the order the starts were drawn. The descents are independent, so ``n_jobs``
    runs them on other cores or a cluster (:func:`autograd_core.helpers.sweep.sweep`) with the same result.

    >>> from nn.optim import SGD
    >>> paths = random_restarts(lambda x, y: x * x + y * y, (-1, 1), (-1, 1), lambda ps: SGD(ps, lr=0.25),
    ...                         n=3, steps=40)
    >>> [len(path) for path in paths], all(abs(x) + abs(y) < 1e-9 for x, y in (p[-1] for p in paths))
    ([41, 41, 41], True)
    """
    (x0, x1), (y0, y1) = _check_limits(xlim, "xlim"), _check_limits(ylim, "ylim")
    rng = random.Random(seed)
    starts = [{"x": rng.uniform(x0, x1), "y": rng.uniform(y0, y1)} for _ in range(as_int(n, "n", minimum=1))]
    return sweep(_DescentFrom(f, optimizer, as_int(steps, "steps", minimum=0), schedule), starts, n_jobs=n_jobs,
                 description="restarts")


# --- slices of a network's loss (Li et al., 2018) -------------------------------------------------

def neuron_filters(model: Any) -> list[list[Value]]:
    """Each neuron's incoming weights: the "filters" of an MLP in Li et al.'s normalisation.

    Reads ``model.named_parameters()``, which lists parameters neuron by neuron, weights
    then bias (the nn contract): each bias (a name whose last dotted part starts with
    ``b``) closes one neuron's group of weights.

    >>> from nn import MLP
    >>> [len(f) for f in neuron_filters(MLP(3, [2, 1]))]
    [3, 3, 2]
    """
    named = getattr(model, "named_parameters", None)
    if not callable(named):
        raise TypeError(f"cannot find neurons in a {type(model).__name__}: give it named_parameters() "
                        "or pass the filters (lists of weight Values) yourself")
    filters: list[list[Value]] = []
    current: list[Value] = []
    for name, parameter in named():
        if name.rsplit(".", 1)[-1].startswith("b"):
            if current:
                filters.append(current)
            current = []
        else:
            current.append(parameter)
    if current:
        filters.append(current)
    return filters


def filter_normalised_direction(filters: Sequence[Sequence[Value]], rng: random.Random) -> list[list[float]]:
    """A random Gaussian direction rescaled filter by filter to the norm of that filter's weights.

    Li et al. (2018) normalise each filter d_i of the direction to ||d_i|| = ||θ_i|| so
    that the picture does not depend on the scale of the weights (a neuron's weights can
    be scaled without changing what a ReLU net computes). For an MLP a filter is one
    neuron's incoming weights; biases are not moved (Li et al.'s default).
    """
    direction = []
    for filt in filters:
        d = [rng.gauss(0.0, 1.0) for _ in filt]
        norm_d = math.sqrt(sum(v * v for v in d))
        norm_w = math.sqrt(sum(p.data * p.data for p in filt))
        direction.append([v * norm_w / norm_d if norm_d > 0 else 0.0 for v in d])
    return direction


class _Plane:
    """The points θ + α·d1 + β·d2 of a slice, as one list of parameter values per point."""

    def __init__(self, origin: list[float], d1: list[float], d2: list[float]) -> None:
        self.origin, self.d1, self.d2 = origin, d1, d2

    def at(self, alpha: float, beta: float) -> list[float]:
        return [o + alpha * u + beta * v for o, u, v in zip(self.origin, self.d1, self.d2, strict=True)]


def _loss_value(out: Any) -> float:
    return float(out.data if isinstance(out, Value) else out)


@dataclass(frozen=True)
class _EagerRow:
    """One row of a slice with the eager engine: set the weights, call ``loss()`` (the reference)."""

    loss: Callable[[], Any]
    params: list[Value]
    plane: _Plane
    alphas: list[float]

    def point(self, alpha: float, beta: float) -> float:
        for p, value in zip(self.params, self.plane.at(alpha, beta), strict=True):
            p.data = value
        with no_grad():
            return _loss_value(self.loss())

    def __call__(self, beta: float) -> list[float]:
        """The row at ``beta`` (a sweep task ``{"beta": beta}``, so errors name it)."""
        return [self.point(alpha, beta) for alpha in self.alphas]


@dataclass(frozen=True)
class _CompiledRow:
    """One row of a slice with the traced loss's generated forward; None where it fails (that
    point is then evaluated eagerly, which gives the engine's own value or error)."""

    forward: Any  # a CompiledForward: it pickles as its source
    plane: _Plane
    alphas: list[float]

    def __call__(self, beta: float) -> list[float | None]:
        row: list[float | None] = []
        for alpha in self.alphas:
            try:
                row.append(self.forward(at=self.plane.at(alpha, beta)))
            except (ArithmeticError, ValueError, TypeError):
                row.append(None)
        return row


def _traced_forward(eager: _EagerRow) -> Any:
    """The loss's generated forward (a CompiledForward), or None when the eager loop must be used:
    the loss cannot be traced (it returns a plain number, raises, or uses an op the compiler
    cannot write), or it branches on the weights (its compiled and eager values differ at a
    corner of the grid; a trace freezes ``if`` on ``.data`` at the centre's branch)."""
    import autograd_core

    try:
        with warnings.catch_warnings():  # a loss that branches on the weights is caught below
            warnings.simplefilter("ignore", autograd_core.FrozenReadWarning)
            step = autograd_core.compile(eager.loss, [], eager.params, backward=False)
    except (TypeError, ValueError, ArithmeticError, RecursionError):
        return None
    forward = step.forward_only()
    corners = [(eager.alphas[0], eager.alphas[0]), (eager.alphas[-1], eager.alphas[0]),
               (eager.alphas[0], eager.alphas[-1]), (eager.alphas[-1], eager.alphas[-1])]
    for alpha, beta in corners:
        try:
            compiled = forward(at=eager.plane.at(alpha, beta))
        except (ArithmeticError, ValueError, TypeError):
            compiled = None
        try:
            same = compiled == eager.point(alpha, beta)
        except (ArithmeticError, ValueError, TypeError):
            same = False  # the eager error is raised by the eager loop, with its own message
        if not same:
            return None
    return forward


def loss_slice(loss: Callable[[], Value | float], filters: Sequence[Sequence[Value]], *, span: float = 1.0,
               n: int = 25, seed: int = 0, n_jobs: int | None = 1) -> tuple[list, list, list]:
    """The loss on the plane θ + α·d1 + β·d2 through the current weights θ, for α, β in [-span, span].

    ``loss()`` computes the loss from the parameters' current ``data``; ``d1`` and ``d2``
    are two :func:`filter_normalised_direction` draws from ``random.Random(seed)``.
    Returns ``(alphas, betas, Z)`` with ``Z[i][j]`` at ``(alphas[j], betas[i])``; the
    parameters are restored afterwards, even if ``loss`` raises.

    The loss is traced once with :func:`autograd_core.compile` and the generated forward is
    run at every point (the same floats as the eager engine, ~20 times faster); it falls back
    to the eager loop when the loss cannot be traced or branches on the weights (checked at
    the grid's corners), and evaluates eagerly any point where the generated code fails.
    ``n_jobs`` spreads the rows over processes with :func:`autograd_core.helpers.sweep.sweep` (joblib's
    meaning: -1 for every core, or a Dask/Ray cluster inside ``joblib.parallel_backend``); the
    numbers are the same whatever ``n_jobs``.

    >>> w = [Value(1.0), Value(-1.0)]
    >>> alphas, betas, Z = loss_slice(lambda: w[0] * w[0] + w[1] * w[1], [w], n=3)
    >>> alphas, Z[1][1]
    ([-1.0, 0.0, 1.0], 2.0)
    """
    if not filters or not all(filters):
        raise ValueError("loss_slice needs at least one non-empty filter of parameters")
    rng = random.Random(seed)
    d1 = filter_normalised_direction(filters, rng)
    d2 = filter_normalised_direction(filters, rng)
    params = [p for filt in filters for p in filt]
    origin = [p.data for p in params]
    plane = _Plane(origin, [v for filt in d1 for v in filt], [v for filt in d2 for v in filt])
    alphas = _linspace(-span, span, n)
    eager = _EagerRow(loss, params, plane, alphas)
    tasks = [{"beta": beta} for beta in alphas]
    try:
        forward = _traced_forward(eager)
        if forward is None:
            rows = sweep(eager, tasks, n_jobs=n_jobs, description="loss slice (eager)")
        else:
            rows = sweep(_CompiledRow(forward, plane, alphas), tasks, n_jobs=n_jobs, description="loss slice")
            rows = [[eager.point(alpha, beta) if z is None else z for alpha, z in zip(alphas, row, strict=True)]
                    for beta, row in zip(alphas, rows, strict=True)]
    finally:
        for p, o in zip(params, origin, strict=True):
            p.data = o
    return alphas, list(alphas), rows


# --- drawing ---------------------------------------------------------------------------------------

PATH_COLOURS = ("#d9480f", "#1971c2", "#2f9e44", "#9c36b5", "#f59f00", "#0c8599", "#c2255c")
"""Colours of optimizer paths, in order; any two differ clearly (the schedules picture uses six)."""
_KIND_MARKERS = {"minimum": ("o", "#2f9e44"), "maximum": ("^", "#e03131"),
                 "saddle": ("X", "#1971c2"), "degenerate": ("s", "#868e96")}


CONTOUR_LINE_WIDTH = 0.7
CONTOUR_LINE_ALPHA = 0.75
"""The white lines between contour levels: wide and opaque enough to see on every colour."""


def _levels(Z: list, n_levels: int, log: bool) -> Any:
    import numpy as np

    values = np.asarray(Z, dtype=float)
    finite = values[np.isfinite(values)]
    lo, hi = float(finite.min()), float(finite.max())
    if not log or hi <= lo:
        return n_levels
    # A bowl shows its floor when the levels' heights above the lowest value grow geometrically,
    # from 1/300 of the range: nested rings down to the minimum instead of one flat dark patch.
    return lo + (hi - lo) * np.concatenate([[0.0], np.logspace(-2.5, 0.0, n_levels - 1)])


def plot_contour(f: Function2, xlim: Limits, ylim: Limits, *, ax: Any = None, n: int = 80, levels: int = 25,
                 log_levels: bool = False, arrows: int = 13, paths: Mapping[str, Sequence[Point]] | None = None,
                 critical: bool | Iterable[CriticalPoint] = False, title: str | None = None,
                 colorbar: bool = True, legend: bool = True) -> Any:
    """Filled contours of ``f``, ``arrows``×``arrows`` arrows of ``-grad f``, optimizer ``paths``
    (name -> points) and ``critical`` points (True to find them with :func:`critical_points`),
    with a colour bar of ``f`` unless ``colorbar=False`` (small multiples), and a legend of the
    paths and points unless ``legend=False``.

    Draws on ``ax`` when given, else on a new :func:`new_figure`; returns the Figure
    drawn on (``figure.axes`` holds the Axes), which Jupyter shows inline.
    """
    if ax is None:
        ax = new_figure().add_subplot()
    xs, ys, Z = evaluate_grid(f, xlim, ylim, n)
    filled = ax.contourf(xs, ys, Z, levels=_levels(Z, levels, log_levels), cmap="viridis", alpha=0.9)
    ax.contour(xs, ys, Z, levels=filled.levels, colors="white", linewidths=CONTOUR_LINE_WIDTH,
               alpha=CONTOUR_LINE_ALPHA)
    if colorbar:
        nice_colorbar(ax.figure.colorbar(filled, ax=ax, shrink=0.85, label="f"), log=log_levels)
    if arrows:
        X, Y, U, V = gradient_field(f, xlim, ylim, arrows)
        lengths = [math.hypot(u, v) or 1.0 for u, v in zip(U, V, strict=True)]
        # Unit arrows show the direction everywhere; steep regions would otherwise drown the rest.
        ax.quiver(X, Y, [u / s for u, s in zip(U, lengths, strict=True)],
                  [v / s for v, s in zip(V, lengths, strict=True)],
                  color="white", alpha=0.75, angles="xy", pivot="mid", width=0.003)
    for (name, path), colour in zip((paths or {}).items(), _cycle(PATH_COLOURS), strict=False):
        draw_path(ax, path, name, colour)
    if critical is True:
        critical = critical_points(f, xlim, ylim, starts=5)
    _draw_critical(ax, critical or [])
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    if title:
        ax.set_title(title)
    if legend and (paths or critical):
        ax.legend(loc="upper right", fontsize="small", framealpha=0.85)
    return ax.figure


def _cycle(items: Sequence) -> Iterable:
    while True:
        yield from items


def draw_path(ax: Any, path: Sequence[Point], name: str | None, colour: str, *, linewidth: float = 1.6,
              alpha: float = 1.0, points: bool = True, zorder: float = 3) -> None:
    """One optimizer path on a 2-D Axes: a line through its points (dots at each step when
    ``points``), a circle at the start and a star at the end. ``name`` labels it in the legend.

    Draw a busy path (stochastic descent) thin, translucent and at a lower ``zorder``
    so that the paths drawn over it stay visible.
    """
    xs, ys = [p[0] for p in path], [p[1] for p in path]
    ax.plot(xs, ys, "-", color=colour, linewidth=linewidth, alpha=alpha, label=name, zorder=zorder,
            marker="." if points else None, markersize=4)
    ax.plot(xs[:1], ys[:1], "o", color=colour, markeredgecolor="white", markersize=7, zorder=zorder + 0.5)
    ax.plot(xs[-1:], ys[-1:], "*", color=colour, markeredgecolor="white", markersize=12, zorder=zorder + 0.5)


def box_around(paths: Sequence[Sequence[Point]], xlim: Limits, ylim: Limits,
               margin: float = 0.06) -> tuple[Limits, Limits]:
    """The smallest box holding ``xlim`` × ``ylim`` and every point of ``paths``, plus a margin,
    so that no step of a path leaves the axes.

    >>> box_around([[(0.0, 0.0), (3.0, -2.0)]], (-1.0, 1.0), (-1.0, 1.0), margin=0.0)
    ((-1.0, 3.0), (-2.0, 1.0))
    """
    xs = [p[0] for path in paths for p in path] + list(xlim)
    ys = [p[1] for path in paths for p in path] + list(ylim)
    (x0, x1), (y0, y1) = (min(xs), max(xs)), (min(ys), max(ys))
    dx, dy = (x1 - x0) * margin, (y1 - y0) * margin
    return (x0 - dx, x1 + dx), (y0 - dy, y1 + dy)


def plot_path_panels(f: Function2, paths: Mapping[str, Sequence[Point]], xlim: Limits, ylim: Limits, *,
                     axes: Sequence[Any] | None = None, critical: bool | Iterable[CriticalPoint] = True,
                     n: int = 60, levels: int = 30, log_levels: bool = True) -> Any:
    """Paths that would hide one another on one map, each on a panel of its own (small
    multiples): the same contours and limits on every panel, the panel's path in its colour
    of :data:`PATH_COLOURS` (the order of ``paths``, so loss curves drawn in that order match),
    titled with its name in that colour, and the ``critical`` points marked (True: found by
    :func:`critical_points`). Draws on ``axes`` (one per path) or on a new figure with a row
    of panels; returns the Figure.
    """
    names = list(paths)
    if axes is None:
        figure = new_figure(3.2 * len(names), 3.4)
        axes = [figure.add_subplot(1, len(names), k + 1) for k in range(len(names))]
    if len(axes) != len(names):
        raise ValueError(f"plot_path_panels needs one Axes per path: {len(names)} paths, {len(axes)} Axes")
    if critical is True:
        critical = critical_points(f, xlim, ylim, starts=5)
    critical = list(critical or [])
    for ax, name, colour in zip(axes, names, _cycle(PATH_COLOURS), strict=False):
        plot_contour(f, xlim, ylim, ax=ax, n=n, levels=levels, log_levels=log_levels, arrows=0, colorbar=False)
        draw_path(ax, paths[name], name, colour, linewidth=1.8, zorder=4)
        _draw_critical(ax, critical, annotate=False)
        ax.set_xlim(*xlim)
        ax.set_ylim(*ylim)
        ax.set_title(name, color=colour, fontsize="medium", fontweight="bold")
    return axes[0].figure


def nice_ticks(lo: float, hi: float, log: bool = False) -> list[float]:
    """Round tick values inside [lo, hi]: 1, 2 and 5 times powers of ten when ``log`` (for
    values spread over decades), else matplotlib's round steps (0, 5, 10, ...).

    >>> nice_ticks(0.09, 28.9, log=True)
    [0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0]
    >>> nice_ticks(-4.2, -1.05)
    [-4.0, -3.5, -3.0, -2.5, -2.0, -1.5]
    """
    if log and hi > 0:
        ticks = []
        for exponent in range(math.floor(math.log10(max(lo, hi * 1e-6))) - 1, math.ceil(math.log10(hi)) + 1):
            ticks += [float(f"{m * 10.0 ** exponent:.12g}") for m in (1, 2, 5)]
        inside = ([0.0] if lo <= 0.0 else []) + [t for t in ticks if lo <= t <= hi]
        if len(inside) >= 3:
            return inside
    require_matplotlib()
    from matplotlib.ticker import MaxNLocator

    values = MaxNLocator(nbins=7, steps=[1, 2, 2.5, 5, 10]).tick_values(lo, hi)
    return [float(f"{v:.12g}") + 0.0 for v in values if lo - 1e-12 * (hi - lo) <= v <= hi + 1e-12 * (hi - lo)]


def nice_colorbar(colorbar: Any, log: bool = False) -> Any:
    """Put :func:`nice_ticks` on a contour plot's colour bar (it would label the contour
    levels, odd numbers such as 0.09, 1.16, 2.58) and write them plainly; returns it."""
    import numpy as np

    lo, hi = colorbar.mappable.get_clim()
    ticks = nice_ticks(lo, hi, log)
    levels = getattr(colorbar.mappable, "levels", None)
    if levels is not None and len(levels) > 1:
        # Contour levels are drawn evenly spaced on the bar, however uneven their values:
        # keep only ticks at least 5 % of the bar apart, from the top down.
        where = np.interp(ticks, levels, np.linspace(0.0, 1.0, len(levels)))
        kept: list[float] = []
        for tick, position in sorted(zip(ticks, where, strict=True), key=lambda pair: -pair[1]):
            if not kept or min(abs(position - np.interp(k, levels, np.linspace(0.0, 1.0, len(levels))))
                               for k in kept) >= 0.05:
                kept.append(tick)
        ticks = sorted(kept)
    colorbar.set_ticks(ticks)
    colorbar.set_ticklabels([f"{t:g}" for t in ticks])
    return colorbar


def _draw_critical(ax: Any, points: Iterable[CriticalPoint], annotate: bool = True) -> None:
    seen = set()
    for point in points:
        marker, colour = _KIND_MARKERS[point.kind]
        label = point.kind if point.kind not in seen else None
        seen.add(point.kind)
        # Above the paths: a path ending in the minimum must not hide the mark.
        ax.plot([point.x], [point.y], marker, color=colour, markeredgecolor="black", markersize=10,
                linestyle="none", label=label, zorder=8)
        if annotate:
            ax.annotate(f"f={point.value:.3g}", (point.x, point.y), xytext=(6, -14), textcoords="offset points",
                        fontsize="small", color="white", zorder=8)


def plot_surface(f: Function2, xlim: Limits, ylim: Limits, *, ax: Any = None, n: int = 50,
                 paths: Mapping[str, Sequence[Point]] | None = None, title: str | None = None) -> Any:
    """A 3-D surface of ``f`` with optimizer ``paths`` drawn on it, on ``ax`` (a 3-D Axes)
    or a new figure; returns the Figure drawn on, as :func:`plot_contour` does."""
    import numpy as np

    if ax is None:
        ax = new_figure().add_subplot(projection="3d")
    xs, ys, Z = evaluate_grid(f, xlim, ylim, n)
    X, Y = np.meshgrid(xs, ys)
    ax.plot_surface(X, Y, np.asarray(Z), cmap="viridis", linewidth=0, antialiased=True, alpha=0.85)
    # Draw the paths after the surface: mplot3d sorts whole artists by depth, which would
    # hide a path lying on the surface behind it.
    ax.computed_zorder = False
    for (name, path), colour in zip((paths or {}).items(), _cycle(PATH_COLOURS), strict=False):
        # 3-D axes do not clip lines to the box: draw only the stretches of the path inside it.
        for number, run in enumerate(_inside_runs(path, xlim, ylim)):
            xs, ys, zs = surface_path(f, run)
            ax.plot(xs, ys, zs, color=colour, linewidth=2, label=name if number == 0 else None, zorder=10)
            if run[-1] == tuple(path[-1]):  # the path's real end, not where it leaves the box
                ax.plot(xs[-1:], ys[-1:], zs[-1:], "*", color=colour, markeredgecolor="white", markersize=11,
                        zorder=11)
    _tidy_3d(ax, "x", "y", "f")
    if title:
        ax.set_title(title)
    if paths:
        ax.legend(loc="upper left", fontsize="small")
    return ax.figure


def surface_path(f: Function2, path: Sequence[Point], per_step: int = 8) -> tuple[list, list, list]:
    """``(xs, ys, zs)`` of a path laid on the surface z = f(x, y): each step is cut into
    ``per_step`` pieces with z evaluated at every cut, so that the drawn line follows the
    surface instead of cutting the chords between the steps' points (a chord of a bowl
    runs above it: the path would float).

    >>> xs, ys, zs = surface_path(lambda x, y: x * x + y * y, [(-1.0, 0.0), (1.0, 0.0)], per_step=2)
    >>> xs, zs
    ([-1.0, 0.0, 1.0], [1.0, 0.0, 1.0])
    """
    as_int(per_step, "per_step", minimum=1)
    xs, ys = [path[0][0]], [path[0][1]]
    for (x0, y0), (x1, y1) in zip(path, path[1:], strict=False):
        for k in range(1, per_step):
            xs.append(x0 + (x1 - x0) * k / per_step)
            ys.append(y0 + (y1 - y0) * k / per_step)
        xs.append(x1)  # the step's own point, exactly
        ys.append(y1)
    return xs, ys, [value_at(f, x, y) for x, y in zip(xs, ys, strict=True)]


def _tidy_3d(ax: Any, xlabel: str, ylabel: str, zlabel: str) -> None:
    """Few ticks and padded labels, so a small 3-D panel's numbers do not collide."""
    from matplotlib.ticker import MaxNLocator

    for axis in (ax.xaxis, ax.yaxis, ax.zaxis):
        axis.set_major_locator(MaxNLocator(5))
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_zlabel(zlabel, labelpad=6)
    ax.set_box_aspect(None, zoom=0.88)  # leaves room for the z label inside the panel


def _inside_runs(path: Sequence[Point], xlim: Limits, ylim: Limits) -> list[list[Point]]:
    """The stretches of ``path`` that stay inside the box, in order."""
    (x0, x1), (y0, y1) = xlim, ylim
    runs: list[list[Point]] = [[]]
    for x, y in path:
        if x0 <= x <= x1 and y0 <= y <= y1:
            runs[-1].append((x, y))
        elif runs[-1]:
            runs.append([])
    return [run for run in runs if run]


def plot_slice(alphas: Sequence[float], betas: Sequence[float], Z: Sequence[Sequence[float]], *,
               figure: Any = None, title: str = "loss along two filter-normalised directions",
               centre: str = "weights θ", log: bool = False) -> Any:
    """A :func:`loss_slice` as contours (left) and a surface (right); returns the Figure.

    ``log=True`` draws log10(loss + c) with c = 1/1000 of the largest loss: that shows
    the shape of a loss spanning several orders of magnitude, without the spikes a grid
    makes where it happens to pass very close to a zero-loss valley. (Adding c keeps the
    picture smooth; clipping at a floor instead would draw a flat band with staircase
    edges along the valley.)
    """
    import numpy as np

    zname = "log10(loss + c)" if log else "loss"
    if log:
        values = np.asarray(Z, dtype=float)
        Z = np.log10(values + 1e-3 * np.nanmax(values) + np.finfo(float).tiny)

    figure = figure or new_figure(11, 4.6)
    left = figure.add_subplot(1, 2, 1)
    filled = left.contourf(alphas, betas, Z, levels=25, cmap="viridis")
    left.contour(alphas, betas, Z, levels=filled.levels, colors="white", linewidths=0.3, alpha=0.5)
    left.plot([0], [0], "*", color="#d9480f", markeredgecolor="white", markersize=14, label=centre)
    left.legend(loc="upper right", fontsize="small")
    nice_colorbar(figure.colorbar(filled, ax=left, shrink=0.85, label=zname))
    left.set_xlabel("α (direction 1)")
    left.set_ylabel("β (direction 2)")
    right = figure.add_subplot(1, 2, 2, projection="3d")
    A, B = np.meshgrid(alphas, betas)
    right.plot_surface(A, B, np.asarray(Z), cmap="viridis", linewidth=0, alpha=0.9)
    _tidy_3d(right, "α", "β", zname)
    figure.suptitle(title)
    return figure
