"""autograd_core.helpers.sweep and nn.sweep: the same results, in task order, whatever runs the tasks.

The truth is the plain loop ``[fn(task) for task in tasks]`` (and, for training runs, ``fit``
called by hand): every backend and worker count must give exactly its results.
"""

from __future__ import annotations

import io
import math

import pytest

from nn import MLP, SGD, Adam, data, fit, losses
from nn.schedules import CosineAnnealing
from nn.sweep import TrainingRun, describe_task, grid, sweep, train_grid


def _power(base: float, exponent: int) -> float:
    return math.fsum(base ** k / math.factorial(k) for k in range(exponent))


def test_grid_is_the_product_of_its_axes_last_axis_fastest():
    assert grid(a=[1, 2], b=["x", "y"], c=[0]) == [
        {"a": 1, "b": "x", "c": 0}, {"a": 1, "b": "y", "c": 0},
        {"a": 2, "b": "x", "c": 0}, {"a": 2, "b": "y", "c": 0}]
    assert grid() == [{}]
    with pytest.raises(TypeError, match="axis 'lr' must be a list of values, got float"):
        grid(lr=0.1)


def test_in_process_sweep_is_the_plain_loop_in_task_order():
    tasks = grid(base=[0.5, -1.5, 2.0], exponent=[3, 7])
    assert sweep(_power, tasks) == [_power(**task) for task in tasks]
    assert sweep(len, ["a", "bcd", ""]) == [1, 3, 0]  # a task that is not a dict is passed as it is
    assert sweep(len, []) == []


def test_the_bar_counts_finished_tasks(monkeypatch):
    import autograd_core.helpers.sweep

    bars = []
    real = autograd_core.helpers.sweep.tqdm

    def recording_tqdm(**options):
        bar = real(file=io.StringIO(), **{**options, "disable": False})
        bars.append(bar)
        return bar

    monkeypatch.setattr(autograd_core.helpers.sweep, "tqdm", recording_tqdm)
    sweep(abs, [-1, 2, -3], progress=True, description="numbers")
    assert [(bar.n, bar.total, bar.desc) for bar in bars] == [(3, 3, "numbers")]


@pytest.mark.parametrize("fn, tasks, error, match", [
    (_power, [{"base": 1.0, "exponent": 2}, {"base": 1e308, "exponent": 3}], OverflowError,
     r"sweep task 1 \(base=1e\+308, exponent=3\): \(34, 'Numerical result out of range'\)"),
    (lambda x: {"a": 1}[x], ["a", "b"], KeyError, "b"),  # KeyError keeps its message; a note names the task
    (lambda x: 1 / x, [2.0, 0.0], ZeroDivisionError, r"sweep task 1 \(0.0\): float division by zero"),
])
def test_an_error_names_its_task_and_keeps_its_type(fn, tasks, error, match):
    with pytest.raises(error, match=match) as caught:
        sweep(fn, tasks)
    if error is KeyError:
        assert caught.value.__notes__ == ["in sweep task 1 ('b')"]


def test_bad_arguments_are_refused_by_name():
    with pytest.raises(TypeError, match="fn must be callable"):
        sweep("abs", [1])
    with pytest.raises(TypeError, match="tasks must be a list"):
        sweep(abs, 3)
    with pytest.raises(ValueError, match="n_jobs must not be 0"):
        sweep(abs, [1], n_jobs=0)
    with pytest.raises(TypeError, match="n_jobs"):
        sweep(abs, [1], n_jobs=1.5)


def test_a_long_task_is_described_shortly():
    assert describe_task(list(range(1000))).endswith("...") and len(describe_task(list(range(1000)))) == 200


def _xor_model(seed: int) -> MLP:
    return MLP(2, [3, 1], activation=["tanh", "sigmoid"], seed=seed)


def test_train_grid_runs_are_fit_called_by_hand_in_grid_order():
    optimizers = {"SGD": SGD, "Adam": Adam}
    schedules = {"constant": None, "cosine": lambda lr: CosineAnnealing(lr, t_max=20)}
    runs = train_grid(_xor_model, data.xor(), losses.binary_cross_entropy, 20, optimizers=optimizers,
                      schedules=schedules, lrs=[0.1, 0.5], seeds=[0, 1])
    assert [(r.optimizer, r.schedule, r.lr, r.seed) for r in runs] == [
        (o, s, lr, seed) for o in optimizers for s in schedules for lr in (0.1, 0.5) for seed in (0, 1)]
    for run in runs:
        model = _xor_model(run.seed)
        make_schedule = schedules[run.schedule]
        history = fit(model, data.xor(), losses.binary_cross_entropy,
                      optimizers[run.optimizer](model.parameters(), lr=run.lr), epochs=20,
                      schedule=None if make_schedule is None else make_schedule(run.lr), shuffle_seed=run.seed,
                      progress=False)
        assert run.history.epoch_loss == history.epoch_loss and run.state == model.state_dict()
        assert run.final_loss == history.epoch_loss[-1]
    with pytest.raises(TypeError, match="optimizers must be a non-empty dict"):
        train_grid(_xor_model, data.xor(), losses.mse, 1, optimizers={}, lrs=[0.1])


# --- other processes: joblib's own workers, and a dask.distributed cluster -------------------------

def _small_runs(n_jobs):
    return train_grid(_xor_model, data.xor(), losses.mse, 5, optimizers={"SGD": SGD}, lrs=[0.2, 0.7],
                      seeds=[0, 1, 2], n_jobs=n_jobs, batch_size=2)


def test_two_worker_processes_give_the_serial_results_bit_for_bit():
    tasks = grid(base=[0.5, -1.5, 2.0, 3.25], exponent=[3, 7, 11])
    assert sweep(lambda base, exponent: _power(base, exponent), tasks, n_jobs=2) == sweep(_power, tasks)
    serial, parallel = _small_runs(1), _small_runs(2)
    assert [(r.history.epoch_loss, r.state) for r in parallel] == [(r.history.epoch_loss, r.state) for r in serial]
    assert all(isinstance(r, TrainingRun) for r in parallel)
    with pytest.raises(ZeroDivisionError, match=r"sweep task 1 \(0.0\)"):
        sweep(lambda x: 1 / x, [1.0, 0.0, 2.0], n_jobs=2)


def test_a_dask_local_cluster_with_two_worker_processes_gives_the_serial_results():
    distributed = pytest.importorskip("distributed")
    import joblib

    tasks = grid(base=[0.5, -1.5, 2.0], exponent=[3, 11])
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  ) as cluster, distributed.Client(cluster):
        assert len(cluster.workers) == 2
        with joblib.parallel_backend("dask"):
            remote = sweep(_power, tasks, n_jobs=-1)
            runs = _small_runs(-1)
    assert remote == sweep(_power, tasks)
    assert [(r.history.epoch_loss, r.state) for r in runs] == [(r.history.epoch_loss, r.state) for r in _small_runs(1)]


def test_the_sweeps_page_examples_run_and_print_what_they_say(capsys):
    import re
    from pathlib import Path

    page = (Path(__file__).resolve().parents[1] / "docs" / "guides" / "sweeps.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", page, re.S)
    assert len(blocks) == 2
    for number, block in enumerate(blocks):
        exec(compile(block, f"sweeps page example {number}", "exec"), {})
    printed = capsys.readouterr().out.splitlines()
    assert printed[:2] == ["[1.0, 2.0, 2.0, 3.0]"] * 2  # as the comments say
    assert printed[2].split()[0] in ("SGD", "Adam")
