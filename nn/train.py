"""Training: :func:`fit` runs full-batch, stochastic or mini-batch gradient descent.

One optimizer step per batch. A batch's loss is the mean of the per-sample losses
``loss(model(inputs), target)``, so its gradient is the mean gradient and the
learning rate means the same thing for every batch size.
"""

from __future__ import annotations

import math
import random
import sys
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from tqdm import tqdm

from autograd_core import Value, as_int, jit
from autograd_core.helpers.display import html_table, new_figure, plain_log_scale

from .module import Module
from .optim import Optimizer
from .schedules import ReduceOnPlateau

__all__ = ["fit", "batches", "History", "EarlyStopping", "SWA"]

#: With ``progress=None`` a run shows its tqdm bar (on a terminal) once it has lasted this long.
PROGRESS_DELAY_SECONDS = 1.0


@dataclass
class EarlyStopping:
    """Stop when the epoch loss has not improved by more than ``min_delta`` for ``patience`` epochs.

    A callback: ``fit`` calls it after every epoch as ``stopping(epoch, history, model)``
    and stops when it returns True (it then sets ``history.stopped_early``). Its memory
    of the best loss starts afresh at epoch 0, so one object can serve several runs.

    >>> stopping, history = EarlyStopping(patience=2), History()
    >>> for epoch, loss in enumerate([3.0, 2.0, 2.5, 2.1]):
    ...     history.epoch_loss.append(loss)
    ...     print(stopping(epoch, history, None), end=" ")
    False False False True
    """

    patience: int = 10
    min_delta: float = 0.0
    best: float = field(default=math.inf, init=False, repr=False, compare=False)
    waited: int = field(default=0, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if isinstance(self.patience, bool) or not isinstance(self.patience, int) or self.patience < 1:
            raise ValueError(f"early stopping patience must be an int >= 1, got {self.patience!r}")
        if isinstance(self.min_delta, bool) or not isinstance(self.min_delta, (int, float)) \
                or not self.min_delta >= 0:
            raise ValueError(f"early stopping min_delta must be a number >= 0, got {self.min_delta!r}")

    def __call__(self, epoch: int, history: History, model: Any) -> bool:
        if epoch == 0:
            self.best, self.waited = math.inf, 0
        loss = history.epoch_loss[-1]
        if loss < self.best - self.min_delta:
            self.best, self.waited = loss, 0
            return False
        self.waited += 1
        history.stopped_early = self.waited >= self.patience
        return history.stopped_early


@dataclass
class SWA:
    """Stochastic weight averaging: average the weights collected at the end of each cycle.

    Weights are collected at the end of epoch ``start + cycle - 1``, ``start + 2·cycle - 1``
    and so on (epochs count from 0); when training ends the model's parameters are
    set to the mean of the collected weights. Make ``cycle`` (in epochs) match the
    period of a cyclic schedule, so the weights are taken where the learning rate is
    lowest, as Izmailov et al. do; with a constant rate, ``cycle=1`` averages every epoch.
    """

    start: int = 0
    cycle: int = 1
    total: list[float] = field(default_factory=list, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        for name in ("start", "cycle"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < (1 if name == "cycle" else 0):
                raise ValueError(f"SWA {name} must be an int >= {1 if name == 'cycle' else 0}, got {value!r}")

    def collects_after(self, epoch: int) -> bool:
        """True when the weights after ``epoch`` (0-based) are part of the average."""
        return epoch >= self.start and (epoch - self.start + 1) % self.cycle == 0

    def __call__(self, epoch: int, history: History, model: Module) -> bool:
        """The epoch-end callback: add the weights to the running sum when this epoch collects."""
        if epoch == 0:
            self.total = []
        if self.collects_after(epoch):
            weights = [p.data for p in model.parameters()]
            self.total = [a + b for a, b in zip(self.total, weights, strict=True)] if self.total else weights
            history.swa_count += 1
        return False

    def finish(self, history: History, model: Module) -> None:
        """When training ends: set the model's parameters to the mean of the collected weights."""
        if history.swa_count:
            for p, total in zip(model.parameters(), self.total, strict=True):
                p.data = total / history.swa_count


@dataclass
class History:
    """What :func:`fit` saw.

    ``step_loss[k]`` is the batch loss before optimizer step k and ``lr[k]`` the rate it
    used; ``epoch_loss[e]`` is the mean per-sample loss over epoch e. ``trajectory``
    (with ``record_trajectory=True``) holds the parameter values before the first step
    and after every step, so it is one longer than ``step_loss``.
    """

    step_loss: list[float] = field(default_factory=list)
    epoch_loss: list[float] = field(default_factory=list)
    lr: list[float] = field(default_factory=list)
    trajectory: list[list[float]] = field(default_factory=list)
    stopped_early: bool = False
    swa_count: int = 0  # how many weight snapshots were averaged

    @property
    def epochs(self) -> int:
        """Number of epochs run."""
        return len(self.epoch_loss)

    def __repr__(self) -> str:
        parts = [f"{self.epochs} epochs, {len(self.step_loss)} steps"]
        if self.epoch_loss:
            parts.append(f"epoch loss {self.epoch_loss[0]:.4g} → {self.epoch_loss[-1]:.4g}")
        if self.lr:
            parts.append(f"lr {self.lr[0]:.4g}" + ("" if self.lr[-1] == self.lr[0] else f" → {self.lr[-1]:.4g}"))
        if self.stopped_early:
            parts.append("stopped early")
        if self.swa_count:
            parts.append(f"SWA over {self.swa_count} snapshots")
        return f"History({'; '.join(parts)})"

    def _repr_html_(self) -> str:
        """A summary table (Jupyter shows it); :meth:`plot` draws the curves."""
        rows: list[list[Any]] = [["epochs", self.epochs], ["optimizer steps", len(self.step_loss)]]
        if self.epoch_loss:
            best = min(range(self.epochs), key=self.epoch_loss.__getitem__)
            rows += [["first epoch loss", f"{self.epoch_loss[0]:.6g}"],
                     ["last epoch loss", f"{self.epoch_loss[-1]:.6g}"],
                     ["best epoch loss", f"{self.epoch_loss[best]:.6g} (epoch {best})"]]
        if self.lr:
            rows.append(["learning rate", f"{self.lr[0]:.4g} → {self.lr[-1]:.4g}, min {min(self.lr):.4g}, "
                                          f"max {max(self.lr):.4g}"])
        rows.append(["stopped early", "yes" if self.stopped_early else "no"])
        if self.swa_count:
            rows.append(["SWA snapshots averaged", self.swa_count])
        if self.trajectory:
            rows.append(["trajectory", f"{len(self.trajectory)} points of {len(self.trajectory[0])} parameters"])
        return html_table(None, rows, caption="training history (history.plot() draws the curves)")

    def plot(self, log: bool | None = None) -> Any:
        """The loss (left) and learning rate (right) against the optimizer step; returns a Figure
        that Jupyter shows inline (``figure.savefig(path)`` writes it; needs matplotlib).

        The loss of every batch is drawn thin, each epoch's mean loss as points at the
        epoch's last step (one line when every epoch is one full batch). ``log`` puts
        the loss on a log scale; None chooses it when the loss spans more than a decade.

        >>> from nn import MLP, SGD, data, losses
        >>> model = MLP(1, [1], activation="linear", seed=0)
        >>> history = fit(model, data.housing(20), losses.mse, SGD(model.parameters(), lr=0.3),
        ...               epochs=5, batch_size=5)
        >>> [ax.get_ylabel() for ax in history.plot().axes]
        ['loss', 'learning rate']
        """
        if not self.step_loss:
            raise ValueError("this History has no steps to plot: fit ran 0 epochs")
        figure = new_figure(10, 3.8)
        loss_ax, lr_ax = figure.add_subplot(1, 2, 1), figure.add_subplot(1, 2, 2)
        steps = range(1, len(self.step_loss) + 1)
        per_epoch = len(self.step_loss) // max(1, self.epochs)
        if per_epoch == 1:
            loss_ax.plot(steps, self.step_loss, color="#1971c2", label="loss (full batch)")
        else:
            loss_ax.plot(steps, self.step_loss, color="#1971c2", linewidth=0.6, alpha=0.5, label="batch loss")
            loss_ax.plot([per_epoch * (e + 1) for e in range(self.epochs)], self.epoch_loss, "o-",
                         color="#d9480f", markersize=3, label="epoch mean loss")
        positive = [v for v in self.step_loss if v > 0]
        if log is None:
            log = len(positive) == len(self.step_loss) and max(positive) > 10 * min(positive)
        if log:
            plain_log_scale(loss_ax)
        loss_ax.set_xlabel("optimizer step")
        loss_ax.set_ylabel("loss")
        loss_ax.set_title("loss" + (" (log scale)" if log else ""))
        loss_ax.legend(fontsize="small")
        lr_ax.plot(steps, self.lr, color="#2f9e44")
        lr_ax.set_xlabel("optimizer step")
        lr_ax.set_ylabel("learning rate")
        lr_ax.set_title("learning rate")
        lr_ax.set_ylim(bottom=0)
        return figure


def _check_data(data: Any) -> list[tuple[list[float], list[float], bool]]:
    """(inputs, targets as a list, whether the target was one number) per sample."""
    if not isinstance(data, Sequence) or isinstance(data, str) or not data:
        raise ValueError("data must be a non-empty list of (inputs, target) pairs")
    checked = []
    for index, sample in enumerate(data):
        if not isinstance(sample, (tuple, list)) or len(sample) != 2:
            raise TypeError(f"data[{index}] must be an (inputs, target) pair, got {sample!r}")
        inputs, target = sample
        scalar = isinstance(target, (int, float)) and not isinstance(target, bool)
        targets = [target] if scalar else target
        if not isinstance(inputs, Sequence) or not isinstance(targets, Sequence):
            raise TypeError(f"data[{index}] must hold a list of inputs and a number or list target")
        for item in list(inputs) + list(targets):
            if isinstance(item, bool) or not isinstance(item, (int, float)):
                raise TypeError(f"data[{index}] holds {item!r}; inputs and targets must be numbers")
            if not math.isfinite(item):  # else the loss is NaN and training blames the learning rate
                raise ValueError(f"data[{index}] holds {item!r}; inputs and targets must be finite")
        checked.append(([float(x) for x in inputs], [float(t) for t in targets], scalar))
    if len({(len(x), len(t), s) for x, t, s in checked}) != 1:
        raise ValueError("every sample must have the same number of inputs and targets")
    return checked


def batches(n: int, batch_size: int | None, rng: random.Random | None = None) -> list[list[int]]:
    """The sample indices of one epoch's batches: all ``n`` at once when ``batch_size`` is None,
    else runs of ``batch_size`` (the last may be shorter), shuffled by ``rng`` when given.

    >>> batches(5, 2)
    [[0, 1], [2, 3], [4]]
    >>> batches(3, None)
    [[0, 1, 2]]
    """
    order = list(range(n))
    if rng is not None and batch_size is not None:
        rng.shuffle(order)
    size = n if batch_size is None else batch_size
    return [order[i:i + size] for i in range(0, n, size)]


class _GraphBatchLoss:
    """Loss and gradient of one batch by building the graph and running backward."""

    def __init__(self, model: Module, loss: Callable) -> None:
        self.model, self.loss = model, loss

    def sample_loss(self, inputs: Sequence[float | Value], targets: Sequence[float | Value],
                    scalar: bool) -> Value:
        out = self.model(inputs)
        result = self.loss(out, targets[0] if scalar else targets)
        if not isinstance(result, Value):
            raise TypeError(f"the loss function must return a Value, got {type(result).__name__}")
        return result

    def __call__(self, batch: list) -> float:
        total = self.sample_loss(*batch[0])
        for sample in batch[1:]:
            total = total + self.sample_loss(*sample)
        mean = total * (1.0 / len(batch))
        mean.backward()
        return mean.data


class _CompiledBatchLoss:
    """Loss and gradient of one batch through ``autograd_core.jit``: the per-sample loss compiled
    once (per branch it takes: a loss that reads a number, as ``binary_cross_entropy`` does, is
    compiled per path, guarded), each batch one generated loop over its samples
    (``JitFunction.mean``), which gives the floats of the batch's eager graph, ``(l0 + l1 + ...)
    * (1 / n)`` and its backward, bit for bit."""

    def __init__(self, model: Module, loss: Callable, first: tuple) -> None:
        scalar = first[2]
        graph_loss = _GraphBatchLoss(model, loss)

        def per_sample_loss(inputs: list[Value], targets: list[Value]) -> Value:
            return graph_loss.sample_loss(inputs, targets, scalar)

        named = getattr(model, "named_parameters", None)
        self.compiled = jit(per_sample_loss, params=dict(named()) if named is not None else model.parameters())

    def __call__(self, batch: list) -> float:
        return self.compiled.mean([(inputs, targets) for inputs, targets, _ in batch])


def _progress(enabled: bool | None, total: int) -> Any:
    if enabled is None:
        # On a terminal, and only for runs that take more than a second: quick runs stay quiet.
        return tqdm(total=total, disable=not sys.stderr.isatty(), unit="step", leave=False,
                    delay=PROGRESS_DELAY_SECONDS)
    return tqdm(total=total, disable=not enabled, unit="step", leave=False)


def _check_optimizer_holds_model(optimizer: Optimizer, model: Any) -> None:
    """A ValueError when the optimizer holds none of the model's parameters (made from another
    model, or from a model rebuilt since: training would change nothing and say nothing); a
    UserWarning naming the left-out parameters when it holds only some (freezing part of a model
    is a deliberate choice in PyTorch, so it is allowed)."""
    named = getattr(model, "named_parameters", None)
    if named is None:
        return
    pairs = list(named())
    held = {id(p) for p in optimizer.params}
    left_out = [name for name, p in pairs if id(p) not in held]
    if not left_out:
        return
    kind = type(optimizer).__name__
    if len(left_out) == len(pairs):
        raise ValueError(
            f"the optimizer holds none of the model's {len(pairs)} parameters (it holds "
            f"{len(optimizer.params)} others), so fit would train nothing: make it from this model, "
            f"as {kind}(model.parameters(), ...), after the model is built")
    names = ", ".join(left_out[:3]) + (", ..." if len(left_out) > 3 else "")
    warnings.warn(
        f"the optimizer holds {len(pairs) - len(left_out)} of the model's {len(pairs)} parameters; the "
        f"other {len(left_out)} ({names}) will not be trained. To train them all, make it as "
        f"{kind}(model.parameters(), ...)", UserWarning, stacklevel=3)


def _check_batch_size(batch_size: Any, n: int) -> int | None:
    if batch_size is None:
        return None
    return min(as_int(batch_size, "batch_size (None for full batch)", minimum=1), n)


def _early_stopping(value: Any) -> list[EarlyStopping]:
    if value is None:
        return []
    if isinstance(value, EarlyStopping):
        return [value]
    if isinstance(value, (tuple, list)) and len(value) == 2:
        return [EarlyStopping(*value)]
    raise TypeError(f"early_stopping must be None, (patience, min_delta) or EarlyStopping, got {value!r}")


def _swa(value: Any) -> list[SWA]:
    if value is None:
        return []
    if isinstance(value, SWA):
        return [value]
    if isinstance(value, int) and not isinstance(value, bool):
        return [SWA(cycle=value)]
    raise TypeError(f"swa must be None, an SWA(...) or a cycle length in epochs, got {value!r}")


class _LearningRate:
    """Sets ``optimizer.lr``: from a step-indexed schedule before every optimizer step, or
    from a :class:`~nn.schedules.ReduceOnPlateau` after every epoch (as a callback)."""

    def __init__(self, schedule: Any, optimizer: Optimizer) -> None:
        self.plateau = schedule if isinstance(schedule, ReduceOnPlateau) else None
        if schedule is not None and self.plateau is None and not callable(schedule):
            raise TypeError(f"schedule must be callable(step) -> lr or a ReduceOnPlateau, got {schedule!r}")
        self.per_step = schedule if self.plateau is None else None
        self.optimizer = optimizer
        if self.plateau is not None:
            optimizer.lr = self.plateau.lr

    def before_step(self, step: int) -> None:
        if self.per_step is not None:
            self.optimizer.lr = float(self.per_step(step))

    def __call__(self, epoch: int, history: History, model: Module) -> bool:
        if self.plateau is not None:
            self.optimizer.lr = self.plateau.step(history.epoch_loss[-1])
        return False


class _BatchUpdate:
    """One optimizer step per batch, each recorded in the history."""

    def __init__(self, batch_loss: Any, optimizer: Optimizer, rate: _LearningRate, history: History,
                 params: list[Value] | None) -> None:
        self.batch_loss, self.optimizer, self.rate, self.history = batch_loss, optimizer, rate, history
        self.params = params  # recorded after every step when given (record_trajectory)
        if params is not None:
            history.trajectory.append([p.data for p in params])

    def __call__(self, batch: list, epoch: int) -> float:
        """Set the rate, compute the batch's loss and gradient, step; returns the batch loss."""
        self.rate.before_step(len(self.history.step_loss))
        self.optimizer.zero_grad()
        loss = _checked(self.batch_loss, batch, epoch)
        self.optimizer.step()
        self.history.step_loss.append(loss)
        self.history.lr.append(self.optimizer.lr)
        if self.params is not None:
            self.history.trajectory.append([p.data for p in self.params])
        return loss


def _checked(batch_loss: Any, batch: list, epoch: int) -> float:
    """The batch's loss (its gradient left in the parameters); FloatingPointError if it diverged."""
    try:
        loss = float(batch_loss(batch))
    except ArithmeticError as error:  # overflow in the forward or backward pass
        raise FloatingPointError(f"training diverged at epoch {epoch} ({error}); lower the learning rate") from error
    if not math.isfinite(loss):
        raise FloatingPointError(f"the loss became {loss!r} at epoch {epoch}; lower the learning rate")
    return loss


def _end_of_epoch(callbacks: list, epoch: int, history: History, model: Module) -> bool:
    """Call every callback (all of them, even after one asks to stop); True if any asked."""
    return any([callback(epoch, history, model) is True for callback in callbacks])


def _finish(callbacks: list, history: History, model: Module) -> None:
    for callback in callbacks:
        finish = getattr(callback, "finish", None)
        if finish is not None:
            finish(history, model)


def fit(model: Module, data: Sequence, loss: Callable, optimizer: Optimizer, epochs: int,
        batch_size: int | None = None, shuffle_seed: int | None = 0, schedule: Any = None,
        early_stopping: Any = None, swa: Any = None, callbacks: Iterable[Callable] = (),
        progress: bool | None = None, record_trajectory: bool = False,
        compile: bool = False) -> History:
    """Train ``model`` on ``data`` and return a :class:`History`.

    The loop is the textbook one: for each epoch, for each batch, zero the gradients,
    compute the batch's mean loss and its gradient, step the optimizer. Policy lives in
    small objects called at the end of each epoch with the callback interface
    (``callback(epoch, history, model)``, True to stop): the plateau learning rate,
    :class:`SWA`, the user's callbacks, then :class:`EarlyStopping`, all of them every
    epoch; a callback's ``finish(history, model)``, if it has one, runs when training ends.

    * ``batch_size``: None for full-batch gradient descent, 1 for stochastic, k for
      mini-batches of k (the last one may be smaller). Batches are reshuffled every
      epoch by ``random.Random(shuffle_seed)`` (None keeps the data order).
    * ``schedule``: a step-indexed schedule (``lr = schedule(step)`` is set before every
      optimizer step) or a :class:`~nn.schedules.ReduceOnPlateau` (fed each epoch's loss).
    * ``early_stopping``: ``(patience, min_delta)`` or :class:`EarlyStopping`, on the epoch loss.
    * ``swa``: :class:`SWA` (or an int cycle length); the model ends at the averaged weights.
    * ``callbacks``: each is called as ``callback(epoch, history, model)`` after every
      epoch; returning True stops training (``EarlyStopping`` and ``SWA`` objects may be
      passed here too).
    * ``progress``: a tqdm bar; None shows it on a terminal once the run has lasted a second,
      True always, False never.
    * ``compile``: compute each batch's loss and gradient with code compiled by
      ``autograd_core.jit`` (the same floats as without, bit for bit, many times faster).

    The optimizer must hold the model's parameters: one that holds none of them is a
    ``ValueError`` (nothing would train), one that holds only some gives a ``UserWarning``
    naming the others (they stay as they are, as frozen layers do in PyTorch).

    >>> from nn import MLP, SGD, data, losses
    >>> model = MLP(1, [1], activation="linear", seed=0)
    >>> history = fit(model, data.housing(20), losses.mse, SGD(model.parameters(), lr=0.3), epochs=50)
    >>> history.epoch_loss[-1] < history.epoch_loss[0]
    True
    """
    samples = _check_data(data)
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"optimizer must be an nn.optim.Optimizer, got {type(optimizer).__name__}")
    _check_optimizer_holds_model(optimizer, model)
    as_int(epochs, "epochs", minimum=0)
    batch_size = _check_batch_size(batch_size, len(samples))
    rate = _LearningRate(schedule, optimizer)
    # Policy runs at the end of each epoch, in this order: rate, averaging, the user's, stopping.
    at_epoch_end = [rate, *_swa(swa), *callbacks, *_early_stopping(early_stopping)]
    batch_loss = _CompiledBatchLoss(model, loss, samples[0]) if compile else _GraphBatchLoss(model, loss)
    history = History()
    update = _BatchUpdate(batch_loss, optimizer, rate, history, model.parameters() if record_trajectory else None)
    rng = random.Random(shuffle_seed) if shuffle_seed is not None else None
    with _progress(progress, epochs * len(batches(len(samples), batch_size))) as bar:
        for epoch in range(epochs):
            total = 0.0
            for batch in batches(len(samples), batch_size, rng):
                total += update([samples[i] for i in batch], epoch) * len(batch)
                bar.update(1)
            history.epoch_loss.append(total / len(samples))
            bar.set_postfix(loss=f"{history.epoch_loss[-1]:.4g}")
            if _end_of_epoch(at_epoch_end, epoch, history, model):
                break
    _finish(at_epoch_end, history, model)
    return history
