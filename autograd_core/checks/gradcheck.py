"""Check a function's gradients against central finite differences.

:func:`gradcheck` compares the engine's analytic derivatives of ``f`` with
central differences ``(f(x + ε) - f(x - ε)) / 2ε`` computed in float64 (Python
floats), one input at a time. With ``order=2`` it also compares every second
derivative (the engine's recorded gradient, differentiated again) with central
differences of the first derivative, as HIPS autograd's ``check_grads`` does.

>>> from autograd_core import gradcheck
>>> report = gradcheck(lambda x, y: x * y.exp(), [2.0, 0.5])
>>> report.ok
True
>>> bool(gradcheck(lambda x: x * x.detach(), [3.0]))  # detach() hides half of d(x²)/dx
False
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ..engine.functional import gradients
from ..engine.modes import enable_grad, no_grad
from ..engine.value import Value, as_float, as_value
from ..helpers.display import html_table

__all__ = ["gradcheck", "GradcheckReport", "PartialCheck", "GradcheckError"]


class GradcheckError(AssertionError):
    """Raised by ``gradcheck(..., raise_on_failure=True)``; the message names the worst mismatch."""


@dataclass(frozen=True)
class PartialCheck:
    """One derivative compared: ∂f/∂x_i (``wrt == (i,)``), or ∂/∂x_j of ∂f/∂x_i (``wrt == (i, j)``)."""

    wrt: tuple[int, ...]
    analytic: float
    numeric: float
    abs_error: float
    rel_error: float  # abs_error / |numeric| (inf when numeric is 0 and the error is not)
    ok: bool  # abs_error <= atol + rtol * |numeric|, as numpy.allclose

    @property
    def name(self) -> str:
        """``∂f/∂x0`` or ``∂²f/∂x0∂x1``."""
        if len(self.wrt) == 1:
            return f"∂f/∂x{self.wrt[0]}"
        return "∂²f/" + "".join(f"∂x{i}" for i in self.wrt)

    def __str__(self) -> str:
        verdict = "ok" if self.ok else "MISMATCH"
        return (f"{self.name:<12} analytic {self.analytic: .10g}  numeric {self.numeric: .10g}  "
                f"abs err {self.abs_error:.2e}  rel err {self.rel_error:.2e}  {verdict}")


@dataclass(frozen=True)
class GradcheckReport:
    """Every derivative :func:`gradcheck` compared. True (as a bool) when all agree."""

    inputs: tuple[float, ...]
    checks: tuple[PartialCheck, ...]
    eps: float
    atol: float
    rtol: float

    @property
    def ok(self) -> bool:
        """True when every analytic derivative matches its finite difference."""
        return all(check.ok for check in self.checks)

    @property
    def worst(self) -> PartialCheck | None:
        """The check furthest outside (or nearest to) its tolerance; None if nothing was checked."""
        if not self.checks:
            return None
        return max(self.checks, key=self._excess)

    def _excess(self, check: PartialCheck) -> float:
        if math.isnan(check.abs_error):
            return math.inf
        return check.abs_error / (self.atol + self.rtol * abs(check.numeric))

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        verdict = "ok" if self.ok else "FAILED"
        point = ", ".join(f"{x:.6g}" for x in self.inputs)
        lines = [f"gradcheck at ({point}): {verdict} "
                 f"({len(self.checks)} derivatives, eps={self.eps:g}, atol={self.atol:g}, rtol={self.rtol:g})"]
        lines += [f"  {check}" for check in self.checks]
        return "\n".join(lines)

    def __repr__(self) -> str:
        worst = self.worst
        tail = "" if worst is None else f"; worst {worst.name}: abs err {worst.abs_error:.2e}"
        verdict = "ok" if self.ok else "FAILED"
        noun = "derivative" if len(self.checks) == 1 else "derivatives"
        return f"GradcheckReport({verdict}: {len(self.checks)} {noun}{tail})"

    def _repr_html_(self) -> str:
        """Every derivative compared, as a table (Jupyter shows it)."""
        rows = [[check.name, f"{check.analytic:.10g}", f"{check.numeric:.10g}", f"{check.abs_error:.2e}",
                 f"{check.rel_error:.2e}", "ok" if check.ok else "MISMATCH"] for check in self.checks]
        point = ", ".join(f"{x:.6g}" for x in self.inputs)
        caption = (f"gradcheck at ({point}): {'ok' if self.ok else 'FAILED'} (eps={self.eps:g}, "
                   f"atol={self.atol:g}, rtol={self.rtol:g})")
        return html_table(["derivative", "analytic", "numeric", "abs error", "rel error", ""], rows, caption)


def _evaluate(f: Callable[..., Any], point: Sequence[float]) -> float:
    """f at ``point`` as a float, recording nothing."""
    with no_grad():
        return as_value(f(*[Value(x) for x in point])).data


def _first_derivatives(f: Callable[..., Any], point: Sequence[float]) -> list[float]:
    variables = [Value(x, label=f"x{i}") for i, x in enumerate(point)]
    with enable_grad():  # an outer no_grad must not turn every gradient into 0
        return gradients(as_value(f(*variables)), variables)


def _second_derivatives(f: Callable[..., Any], point: Sequence[float]) -> list[list[float]]:
    """The Hessian by differentiating the recorded gradient graph again."""
    variables = [Value(x, label=f"x{i}") for i, x in enumerate(point)]
    with enable_grad():
        first = gradients(as_value(f(*variables)), variables, create_graph=True)
    return [gradients(g, variables) for g in first]


def _central_difference(func: Callable[[list[float]], Any], point: list[float], index: int, eps: float) -> Any:
    """(func(x + eps e_i) - func(x - eps e_i)) / 2 eps; func returns a float or a list of floats."""
    def shifted(delta: float) -> Any:
        moved = list(point)
        moved[index] += delta
        try:
            return func(moved)
        except (ArithmeticError, ValueError) as error:
            raise type(error)(
                f"gradcheck: f failed at input {index} = {point[index]!r} {'+' if delta > 0 else '-'} "
                f"eps={eps:g} ({error}); use a point further from the edge of f's domain, or a smaller eps"
            ) from error

    plus, minus = shifted(eps), shifted(-eps)
    if isinstance(plus, list):
        return [(p - m) / (2.0 * eps) for p, m in zip(plus, minus, strict=True)]
    return (plus - minus) / (2.0 * eps)


def _compare(wrt: tuple[int, ...], analytic: float, numeric: float, atol: float, rtol: float) -> PartialCheck:
    abs_error = abs(analytic - numeric)
    if abs_error == 0.0:
        rel_error = 0.0
    else:
        rel_error = abs_error / abs(numeric) if numeric != 0.0 else math.inf
    ok = abs_error <= atol + rtol * abs(numeric)  # False for NaN
    return PartialCheck(wrt, float(analytic), float(numeric), abs_error, rel_error, ok)


def _point(inputs: Any) -> list[float]:
    if isinstance(inputs, (Value, int, float)):
        raise TypeError("inputs must be a sequence of numbers, e.g. [1.0] for a function of one argument")
    point = []
    for index, x in enumerate(inputs):
        point.append(x.data if isinstance(x, Value) else as_float(x, f"inputs[{index}]"))
    if not point:
        raise ValueError("gradcheck needs at least one input")
    return point


def _tolerance(name: str, x: Any, strictly_positive: bool = False) -> float:
    value = as_float(x, name)
    if strictly_positive and not value > 0.0:
        raise ValueError(f"{name} must be positive, got {x!r}")
    if not value >= 0.0:
        raise ValueError(f"{name} must be non-negative, got {x!r}")
    return value


def gradcheck(f: Callable[..., Any], inputs: Sequence[float], eps: float = 1e-6, atol: float = 1e-5,
              rtol: float = 1e-3, raise_on_failure: bool = False, order: int = 1) -> GradcheckReport:
    """Compare ``f``'s analytic derivatives at ``inputs`` with central differences.

    ``f`` takes one ``Value`` per entry of ``inputs`` and returns a ``Value`` (or a
    number). Each derivative passes when ``|analytic - numeric| <= atol + rtol *
    |numeric|``. ``order=2`` adds every second derivative ∂²f/∂x_i∂x_j, checked
    against central differences of the first derivatives. The report is truthy
    when everything agrees; with ``raise_on_failure=True`` a mismatch raises
    :class:`GradcheckError` (an ``AssertionError``) naming the worst one.

    >>> print(gradcheck(lambda x: x ** 3, [2.0], order=2))  # doctest: +ELLIPSIS
    gradcheck at (2): ok (2 derivatives, eps=1e-06, atol=1e-05, rtol=0.001)
      ∂f/∂x0       analytic  12  numeric  12  abs err ...  ok
      ∂²f/∂x0∂x0   analytic  12  numeric  12  abs err ...  ok
    """
    point = _point(inputs)
    eps = _tolerance("eps", eps, strictly_positive=True)
    atol, rtol = _tolerance("atol", atol), _tolerance("rtol", rtol)
    if isinstance(order, bool) or order not in (1, 2):
        raise ValueError(f"order must be 1 or 2, got {order!r}")
    checks = []
    analytic = _first_derivatives(f, point)
    for i in range(len(point)):
        numeric = _central_difference(lambda p: _evaluate(f, p), point, i, eps)
        checks.append(_compare((i,), analytic[i], numeric, atol, rtol))
    if order == 2:
        hessian = _second_derivatives(f, point)
        for j in range(len(point)):
            # Column j of the Hessian: how every first derivative moves with x_j.
            numeric_column = _central_difference(lambda p: _first_derivatives(f, p), point, j, eps)
            for i in range(len(point)):
                checks.append(_compare((i, j), hessian[i][j], numeric_column[i], atol, rtol))
    report = GradcheckReport(tuple(point), tuple(checks), eps, atol, rtol)
    worst = report.worst
    if raise_on_failure and worst is not None and not report.ok:
        raise GradcheckError(
            f"gradcheck failed: {worst.name} is {worst.analytic!r} by the engine but {worst.numeric!r} "
            f"by central differences (abs error {worst.abs_error:.3g}, allowed "
            f"{atol + rtol * abs(worst.numeric):.3g})\n{report}")
    return report
