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

It lives in the engine's package (it imports nothing of ours) so that ``nn`` (training runs,
:func:`nn.sweep.train_grid`) and ``viz`` (landscapes, restarts) both use it.
"""

from __future__ import annotations

import itertools
import sys
from collections.abc import Callable, Iterable, Mapping
from typing import Any

# The plain text bar, as nn.fit uses: tqdm.auto warns "IProgress not found" on import in every
# Jupyter kernel without ipywidgets (so in every notebook that imports autograd_core).
from tqdm import tqdm

from ..engine.value import as_int

__all__ = ["grid", "sweep", "describe_task"]

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
