"""viz.landscape and the gallery: critical points against known answers, descending paths, files via Agg."""

from __future__ import annotations

import math
import random
import sys

import pytest

pytest.importorskip("matplotlib")
import matplotlib  # noqa: E402

matplotlib.use("Agg")  # no display in tests; the module itself never touches pyplot

import numpy as np  # noqa: E402  (matplotlib's dependency, used here as an independent truth)

from autograd_core import Value  # noqa: E402
from autograd_core_cli import gallery  # noqa: E402
from viz import landscape as ls  # noqa: E402

# --- critical points -----------------------------------------------------------------------------


@pytest.mark.parametrize("f, kind, eigenvalues", [
    (lambda x, y: x * x + y * y, "minimum", (2.0, 2.0)),
    (lambda x, y: x * x - y * y, "saddle", (-2.0, 2.0)),
    (lambda x, y: -(x * x + y * y), "maximum", (-2.0, -2.0)),
    (lambda x, y: (x - 0.5) ** 2 + 3 * (y + 0.25) ** 2 + x * y, "minimum", None),
])
def test_single_critical_point_found_and_classified(f, kind, eigenvalues):
    points = ls.critical_points(f, (-2, 2), (-2, 2))
    assert len(points) == 1
    point = points[0]
    assert point.kind == kind
    if eigenvalues is not None:
        assert (point.x, point.y) == (0.0, 0.0)
        assert point.eigenvalues == pytest.approx(eigenvalues)
    else:
        # Solve grad = 0 by hand: 2(x-0.5) + y = 0, 6(y+0.25) + x = 0.
        x, y = np.linalg.solve([[2.0, 1.0], [1.0, 6.0]], [1.0, -1.5])
        assert (point.x, point.y) == pytest.approx((x, y), abs=1e-9)
        assert point.eigenvalues == pytest.approx(tuple(np.linalg.eigvalsh([[2.0, 1.0], [1.0, 6.0]])))


def test_monkey_saddle_is_degenerate_and_himmelblau_has_nine_points():
    (point,) = ls.critical_points(lambda x, y: x ** 3 - 3 * x * y * y + 0.0, (-1, 1), (-1, 1), starts=4)
    assert point.kind == "degenerate"  # zero Hessian: the second-derivative test says nothing
    assert (point.x, point.y) == (0.0, 0.0)
    (flat,) = ls.critical_points(lambda x, y: x * x + y ** 4, (-1, 1), (-1, 1))
    assert (flat.x, flat.y, flat.kind) == (0.0, 0.0, "degenerate")
    assert ls.classify([[2.0, 0.0], [0.0, 0.0]]) == ("degenerate", (0.0, 2.0))

    def himmelblau(x, y):
        return (x * x + y - 11) ** 2 + (x + y * y - 7) ** 2

    points = ls.critical_points(himmelblau, (-5, 5), (-5, 5), starts=12)
    kinds = [p.kind for p in points]
    # Published: 4 minima (f = 0), 1 maximum at (-0.270845, -0.923039), 4 saddles.
    assert (kinds.count("minimum"), kinds.count("maximum"), kinds.count("saddle")) == (4, 1, 4)
    assert all(p.value == pytest.approx(0.0, abs=1e-12) for p in points if p.kind == "minimum")
    (peak,) = [p for p in points if p.kind == "maximum"]
    assert (peak.x, peak.y) == pytest.approx((-0.270845, -0.923039), abs=1e-6)


@pytest.mark.parametrize("seed", range(20))
def test_classify_matches_numpy_eigenvalues(seed):
    rng = random.Random(seed)
    a, b, d = (rng.uniform(-3, 3) for _ in range(3))
    kind, (low, high) = ls.classify([[a, b], [b, d]])
    expected = np.linalg.eigvalsh([[a, b], [b, d]])
    assert (low, high) == pytest.approx(tuple(expected), abs=1e-12)
    signs = (expected[0] > 0, expected[1] > 0)
    assert kind == {(True, True): "minimum", (False, False): "maximum"}.get(signs, "saddle")


def test_two_minima_are_where_the_cubic_says():
    # grad_x = 4x^3 - 4x + 0.3 = 0, grad_y = 2y = 0: three real roots, by numpy.
    roots = sorted(r.real for r in np.roots([4.0, 0.0, -4.0, 0.3]))
    points = ls.critical_points(gallery.two_minima, (-2, 2), (-1.5, 1.5))
    assert [p.kind for p in points] == ["minimum", "saddle", "minimum"]
    assert [p.x for p in points] == pytest.approx(roots, abs=1e-9)
    assert all(p.y == 0.0 for p in points)


# --- gradients and paths ------------------------------------------------------------------------------

def test_gradient_field_is_minus_the_closed_form_gradient():
    X, Y, U, V = ls.gradient_field(lambda x, y: x * x * y + y.exp(), (-1, 1), (-1, 2), n=4)
    for x, y, u, v in zip(X, Y, U, V, strict=True):
        assert (u, v) == pytest.approx((-2 * x * y, -(x * x + math.exp(y))), rel=1e-12)


def sgd(lr):
    from nn.optim import SGD

    return lambda params: SGD(params, lr=lr)


def test_gradient_descent_on_the_mse_bowl_descends_to_least_squares():
    data = gallery.regression_data()
    f = gallery.regression_mse(data)
    path = ls.descend(f, (-0.5, 4.0), sgd(0.5), 400)
    losses = [ls.value_at(f, w, b) for w, b in path]
    assert all(later <= earlier + 1e-12 for earlier, later in zip(losses, losses[1:], strict=False))
    areas = [x[0] for x, _ in data]
    prices = [t for _, t in data]
    slope, intercept = np.polyfit(areas, prices, 1)
    assert path[-1] == pytest.approx((slope, intercept), abs=1e-4)
    (minimum,) = ls.critical_points(f, (-1, 5), (-1, 5), starts=3)
    assert (minimum.kind, minimum.x, minimum.y) == ("minimum", pytest.approx(slope), pytest.approx(intercept))


def test_descent_from_1_6_ends_in_the_worse_minimum():
    start = gallery.TWO_MINIMA_START
    assert start[0] == 1.6
    path = ls.descend(gallery.two_minima, start, sgd(0.05), 200)
    values = [ls.value_at(gallery.two_minima, x, y) for x, y in path]
    assert values[-1] < values[0]
    left, _, right = ls.critical_points(gallery.two_minima, (-2, 2), (-1.5, 1.5))
    assert path[-1] == pytest.approx((right.x, right.y), abs=1e-6)
    assert right.value > left.value + 0.5  # the deeper minimum is on the other side
    # Also from (1.6, 0) exactly, the starting point.
    assert ls.descend(gallery.two_minima, (1.6, 0.0), sgd(0.05), 200)[-1][0] == pytest.approx(right.x)


def test_too_large_learning_rate_bounces_across_the_valley():
    # valley's curvature across is 4: y_{k+1} = (1 - 4 lr) y_k, so lr 0.46 flips sign with factor -0.84.
    path = ls.descend(gallery.valley, (-4.5, 1.5), sgd(0.46), 10)
    ys = [y for _, y in path]
    assert all(a * b < 0 for a, b in zip(ys, ys[1:], strict=False))
    assert ys[1] == pytest.approx(1.5 * (1 - 4 * 0.46))
    smooth = [y for _, y in ls.descend(gallery.valley, (-4.5, 1.5), sgd(0.1), 10)]
    assert all(y > 0 for y in smooth)


def test_schedules_set_the_learning_rate_each_step():
    seen = []

    class Recorder:
        def __init__(self, params):
            self.params, self.lr = params, None

        def zero_grad(self):
            for p in self.params:
                p.grad = 0.0

        def step(self):
            seen.append(self.lr)
            for p in self.params:
                p.data -= self.lr * p.grad

    path = ls.descend(lambda x, y: x * x + y * y, (1.0, 1.0), Recorder, 3, schedule=lambda k: 0.1 / (k + 1))
    assert seen == [0.1, 0.05, 0.1 / 3]
    assert path[1] == pytest.approx((0.8, 0.8))  # x - 0.1 * 2x


def test_every_schedule_path_descends():
    for name, path in gallery.schedule_paths(40, (-4.5, 1.5)).items():
        assert gallery.valley(*path[-1]) < 0.2 * gallery.valley(*path[0]), name


def test_minibatch_paths_make_the_right_number_of_updates():
    data = gallery.regression_data()
    paths = gallery.minibatch_paths(data, (0.0, 0.0), lr=0.1, epochs=2,
                                    batch_sizes={"batch": 50, "mini": 10, "sgd": 1})
    assert [len(p) - 1 for p in paths.values()] == [2, 10, 100]
    f = gallery.regression_mse(data)
    for name, path in paths.items():
        assert f(*path[-1]) < f(*path[0]), name


# --- loss slices (Li et al.) ---------------------------------------------------------------------------

def test_filter_normalised_directions_match_each_filters_norm():
    filters = [[Value(3.0), Value(4.0)], [Value(0.5)], [Value(0.0), Value(0.0)]]
    direction = ls.filter_normalised_direction(filters, random.Random(1))
    norms = [math.sqrt(sum(v * v for v in d)) for d in direction]
    assert norms == pytest.approx([5.0, 0.5, 0.0])


def test_neuron_filters_of_the_article_network():
    article = pytest.importorskip("nn.article")
    net = article.article_network()
    filters = ls.neuron_filters(net)
    assert [[p.label for p in f] for f in filters] == [
        ["w1", "w2"], ["w3", "w4"], ["w5", "w6"], ["w7", "w8"], ["w9", "w10"]]


def test_loss_slice_is_the_loss_at_the_centre_and_restores_the_weights():
    w = [Value(0.3), Value(-1.2)]
    bias = Value(0.7)

    def loss():
        return (w[0] * 2.0 + w[1] * -1.0 + bias - 1.0) ** 2

    before = [p.data for p in w]
    alphas, betas, Z = ls.loss_slice(loss, [w], span=1.0, n=5, seed=3)
    assert [p.data for p in w] == before
    assert alphas == betas == [-1.0, -0.5, 0.0, 0.5, 1.0]
    assert Z[2][2] == pytest.approx(loss().data)
    # Moving along a direction d changes the loss as the closed form says.
    rng = random.Random(3)
    d1 = ls.filter_normalised_direction([w], rng)[0]
    d2 = ls.filter_normalised_direction([w], rng)[0]
    a, b = alphas[4], betas[0]
    moved = [before[i] + a * d1[i] + b * d2[i] for i in range(2)]
    assert Z[0][4] == pytest.approx((moved[0] * 2.0 - moved[1] + 0.7 - 1.0) ** 2)


def test_loss_slice_restores_weights_even_when_the_loss_fails():
    w = [Value(1.0)]
    with pytest.raises(ValueError):
        ls.loss_slice(lambda: (w[0] - 1.0).log(), [w], n=3)
    assert w[0].data == 1.0


def cie_lab(colour: str) -> tuple[float, float, float]:
    """CIE L*a*b* (D65) of a "#rrggbb" sRGB colour, from the published sRGB and Lab formulas."""
    def linear(c):
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(int(colour[i:i + 2], 16) / 255) for i in (1, 3, 5))
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(t):
        return t ** (1 / 3) if t > 216 / 24389 else (24389 / 27 * t + 16) / 116

    return 116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))


def test_path_colours_are_told_apart():
    # The schedules picture draws six paths at once: no two may look alike (CIE76 ΔE > 20).
    labs = [cie_lab(colour) for colour in ls.PATH_COLOURS]
    closest = min(math.dist(a, b) for i, a in enumerate(labs) for b in labs[i + 1:])
    assert closest > 20


# --- files -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", list(gallery.GALLERY))
def test_gallery_picture_written_with_agg(name, tmp_path):
    if name == "article-slice":
        pytest.importorskip("nn.article")
    target = gallery.draw_gallery_picture(name, tmp_path / f"{name}.png")
    assert target.read_bytes().startswith(b"\x89PNG")
    assert [p.name for p in tmp_path.iterdir()] == [f"{name}.png"]


def test_contour_and_surface_of_any_function_save_as_svg(tmp_path):
    figure = ls.new_figure(8, 4)
    ax = figure.add_subplot(1, 2, 1)
    assert ls.plot_contour(lambda x, y: (x - 1) ** 2 + (y * 2).tanh() ** 2, (-2, 2), (-2, 2),
                           ax=ax, n=20, arrows=5, critical=True) is figure
    ls.plot_surface(lambda x, y: x * y, (-1, 1), (-1, 1), ax=figure.add_subplot(1, 2, 2, projection="3d"), n=10)
    assert ax.get_legend() is not None
    target = ls.save_figure(figure, tmp_path / "f.svg")
    assert b"<svg" in target.read_bytes()[:500]
    with pytest.raises(ValueError, match="cannot save a picture as 'xyz'"):
        ls.save_figure(figure, tmp_path / "f.xyz")


def test_missing_matplotlib_says_to_install_the_plot_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    with pytest.raises(ImportError, match=r"autograd-core\[plot\]"):
        ls.require_matplotlib()
    with pytest.raises(ImportError, match="plot extra"):
        gallery.draw_gallery_picture("saddle", "never.png")
