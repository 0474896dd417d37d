"""Gradients as functions: ``backward`` and ``gradients`` (as ``torch.autograd.grad``), and the
function transformations that nest to any order, ``grad``, ``value_and_grad``, ``hessian``, and
forward mode's ``jvp``, ``jacfwd`` and ``hvp``, beside reverse mode's ``jacrev`` (JAX's names).

At the top level (called with plain numbers) they return floats. Called inside
another transformation's function, or with ``Value`` arguments, they record the
gradient as a graph (``create_graph=True``) and return ``Value`` nodes, so
``grad(grad(f))`` is the second derivative. Each call differentiates with respect
to fresh nodes, so a closed-over outer variable is never confused with the inner
one.
"""

from __future__ import annotations

import functools
import threading
import warnings
from collections.abc import Callable, Sequence
from typing import Any

from .backward import add_into_grads, backward_pass
from .graph import topological_order
from .modes import enable_grad, ieee_results
from .tangents import tangent_pass
from .value import RealNumber, Value, as_float, as_value

__all__ = ["backward", "gradients", "grad", "value_and_grad", "hessian", "jvp", "jacfwd", "jacrev", "hvp"]


def backward(root: Value, grad: RealNumber = 1.0) -> None:
    """Accumulate d(root)/d(node) · ``grad`` into ``node.grad`` for every node (``root.backward(grad)``).

    >>> x = Value(2.0)
    >>> y = x * x * x
    >>> backward(y)
    >>> x.grad
    12.0
    """
    if not isinstance(root, Value):
        raise TypeError(f"backward needs a Value, got {type(root).__name__}")
    add_into_grads(backward_pass(root, as_float(grad, "grad")))


def gradients(output: Value, inputs: Sequence[Value], create_graph: bool = False,
              grad_output: RealNumber = 1.0) -> list[Any]:
    """d(output)/d(input) for each input, without touching any ``.grad``.

    Like ``torch.autograd.grad``. With ``create_graph=True`` the gradients are
    ``Value`` nodes recorded in the graph, so they can be differentiated again;
    otherwise they are floats. An input that ``output`` does not depend on gets 0.

    >>> x = Value(3.0)
    >>> y = x ** 3
    >>> (dy,) = gradients(y, [x], create_graph=True)
    >>> dy.data, gradients(dy, [x])[0]
    (27.0, 18.0)
    """
    if not isinstance(output, Value):
        raise TypeError(f"output must be a Value, got {type(output).__name__}")
    inputs = list(inputs)
    for index, item in enumerate(inputs):
        if not isinstance(item, Value):
            raise TypeError(f"inputs[{index}] must be a Value, got {type(item).__name__}")
    seed = as_float(grad_output, "grad_output")
    if not create_graph:
        floats = backward_pass(output, seed)
        return [floats.get(item) for item in inputs]
    # An infinite derivative is inf here too (not an error), as in the float pass and PyTorch.
    with enable_grad(), ieee_results():
        recorded = backward_pass(output, Value(seed), create_graph=True)
        return [as_value(recorded.get(item), "a gradient") for item in inputs]


class _Nesting(threading.local):
    """Per thread, like the modes: another thread's ``grad`` call is not nested in this one's."""

    depth = 0  # how many transformed functions this thread is evaluating right now
    evaluations = 0  # how many transformed functions this thread has evaluated so far (ever)


_NESTING = _Nesting()


def _check_flag(value: Any, name: str) -> None:
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be True or False, got {type(value).__name__}")


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


def _with_variables(args: tuple[Any, ...], argnums: tuple[int, ...]) -> tuple[list[Any], list[Value]]:
    """``args`` with a fresh variable (:func:`_variable`) at each position of ``argnums``, and those
    variables in ``argnums``' order; an ``argnums`` entry out of range, or two naming one argument
    (as torch.func: it would get two variables, one of them unused), is a ValueError."""
    n = len(args)
    for i in argnums:
        if not -n <= i < n:
            raise ValueError(f"argnums entry {i} is out of range for {n} positional arguments")
    if len({i % n for i in argnums}) < len(argnums):
        raise ValueError(f"argnums {argnums!r} names the same argument more than once")
    call_args = list(args)
    variables: list[Value] = []
    for i in argnums:
        variables.append(_variable(args[i], i % n))
        call_args[i] = variables[-1]
    return call_args, variables


def _call(f: Callable[..., Any], args: Sequence[Any], kwargs: dict[str, Any]) -> Any:
    _NESTING.evaluations += 1
    _NESTING.depth += 1
    try:
        return f(*args, **kwargs)
    finally:
        _NESTING.depth -= 1


def _is_nested(args: Sequence[Any]) -> bool:
    return _NESTING.depth > 0 or any(isinstance(a, Value) for a in args)


def _split_aux(result: Any, has_aux: bool) -> tuple[Any, Any]:
    """(output, aux) of ``f``'s result: with ``has_aux`` it must be a pair, as in JAX."""
    if not has_aux:
        return result, None
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        raise TypeError(f"with has_aux=True the function must return a pair (output, aux), "
                        f"got {type(result).__name__}")
    return result[0], result[1]


def _warn_if_independent(transform: str, f: Callable[..., Any], out: Any, output: Value,
                         variables: list[Value], inner_transforms: bool) -> None:
    """Warn, as HIPS autograd does, when ``f``'s output does not depend on the differentiated
    inputs: the gradient is then 0, which is right for a constant function but usually means
    the graph was cut (a Value turned into a float)."""
    if any(node in variables for node in topological_order(output)):
        return
    name = getattr(f, "__name__", "f")
    if not isinstance(out, Value):
        cause = (f"{name} returned a {type(out).__name__}, not a Value: a Value was probably turned into "
                 f"a float on the way, e.g. by math.sin(x), float(x) or x.data; use the Value's own "
                 f"methods instead (x.sin(), x.exp(), ...)")
    elif inner_transforms:
        return  # a derivative taken inside f may really be constant (the derivative of 3·x)
    else:
        cause = (f"the Value {name} returned was built without the input: from a float copy of it "
                 f"(x.data, float(x), math functions) or a detach()")
    warnings.warn(f"{transform}: the output of {name} does not depend on the input(s) it differentiates "
                  f"with respect to, so the gradient is 0. {cause}.", UserWarning, stacklevel=4)


def _evaluate(f: Callable[..., Any], args: tuple[Any, ...], argnums: tuple[int, ...],
              kwargs: dict[str, Any], has_aux: bool = False,
              transform: str = "") -> tuple[Value, list[Value], bool, Any]:
    """Call ``f`` on fresh variables at ``argnums`` (keyword arguments passed through, as in JAX);
    returns (output, variables, nested, aux). With ``transform`` (its name, for the message),
    warns when the output does not depend on the variables."""
    nested = _is_nested(args)
    # Like functorch's grad, the result must not depend on an outer no_grad: record f's
    # graph even there (a no_grad inside f still applies).
    with enable_grad():
        call_args, variables = _with_variables(args, argnums)
        evaluations = _NESTING.evaluations
        out, aux = _split_aux(_call(f, call_args, kwargs), has_aux)
        output = as_value(out)
    if transform:
        inner_transforms = _NESTING.evaluations > evaluations + 1
        _warn_if_independent(transform, f, out, output, variables, inner_transforms)
    return output, variables, nested, aux


def _named_after(f: Callable[..., Any], transformed: Callable[..., Any], what: str,
                 argnums: tuple[int, ...] | None) -> Callable[..., Any]:
    """``transformed`` carrying ``f``'s name, module and ``__wrapped__`` (``functools.wraps``, as JAX's
    transformations do), with a docstring saying what it computes, then ``f``'s own."""
    functools.wraps(f)(transformed)
    name = getattr(f, "__name__", "f")
    which = "every argument" if argnums is None else \
        f"argument{'s' if len(argnums) > 1 else ''} {', '.join(map(str, argnums))}"
    own = getattr(f, "__doc__", None)
    transformed.__doc__ = f"{what} of {name} with respect to {which}." + (f"\n\n{own}" if own else "")
    return transformed


def value_and_grad(f: Callable[..., Any], argnums: int | Sequence[int] = 0,
                   has_aux: bool = False) -> Callable[..., Any]:
    """``f`` transformed to return ``(f(*args), gradient)``.

    The gradient is one number for an int ``argnums``, a tuple for a tuple. With
    ``has_aux=True`` (JAX's meaning) ``f`` returns a pair ``(output, aux)``, only the
    output is differentiated, and the result is ``((value, aux), gradient)``. When the
    output does not depend on the inputs (a Value turned into a float, as by
    ``math.sin(x)``), a ``UserWarning`` says so.

    >>> value_and_grad(lambda x, y: x * y, argnums=(0, 1))(3.0, 4.0)
    (12.0, (4.0, 3.0))
    >>> value_and_grad(lambda x: (x * x, "aux"), has_aux=True)(3.0)
    ((9.0, 'aux'), 6.0)
    """
    indices, single = _normalise_argnums(argnums)
    _check_flag(has_aux, "has_aux")

    def transformed(*args: Any, **kwargs: Any) -> tuple[Any, Any]:
        out, variables, nested, aux = _evaluate(f, args, indices, kwargs, has_aux, "value_and_grad")
        grads = gradients(out, variables, create_graph=nested)
        value = out if nested else out.data
        gradient = grads[0] if single else tuple(grads)
        return ((value, aux) if has_aux else value), gradient

    return _named_after(f, transformed, "Value and gradient", indices)


def grad(f: Callable[..., Any], argnums: int | Sequence[int] = 0, has_aux: bool = False) -> Callable[..., Any]:
    """``f`` transformed to return its gradient with respect to the ``argnums`` arguments.

    With ``has_aux=True`` (JAX's meaning) ``f`` returns ``(output, aux)`` and the result is
    ``(gradient, aux)``. When the output does not depend on the inputs (a Value turned into
    a float, as by ``math.sin(x)``; use ``x.sin()``), a ``UserWarning`` says so.

    >>> d = grad(lambda x: x ** 3)
    >>> d(2.0), grad(d)(2.0), grad(grad(d))(2.0)
    (12.0, 12.0, 6.0)
    >>> grad(lambda x: (x ** 2, {"x": x.data}), has_aux=True)(3.0)
    (6.0, {'x': 3.0})

    The result carries ``f``'s name (``functools.wraps``) and says what it computes:

    >>> def cube(x):
    ...     "x³."
    ...     return x ** 3
    >>> grad(cube).__name__, grad(cube).__doc__.splitlines()[0]
    ('cube', 'Gradient of cube with respect to argument 0.')
    """
    indices, single = _normalise_argnums(argnums)
    _check_flag(has_aux, "has_aux")

    def transformed(*args: Any, **kwargs: Any) -> Any:
        out, variables, nested, aux = _evaluate(f, args, indices, kwargs, has_aux, "grad")
        grads = gradients(out, variables, create_graph=nested)
        gradient = grads[0] if single else tuple(grads)
        return (gradient, aux) if has_aux else gradient

    return _named_after(f, transformed, "Gradient", indices)


def hessian(f: Callable[..., Any], argnums: int | Sequence[int] | None = None) -> Callable[..., Any]:
    """``f`` transformed to return its second derivatives.

    By default over all positional arguments, as a matrix (a list of rows). With an int
    ``argnums`` the one second derivative d²f/dx² (a number, as JAX's ``hessian(f, 0)`` of a
    scalar); with a tuple, the matrix over those arguments, in that order.

    >>> hessian(lambda x, y: x * x * y)(3.0, 2.0)
    [[4.0, 6.0], [6.0, 0.0]]
    >>> hessian(lambda x, y: x * x * y, argnums=0)(3.0, 2.0), hessian(lambda x, y: x * x * y, argnums=(1, 0))(3.0, 2.0)
    (4.0, [[0.0, 6.0], [6.0, 4.0]])
    """
    chosen = None if argnums is None else _normalise_argnums(argnums)

    def transformed(*args: Any, **kwargs: Any) -> Any:
        if not args:
            raise ValueError("hessian needs at least one argument")
        indices, single = chosen if chosen is not None else (tuple(range(len(args))), False)
        out, variables, nested, _ = _evaluate(f, args, indices, kwargs)
        first = gradients(out, variables, create_graph=True)
        rows = [gradients(g, variables, create_graph=nested) for g in first]
        return rows[0][0] if single else rows

    return _named_after(f, transformed, "Hessian", chosen[0] if chosen is not None else None)


# --- forward mode: tangents pushed through the recorded graph ------------------------------------
# f may return one number or a tuple or list of them (its outputs); results keep that shape.

def _outputs(result: Any) -> tuple[list[Value], type | None]:
    """``f``'s result as a list of nodes, and its container type (None for a single output)."""
    if isinstance(result, (tuple, list)):
        if not result:
            raise ValueError(f"the function returned an empty {type(result).__name__}: it needs an output")
        return ([as_value(item, f"output {index} of the function") for index, item in enumerate(result)],
                tuple if isinstance(result, tuple) else list)
    return [as_value(result, "the function's result (a number, or a tuple or list of numbers)")], None


def _shaped(items: list[Any], kind: type | None) -> Any:
    """``items`` in the shape of ``f``'s result: the one item, or a tuple or list of them."""
    if kind is None:
        return items[0]
    return tuple(items) if kind is tuple else list(items)


def _evaluate_outputs(f: Callable[..., Any], args: tuple[Any, ...], argnums: tuple[int, ...],
                      kwargs: dict[str, Any], transform: str) -> tuple[list[Value], type | None, list[Value], bool]:
    """Like :func:`_evaluate` for a function of one or several outputs: (outputs, their container
    type, variables, nested); warns when no output depends on the variables."""
    nested = _is_nested(args)
    with enable_grad():
        call_args, variables = _with_variables(args, argnums)
        evaluations = _NESTING.evaluations
        result = _call(f, call_args, kwargs)
        outputs, kind = _outputs(result)
    if not any(node in variables for node in topological_order(*outputs)):
        first = result[0] if kind is not None else result
        _warn_if_independent(transform, f, first, outputs[0], variables, _NESTING.evaluations > evaluations + 1)
    return outputs, kind, variables, nested


def _push_tangents(outputs: list[Value], seeds: dict[Value, Any], nested: bool) -> list[Any]:
    """Each output's tangent, given the variables' tangents: floats, or when ``nested`` nodes
    recorded in the graph (so they can be differentiated again)."""
    if not nested:
        pushed = tangent_pass(outputs, seeds)
        return [float(pushed.get(output)) for output in outputs]
    with enable_grad(), ieee_results():
        pushed = tangent_pass(outputs, seeds, create_graph=True)
        return [as_value(pushed.get(output), "a tangent") for output in outputs]


def _arguments(values: Any, what: str) -> tuple[Any, ...]:
    """``values`` as a tuple, from a tuple or a list (as JAX's ``jvp`` takes them)."""
    if not isinstance(values, (tuple, list)):
        raise TypeError(f"{what} must be a tuple or a list (one entry per argument of the function), "
                        f"got {type(values).__name__}")
    return tuple(values)


def _primals_and_tangents(primals: Any, tangents: Any) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    """The checked ``primals`` and ``tangents`` of ``jvp`` and ``hvp``: as many of each, at least one,
    each a number or a Value."""
    primals, tangents = _arguments(primals, "primals"), _arguments(tangents, "tangents")
    if len(primals) != len(tangents):
        raise ValueError(f"there must be one tangent per primal: got {len(primals)} primals and "
                         f"{len(tangents)} tangents")
    if not primals:
        raise ValueError("there must be at least one primal (the point to differentiate at)")
    for what, values in (("primals", primals), ("tangents", tangents)):
        for index, value in enumerate(values):
            if not isinstance(value, Value):
                as_float(value, f"{what}[{index}]")
    return primals, tangents


def jvp(f: Callable[..., Any], primals: Sequence[Any], tangents: Sequence[Any]) -> tuple[Any, Any]:
    """``(f(*primals), the derivative of f at primals along tangents)``: a Jacobian-vector
    product, by forward mode (JAX's ``jvp``, HIPS's ``make_jvp``, ``torch.func.jvp``).

    ``primals`` and ``tangents`` are tuples (or lists) with one number per argument of ``f``;
    the result's second entry is Σᵢ ∂f/∂xᵢ · tangentᵢ. ``f`` may return a number or a tuple or
    list of numbers, and both entries have that shape. One evaluation of ``f`` and one tangent
    pass through its graph, whatever the number of outputs. Called with numbers it gives floats;
    with ``Value`` s, or inside another transformation, ``Value`` s that can be differentiated
    again, so it nests: ``jvp`` of ``grad`` is a Hessian-vector product (:func:`hvp`), ``grad``
    of ``jvp`` and ``jvp`` of ``jvp`` are second derivatives.

    >>> jvp(lambda x, y: x * y + x.sin(), (0.0, 2.0), (1.0, 0.0))  # ∂/∂x = y + cos x
    (0.0, 3.0)
    >>> jvp(lambda t: (t.cos(), t.sin()), (0.0,), (2.0,))      # a curve: its velocity
    ((1.0, 0.0), (-0.0, 2.0))
    >>> jvp(lambda x: jvp(lambda y: y ** 3, (x,), (1.0,))[1], (2.0,), (1.0,))[1]  # (x³)'' = 6x
    12.0
    """
    if not callable(f):
        raise TypeError(f"jvp needs a function, got {type(f).__name__}")
    primals, tangents = _primals_and_tangents(primals, tangents)
    outputs, kind, variables, nested = _evaluate_outputs(f, primals, tuple(range(len(primals))), {}, "jvp")
    nested = nested or any(isinstance(t, Value) for t in tangents)
    seeds = {variable: (t if isinstance(t, Value) else float(t)) for variable, t in zip(variables, tangents, strict=True)}
    pushed = _push_tangents(outputs, seeds, nested)
    values: list[Any] = list(outputs) if nested else [output.data for output in outputs]
    return _shaped(values, kind), _shaped(pushed, kind)


def jacfwd(f: Callable[..., Any], argnums: int | Sequence[int] = 0) -> Callable[..., Any]:
    """``f`` transformed to return its Jacobian by forward mode (JAX's ``jacfwd``): one tangent
    pass per differentiated argument, all through one recording of ``f``.

    For a function of one output, the derivative (an int ``argnums``) or a tuple of them (a
    tuple); for a tuple or list of outputs, one such entry per output, in that shape. It costs
    one pass per input, so it suits functions with few inputs and many outputs; :func:`jacrev`
    costs one pass per output.

    >>> jacfwd(lambda t: (t.cos(), t.sin(), t * t))(0.0)
    (-0.0, 1.0, 0.0)
    >>> jacfwd(lambda x, y: [x * y, x + y], argnums=(0, 1))(3.0, 4.0)
    [(4.0, 3.0), (1.0, 1.0)]
    """
    indices, single = _normalise_argnums(argnums)

    def transformed(*args: Any, **kwargs: Any) -> Any:
        outputs, kind, variables, nested = _evaluate_outputs(f, args, indices, kwargs, "jacfwd")
        columns = [_push_tangents(outputs, {variable: 1.0}, nested) for variable in variables]
        rows = [[column[row] for column in columns] for row in range(len(outputs))]
        return _shaped([row[0] if single else tuple(row) for row in rows], kind)

    return _named_after(f, transformed, "Jacobian (forward mode)", indices)


def jacrev(f: Callable[..., Any], argnums: int | Sequence[int] = 0) -> Callable[..., Any]:
    """``f`` transformed to return its Jacobian by reverse mode (JAX's ``jacrev``): one backward
    pass per output, all through one recording of ``f``. The same shapes as :func:`jacfwd`.

    >>> jacrev(lambda x, y: [x * y, x + y], argnums=(0, 1))(3.0, 4.0)
    [(4.0, 3.0), (1.0, 1.0)]
    """
    indices, single = _normalise_argnums(argnums)

    def transformed(*args: Any, **kwargs: Any) -> Any:
        outputs, kind, variables, nested = _evaluate_outputs(f, args, indices, kwargs, "jacrev")
        rows = [gradients(output, variables, create_graph=nested) for output in outputs]
        return _shaped([row[0] if single else tuple(row) for row in rows], kind)

    return _named_after(f, transformed, "Jacobian (reverse mode)", indices)


def hvp(f: Callable[..., Any], primals: Sequence[Any], tangents: Sequence[Any]) -> Any:
    """The Hessian of ``f`` at ``primals`` times the vector ``tangents``, by forward mode over
    reverse mode (``jvp`` of ``grad``), without forming the Hessian: one backward pass recorded,
    one tangent pass through it.

    A number when ``f`` takes one argument, else a tuple with one entry per argument.

    >>> hvp(lambda x, y: x * x * y, (3.0, 2.0), (1.0, 0.0))  # the first column of [[2y, 2x], [2x, 0]]
    (4.0, 6.0)
    >>> hvp(lambda x: x ** 3, (2.0,), (1.0,))
    12.0
    """
    if not callable(f):
        raise TypeError(f"hvp needs a function, got {type(f).__name__}")
    primals, tangents = _primals_and_tangents(primals, tangents)
    gradient = grad(f, argnums=tuple(range(len(primals))))
    _, product = jvp(gradient, primals, tangents)
    return product[0] if len(primals) == 1 else product
