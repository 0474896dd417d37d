"""Sweeps: one function over a grid of independent tasks, on one core, all cores or a cluster.

:func:`sweep` is ``[fn(task) for task in tasks]`` run by `joblib <https://joblib.readthedocs.io>`_:
``n_jobs=1`` (the default) runs the loop in this process, exactly as written; ``n_jobs=-1``
uses every local core (joblib's worker processes); and inside ``with
joblib.parallel_backend("dask"):`` (a ``dask.distributed`` client) or Ray's joblib backend
(``ray.util.joblib.register_ray()``) the same call runs on that cluster, as the cluster's own
tasks. Nothing is scheduled here: joblib and the cluster do it.

The results are the same, bit for bit, whatever the backend and the number of workers,
and come back in the order of ``tasks``: each task is computed on its own from its own
arguments (give each task its own seed; never draw from a shared generator), and a result is
placed by its task's position, not by when it finished. A tqdm bar counts finished tasks.

A task's exception is raised as itself (type, ``args``, attributes) with a note naming the
task, whatever ran it; a task that kills its worker ends the sweep with the cluster's error
(Dask's ``KilledWorker``, Ray's ``WorkerCrashedError``) naming the task, never a hang.

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
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
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


def _add_note(error: BaseException, note: str) -> None:
    """``error.add_note(note)`` (once). Python 3.10 has no ``add_note``: the note goes in
    ``__notes__`` as 3.11 keeps it (and the ``exceptiongroup`` backport does), where code can read
    it, though 3.10's traceback does not print it."""
    notes = getattr(error, "__notes__", None)
    if isinstance(notes, list) and note in notes:
        return
    if hasattr(error, "add_note"):
        error.add_note(note)
    else:  # Python 3.10
        try:
            setattr(error, "__notes__", [*(notes or ()), note])  # noqa: B010 - the name mypy does not know on 3.10
        except AttributeError:
            pass  # an exception class with __slots__ and no __dict__: it travels without the note


def _where(index: int, task: Any) -> str:
    return f"in sweep task {index} ({describe_task(task)})"


def _call(fn: Callable[..., Any], task: Any) -> Any:
    return fn(**task) if isinstance(task, Mapping) else fn(task)


def _rebuild_error(cls: type[BaseException], arguments: tuple[Any, ...], args: tuple[Any, ...],
                   state: dict[str, Any] | None) -> BaseException:
    """The exception pickled by :class:`_Carried`: built as pickle builds it, ``cls(*arguments)``,
    or, for a class whose ``__init__`` takes other arguments (``Coded(message, code)`` has
    ``args == (message,)``), without calling ``__init__``; then its ``args`` and attributes
    (notes included) as they were."""
    try:
        error = cls(*arguments)
    except Exception:
        error = cls.__new__(cls, *arguments)
    error.args = args
    if state:
        error.__setstate__(state)
    return error


class _Carried(Exception):
    """A task's exception on its way out of :func:`_run_task`. Pickled (to another process), it
    becomes the task's exception itself (see :func:`_rebuild_error`); in this process (threads)
    :func:`sweep` raises the very object it carries."""

    def __init__(self, error: Exception) -> None:
        super().__init__(f"{type(error).__name__}: {error}")
        self.error = error

    def __reduce__(self) -> tuple[Any, ...]:
        error = self.error
        reduced = error.__reduce__()
        if isinstance(reduced, tuple) and 2 <= len(reduced) <= 3 and reduced[0] is type(error):
            state = reduced[2] if len(reduced) == 3 else None
            return _rebuild_error, (type(error), reduced[1], error.args, state)
        if isinstance(reduced, tuple):
            return reduced  # a class that pickles itself its own way: trusted
        return _rebuild_error, (type(error), error.args, error.args, getattr(error, "__dict__", None))


def _run_task(fn: Callable[..., Any], index: int, task: Any) -> tuple[int, Any]:
    """``(index, fn(task))`` (``fn(**task)`` for a dict task) in a worker; an exception is noted
    with the task and carried back whole (:class:`_Carried`)."""
    try:
        return index, _call(fn, task)
    except Exception as error:
        _add_note(error, _where(index, task))
        # With the task's frames, which a worker's traceback text (joblib, Ray) then shows.
        raise _Carried(error).with_traceback(error.__traceback__) from None


def _task_error(error: BaseException) -> BaseException:
    """The task's own exception from what a backend raised: the object a :class:`_Carried` holds
    (threads), or the one Ray wraps in a ``RayTaskError``."""
    if isinstance(error, _Carried):
        return error.error
    ray = sys.modules.get("ray")
    if ray is not None and isinstance(error, ray.exceptions.RayTaskError):
        cause = error.cause
        if isinstance(cause, _Carried):
            cause = cause.error
        if isinstance(cause, BaseException):
            if cause.__cause__ is None:
                cause.__cause__ = error  # Ray's text of the worker's traceback, as joblib gives it
            return cause
    return error


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

    An exception in a task is raised as the task's own exception object (its type, ``args`` and
    attributes; from another process, an equal copy), with a note naming the task: ``in sweep
    task 3 (lr=0.1, seed=1)`` (Python 3.11's ``add_note``; on 3.10 it is kept in ``__notes__``
    but not printed). No task starts after it; the others are cancelled (on Ray, whose
    cancel can abort the caller, the few still running are left to finish).

    Inside ``joblib.parallel_backend("dask")`` or Ray's joblib backend the tasks run as that
    cluster's own tasks (``client.submit``, ``ray.remote``, with the backend's
    ``submit_kwargs``/``ray_remote_args``), because joblib's Dask backend never reports a batch
    whose worker died (the sweep would wait forever) and its Ray backend says only
    ``ActorDiedError()``. A task that kills its worker is retried as the cluster is configured
    (Dask's ``distributed.scheduler.allowed-failures``, Ray's ``max_retries``: 3 by default), then
    raised within seconds as the cluster's error (``KilledWorker``, ``WorkerCrashedError``)
    naming the task.

    >>> sweep(abs, [-2, 3, -1.5])
    [2, 3, 1.5]
    >>> sweep(lambda x: 1 / x, [1.0, 0.0])
    Traceback (most recent call last):
    ...
    ZeroDivisionError: float division by zero
    in sweep task 1 (0.0)
    >>> try:
    ...     sweep(lambda x: 1 / x, [1.0, 0.0])
    ... except ZeroDivisionError as error:
    ...     print(error.args, error.__notes__)
    ('float division by zero',) ['in sweep task 1 (0.0)']
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
                try:
                    results[index] = _call(fn, task)
                except Exception as error:
                    _add_note(error, _where(index, task))
                    raise
                bar.update()
            return results
        failure: BaseException | None = None
        try:
            for index, result in _parallel_results(fn, tasks, n_jobs, batch_size):
                results[index] = result
                bar.update()
        except Exception as error:
            failure = _task_error(error)
        if failure is not None:
            raise failure  # outside the except block, so that its own __context__ stays as it was
    return results


def _parallel_results(fn: Callable[..., Any], tasks: list[Any], n_jobs: int | None,
                      batch_size: int | str) -> Iterator[tuple[int, Any]]:
    """``(index, result)`` pairs as tasks finish, on the active joblib backend (or its cluster)."""
    import joblib.parallel

    # joblib.parallel.get_active_backend: what joblib.Parallel itself will use (the backend of an
    # enclosing parallel_backend/parallel_config, else loky).
    backend, _ = joblib.parallel.get_active_backend()
    limit = n_jobs if n_jobs is not None and n_jobs > 0 else len(tasks)
    if _is_dask(backend):
        return _dask_results(backend, fn, tasks, limit)
    if _is_ray(backend):
        return _ray_results(backend, fn, tasks, limit)
    # A backend without generators (a third party's) returns the list at the end.
    return_as = "generator_unordered" if getattr(backend, "supports_return_generator", False) else "list"
    parallel = joblib.Parallel(n_jobs=n_jobs, batch_size=batch_size, return_as=return_as)
    return iter(parallel(joblib.delayed(_run_task)(fn, i, task) for i, task in enumerate(tasks)))


def _is_dask(backend: Any) -> bool:
    distributed = sys.modules.get("distributed")
    return distributed is not None and isinstance(getattr(backend, "client", None), distributed.Client)


def _is_ray(backend: Any) -> bool:
    if "ray" not in sys.modules:
        return False
    try:
        from ray.util.joblib.ray_backend import RayBackend
    except ImportError:
        return False
    return isinstance(backend, RayBackend)


def _dask_results(backend: Any, fn: Callable[..., Any], tasks: list[Any], limit: int) -> Iterator[tuple[int, Any]]:
    """The tasks as Dask futures of the backend's client, at most ``limit`` at a time; a future's
    error (the task's, or ``KilledWorker``) is raised noted with its task, the rest cancelled."""
    import distributed

    client, token = backend.client, uuid.uuid4().hex[:8]
    running: dict[Any, int] = {}
    # Without with_results: as_completed then only waits for each future to end, and
    # future.result() below raises whatever ended it, here, where it is seen.
    as_completed: Callable[[], Any] = distributed.as_completed  # an untyped function, to mypy
    finished = as_completed()
    submitted = 0

    def top_up() -> None:
        nonlocal submitted
        while submitted < len(tasks) and len(running) < limit:
            future = client.submit(_run_task, fn, submitted, tasks[submitted], pure=False,
                                   key=f"sweep-task-{submitted}-{token}", **backend.submit_kwargs)
            running[future] = submitted
            finished.add(future)
            submitted += 1

    try:
        top_up()
        for future in finished:
            index = running.pop(future)
            try:
                yield index, future.result()[1]
            except Exception as error:
                _add_note(_task_error(error), _where(index, tasks[index]))
                raise
            top_up()
    finally:
        if running:
            client.cancel(list(running))


def _ray_results(backend: Any, fn: Callable[..., Any], tasks: list[Any], limit: int) -> Iterator[tuple[int, Any]]:
    """The tasks as Ray tasks (with the backend's ``ray_remote_args``), at most ``limit`` at a time;
    an error (the task's, or ``WorkerCrashedError``) is raised noted with its task, and no task is
    submitted after it.

    The tasks still running then are left to finish, unlike Dask's: ``ray.cancel`` on a task that is
    finishing at that moment can abort the calling process inside Ray (its check "Tried to complete
    task that was not pending", ray-project/ray#54846), which would end a notebook's kernel. At most
    ``limit`` tasks are running, so what is left over is bounded."""
    import ray

    if not ray.is_initialized():
        ray.init()  # as joblib's Ray backend does: RAY_ADDRESS, or a local Ray
    remote = ray.remote(_run_task)
    if backend.ray_remote_args:
        remote = remote.options(**backend.ray_remote_args)
    shared_fn = ray.put(fn)  # sent once, not with every task
    running: dict[Any, int] = {}
    submitted = 0

    def top_up() -> None:
        nonlocal submitted
        while submitted < len(tasks) and len(running) < limit:
            running[remote.remote(shared_fn, submitted, tasks[submitted])] = submitted
            submitted += 1

    top_up()
    while running:
        done, _ = ray.wait(list(running), num_returns=1)
        for ref in done:
            index = running.pop(ref)
            try:
                yield index, ray.get(ref)[1]
            except Exception as error:
                _add_note(_task_error(error), _where(index, tasks[index]))
                raise
        top_up()
