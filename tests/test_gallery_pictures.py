"""The gallery's pictures show what they claim: checked against closed forms and numpy, not
against the code that drew them."""

from __future__ import annotations

import math

import pytest

np = pytest.importorskip("numpy")
pytest.importorskip("matplotlib")

from autograd_core_cli import gallery  # noqa: E402
from viz import landscape as ls  # noqa: E402


def lines_labelled(ax, prefix: str) -> list:
    return [line for line in ax.get_lines() if str(line.get_label()).startswith(prefix)]


def regression_solution() -> np.ndarray:
    """The least-squares line through the gallery's housing data, by numpy."""
    data = gallery.regression_data()
    A = np.array([[inputs[0], 1.0] for inputs, _ in data])
    prices = np.array([price for _, price in data])
    return np.linalg.lstsq(A, prices, rcond=None)[0]


def regression_hessian() -> np.ndarray:
    areas = np.array([inputs[0] for inputs, _ in gallery.regression_data()])
    return 2.0 * np.array([[np.mean(areas ** 2), np.mean(areas)], [np.mean(areas), 1.0]])


# --- random restarts ----------------------------------------------------------------------------------

def cubic_minima(tilt: float) -> list[float]:
    """The minima of (t² - 1)² + tilt·t: real roots of 4t³ - 4t + tilt with 12t² - 4 > 0."""
    roots = [r.real for r in np.roots([4.0, 0.0, -4.0, tilt]) if abs(r.imag) < 1e-12]
    return sorted(r for r in roots if 12 * r * r - 4 > 0)


def test_restarts_mark_exactly_the_four_minima_and_every_path_ends_in_one():
    # four_minima is separable: its minima are the pairs of the two one-dimensional wells' minima.
    truth = sorted((x, y) for x in cubic_minima(0.3) for y in cubic_minima(0.2))
    figure = gallery.draw_restarts()
    (ax,) = [a for a in figure.axes if a.get_title().startswith("16 random restarts")]
    marked = sorted((line.get_xdata()[0], line.get_ydata()[0]) for line in lines_labelled(ax, "minimum"))
    assert len(marked) == 4
    for (mx, my), (tx, ty) in zip(marked, truth, strict=True):
        assert mx == pytest.approx(tx, abs=1e-9) and my == pytest.approx(ty, abs=1e-9)
    reached = set()
    for path in gallery.restart_paths():
        end = path[-1]
        distances = [math.dist(end, point) for point in truth]
        assert min(distances) < 1e-3  # 120 steps at lr 0.05 settle in a well
        reached.add(distances.index(min(distances)))
    assert len(reached) == 4
    counts = [int(str(line.get_label()).rsplit(" ", 1)[1]) for line in lines_labelled(ax, "minimum")]
    assert sum(counts) == gallery.RESTARTS


# --- learning rate too small, right, too large ------------------------------------------------------------

def test_the_stability_limit_is_two_over_the_largest_hessian_eigenvalue():
    assert gallery.stability_limit(gallery.regression_data()) == pytest.approx(
        2.0 / np.linalg.eigvalsh(regression_hessian()).max(), rel=1e-12)


def test_each_run_follows_the_closed_form_and_only_the_one_above_the_limit_diverges():
    # On a quadratic, gradient descent scales the error along each Hessian eigenvector v_i by
    # (1 - lr·λ_i) per step, exactly: it diverges iff |1 - lr·λ_max| > 1, i.e. lr > 2/λ_max.
    eigenvalues, eigenvectors = np.linalg.eigh(regression_hessian())
    limit = 2.0 / eigenvalues.max()
    best = regression_solution()
    paths = gallery.learning_rate_paths()
    for name, lr in gallery.LEARNING_RATES.items():
        errors = np.array(paths[name]) - best
        along = errors @ eigenvectors  # error components on the eigenvectors, step by step
        steps = np.arange(len(errors))[:, None]
        assert along == pytest.approx(along[0] * (1 - lr * eigenvalues) ** steps, rel=1e-6, abs=1e-9)
        growth = abs(1 - lr * eigenvalues.max())
        assert (growth > 1) == (name == "too large") == (lr > limit)
    right = paths["about right"][-1]
    assert math.dist(right, best) < 0.1
    assert math.dist(paths["too small"][-1], best) > 10 * math.dist(right, best)
    assert math.dist(paths["too large"][-1], best) > math.dist(paths["too large"][0], best)


# --- SWA ------------------------------------------------------------------------------------------------------

def test_swa_average_is_the_mean_of_the_epoch_end_snapshots_and_beats_the_last_iterate():
    history, model = gallery.swa_run()
    n = len(gallery.regression_data())
    snapshots = np.array([history.trajectory[(e + 1) * n] for e in range(gallery.SWA_START, gallery.SWA_EPOCHS)])
    averaged = np.array([p.data for p in model.parameters()])
    assert averaged == pytest.approx(snapshots.mean(axis=0), abs=1e-12)
    best = regression_solution()
    assert np.hypot(*(averaged - best)) < 0.5 * np.hypot(*(np.array(history.trajectory[-1]) - best))


# --- optimizers ---------------------------------------------------------------------------------------------

def test_optimizer_comparison_runs_all_five_and_marks_the_minimum_at_one_one():
    figure = gallery.draw_optimizers()
    ax = figure.axes[0]
    names = [str(line.get_label()) for line in ax.get_lines() if not str(line.get_label()).startswith("_")]
    for optimizer in ("SGD,", "momentum", "Nesterov", "RMSProp", "Adam"):
        assert any(name.startswith(optimizer) for name in names)
    (minimum,) = lines_labelled(ax, "minimum")
    assert (minimum.get_xdata()[0], minimum.get_ydata()[0]) == pytest.approx((1.0, 1.0), abs=1e-9)


# --- schedules ---------------------------------------------------------------------------------------------

def test_each_schedule_path_has_its_own_panel_and_its_distance_curve():
    figure = gallery.draw_schedules()
    axes = [ax for subfigure in figure.subfigs for ax in subfigure.axes]
    paths = gallery.schedule_paths(gallery.SCHEDULE_STEPS, gallery.SCHEDULE_START)
    (distances,) = [ax for ax in axes if "distance" in ax.get_ylabel()]
    for line, path in zip(distances.get_lines(), paths.values(), strict=True):
        assert list(line.get_ydata()) == pytest.approx([math.hypot(*p) for p in path], rel=1e-12)
    panels = [ax for ax in axes if ax.get_title().split("\n")[0] in paths]
    assert [ax.get_title().split("\n")[0] for ax in panels] == list(paths)
    for ax in panels:
        ends = [line for line in ax.get_lines() if line.get_marker() == "*"]
        assert len(ends) == 1  # one end marker per panel: none can hide another


# --- the defects the issue listed -------------------------------------------------------------------------

def has_at_most_two_significant_digits(value: float) -> bool:
    return value == 0 or float(f"{value:.2g}") == pytest.approx(value, rel=1e-9)


@pytest.mark.parametrize("name", ["bowl", "article-slice", "restarts"])
def test_colour_bar_ticks_are_round_numbers(name):
    figure = gallery.GALLERY[name].draw()
    colorbars = [ax for ax in figure.axes if ax.get_label() == "<colorbar>"]
    assert colorbars
    for bar in colorbars:
        ticks = list(bar.get_yticks())
        assert len(ticks) >= 3
        assert all(has_at_most_two_significant_digits(t) for t in ticks), ticks  # not 1.16, 2.58...


def test_nice_ticks_are_one_two_five_on_a_log_bar_and_round_steps_otherwise():
    for tick in ls.nice_ticks(0.09, 28.9, log=True):
        assert round(tick / 10 ** math.floor(math.log10(tick)), 9) in (1, 2, 5)
    linear = ls.nice_ticks(-4.2, -1.05)
    steps = {round(b - a, 12) for a, b in zip(linear, linear[1:], strict=False)}
    assert len(steps) == 1 and steps.pop() in (0.5, 1.0)


def test_the_diverging_path_of_large_lr_stays_inside_the_axes():
    ax = gallery.draw_large_lr().axes[0]
    diverging = ls.descend(gallery.valley, (-4.5, 1.5), gallery.gradient_descent(0.52), 8)
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    assert all(x0 <= x <= x1 and y0 <= y <= y1 for x, y in diverging)
    assert max(abs(y) for _, y in diverging) > 2.5  # beyond the old box


def test_the_bowls_descent_path_stays_inside_the_axes():
    figure = gallery.draw_bowl()
    ax = figure.axes[0]
    f = gallery.regression_mse(gallery.regression_data())
    path = ls.descend(f, gallery.BOWL_START, gallery.gradient_descent(0.6), 150)
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    assert all(x0 <= x <= x1 and y0 <= y <= y1 for x, y in path)
    assert min(x for x, _ in path) < -1.0  # the first step does go past the old box, w = -1


def test_a_3d_path_lies_on_the_surface_between_its_steps():
    f = lambda x, y: x * x + y * y  # noqa: E731  (convex: a chord between two steps floats above it)
    path = [(-1.5, 1.0), (1.2, -0.4), (0.3, 0.2)]
    figure = ls.plot_surface(f, (-2, 2), (-2, 2), n=10, paths={"p": path})
    (line,) = [ln for ln in figure.axes[0].get_lines() if ln.get_label() == "p"]
    xs, ys, zs = line.get_data_3d()
    assert (xs[0], ys[0]) == path[0] and (xs[-1], ys[-1]) == path[-1]
    assert all(z == pytest.approx(x * x + y * y) for x, y, z in zip(xs, ys, zs, strict=True))
    # Between drawn vertices the line is straight: its midpoints must be within 1 % of the
    # surface's height range (the old chords between steps missed by up to 1.4 here).
    gaps = [abs((z0 + z1) / 2 - f((x0 + x1) / 2, (y0 + y1) / 2))
            for x0, y0, z0, x1, y1, z1 in zip(xs, ys, zs, xs[1:], ys[1:], zs[1:], strict=False)]
    assert max(gaps) < 0.01 * 8


def test_batches_picture_keeps_the_stochastic_path_underneath():
    figure = gallery.draw_batches()
    ax = figure.axes[0]
    by_name = {str(line.get_label()): line for line in ax.get_lines()}
    stochastic, minibatch, batch = (by_name[name] for name in gallery.BATCH_SIZES)
    assert stochastic.get_zorder() < minibatch.get_zorder() < batch.get_zorder()
    assert stochastic.get_alpha() < 1 and stochastic.get_linewidth() < minibatch.get_linewidth()
