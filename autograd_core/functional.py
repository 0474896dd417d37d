"""Function transformations that nest to any order: ``grad``, ``value_and_grad``, ``hessian``.

At the top level (called with plain numbers) they return floats. Called inside
another transformation's function, or with ``Value`` arguments, they record the
gradient as a graph (``create_graph=True``) and return ``Value`` nodes, so
``grad(grad(f))`` is the second derivative. Each call differentiates with respect
to fresh nodes, so a closed-over outer variable is never confused with the inner
one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from .backprop import gradients
from .modes import enable_grad
from .value import Value, as_float

__all__ = ["grad", "value_and_grad", "hessian"]


class _Nesting:
    depth = 0  # how many transformed functions are being evaluated right now


def _normalise_argnums(argnums: Any) -> tuple[tuple[int, ...], bool]:
    """(indices, single) from an int or a tuple/list of ints."""
    if isinstance(argnums, bool) or not isinstance(argnums, (int, tuple, list)):
        raise TypeError(f"argnums must be an int or a tuple of ints, got {type(argnums).__name__}")
    if isinstance(argnums, int):
        return (argnums,), True
    if not argnums or any(isinstance(i, bool) or not isinstance(i, int) for i in argnums):
        raise TypeError(f"argnums must be a non-empty tuple of ints, got {argnums!r}")
    return tuple(argnums), False


def _variable(arg: Any, position: int) -> Value:
    """A fresh node to differentiate with respect to; it depends on ``arg`` if that is a Value."""
    if isinstance(arg, Value):
        return arg + 0.0  # a new node, so the inner derivative ignores arg's other uses
    return Value(as_float(arg, f"argument {position}"), label=f"x{position}")


def _call(f: Callable[..., Any], args: Sequence[Any], kwargs: dict[str, Any]) -> Any:
    _Nesting.depth += 1
    try:
        return f(*args, **kwargs)
    finally:
        _Nesting.depth -= 1


def _is_nested(args: Sequence[Any]) -> bool:
    return _Nesting.depth > 0 or any(isinstance(a, Value) for a in args)


def _check_output(out: Any) -> Value:
    if isinstance(out, Value):
        return out
    # A function that ignores its inputs may return a plain number: gradient 0.
    return Value(as_float(out, "the function's result"))


def _evaluate(f: Callable[..., Any], args: tuple[Any, ...], argnums: tuple[int, ...],
              kwargs: dict[str, Any]) -> tuple[Value, list[Value], bool]:
    """Call ``f`` on fresh variables at ``argnums`` (keyword arguments passed through, as in JAX);
    returns (output, variables, nested)."""
    n = len(args)
    for i in argnums:
        if not -n <= i < n:
            raise ValueError(f"argnums entry {i} is out of range for {n} positional arguments")
    if len({i % n for i in argnums}) < len(argnums):
        # As torch.func: a repeated argument would get two variables, one of them unused.
        raise ValueError(f"argnums {argnums!r} names the same argument more than once")
    nested = _is_nested(args)
    call_args = list(args)
    variables: list[Value] = []
    # Like functorch's grad, the result must not depend on an outer no_grad: record f's
    # graph even there (a no_grad inside f still applies).
    with enable_grad():
        for i in argnums:
            variables.append(_variable(args[i], i % n))
            call_args[i] = variables[-1]
        return _check_output(_call(f, call_args, kwargs)), variables, nested


def value_and_grad(f: Callable[..., Any], argnums: int | Sequence[int] = 0) -> Callable[..., Any]:
    """``f`` transformed to return ``(f(*args), gradient)``.

    The gradient is one number for an int ``argnums``, a tuple for a tuple.

    >>> value_and_grad(lambda x, y: x * y, argnums=(0, 1))(3.0, 4.0)
    (12.0, (4.0, 3.0))
    """
    indices, single = _normalise_argnums(argnums)

    def transformed(*args: Any, **kwargs: Any) -> tuple[Any, Any]:
        out, variables, nested = _evaluate(f, args, indices, kwargs)
        grads = gradients(out, variables, create_graph=nested)
        value = out if nested else out.data
        return value, (grads[0] if single else tuple(grads))

    transformed.__doc__ = f"Value and gradient of {getattr(f, '__name__', 'f')}."
    return transformed


def grad(f: Callable[..., Any], argnums: int | Sequence[int] = 0) -> Callable[..., Any]:
    """``f`` transformed to return its gradient with respect to the ``argnums`` arguments.

    >>> d = grad(lambda x: x ** 3)
    >>> d(2.0), grad(d)(2.0), grad(grad(d))(2.0)
    (12.0, 12.0, 6.0)
    """
    with_value = value_and_grad(f, argnums)

    def transformed(*args: Any, **kwargs: Any) -> Any:
        return with_value(*args, **kwargs)[1]

    transformed.__doc__ = f"Gradient of {getattr(f, '__name__', 'f')}."
    return transformed


def hessian(f: Callable[..., Any]) -> Callable[..., Any]:
    """``f`` transformed to return its matrix of second derivatives over all positional args.

    >>> hessian(lambda x, y: x * x * y)(3.0, 2.0)
    [[4.0, 6.0], [6.0, 0.0]]
    """

    def transformed(*args: Any, **kwargs: Any) -> list[list[Any]]:
        if not args:
            raise ValueError("hessian needs at least one argument")
        out, variables, nested = _evaluate(f, args, tuple(range(len(args))), kwargs)
        first = gradients(out, variables, create_graph=True)
        return [gradients(g, variables, create_graph=nested) for g in first]

    transformed.__doc__ = f"Hessian of {getattr(f, '__name__', 'f')}."
    return transformed
