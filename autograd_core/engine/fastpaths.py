"""Every generated fast path of the eager engine, in one place, beside the plain loop it unrolls.

Three hot paths are written out as Python source from templates and the op table, then
compiled once at import time:

* node creation: the ``Value`` operators ``+ - *`` and their reflected forms (with a Value
  or a float on the other side), the generic unary op and ``new_node``
  (:func:`define_node_makers`), and each one-input op's method (:func:`define_unary_method`);
  the template that builds a node is written once (``_NEW_NODE``) and pasted into each;
* the ``.data`` and ``.grad`` setters (:func:`define_checked_setter`): a type test and a
  slot store;
* the float backward pass (:func:`float_pass_source`): one branch per op, each the op's
  own partial rule evaluated on symbols (:mod:`autograd_core.compiler.symbols`), so a node's update
  is straight arithmetic instead of a call of its rule.

Every generated source is registered with :mod:`linecache` under a name such as
``<autograd_core.fastpaths: float pass>``, so tracebacks, ``pdb`` and ``inspect.getsource``
show its real lines. :func:`reference_gradients` is the textbook backward pass, a plain
loop over the op table that the generated passes must agree with (the tests check it on
random expression DAGs).

Per-pass state (for anyone optimising backward): a generated pass keeps each node's gradient
for the pass in the node's scratch slot ``_pass_grad`` (a slot is several times cheaper to read
and write than a dict entry, and backward is half of a training step). Every pass holds
:data:`PASS_LOCK` from zeroing those slots to reading them back, so passes started at the same
time in several threads over shared nodes take turns and give exactly the sum of their
gradients; a pass started from inside another in the same thread (a user-defined partial
rule that calls ``backward``) keeps its gradients in a dict instead (:func:`reference_gradients`).

>>> from autograd_core import Value
>>> x = Value(3.0)
>>> y = x * x + x
>>> reference_gradients(y, 1.0)[x]
7.0
"""

from __future__ import annotations

import itertools
import linecache
import math
import threading
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from ..compiler.symbols import Sym, identifier
from .graph import topological_order
from .ieee import ieee_partials
from .modes import THIS_THREAD, AllThreads
from .ops import HELPERS, OPS, Op

if TYPE_CHECKING:  # only for annotations: value.py imports this module
    from .value import Value

__all__ = ["define", "define_node_makers", "define_unary_method", "define_checked_setter", "float_pass_source",
           "reference_gradients", "float_gradients", "accumulate_gradients", "PASS_LOCK"]

_serial = itertools.count(1)


def define(source: str, name: str, what: str, namespace: dict[str, Any]) -> Any:
    """Compile ``source``, run it in ``namespace`` and return the function it defines as ``name``.

    The source is registered with :mod:`linecache` under ``<autograd_core.<what> #n>``, so
    tracebacks, ``pdb`` and ``inspect`` show its lines (the engine's generated functions live
    as long as the process, and so do their entries).

    >>> square = define("def square(x):\\n    return x * x\\n", "square", "doc example", {})
    >>> import inspect
    >>> inspect.getsource(square)
    'def square(x):\\n    return x * x\\n'
    """
    filename = f"<autograd_core.{what} #{next(_serial)}>"
    # mtime None: linecache.checkcache() keeps the entry (there is no file to compare with).
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    exec(compile(source, filename, "exec"), namespace)
    return namespace[name]


# --- node creation --------------------------------------------------------------------------------

# The one place a result node is built. The generated code runs in value.py's module
# namespace, where ``Value``, ``_new_object`` (object.__new__), ``AllThreads``, ``_binary``,
# ``_checked_node`` and ``_forward_failed`` are defined; __init__'s validation is skipped
# because ``data`` is already a float.
_NEW_NODE = """\
{node} = _new_object(Value)
{node}._data = {data}
{node}._grad = 0.0
{node}.label = ""
{node}._op = {op}
{node}._a = {a}
{node}._b = {b}"""


def _new_node(data: str, op: str, a: str, b: str, node: str = "node") -> str:
    """Source lines that build the node ``node``; a leaf when ``op`` is ``None``."""
    return _NEW_NODE.format(node=node, data=data, op=op, a=a, b=b)


def _indent(text: str, spaces: int) -> str:
    return "\n".join(" " * spaces + line for line in text.splitlines())


def _new_node_source() -> str:
    return f'''\
def new_node(data, op, a=None, b=None):
    """A result node of ``op`` holding ``data`` (already a float)."""
{_indent(_new_node("data", "op", "a", "b"), 4)}
    return node
'''


# The body of a one-input op on the Value ``{a}``, its forward rule called as ``{forward}``.
_UNARY_BODY = """\
try:
    data = {forward}({a}._data)
except (ArithmeticError, ValueError) as error:
    data = _forward_failed(op, ({a}._data,), None, error)
if AllThreads.record_unchecked:
{new_node}
    return node
return _checked_node(data, op, ({a},), None)"""


def _unary_body(forward: str, a: str) -> str:
    new_node = _indent(_new_node("data", "op", a, "None"), 4)
    return _UNARY_BODY.format(forward=forward, a=a, new_node=new_node)


def _unary_source() -> str:
    return f'''\
def unary(op, a):
    """``op`` applied to the Value ``a``: a node built inline unless some thread is in a mode."""
{_indent(_unary_body("op.forward", "a"), 4)}
'''


def _unary_method_source() -> str:
    return f'''\
def make(op):
    forward = op.forward
    def method(self):
{_indent(_unary_body("forward", "self"), 8)}
    return method
'''


def define_unary_method(op: Op, namespace: dict[str, Any]) -> Any:
    """The ``Value`` method of the one-input ``op`` (``x.exp()``), its node built inline: the
    body of ``unary`` with ``op`` bound, one call fewer per op. ``namespace`` as for
    :func:`define_node_makers`."""
    if op.arity != 1 or op.has_const:
        raise ValueError(f"{op.name} is not a one-input op without a constant")
    method = define(_unary_method_source(), "make", f"fastpaths: Value.{op.name}", namespace)(op)
    method.__name__ = method.__qualname__ = op.name
    return method


def _operator_source(op: Op, reflected: bool) -> str:
    """``self <op> other`` (or, ``reflected``, ``other <op> self``, which Python calls only when
    ``other`` is not a Value): the node built inline when no thread is in a mode and ``other``
    is a Value or a float (a constant leaf, built inline too); ``_binary`` otherwise."""
    value_branch = "" if reflected else f'''
            if other.__class__ is Value:
{_indent(_new_node(f"self._data {op.infix} other._data", "op", "self", "other"), 16)}
                return node'''
    float_data = f"other {op.infix} self._data" if reflected else f"self._data {op.infix} other"
    float_parents = ("constant", "self") if reflected else ("self", "constant")
    written = f"other {op.infix} self" if reflected else f"self {op.infix} other"
    call = "_binary(op, other, self)" if reflected else "_binary(op, self, other)"
    return f'''\
def make(op):
    def method(self, other):
        """{written}: {op.maths}"""
        if AllThreads.record_unchecked:{value_branch}
            if other.__class__ is float:
{_indent(_new_node("other", "None", "None", "None", node="constant"), 16)}
{_indent(_new_node(float_data, "op", *float_parents), 16)}
                return node
        return {call}
    return method
'''


def define_node_makers(namespace: dict[str, Any], operators: tuple[Op, ...]) -> dict[str, Any]:
    """``new_node``, ``unary``, and ``__<op>__`` and ``__r<op>__`` for each of ``operators``, run in
    ``namespace``.

    ``namespace`` is value.py's module namespace (see ``_NEW_NODE`` for the names it must
    define by the time these run). Only operators whose forward rule is exactly a Python
    infix operator defined on all real inputs (so it cannot raise) get an inline method.
    """
    makers = {"new_node": define(_new_node_source(), "new_node", "fastpaths: new_node", namespace),
              "unary": define(_unary_source(), "unary", "fastpaths: unary op", namespace)}
    for op in operators:
        if op.infix not in ("+", "-", "*") or not op.total:
            raise ValueError(f"{op.name} has no inline fast path: use _binary")
        for name, reflected in ((f"__{op.name}__", False), (f"__r{op.name}__", True)):
            method = define(_operator_source(op, reflected), "make", f"fastpaths: Value.{name}", namespace)(op)
            method.__name__ = method.__qualname__ = name
            makers[name] = method
    return makers


# --- the .data and .grad setters ------------------------------------------------------------------

_CHECKED_SETTER = '''\
def set_{name}(self, value):
    """Store ``value`` in ``_{name}``: a float as it is, another real number converted, the rest refused."""
    self._{name} = value if value.__class__ is float else as_float(value, "{name}")
'''


def define_checked_setter(name: str, namespace: dict[str, Any]) -> Any:
    """The setter of the ``Value`` property ``name`` (``data``, ``grad``), storing into the slot
    ``_<name>``. Generated because optimizers assign these for every parameter at every step:
    a direct slot store is the cheapest setter, and ``setattr`` by name or a closure calling the
    slot's descriptor cost about half as much again. ``namespace`` must define ``as_float``.
    """
    if not name.isidentifier():
        raise ValueError(f"a property name must be an identifier, got {name!r}")
    return define(_CHECKED_SETTER.format(name=name), f"set_{name}", f"fastpaths: Value.{name} setter", namespace)


# --- the reference backward pass ----------------------------------------------------------------

def reference_gradients(root: Value, seed: float, check_finite: bool = False) -> dict[Value, float]:
    """d(root)/d(node) * seed for every node: the textbook backward pass over the op table.

    Visit the nodes from the output back; each passes its gradient to its inputs, times
    the op's local partial derivative. Zero gradients are skipped, as the fast passes do
    (so ``(x ** 0.5) * 0.0`` at 0 gives 0, where PyTorch gives 0 * inf = nan). A partial
    that is infinite is an IEEE value (``x ** 0.5`` at 0: inf), as in PyTorch; with
    ``check_finite`` (``detect_anomaly``) a non-finite contribution raises instead.
    Readable, not fast: the generated passes must agree with it exactly.
    """
    order = topological_order(root)
    grads = dict.fromkeys(order, 0.0)
    grads[root] = seed
    for node in reversed(order):
        g = grads[node]
        if node._op is None or g == 0.0:
            continue
        parents = node.parents
        try:
            partials = ieee_partials(node._op, [parent.data for parent in parents], node.data, node.const)
        except (ArithmeticError, ValueError, TypeError) as error:  # a rule that IEEE floats cannot run
            raise _partial_error(node, error) from None
        for index, (parent, partial) in enumerate(zip(parents, partials, strict=True)):
            grads[parent] += g * partial
            if check_finite and not math.isfinite(grads[parent]):
                raise _anomaly_error(node, index, grads[parent])
    return grads


# --- the generated float backward pass -------------------------------------------------------------

_FLOAT_PASS_HEAD = '''\
def float_pass(order, root, seed):
    """Set ``_pass_grad`` of every node of ``order`` to d(root)/d(node) * seed (caller holds PASS_LOCK)."""
    for node in order:
        node._pass_grad = 0.0
    root._pass_grad = seed
    try:
        for node in reversed(order):
            g = node._pass_grad{accumulate}
            a = node._a
            # A zero gradient contributes nothing; skipping it also skips dead relus.
            if a is None or g == 0.0:
                continue
            op = node._op
'''
# The backward() variant also adds each node's finished gradient into .grad.
_ACCUMULATE = '''
            node._grad += g'''

_FLOAT_PASS_TAIL = '''\
            elif node._b is not None:
                b = node._b
                da, db = op.partials(a._data, b._data, node._data)
                a._pass_grad += g * da
                b._pass_grad += g * db
            else:
                if op.has_const:
                    (da,) = op.partials(a._data, node._data, node._const)
                else:
                    (da,) = op.partials(a._data, node._data)
                a._pass_grad += g * da
'''

# Under detect_anomaly: after each node, its inputs' gradients so far must be finite.
_FLOAT_PASS_FINITE_CHECK = '''\
            if not isfinite(a._pass_grad):
                raise anomaly_error(node, 0, a._pass_grad)
            if node._b is not None and not isfinite(node._b._pass_grad):
                raise anomaly_error(node, 1, node._b._pass_grad)
'''

_FLOAT_PASS_EXCEPT = '''\
    except FloatingPointError:
        raise  # an anomaly report, not a failed partial
    except (ArithmeticError, ValueError):
        # Python raised where IEEE gives inf or nan (0.0 ** -0.5): the caller redoes the pass
        # with IEEE results.
        raise PartialFailed(node) from None
'''


def _float_pass_branch(op: Op) -> list[str]:
    """``a._pass_grad += g * <partial>`` lines for one op, written by its own partial rule."""
    inputs = [Sym("a._data"), Sym("b._data")][:op.arity]
    partials = op.partials(*inputs, Sym("node._data"))
    grad = Sym("g")
    lines = ["b = node._b"] if op.arity == 2 else []
    for name, partial in zip("ab"[:op.arity], partials, strict=True):
        lines.append(f"{name}._pass_grad += {(grad * partial).text}")
    return lines


def float_pass_source(ops: dict[str, Op], first: tuple[str, ...] = ("mul", "add"), check_finite: bool = False,
                      accumulate: bool = False) -> str:
    """Source of the eager float backward pass with one branch per op of ``ops``.

    Each branch is the op's partial rule evaluated on symbols, so a node's update is
    straight arithmetic on its parents' data instead of a call of the rule that builds a
    tuple. Ops that take a constant (``x ** k``, whose rule branches on ``k``) keep the
    generic call, as do ops added to the table after this module generated the pass.
    With ``check_finite`` every node's contributions are checked (``detect_anomaly``);
    with ``accumulate`` each node's gradient is also added into its ``.grad``.

    >>> print(float_pass_source({"neg": OPS["neg"]}).splitlines()[13:15])
    ['            if op is OP_neg:', '                a._pass_grad += -g']
    """
    order = [name for name in first if name in ops] + [name for name in ops if name not in first]
    lines = [_FLOAT_PASS_HEAD.format(accumulate=_ACCUMULATE if accumulate else "").rstrip("\n")]
    keyword_ = "if"
    for name in order:
        op = ops[name]
        if op.has_const:
            continue
        try:
            branch = _float_pass_branch(op)
        except TypeError:
            continue  # a rule that branches on its inputs cannot be written out: generic call
        lines.append(f"            {keyword_} op is OP_{identifier(name, 'op')}:")
        lines.extend(f"                {line}" for line in branch)
        keyword_ = "elif"
    check = _FLOAT_PASS_FINITE_CHECK if check_finite else ""
    return "\n".join(lines) + "\n" + _FLOAT_PASS_TAIL + check + _FLOAT_PASS_EXCEPT


class PartialFailed(Exception):
    """Raised by a generated pass when Python refused a partial derivative at ``node`` that
    IEEE arithmetic gives as inf or nan; the pass is then redone by :func:`reference_gradients`."""

    def __init__(self, node: Value) -> None:
        super().__init__(f"a partial derivative of {node.op} is infinite or undefined")
        self.node = node


def _partial_error(node: Value, error: Exception) -> Exception:
    const = node.const
    args = [p.data for p in node.parents] + ([const] if const is not None else [])
    label = f" node {node.label!r}" if node.label else ""
    # Nodes made under detect_anomaly() know the line of user code that created them.
    origin = getattr(node, "_origin", None)
    where = f"; the node was created at {origin}" if origin else ""
    return type(error)(
        f"backward through {node.op}{tuple(args)}{label}: the partial derivative is undefined "
        f"there ({error}){where}")


def _anomaly_error(node: Value, parent_index: int, contribution: float) -> FloatingPointError:
    label = f" {node.label!r}" if node.label else ""
    origin = getattr(node, "_origin", None) or "<made outside detect_anomaly>"
    return FloatingPointError(
        f"{node.op} node{label} produced {contribution!r} in backward "
        f"(gradient for input {parent_index}); the node was created at {origin}")


def _compile_float_pass(check_finite: bool, accumulate: bool) -> Any:
    namespace: dict[str, Any] = {f"OP_{identifier(name, 'op')}": op for name, op in OPS.items()}
    namespace.update(HELPERS)
    namespace.update(isfinite=math.isfinite, PartialFailed=PartialFailed, anomaly_error=_anomaly_error,
                     __name__=__name__)
    source = float_pass_source(OPS, check_finite=check_finite, accumulate=accumulate)
    what = "fastpaths: " + ("checked " if check_finite else "") + ("backward" if accumulate else "float pass")
    return define(source, "float_pass", what, namespace)


# Four variants: plain or checked (detect_anomaly), for gradients() or for backward().
_float_pass = _compile_float_pass(check_finite=False, accumulate=False)
_checked_float_pass = _compile_float_pass(check_finite=True, accumulate=False)
_backward_pass = _compile_float_pass(check_finite=False, accumulate=True)
_checked_backward_pass = _compile_float_pass(check_finite=True, accumulate=True)

PASS_LOCK = threading.RLock()
"""Held by every generated pass, from zeroing the nodes' ``_pass_grad`` slots to reading them
back (and adding into ``.grad``): passes over shared nodes in several threads take turns."""


class _PassState:
    """Whether a generated pass is running (only the thread holding PASS_LOCK changes it): a
    pass started inside it, by the same thread, must not reuse the scratch slots. (An
    instance's slot, not a class attribute: writing a class attribute resets the caches of
    every attribute read on that class.)"""

    __slots__ = ("running",)

    def __init__(self) -> None:
        self.running = False


_PASSES = _PassState()


def float_gradients(root: Value, seed: float) -> dict[Value, float]:
    """d(root)/d(node) * seed for every node of root's graph, in a new dict (this pass's own).

    >>> from autograd_core import Value
    >>> x = Value(2.0)
    >>> float_gradients(x * x, 1.0)[x]
    4.0
    """
    order = topological_order(root)
    # The thread-local read only when some thread is in a mode at all.
    checked = not AllThreads.record_unchecked and THIS_THREAD.anomaly
    with PASS_LOCK:
        if _PASSES.running:
            return reference_gradients(root, seed, check_finite=checked)
        _PASSES.running = True
        try:
            (_checked_float_pass if checked else _float_pass)(order, root, seed)
            return {node: node._pass_grad for node in order}
        except PartialFailed:
            return reference_gradients(root, seed, check_finite=checked)
        finally:
            _PASSES.running = False


def accumulate_gradients(root: Value, seed: float) -> None:
    """Add d(root)/d(node) * seed into ``node.grad`` for every node: the work of ``backward()``.

    >>> from autograd_core import Value
    >>> x = Value(2.0)
    >>> accumulate_gradients(x * x, 1.0)
    >>> x.grad
    4.0
    """
    order = topological_order(root)
    checked = not AllThreads.record_unchecked and THIS_THREAD.anomaly
    with PASS_LOCK:
        if _PASSES.running:
            _add_into_grads(order, reference_gradients(root, seed, check_finite=checked))
            return
        _PASSES.running = True
        try:
            (_checked_backward_pass if checked else _backward_pass)(order, root, seed)
        except PartialFailed as failed:
            _finish_with_ieee(order, root, seed, failed.node, checked)
        finally:
            _PASSES.running = False


def _add_into_grads(nodes: Iterable[Value], grads: dict[Value, float]) -> None:
    for node in nodes:
        node._grad += grads[node]


def _finish_with_ieee(order: list[Value], root: Value, seed: float, failed: Value, checked: bool) -> None:
    """Redo a backward pass that failed at ``failed`` with IEEE results; the nodes up to and
    including ``failed`` (in reverse order) already added their gradient into ``.grad``."""
    remaining = iter(reversed(order))
    for node in remaining:
        if node is failed:
            break
    _add_into_grads(remaining, reference_gradients(root, seed, check_finite=checked))
