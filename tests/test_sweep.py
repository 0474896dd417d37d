"""autograd_core.helpers.sweep and nn.sweep: the same results, in task order, whatever runs the tasks.

The truth is the plain loop ``[fn(task) for task in tasks]`` (and, for training runs, ``fit``
called by hand): every backend and worker count must give exactly its results.
"""

from __future__ import annotations

import contextlib
import errno
import io
import math
import os
import shutil
import signal
import subprocess
import sys
import threading
import time

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


class Coded(Exception):
    """A custom exception whose ``__init__`` takes other arguments than its ``args`` (so pickle
    alone cannot rebuild it: ``Coded(*args)`` lacks ``code``)."""

    def __init__(self, message, code):
        super().__init__(message)
        self.code = code


class Reworded(Exception):
    """An ``__init__`` that rewrites its message (pickle alone would give ``args ('code code 5',)``)."""

    def __init__(self, code):
        super().__init__(f"code {code}")
        self.code = code


#: What the tasks raise, built afresh each time (the truth a sweep's exception is compared with).
ERRORS = {
    "missing file": lambda: FileNotFoundError(errno.ENOENT, "No such file", "/x/y"),
    "coded": lambda: Coded("bad input", 7),
    "reworded": lambda: Reworded(5),
    "key": lambda: KeyError("b"),
    "overflow": lambda: OverflowError(34, "Numerical result out of range"),
}
RAISED = []  # the exception objects the tasks raised, when they ran in this process


def _fails_at_one(kind, index):
    if index != 1:
        return index
    error = ERRORS[kind]()
    RAISED.append(error)
    raise error


def _assert_same_exception(got, expected):
    """``got`` is ``expected`` to the last attribute (but for the note a sweep adds)."""
    assert type(got) is type(expected)
    assert got.args == expected.args and str(got) == str(expected)
    assert {k: v for k, v in vars(got).items() if k != "__notes__"} == vars(expected)
    if isinstance(expected, OSError):
        assert (got.errno, got.strerror, got.filename) == (expected.errno, expected.strerror, expected.filename)


def _sweep_failing(kind, how):
    tasks = grid(kind=[kind], index=[0, 1, 2])
    if how == "threads":
        import joblib

        with joblib.parallel_backend("threading"):
            return sweep(_fails_at_one, tasks, n_jobs=2)
    return sweep(_fails_at_one, tasks, n_jobs={"serial": 1, "processes": 2}[how])


@pytest.mark.parametrize("how", ["serial", "processes", "threads"])
@pytest.mark.parametrize("kind", list(ERRORS))
def test_a_task_error_is_raised_as_the_task_raised_it_with_a_note_naming_the_task(kind, how):
    RAISED.clear()
    with pytest.raises(Exception) as caught:
        _sweep_failing(kind, how)
    _assert_same_exception(caught.value, ERRORS[kind]())
    assert caught.value.__notes__ == [f"in sweep task 1 (kind={kind!r}, index=1)"]
    if how != "processes":  # the very object the task raised, not a copy
        assert len(RAISED) == 1 and caught.value is RAISED[0]


def test_without_add_note_the_note_is_kept_in_dunder_notes_as_python_3_11_keeps_it():
    from autograd_core.helpers.sweep import _add_note

    class Old(Exception):
        @property
        def add_note(self):  # as on Python 3.10, which has no add_note
            raise AttributeError("add_note")

    error = Old("x")
    _add_note(error, "in sweep task 0 (1)")
    _add_note(error, "in sweep task 0 (1)")  # once only
    assert error.__notes__ == ["in sweep task 0 (1)"]


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


# --- other processes: joblib's own workers ---------------------------------------------------------

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


def test_the_sweeps_page_examples_run_and_print_what_they_say(capsys):
    import re
    from pathlib import Path

    page = (Path(__file__).resolve().parents[1] / "docs" / "guides" / "sweeps.md").read_text(encoding="utf-8")
    blocks = re.findall(r"(?<!-->\n)```python\n(.*?)```", page, re.S)  # not those marked "not run"
    assert len(blocks) == 2
    for number, block in enumerate(blocks):
        exec(compile(block, f"sweeps page example {number}", "exec"), {})
    printed = capsys.readouterr().out.splitlines()
    assert printed[:2] == ["[1.0, 2.0, 2.0, 3.0]"] * 2  # as the comments say
    assert printed[2].split()[0] in ("SGD", "Adam")


# --- clusters: Dask started from its command line, and Ray --------------------------------------------
# Each cluster starts once for the module; every wait is bounded, and the processes are stopped even
# when a test fails. A task that kills its worker runs last on each cluster.

#: Longest a sweep may take to report a dead worker. Dask and Ray retry the task on 3 more
#: workers first (their defaults), each a new process; a hang never ends.
DEAD_WORKER_SECONDS = 60


def _importable_path():
    """PYTHONPATH that lets another process import what this one can (the test module's functions
    travel by reference, as they do to LocalCluster's and loky's workers)."""
    return os.pathsep.join(path or os.getcwd() for path in sys.path)


def _stop(processes):
    """SIGTERM each process group, then SIGKILL what is left after 10 s."""
    for process in processes:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


@pytest.fixture(scope="module")
def dask_client(tmp_path_factory):
    """A client of a scheduler and a worker started as ``dask scheduler`` and ``dask worker
    --nworkers 2`` (two worker processes under nannies), as on a cluster."""
    distributed = pytest.importorskip("distributed")
    dask = shutil.which("dask", path=os.path.dirname(sys.executable)) or shutil.which("dask")
    if dask is None:
        pytest.skip("the dask command line is not installed")
    directory = tmp_path_factory.mktemp("dask")
    scheduler_file = directory / "scheduler.json"
    env = {**os.environ, "PYTHONPATH": _importable_path()}
    processes = []
    with open(directory / "cluster.log", "wb") as log:
        def start(*arguments):
            processes.append(subprocess.Popen([dask, *arguments], stdout=log, stderr=subprocess.STDOUT, env=env,
                                              start_new_session=True))

        try:
            start("scheduler", "--scheduler-file", str(scheduler_file), "--host", "127.0.0.1", "--port", "0",
                  "--no-dashboard", "--idle-timeout", "600")
            start("worker", "--scheduler-file", str(scheduler_file), "--nworkers", "2", "--nthreads", "1",
                  "--no-dashboard", "--death-timeout", "60", "--local-directory", str(directory))
            deadline = time.monotonic() + 60
            while not scheduler_file.exists() and time.monotonic() < deadline:
                time.sleep(0.1)
            with distributed.Client(scheduler_file=str(scheduler_file), timeout=60) as client:
                client.wait_for_workers(2, timeout=60)
                yield client
        finally:
            _stop(processes)


@pytest.fixture(scope="module")
def ray_started():
    """A local Ray (its own GCS, raylet and worker processes) with joblib's Ray backend registered."""
    ray = pytest.importorskip("ray")
    from ray.util.joblib import register_ray

    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, object_store_memory=80 * 1024 * 1024,
             runtime_env={"env_vars": {"PYTHONPATH": _importable_path()}})
    try:
        register_ray()
        yield ray
    finally:
        ray.shutdown()


def _on(cluster):
    import joblib

    return joblib.parallel_backend(cluster)


def _kill_own_worker(index):
    if index == 2:
        os.kill(os.getpid(), signal.SIGKILL)
    return index


def _bounded(call, seconds):
    """``call()``'s result or exception and how long it took; a test failure if it runs past ``seconds``."""
    outcome = {}

    def run():
        start = time.monotonic()
        try:
            outcome["result"] = call()
        except BaseException as error:  # noqa: B036 - handed to the test
            outcome["error"] = error
        outcome["seconds"] = time.monotonic() - start

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        pytest.fail(f"the sweep still ran after {seconds} s (a hang)")
    return outcome


@pytest.mark.parametrize("cluster", ["dask", "ray"])
def test_a_cluster_gives_the_serial_results_and_the_tasks_own_exceptions(cluster, request):
    request.getfixturevalue({"dask": "dask_client", "ray": "ray_started"}[cluster])
    tasks = grid(base=[0.5, -1.5, 2.0], exponent=[3, 11])
    with _on(cluster):
        remote = sweep(_power, tasks, n_jobs=-1)
        limited = sweep(_power, tasks, n_jobs=2)
        runs = _small_runs(-1)
    assert remote == limited == sweep(_power, tasks)
    assert [(r.history.epoch_loss, r.state) for r in runs] == [(r.history.epoch_loss, r.state) for r in _small_runs(1)]
    for kind in ERRORS:
        with pytest.raises(Exception) as caught, _on(cluster):
            sweep(_fails_at_one, grid(kind=[kind], index=[0, 1, 2]), n_jobs=-1)
        _assert_same_exception(caught.value, ERRORS[kind]())
        assert caught.value.__notes__ == [f"in sweep task 1 (kind={kind!r}, index=1)"]


def test_dask_tasks_go_where_the_backends_submit_options_say(dask_client):
    import joblib

    distributed = pytest.importorskip("distributed")
    first = sorted(dask_client.scheduler_info()["workers"])[0]
    with joblib.parallel_backend("dask", workers=[first], allow_other_workers=False):
        where = sweep(lambda _: distributed.get_worker().address, range(4), n_jobs=-1)
    assert where == [first] * 4


@pytest.mark.parametrize("cluster, error", [("dask", "KilledWorker"), ("ray", "WorkerCrashedError")])
def test_a_task_that_kills_its_worker_ends_the_sweep_with_the_clusters_error_naming_it(cluster, error, request):
    request.getfixturevalue({"dask": "dask_client", "ray": "ray_started"}[cluster])

    def run():
        with _on(cluster):
            return sweep(_kill_own_worker, range(4), n_jobs=-1)

    outcome = _bounded(run, DEAD_WORKER_SECONDS)
    assert type(outcome.get("error")).__name__ == error, outcome
    assert outcome["error"].__notes__ == ["in sweep task 2 (2)"]
    print(f"{cluster}: {error} after {outcome['seconds']:.1f} s")
    with _on(cluster):  # the cluster has recovered: its dead workers were replaced
        assert sweep(abs, [-1, 2, -3], n_jobs=-1) == [1, 2, 3]
