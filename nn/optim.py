"""Optimizers with the update rules exactly as PyTorch documents them (torch.optim).

Each reads ``p.grad`` of its parameters and changes ``p.data`` in :meth:`step`;
``lr`` is a plain attribute, so a schedule can set it between steps. Notation
below: θ a parameter, g its gradient, γ the learning rate, λ weight decay, t the
step count starting at 1.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from autograd_core import Value

from .checks import arguments_repr, fraction, non_negative

__all__ = ["Optimizer", "SGD", "RMSProp", "Adam"]


class Optimizer:
    """Base class: holds the parameters and the learning rate.

    Its ``repr`` names the learning rate, the settings that differ from their defaults and
    the number of parameters, as ``torch.optim``'s repr lists its parameter group:

    >>> SGD([Value(1.0), Value(2.0)], lr=0.1, momentum=0.9)
    SGD(lr=0.1, momentum=0.9, 2 parameters)
    >>> Adam([Value(1.0)], betas=(0.8, 0.999))
    Adam(lr=0.001, betas=(0.8, 0.999), 1 parameter)
    """

    def __init__(self, params: Iterable[Value], lr: float) -> None:
        params = list(params)
        if not params:
            raise ValueError("the optimizer got an empty parameter list")
        for index, p in enumerate(params):
            if not isinstance(p, Value):
                raise TypeError(f"parameter {index} must be a Value, got {type(p).__name__}")
        if len({id(p) for p in params}) != len(params):
            raise ValueError("a parameter appears more than once in the optimizer's list")
        self.params = params
        self.lr = non_negative(lr, "lr")
        self.steps = 0  # t, the number of step() calls so far

    def __repr__(self) -> str:
        n = len(self.params)
        return arguments_repr(self, extra=[f"{n} parameter{'' if n == 1 else 's'}"])

    def zero_grad(self) -> None:
        """Set every parameter's ``grad`` to 0.0."""
        for p in self.params:
            p.grad = 0.0

    def step(self) -> None:
        """Update every parameter from its ``grad``."""
        raise NotImplementedError

    def _gradients(self, weight_decay: float) -> list[float]:
        """g_t of every parameter, with L2 weight decay folded in as g + λθ (as PyTorch does);
        a ValueError naming the first parameter whose gradient is NaN or infinite."""
        grads = [p.grad for p in self.params]
        if not math.isfinite(sum(grads)):  # one C loop; a NaN or inf anywhere makes the sum one
            for p, g in zip(self.params, grads, strict=True):
                if not math.isfinite(g):
                    raise ValueError(f"parameter {p.label or '?'} has a non-finite gradient {g!r}")
        if weight_decay:
            return [g + weight_decay * p.data for p, g in zip(self.params, grads, strict=True)]
        return grads


class SGD(Optimizer):
    """Stochastic gradient descent, optionally with momentum (PyTorch's formulation).

    g ← g + λθ;  with momentum μ: b ← g at t = 1, else b ← μb + (1 − τ)g;
    Nesterov: g ← g + μb, else g ← b;  θ ← θ − γg.

    >>> w = Value(1.0); w.grad = 2.0
    >>> opt = SGD([w], lr=0.1, momentum=0.9)
    >>> opt.step(); round(w.data, 10)          # b = 2: 1 - 0.1*2
    0.8
    >>> opt.step(); round(w.data, 10)          # b = 0.9*2 + 2 = 3.8
    0.42
    """

    def __init__(self, params: Iterable[Value], lr: float, momentum: float = 0.0,
                 nesterov: bool = False, weight_decay: float = 0.0, dampening: float = 0.0) -> None:
        super().__init__(params, lr)
        self.momentum = non_negative(momentum, "momentum")
        self.weight_decay = non_negative(weight_decay, "weight_decay")
        self.dampening = non_negative(dampening, "dampening")
        self.nesterov = bool(nesterov)
        if self.nesterov and (self.momentum <= 0.0 or self.dampening != 0.0):
            raise ValueError("Nesterov momentum needs momentum > 0 and dampening = 0")
        self.buffers: list[float] | None = None

    def step(self) -> None:
        """θ ← θ − γ·(the momentum-adjusted gradient)."""
        grads = self._gradients(self.weight_decay)
        if self.momentum:
            if self.buffers is None:
                self.buffers = list(grads)
            else:
                self.buffers = [self.momentum * b + (1.0 - self.dampening) * g
                                for b, g in zip(self.buffers, grads, strict=True)]
            if self.nesterov:
                grads = [g + self.momentum * b for g, b in zip(grads, self.buffers, strict=True)]
            else:
                grads = list(self.buffers)
        for p, g in zip(self.params, grads, strict=True):
            p.data -= self.lr * g
        self.steps += 1


class _RunningAverages(Optimizer):
    """Base of RMSProp and Adam: both divide the step by the root of a running average of g²,
    so both take ε (added to that root) and λ (L2 weight decay), validated here once, and keep
    running averages per parameter that start at 0, as torch.optim's state does."""

    def __init__(self, params: Iterable[Value], lr: float, eps: float, weight_decay: float) -> None:
        super().__init__(params, lr)
        self.eps = non_negative(eps, "eps")
        self.weight_decay = non_negative(weight_decay, "weight_decay")

    def _zeros(self) -> list[float]:
        """A running average per parameter, at 0 before the first step."""
        return [0.0] * len(self.params)


class RMSProp(_RunningAverages):
    """RMSProp as PyTorch's ``RMSprop`` documents it.

    g ← g + λθ;  v ← αv + (1 − α)g²;  ṽ = v, or v − ḡ² when centered (ḡ ← αḡ + (1 − α)g);
    with momentum μ: b ← μb + g/(√ṽ + ε), θ ← θ − γb;  else θ ← θ − γ g/(√ṽ + ε).

    >>> w = Value(1.0); w.grad = 2.0
    >>> RMSProp([w], lr=0.01, alpha=0.99).step()   # v = 0.01*4 = 0.04, step = 0.01*2/0.2
    >>> round(w.data, 8)
    0.9
    """

    def __init__(self, params: Iterable[Value], lr: float = 0.01, alpha: float = 0.99,
                 eps: float = 1e-8, weight_decay: float = 0.0, momentum: float = 0.0,
                 centered: bool = False) -> None:
        super().__init__(params, lr, eps, weight_decay)
        self.alpha = fraction(alpha, "alpha")
        self.momentum = non_negative(momentum, "momentum")
        self.centered = bool(centered)
        self.square_avg, self.grad_avg, self.buffers = self._zeros(), self._zeros(), self._zeros()

    def step(self) -> None:
        """One RMSProp update of every parameter."""
        a = self.alpha
        grads = self._gradients(self.weight_decay)  # all checked before any update
        for i, (p, g) in enumerate(zip(self.params, grads, strict=True)):
            self.square_avg[i] = a * self.square_avg[i] + (1.0 - a) * g * g
            v = self.square_avg[i]
            if self.centered:
                self.grad_avg[i] = a * self.grad_avg[i] + (1.0 - a) * g
                v = v - self.grad_avg[i] ** 2
            scaled = g / (math.sqrt(max(v, 0.0)) + self.eps)
            if self.momentum:
                self.buffers[i] = self.momentum * self.buffers[i] + scaled
                p.data -= self.lr * self.buffers[i]
            else:
                p.data -= self.lr * scaled
        self.steps += 1


class Adam(_RunningAverages):
    """Adam as PyTorch documents it.

    g ← g + λθ;  m ← β₁m + (1 − β₁)g;  v ← β₂v + (1 − β₂)g²;
    m̂ = m/(1 − β₁ᵗ);  v̂ = v/(1 − β₂ᵗ);  θ ← θ − γ m̂/(√v̂ + ε).
    With ``amsgrad`` the running maximum of v is used in place of v (then bias-corrected).

    >>> w = Value(1.0); w.grad = 2.0
    >>> Adam([w], lr=0.1).step()      # the first step is γ·sign(g), up to ε
    >>> round(w.data, 6)
    0.9
    """

    def __init__(self, params: Iterable[Value], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, amsgrad: bool = False) -> None:
        super().__init__(params, lr, eps, weight_decay)
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise TypeError(f"betas must be a pair of numbers, got {betas!r}")
        self.betas = (fraction(betas[0], "betas[0]"), fraction(betas[1], "betas[1]"))
        self.amsgrad = bool(amsgrad)
        self.m, self.v, self.v_max = self._zeros(), self._zeros(), self._zeros()

    def step(self) -> None:
        """One Adam update of every parameter."""
        beta1, beta2 = self.betas
        t = self.steps + 1
        correction1 = 1.0 - beta1 ** t
        correction2 = 1.0 - beta2 ** t
        grads = self._gradients(self.weight_decay)  # all checked before any update
        # Whole lists at a time (a GPT has thousands of parameters); the same arithmetic, in the
        # same order, as the per-parameter formulas above.
        self.m = m = [beta1 * m_i + (1.0 - beta1) * g for m_i, g in zip(self.m, grads, strict=True)]
        self.v = v = [beta2 * v_i + (1.0 - beta2) * g * g for v_i, g in zip(self.v, grads, strict=True)]
        if self.amsgrad:
            self.v_max = v = [max(top, v_i) for top, v_i in zip(self.v_max, v, strict=True)]
        lr, eps, sqrt = self.lr, self.eps, math.sqrt
        for p, m_i, v_i in zip(self.params, m, v, strict=True):
            p.data -= lr * (m_i / correction1) / (sqrt(v_i / correction2) + eps)
        self.steps = t
