"""Sweeps: one function over a grid of independent tasks, on one core, all cores or a cluster.

:func:`sweep` is ``[fn(task) for task in tasks]`` run by `joblib <https://joblib.readthedocs.io>`_:
``n_jobs=1`` (the default) runs the loop in this process, exactly as written; ``n_jobs=-1``
uses every local core (joblib's worker processes); and inside ``with
joblib.parallel_backend("dask"):`` (a ``dask.distributed`` client) or Ray's joblib backend the
same call runs on a cluster. Nothing is scheduled here: joblib and the backend do it.

The results are the same, bit for bit, whatever the backend and the number of workers,
and come back in the order of ``tasks``: each task is computed on its own from its own
arguments (give each task its own seed; never draw from a shared generator), and a result is
placed by its task's position, not by when it finished. A tqdm bar counts finished tasks,
and an error in a task is raised naming the task.

Tasks and ``fn`` travel to worker processes by pickle (cloudpickle for ``fn``, so lambdas
and closures work): models, ``Value`` graphs and compiled steps all pickle.

>>> sweep(lambda lr, seed: lr * 10 + seed, grid(lr=[0.1, 0.2], seed=[0, 1]))
[1.0, 2.0, 2.0, 3.0]

:func:`train_grid` trains a model with each combination of optimizers, schedules,
learning rates and seeds and collects the histories.
"""

from __future__ import annotations

import itertools
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from tqdm.auto import tqdm

from autograd_core import as_int

from .module import Module
from .train import History, fit

__all__ = ["grid", "sweep", "describe_task", "TrainingRun", "train_grid"]

#: Longest task description put in an error message or on the bar.
_DESCRIPTION_CHARS = 200


def grid(**axes: Iterable[Any]) -> list[dict[str, Any]]:
    """Every combination of the axes' values as keyword dicts, the last axis varying fastest
    (the order of ``itertools.product``).

    >>> grid(optimizer=["SGD", "Adam"], seed=[0, 1])
    [{'optimizer': 'SGD', 'seed': 0}, {'optimizer': 'SGD', 'seed': 1}, {'optimizer': 'Adam', 'seed': 0}, {'optimizer': 'Adam', 'seed': 1}]
    """
    values = []
    for name, axis in axes.items():
        if isinstance(axis, (str, bytes)) or not isinstance(axis, Iterable):
            raise TypeError(f"axis {name!r} must be a list of values, got {type(axis).__name__}")
        values.append(list(axis))
    return [dict(zip(axes, combination, strict=True)) for combination in itertools.product(*values)]


def describe_task(task: Any) -> str:
    """A task as it is named in errors: ``lr=0.1, seed=3`` for a dict, else its repr (cut short).

    >>> describe_task({"lr": 0.1, "seed": 3}), describe_task((0.5, -1.0))
    ('lr=0.1, seed=3', '(0.5, -1.0)')
    """
    text = (", ".join(f"{key}={value!r}" for key, value in task.items()) if isinstance(task, Mapping)
            else repr(task))
    return text if len(text) <= _DESCRIPTION_CHARS else text[:_DESCRIPTION_CHARS - 3] + "..."


def _named_error(error: Exception, index: int, task: Any) -> Exception:
    """``error`` with the task named: the same type with the task put before the message when
    the type can be built from a message, else the original with a note (Python 3.11)."""
    where = f"sweep task {index} ({describe_task(task)})"
    try:
        named = type(error)(f"{where}: {error}")
    except Exception:  # a type that takes other arguments
        named = None
    if named is None or str(named) != f"{where}: {error}":
        if hasattr(error, "add_note"):
            error.add_note(f"in {where}")
        return error
    named.__cause__ = error
    return named


def _run_task(fn: Callable[..., Any], index: int, task: Any) -> tuple[int, Any]:
    """``(index, fn(task))``, or ``fn(**task)`` for a dict task; errors name the task."""
    try:
        return index, fn(**task) if isinstance(task, Mapping) else fn(task)
    except Exception as error:
        named = _named_error(error, index, task)
        if named is error:
            raise
        raise named from error


def _bar(total: int, progress: bool | None, description: str) -> Any:
    enabled = sys.stderr.isatty() if progress is None else bool(progress)
    return tqdm(total=total, disable=not enabled, desc=description, unit="task", leave=False)


def sweep(fn: Callable[..., Any], tasks: Iterable[Any], *, n_jobs: int | None = 1,
          progress: bool | None = None, description: str = "sweep", batch_size: int | str = "auto") -> list[Any]:
    """``[fn(task) for task in tasks]`` (``fn(**task)`` for a dict task) with joblib, in task order.

    * ``n_jobs``: joblib's meaning. 1 (the default) is a plain loop in this process; -1 is
      every core (or every worker of the active backend); None lets an enclosing
      ``joblib.parallel_backend(...)`` decide. Any joblib backend works unchanged.
    * ``progress``: a tqdm bar counting finished tasks; None shows it on a terminal only.
    * ``batch_size``: tasks sent to a worker at a time (joblib's ``"auto"`` adapts it).

    An exception in a task is raised with the task named (``sweep task 3 (lr=0.1, seed=1):
    ...``), keeping its type when the type can be rebuilt from a message.

    >>> sweep(abs, [-2, 3, -1.5])
    [2, 3, 1.5]
    >>> sweep(lambda x: 1 / x, [1.0, 0.0])
    Traceback (most recent call last):
    ...
    ZeroDivisionError: sweep task 1 (0.0): float division by zero
    """
    if not callable(fn):
        raise TypeError(f"fn must be callable, got {type(fn).__name__}")
    if isinstance(tasks, (str, bytes)) or not isinstance(tasks, Iterable):
        raise TypeError(f"tasks must be a list of tasks, got {type(tasks).__name__}")
    if n_jobs is not None:
        as_int(n_jobs, "n_jobs (joblib's: 1, -1 for every core, or None)")
        if n_jobs == 0:
            raise ValueError("n_jobs must not be 0: use 1 for this process, -1 for every core")
    tasks = list(tasks)
    results: list[Any] = [None] * len(tasks)
    with _bar(len(tasks), progress, description) as bar:
        if n_jobs == 1:
            for index, task in enumerate(tasks):
                results[index] = _run_task(fn, index, task)[1]
                bar.update()
            return results
        import joblib

        parallel = joblib.Parallel(n_jobs=n_jobs, batch_size=batch_size, return_as="generator_unordered")
        for index, result in parallel(joblib.delayed(_run_task)(fn, i, task) for i, task in enumerate(tasks)):
            results[index] = result
            bar.update()
    return results


# --- training runs ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class TrainingRun:
    """One run of :func:`train_grid`: its settings, what :func:`~nn.fit` saw, and the weights it ended at."""

    optimizer: str
    schedule: str
    lr: float
    seed: int
    history: History
    state: dict[str, float]

    @property
    def final_loss(self) -> float:
        """The last epoch's mean loss."""
        return self.history.epoch_loss[-1]


@dataclass(frozen=True)
class _Trainer:
    """One training run from its settings (a picklable callable, so workers can run it)."""

    make_model: Callable[[int], Module]
    data: Sequence[Any]
    loss: Callable[..., Any]
    epochs: int
    optimizers: Mapping[str, Callable[..., Any]]
    schedules: Mapping[str, Callable[[float], Any] | None]
    fit_options: Mapping[str, Any]

    def __call__(self, optimizer: str, schedule: str, lr: float, seed: int) -> TrainingRun:
        model = self.make_model(seed)
        if not isinstance(model, Module):
            raise TypeError(f"make_model(seed) must return an nn Module, got {type(model).__name__}")
        make_schedule = self.schedules[schedule]
        history = fit(model, self.data, self.loss, self.optimizers[optimizer](model.parameters(), lr=lr),
                      epochs=self.epochs, schedule=None if make_schedule is None else make_schedule(lr),
                      shuffle_seed=seed, progress=False, **self.fit_options)
        return TrainingRun(optimizer, schedule, lr, seed, history, model.state_dict())


def train_grid(make_model: Callable[[int], Module], data: Sequence[Any], loss: Callable[..., Any], epochs: int, *,
               optimizers: Mapping[str, Callable[..., Any]], lrs: Iterable[float],
               schedules: Mapping[str, Callable[[float], Any] | None] | None = None, seeds: Iterable[int] = (0,),
               n_jobs: int | None = 1, progress: bool | None = None, **fit_options: Any) -> list[TrainingRun]:
    """Train ``make_model(seed)`` with every optimizer × schedule × learning rate × seed and
    collect the histories, as :class:`TrainingRun` s in that order (the seed varying fastest).

    ``optimizers`` maps a name to ``factory(params, lr=lr)`` (an optimizer class such as
    ``nn.SGD`` is one); ``schedules`` maps a name to ``factory(lr)`` giving a schedule for
    :func:`~nn.fit`, or None for a constant rate (the default: ``{"constant": None}``). The seed
    makes the model and shuffles the batches, so every run is reproducible on its own, and
    the runs are the same whatever ``n_jobs`` (see :func:`sweep`). Other keyword arguments
    go to :func:`~nn.fit` (``batch_size``, ``compile``...).

    >>> from nn import MLP, SGD, Adam, data, losses
    >>> runs = train_grid(lambda seed: MLP(2, [4, 1], ["tanh", "sigmoid"], seed=seed), data.xor(),
    ...                   losses.binary_cross_entropy, 50, optimizers={"SGD": SGD, "Adam": Adam},
    ...                   lrs=[0.1, 0.5], seeds=[0, 1])
    >>> [(run.optimizer, run.lr, run.seed) for run in runs][:3], len(runs)
    ([('SGD', 0.1, 0), ('SGD', 0.1, 1), ('SGD', 0.5, 0)], 8)
    >>> min(runs, key=lambda run: run.final_loss).optimizer
    'Adam'
    """
    schedules = {"constant": None} if schedules is None else schedules
    for what, table in (("optimizers", optimizers), ("schedules", schedules)):
        if not isinstance(table, Mapping) or not table:
            raise TypeError(f"{what} must be a non-empty dict of name -> factory, got {table!r}")
    trainer = _Trainer(make_model, list(data), loss, as_int(epochs, "epochs", minimum=1), dict(optimizers),
                       dict(schedules), dict(fit_options))
    tasks = grid(optimizer=list(optimizers), schedule=list(schedules), lr=list(lrs), seed=list(seeds))
    return sweep(trainer, tasks, n_jobs=n_jobs, progress=progress, description="training runs")
