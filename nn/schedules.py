"""Learning-rate schedules.

Step-indexed schedules are callables ``schedule(step) -> lr`` (step 0 is the first
optimizer step); they hold their own base learning rate and match the closed
forms of ``torch.optim.lr_scheduler``. :class:`ReduceOnPlateau` instead reacts to
the loss: call ``.step(loss)`` once per epoch and it returns the learning rate.

>>> schedule = StepDecay(0.1, step_size=10, gamma=0.5)
>>> [schedule(s) for s in (0, 9, 10, 25)]
[0.1, 0.1, 0.05, 0.025]
"""

from __future__ import annotations

import math

from autograd_core import as_int

from .checks import arguments_repr, non_negative, positive

__all__ = ["Schedule", "ConstantLR", "StepDecay", "ExponentialDecay", "LinearDecay", "CosineAnnealing",
           "CosineWarmRestarts", "CyclicLR", "ReduceOnPlateau"]


class Schedule:
    """Base class of step-indexed schedules: ``schedule(step) -> learning rate``.

    Its ``repr`` shows the arguments it was made with (those left at their default omitted):

    >>> CosineAnnealing(0.1, t_max=600)
    CosineAnnealing(lr=0.1, t_max=600)
    """

    def __call__(self, step: int) -> float:
        return self.lr_at(as_int(step, "step", minimum=0))

    def __repr__(self) -> str:
        return arguments_repr(self)

    def lr_at(self, step: int) -> float:
        """The learning rate at a (validated) step."""
        raise NotImplementedError


class ConstantLR(Schedule):
    """The same learning rate at every step (unlike torch's ConstantLR, which scales a warm-up)."""

    def __init__(self, lr: float) -> None:
        self.lr = non_negative(lr, "lr")

    def lr_at(self, step: int) -> float:
        """γ."""
        return self.lr


class StepDecay(Schedule):
    """γ · gamma^⌊step / step_size⌋ (torch's StepLR)."""

    def __init__(self, lr: float, step_size: int, gamma: float = 0.1) -> None:
        self.lr = non_negative(lr, "lr")
        self.step_size = as_int(step_size, "step_size", minimum=1)
        self.gamma = positive(gamma, "gamma")

    def lr_at(self, step: int) -> float:
        """γ · gamma^⌊step / step_size⌋."""
        return self.lr * self.gamma ** (step // self.step_size)


class ExponentialDecay(Schedule):
    """γ · gamma^step (torch's ExponentialLR).

    >>> ExponentialDecay(1.0, gamma=0.9)(2)
    0.81
    """

    def __init__(self, lr: float, gamma: float) -> None:
        self.lr = non_negative(lr, "lr")
        self.gamma = positive(gamma, "gamma")

    def lr_at(self, step: int) -> float:
        """γ · gamma^step."""
        return self.lr * self.gamma ** step


class LinearDecay(Schedule):
    """γ · (1 − step/total_steps), then 0: a straight line from γ to 0 (torch's LinearLR with
    start_factor=1, end_factor=0, total_iters=total_steps).

    >>> s = LinearDecay(0.01, total_steps=4)
    >>> [s(k) for k in range(6)]
    [0.01, 0.0075, 0.005, 0.0025, 0.0, 0.0]
    """

    def __init__(self, lr: float, total_steps: int) -> None:
        self.lr = non_negative(lr, "lr")
        self.total_steps = as_int(total_steps, "total_steps", minimum=1)

    def lr_at(self, step: int) -> float:
        """γ · (1 − min(step, total_steps)/total_steps)."""
        return self.lr * (1.0 - min(step, self.total_steps) / self.total_steps)


def _cosine(lr_max: float, lr_min: float, t_cur: float, t_max: float) -> float:
    return lr_min + (lr_max - lr_min) * (1.0 + math.cos(math.pi * t_cur / t_max)) / 2.0


class CosineAnnealing(Schedule):
    """η_min + (η_max − η_min)(1 + cos(π·step/T_max))/2 (torch's CosineAnnealingLR closed form).

    Past T_max the cosine carries on (rising again), as torch's closed form does.

    >>> s = CosineAnnealing(1.0, t_max=10)
    >>> s(0), s(5), s(10)
    (1.0, 0.5, 0.0)
    """

    def __init__(self, lr: float, t_max: int, lr_min: float = 0.0) -> None:
        self.lr = non_negative(lr, "lr")
        self.t_max = as_int(t_max, "t_max", minimum=1)
        self.lr_min = non_negative(lr_min, "lr_min")

    def lr_at(self, step: int) -> float:
        """The cosine value at ``step``."""
        return _cosine(self.lr, self.lr_min, step, self.t_max)


class CosineWarmRestarts(Schedule):
    """SGDR (Loshchilov & Hutter): cosine annealing restarted every cycle, the i-th cycle
    lasting T_0 · T_mult^i steps (torch's CosineAnnealingWarmRestarts).

    >>> s = CosineWarmRestarts(1.0, t_0=4)
    >>> [round(s(k), 3) for k in range(6)]
    [1.0, 0.854, 0.5, 0.146, 1.0, 0.854]
    """

    def __init__(self, lr: float, t_0: int, t_mult: int = 1, lr_min: float = 0.0) -> None:
        self.lr = non_negative(lr, "lr")
        self.t_0 = as_int(t_0, "t_0", minimum=1)
        self.t_mult = as_int(t_mult, "t_mult", minimum=1)
        self.lr_min = non_negative(lr_min, "lr_min")

    def position(self, step: int) -> tuple[int, int, int]:
        """(cycle index, steps into the cycle, cycle length) at ``step``."""
        cycle, t_cur, t_i = 0, step, self.t_0
        if self.t_mult == 1:
            return step // t_i, step % t_i, t_i
        while t_cur >= t_i:  # cycles grow geometrically, so this loop is short
            t_cur -= t_i
            t_i *= self.t_mult
            cycle += 1
        return cycle, t_cur, t_i

    def lr_at(self, step: int) -> float:
        """The cosine value within the current cycle."""
        _, t_cur, t_i = self.position(step)
        return _cosine(self.lr, self.lr_min, t_cur, t_i)


class CyclicLR(Schedule):
    """Leslie Smith's cyclical learning rate (torch's CyclicLR, step_size_down = step_size_up).

    The rate climbs linearly from ``base_lr`` to ``max_lr`` over ``step_size`` steps and
    back down over the next ``step_size``. ``mode="triangular2"`` halves the amplitude
    every cycle.

    >>> s = CyclicLR(0.0, 1.0, step_size=2, mode="triangular2")
    >>> [s(k) for k in range(9)]
    [0.0, 0.5, 1.0, 0.5, 0.0, 0.25, 0.5, 0.25, 0.0]
    """

    def __init__(self, base_lr: float, max_lr: float, step_size: int,
                 mode: str = "triangular") -> None:
        self.base_lr = non_negative(base_lr, "base_lr")
        self.max_lr = non_negative(max_lr, "max_lr")
        self.step_size = as_int(step_size, "step_size", minimum=1)
        if mode not in ("triangular", "triangular2"):
            raise ValueError(f"mode must be 'triangular' or 'triangular2', got {mode!r}")
        self.mode = mode

    def lr_at(self, step: int) -> float:
        """base + (max − base)·max(0, 1 − x)·scale(cycle)."""
        cycle = math.floor(1 + step / (2 * self.step_size))
        x = abs(step / self.step_size - 2 * cycle + 1)
        scale = 1.0 if self.mode == "triangular" else 1.0 / 2.0 ** (cycle - 1)
        return self.base_lr + (self.max_lr - self.base_lr) * max(0.0, 1.0 - x) * scale


class ReduceOnPlateau:
    """Multiply the learning rate by ``factor`` when the loss stops improving (torch's
    ReduceLROnPlateau, mode "min").

    A loss improves on the best so far when it is below best·(1 − threshold)
    (``threshold_mode="rel"``) or best − threshold (``"abs"``). After more than
    ``patience`` epochs without improvement the rate is cut, then ``cooldown``
    epochs pass before bad epochs count again. The rate never goes below ``min_lr``.

    >>> plateau = ReduceOnPlateau(1.0, factor=0.5, patience=1)
    >>> [plateau.step(loss) for loss in (3.0, 2.0, 2.0, 2.0, 2.0)]
    [1.0, 1.0, 1.0, 0.5, 0.5]
    >>> plateau                # lr is the current rate
    ReduceOnPlateau(lr=0.5, factor=0.5, patience=1)
    """

    def __init__(self, lr: float, factor: float = 0.1, patience: int = 10, threshold: float = 1e-4,
                 threshold_mode: str = "rel", cooldown: int = 0, min_lr: float = 0.0,
                 eps: float = 1e-8) -> None:
        self.lr = non_negative(lr, "lr")
        self.factor = positive(factor, "factor")
        if self.factor >= 1.0:
            raise ValueError(f"factor must be < 1, got {factor!r}")
        if isinstance(patience, bool) or not isinstance(patience, int) or patience < 0:
            raise ValueError(f"patience must be an int >= 0, got {patience!r}")
        if isinstance(cooldown, bool) or not isinstance(cooldown, int) or cooldown < 0:
            raise ValueError(f"cooldown must be an int >= 0, got {cooldown!r}")
        if threshold_mode not in ("rel", "abs"):
            raise ValueError(f"threshold_mode must be 'rel' or 'abs', got {threshold_mode!r}")
        self.patience = patience
        self.threshold = non_negative(threshold, "threshold")
        self.threshold_mode = threshold_mode
        self.cooldown = cooldown
        self.min_lr = non_negative(min_lr, "min_lr")
        self.eps = non_negative(eps, "eps")
        self.best = math.inf
        self.bad_epochs = 0
        self.cooldown_left = 0

    def __repr__(self) -> str:
        return arguments_repr(self)

    def _improves(self, loss: float) -> bool:
        if self.threshold_mode == "rel":
            return loss < self.best * (1.0 - self.threshold)
        return loss < self.best - self.threshold

    def step(self, loss: float) -> float:
        """Record one epoch's loss; returns the learning rate to use next."""
        if isinstance(loss, bool) or not isinstance(loss, (int, float)):
            raise TypeError(f"loss must be a number, got {type(loss).__name__}")
        if self._improves(loss):
            self.best = float(loss)
            self.bad_epochs = 0
        else:
            self.bad_epochs += 1
        if self.cooldown_left > 0:
            self.cooldown_left -= 1
            self.bad_epochs = 0
        if self.bad_epochs > self.patience:
            reduced = max(self.lr * self.factor, self.min_lr)
            if self.lr - reduced > self.eps:
                self.lr = reduced
            self.cooldown_left = self.cooldown
            self.bad_epochs = 0
        return self.lr
