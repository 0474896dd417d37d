"""Training sweeps: :func:`train_grid` trains a model with each combination of optimizers,
schedules, learning rates and seeds, through :func:`autograd_core.helpers.sweep.sweep` (joblib: one
core, every core or a cluster), and collects the histories.

:func:`grid`, :func:`sweep` and :func:`describe_task` are the engine package's
(:mod:`autograd_core.helpers.sweep`), named here too.

>>> sweep(lambda lr, seed: lr * 10 + seed, grid(lr=[0.1, 0.2], seed=[0, 1]))
[1.0, 2.0, 2.0, 3.0]
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from autograd_core import as_int
from autograd_core.helpers.sweep import describe_task, grid, sweep

from .module import Module
from .train import History, fit

__all__ = ["grid", "sweep", "describe_task", "TrainingRun", "train_grid"]


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
