"""The gallery's and the notebooks' pictures show what they claim: checked against closed forms
and numpy, not against the code that drew them, and for what a reader must be able to see (a
legend off the data, one colour per learning rate, a noisy path underneath, a marked minimum).
The notebooks' drawing cells are run here, in this process, as the notebook runs them."""

from __future__ import annotations

import math
from pathlib import Path

import nbformat
import pytest

np = pytest.importorskip("numpy")
pytest.importorskip("matplotlib")

from autograd_core_cli import gallery  # noqa: E402
from viz import landscape as ls  # noqa: E402


def lines_labelled(ax, prefix: str) -> list:
    return [line for line in ax.get_lines() if str(line.get_label()).startswith(prefix)]


def all_inside(ax, points) -> bool:
    (x0, x1), (y0, y1) = sorted(ax.get_xlim()), sorted(ax.get_ylim())
    return all(x0 <= x <= x1 and y0 <= y <= y1 for x, y in points)


def _display_points(ax, line, per_segment: int = 8) -> np.ndarray:
    """The line's vertices and points between them (a segment can cross a box with both ends
    outside it), in display coordinates."""
    xy = np.asarray(line.get_xydata(), dtype=float)
    xy = xy[np.all(np.isfinite(xy), axis=1)]
    if len(xy) > 1:
        t = np.linspace(0.0, 1.0, per_segment, endpoint=False)[None, :, None]
        xy = np.concatenate([(xy[:-1, None, :] * (1 - t) + xy[1:, None, :] * t).reshape(-1, 2), xy[-1:]])
    if ax.get_yscale() == "log":
        xy = xy[xy[:, 1] > 0]
    return ax.transData.transform(xy)


def legend_covers_no_line(ax) -> bool:
    """True when no drawn point of any data line of ``ax`` lies under its legend's box."""
    ax.figure.canvas.draw()
    box = ax.get_legend().get_window_extent()
    for line in ax.get_lines():
        points = _display_points(ax, line)
        inside = ((points[:, 0] >= box.x0) & (points[:, 0] <= box.x1)
                  & (points[:, 1] >= box.y0) & (points[:, 1] <= box.y1))
        if inside.any():
            return False
    return True


def legend_outside_the_axes(ax, axes) -> bool:
    """True when the legend of ``ax`` overlaps none of ``axes``' plotting areas."""
    ax.figure.canvas.draw()
    box = ax.get_legend().get_window_extent()
    return not any(box.overlaps(other.get_window_extent()) for other in axes)


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

def test_optimizer_comparison_gives_each_optimizer_its_own_panel_with_the_minimum_marked():
    figure = gallery.draw_optimizers()
    names = list(gallery.optimizers())
    panels = [ax for ax in figure.axes if ax.get_title() in names]
    assert [ax.get_title() for ax in panels] == names  # five panels: no path can hide another
    (curves,) = [ax for ax in figure.axes if ax.get_title() == "f against step"]
    curve_colours = {str(line.get_label()): line.get_color() for line in curves.get_lines()}
    for ax, name in zip(panels, names, strict=True):
        (path,) = [line for line in ax.get_lines() if line.get_label() == name]
        assert len(path.get_xdata()) == gallery.OPTIMIZER_STEPS + 1
        assert path.get_color() == curve_colours[name] == ax.title.get_color()  # one colour per optimizer
        assert all_inside(ax, path.get_xydata())
        assert len([line for line in ax.get_lines() if line.get_marker() == "*"]) == 1
        (minimum,) = lines_labelled(ax, "minimum")
        assert (minimum.get_xdata()[0], minimum.get_ydata()[0]) == pytest.approx((1.0, 1.0), abs=1e-9)
        assert minimum.get_zorder() > path.get_zorder()  # a path ending there does not hide the mark
    assert legend_covers_no_line(curves)


# --- schedules ---------------------------------------------------------------------------------------------

def test_schedules_are_drawn_on_noisy_gradients_and_the_decaying_ones_end_closer():
    figure = gallery.draw_schedules()
    axes = [ax for subfigure in figure.subfigs for ax in subfigure.axes]
    (distances,) = [ax for ax in axes if "distance" in ax.get_ylabel()]
    curves = {str(line.get_label()): np.array(line.get_ydata()) for line in distances.get_lines()}
    truth = gallery.mean_distances(gallery.SCHEDULE_STEPS, gallery.SCHEDULE_START, gallery.SCHEDULE_RUNS)
    for name, curve in curves.items():
        assert curve == pytest.approx(truth[name], rel=1e-12)
    # What the article teaches: at a constant rate SGD on noisy gradients jitters far from the
    # minimum; a rate that decays ends much closer. Over the last 20 steps, in the mean of 20 runs:
    late = {name: curve[-20:].mean() for name, curve in curves.items()}
    for decaying in ("step decay", "exponential", "cosine"):
        assert late[decaying] < 0.6 * late["constant"], late
    # The same runs on the exact gradient: the constant rate would win, which is why the caption says so.
    exact = gallery.schedule_paths(gallery.SCHEDULE_STEPS, gallery.SCHEDULE_START, noise=0.0)
    assert min(exact, key=lambda name: math.hypot(*exact[name][-1])) == "constant"
    caption = " ".join(text.get_text() for subfigure in figure.subfigs for text in subfigure.texts)
    assert "Schedules are for noisy gradients" in caption and "constant rate" in caption
    # Each schedule's noisy path has a panel of its own with one end marker, every step inside it.
    paths = gallery.schedule_paths(gallery.SCHEDULE_STEPS, gallery.SCHEDULE_START)
    panels = [ax for ax in axes if ax.get_title().split("\n")[0] in paths]
    assert [ax.get_title().split("\n")[0] for ax in panels] == list(paths)
    for ax, path in zip(panels, paths.values(), strict=True):
        ends = [line for line in ax.get_lines() if line.get_marker() == "*"]
        assert len(ends) == 1 and (ends[0].get_xdata()[0], ends[0].get_ydata()[0]) == path[-1]
        assert all_inside(ax, path)
    # The legend sits outside every panel's data.
    assert legend_outside_the_axes(distances, axes)


def test_descend_adds_seeded_gaussian_noise_to_the_gradient():
    # On f = x² + y² with SGD at lr 1/2 the exact step lands on 0; with noise each step is
    # -lr·(noise draw), the seeded generator's draws in order.
    import random

    path = ls.descend(lambda x, y: x * x + y * y, (1.0, -2.0), gallery.gradient_descent(0.5), 3, noise=0.3, seed=7)
    rng = random.Random(7)
    point = (1.0, -2.0)
    for k in range(3):
        gx, gy = 2 * point[0] + rng.gauss(0.0, 0.3), 2 * point[1] + rng.gauss(0.0, 0.3)
        point = (point[0] - 0.5 * gx, point[1] - 0.5 * gy)
        assert path[k + 1] == pytest.approx(point, abs=1e-15)
    with pytest.raises(ValueError, match="noise"):
        ls.descend(lambda x, y: x * x, (0.0, 0.0), gallery.gradient_descent(0.1), 1, noise=-1.0)


# --- learning rates, bowls and contours ----------------------------------------------------------------------

def test_learning_rate_panels_mark_the_minimum_keep_each_path_and_share_one_colour_per_rate():
    figure = gallery.draw_learning_rates()
    best = regression_solution()
    maps = [ax for ax in figure.axes if ax.get_title().startswith("lr ")]
    (losses,) = [ax for ax in figure.axes if ax.get_ylabel() == "MSE"]
    paths = gallery.learning_rate_paths()
    loss_colours = [line.get_color() for line in losses.get_lines()]
    assert len(maps) == 3
    for ax, path, colour in zip(maps, paths.values(), loss_colours, strict=True):
        (minimum,) = [line for line in ax.get_lines() if line.get_marker() == "o" and line.get_markersize() == 10]
        assert (minimum.get_xdata()[0], minimum.get_ydata()[0]) == pytest.approx(tuple(best), abs=1e-9)
        drawn = [line for line in ax.get_lines() if line.get_linestyle() == "-"]
        assert [line.get_color() for line in drawn] == [colour]  # the loss curve's colour
        assert all_inside(ax, path)
    assert legend_covers_no_line(losses)


def test_contour_lines_show_and_the_bowls_floor_has_rings():
    figure = gallery.draw_bowl()
    ax = figure.axes[0]
    lines = [c for c in ax.collections if type(c).__name__ in ("ContourSet", "QuadContourSet")
             and c.get_linewidths() is not None and not c.filled]
    (contour,) = lines
    assert min(contour.get_linewidths()) >= 0.7 and contour.get_alpha() >= 0.7
    # The lowest tenth of the loss's range holds several rings, not one flat patch (the old
    # levels put 2 there): the reader sees where the bowl bottoms out.
    levels = np.asarray(contour.levels)
    assert np.sum(levels < levels[0] + 0.1 * (levels[-1] - levels[0])) >= 12
    (minimum,) = lines_labelled(ax, "minimum")
    assert (minimum.get_xdata()[0], minimum.get_ydata()[0]) == pytest.approx(tuple(regression_solution()), abs=1e-9)


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


# --- the notebooks' pictures ---------------------------------------------------------------------------

ROOT = Path(__file__).resolve().parent.parent
GRADIENT_DESCENT = ROOT / "notebooks" / "02_gradient_descent.ipynb"
LANDSCAPES = ROOT / "notebooks" / "03_landscapes_and_optimizers.ipynb"


def run_cells(path: Path, *markers: str) -> dict:
    """Run the notebook's code cells up to and including the last one containing each of
    ``markers`` in turn (only the cells that hold a marker, and the first cell, the imports),
    in one namespace; returns it."""
    cells = [cell for cell in nbformat.read(path, as_version=4).cells if cell.cell_type == "code"]
    namespace: dict = {}
    chosen = [cells[0]] + [next(cell for cell in cells if marker in cell.source) for marker in markers]
    for cell in chosen:
        exec(compile(cell.source, f"{path.name}", "exec"), namespace)  # noqa: S102 - our own notebook
    return namespace


def least_squares(namespace: dict) -> tuple[float, float]:
    areas, prices = np.array(namespace["areas"]), np.array(namespace["prices"])
    w, b = np.linalg.lstsq(np.stack([areas, np.ones_like(areas)], axis=1), prices, rcond=None)[0]
    return float(w), float(b)


def minimum_marks(ax) -> list:
    return [line for line in ax.get_lines() if str(line.get_label()) == "minimum"
            or (line.get_marker() == "o" and line.get_markersize() == 10)]


@pytest.fixture(scope="module")
def gradient_descent():
    return run_cells(GRADIENT_DESCENT, "def mse(w, b)", "START = (-0.5, 4.0)", "rates = {")


def test_the_bowl_marks_its_minimum_with_visible_contours():
    namespace = run_cells(GRADIENT_DESCENT, "def mse(w, b)")
    ax = namespace["figure"].axes[0]
    (mark,) = minimum_marks(ax)
    assert (mark.get_xdata()[0], mark.get_ydata()[0]) == pytest.approx(least_squares(namespace), abs=1e-6)
    (lines,) = [c for c in ax.collections if type(c).__name__ == "QuadContourSet" and not c.filled]
    assert min(lines.get_linewidths()) >= 0.7 and lines.get_alpha() >= 0.7


def test_each_learning_rate_has_one_colour_in_every_panel_and_its_path_stays_in_frame(gradient_descent):
    figure, runs = gradient_descent["figure"], gradient_descent["runs"]
    maps = [ax for ax in figure.axes if ax.get_title() in runs]
    (curves,) = [ax for ax in figure.axes if ax.get_title() == "loss per step"]
    assert [ax.get_title() for ax in maps] == list(runs)
    curve_colours = [line.get_color() for line in curves.get_lines()]
    assert len(set(curve_colours)) == 3  # three rates, three colours
    best = least_squares(gradient_descent)
    for ax, (name, run), colour in zip(maps, runs.items(), curve_colours, strict=True):
        (path,) = [line for line in ax.get_lines() if line.get_label() == name]
        assert path.get_color() == colour  # was orange in every panel
        assert all_inside(ax, run)  # the η = 0.78 run's 12 steps included
        (mark,) = minimum_marks(ax)
        assert (mark.get_xdata()[0], mark.get_ydata()[0]) == pytest.approx(best, abs=1e-6)
    # The diverging run ends near the old frame's top edge (b = 5), where its end marker was cut:
    # now every step is at least 3 % of the panel's height and width away from its edges.
    ax, diverging = maps[2], runs["too large: η = 0.78"]
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    assert max(b for _, b in diverging) > 4.8
    assert all(x0 + 0.03 * (x1 - x0) <= w <= x1 - 0.03 * (x1 - x0) and
               y0 + 0.03 * (y1 - y0) <= b <= y1 - 0.03 * (y1 - y0) for w, b in diverging)


@pytest.fixture(scope="module")
def landscapes():
    return run_cells(LANDSCAPES, "def line_model()", "STEPS = 200")


def test_the_stochastic_path_is_thin_and_underneath_on_the_map_and_the_curves():
    namespace = run_cells(LANDSCAPES, "def line_model()")
    figure = namespace["figure"]
    for ax in figure.axes[:1] + [ax for ax in figure.axes if ax.get_title() == "loss against work done"]:
        by_name = {str(line.get_label()): line for line in ax.get_lines()}
        stochastic, minibatch, batch = (by_name[name] for name in namespace["runs"])
        assert stochastic.get_zorder() < minibatch.get_zorder() < batch.get_zorder()
        assert stochastic.get_linewidth() < minibatch.get_linewidth() < batch.get_linewidth()
        assert stochastic.get_alpha() is not None and stochastic.get_alpha() < 1


def test_the_schedules_legend_is_outside_the_data(landscapes):
    figure = landscapes["figure"]
    axes = [ax for ax in figure.axes if ax.get_title() in ("the schedules", "how close each gets")]
    assert len(axes) == 2
    (with_legend,) = [ax for ax in axes if ax.get_legend() is not None]
    assert legend_outside_the_axes(with_legend, axes)
    assert [text.get_text() for text in with_legend.get_legend().get_texts()] == list(landscapes["plans"])


def test_each_optimizer_has_its_own_panel_and_the_minimum_is_marked():
    namespace = run_cells(LANDSCAPES, "def banana(x, y)")
    figure, paths = namespace["figure"], namespace["paths"]
    panels = [ax for ax in figure.axes if ax.get_title() in paths]
    assert [ax.get_title() for ax in panels] == list(paths)
    (curves,) = [ax for ax in figure.axes if ax.get_title() == "loss per step"]
    colours = {str(line.get_label()): line.get_color() for line in curves.get_lines()}
    for ax, (name, path) in zip(panels, paths.items(), strict=True):
        drawn = [line for line in ax.get_lines() if line.get_linestyle() == "-"]
        assert [line.get_label() for line in drawn] == [name]  # one path a panel
        assert drawn[0].get_color() == colours[name]
        assert all_inside(ax, path)
        (mark,) = minimum_marks(ax)
        assert (mark.get_xdata()[0], mark.get_ydata()[0]) == pytest.approx((1.0, 1.0), abs=1e-9)
    assert legend_covers_no_line(curves)
