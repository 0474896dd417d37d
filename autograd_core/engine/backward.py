"""The backward pass: one sweep from a graph's output back to its inputs, reading the op table.

:func:`backward_pass` is reverse-mode differentiation in one loop. It visits every node of the
graph above ``root``, newest first. A node's inputs are always made before it, so newest first
is an order in which every node comes after all the nodes that use it: when the pass reaches a
node, every node that uses it has already passed its share of the gradient down, so the
node's gradient ``g`` (the derivative of ``root`` with respect to it) is complete. The pass then
applies the node's derivative rule, ``op.vjp``, to ``g``, and adds what each input receives to
that input's gradient. The root starts with the seed (1.0 for ``backward()``).

The rule for every gradient, zero or not: each node's rule is applied to its gradient whatever
that gradient is (0, inf or NaN), in IEEE arithmetic, as PyTorch does; a node that received
nothing has gradient 0.0. So ``(x ** 0.5) * 0.0`` at 0 gives NaN (0 · inf), as in PyTorch. A
rule may give the number 0.0 for an input its output does not depend on (``heaviside``,
``x ** 0``): that input receives nothing, whatever ``g`` is. Where Python's floats raise but IEEE
arithmetic has an answer (``0.0 ** -0.5`` is inf, ``g / 0.0`` is ±inf), the pass evaluates the
same rule on IEEE floats (:func:`.ieee.ieee_vjp`). A node's gradient is the sum of what it
receives, in the order the pass visits its users.

Variants are parameters of the same loop, not copies of it:

* ``create_graph=True`` runs the rules on the nodes themselves instead of their floats, so the
  gradients are ``Value`` nodes recorded in the graph and can be differentiated again;
* ``observe(node, g, received)`` is called at every node with its gradient and what each of
  its inputs receives (the explorer replays backward step by step with it);
* under ``detect_anomaly()`` a NaN or inf that a rule gives raises at once, naming the node.

The pass's gradients are its own (:class:`PassGradients`): nothing is written on the nodes, so
passes in several threads over shared nodes never disturb each other. ``backward()`` adds them
into the nodes' ``.grad`` afterwards (:func:`add_into_grads`), the only shared write.

>>> from autograd_core import Value
>>> x = Value(3.0)
>>> y = x * x + x
>>> backward_pass(y, 1.0).get(x)
7.0
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .ieee import ieee_vjp
from .modes import THIS_THREAD, AllThreads

if TYPE_CHECKING:  # only for annotations: value.py imports this module
    from .value import Value

__all__ = ["backward_pass", "apply_rule", "PassGradients", "Observer", "add_into_grads", "GRAD_LOCK"]

Observer = Callable[["Value", Any, tuple[Any, ...]], None]
"""``observe(node, g, received)``: called by :func:`backward_pass` at every node, newest first,
with the node's gradient ``g`` and what each of its inputs receives (``()`` for a leaf)."""


def backward_pass(root: Value, seed: Any, create_graph: bool = False,
                  observe: Observer | None = None) -> PassGradients:
    """d(root)/d(node) · ``seed`` for every node of the graph above ``root``.

    With ``create_graph`` the seed and the gradients are ``Value`` nodes (call it inside
    ``enable_grad()``); otherwise floats. ``observe`` is called at every node, see
    :data:`Observer`. The nodes' ``.grad`` are not touched.

    >>> from autograd_core import Value
    >>> x = Value(2.0)
    >>> seen = []
    >>> grads = backward_pass(x * x, 1.0, observe=lambda node, g, received: seen.append((node.op, g, received)))
    >>> grads.get(x), seen
    (4.0, [('mul', 1.0, (2.0, 2.0)), ('', 4.0, ())])
    """
    if not AllThreads.record_unchecked and not create_graph and THIS_THREAD.observer is not None:
        THIS_THREAD.observer("backward", root, None, None)  # a pass of floats while jit traces
    grads = PassGradients(root, seed)
    nodes, values, position_of = grads.nodes, grads.values, grads.position_of
    check_finite = not AllThreads.record_unchecked and THIS_THREAD.anomaly and not create_graph
    for position, node in enumerate(nodes):  # newest first
        g = values[position]
        if g is None:  # nothing reached it: its gradient is 0
            g = 0.0
        a = node._a
        if a is None:  # a leaf: nothing to pass on
            if observe is not None:
                observe(node, g, ())
            continue
        received = apply_rule(node, g, create_graph)
        if check_finite:
            _check_finite(node, received)
        if observe is not None:
            observe(node, g, received)
        b = node._b
        for parent, amount in zip((a,) if b is None else (a, b), received, strict=True):
            if create_graph and amount.__class__ is float and amount == 0.0:
                continue  # a rule's 0.0 for an input that does not matter: no node to record
            where = position_of[parent._number]
            previous = values[where]
            values[where] = amount if previous is None else previous + amount
    return grads


def apply_rule(node: Value, g: Any, create_graph: bool) -> tuple[Any, ...]:
    """What each input of the op node ``node`` receives from its gradient ``g``: its op's rule
    on its inputs and output (their floats, or with ``create_graph`` the nodes themselves), with
    IEEE results where floats raise. The tangent pass (:mod:`.tangents`) applies it too, with a
    tangent in place of ``g``.

    >>> from autograd_core import Value
    >>> x = Value(3.0)
    >>> apply_rule(x * 4.0, 2.0, create_graph=False)
    (8.0, 6.0)
    """
    op = node._op
    a = node._a
    b = node._b
    assert op is not None and a is not None  # an op node
    if create_graph:
        if b is not None:
            return op.vjp(g, a, b, node)
        return op.vjp(g, a, node, node._const) if op.has_const else op.vjp(g, a, node)
    try:
        if b is not None:
            return op.vjp(g, a._data, b._data, node._data)
        if op.has_const:
            return op.vjp(g, a._data, node._data, node._const)
        return op.vjp(g, a._data, node._data)
    except (ArithmeticError, ValueError):
        # Python's floats raised where IEEE arithmetic gives inf or nan (0.0 ** -0.5): the same
        # rule on IEEE floats.
        inputs = [a._data] if b is None else [a._data, b._data]
        const = node._const if op.has_const else None
        try:
            return ieee_vjp(op, g, inputs, node._data, const)
        except (ArithmeticError, ValueError, TypeError) as error:  # a rule that IEEE floats cannot run
            raise _rule_error(node, error) from None


class PassGradients:
    """One backward pass's gradients, node by node: what :func:`backward_pass` returns.

    On creation it finds every node of the graph above ``root`` and sorts them newest first:
    ``nodes[position]`` is a node and ``values[position]`` its gradient for this pass (None
    until something reaches it; the root's is ``seed``). ``position_of`` maps a node's
    creation number to its position (a dict of ints, cheaper than a dict of nodes); during
    the walk it also marks the nodes found. ``get(node)`` is a node's gradient.
    """

    def __init__(self, root: Value, seed: Any) -> None:
        found = {root._number: root}
        stack = [root] if root._a is not None else []
        while stack:
            node = stack.pop()
            for parent in (node._a, node._b):
                if parent is None:
                    break
                if parent._number not in found:
                    found[parent._number] = parent
                    if parent._a is not None:
                        stack.append(parent)
        newest_first = sorted(found, reverse=True)
        self.nodes: list[Value] = [found[number] for number in newest_first]
        """Every node of the graph, newest first."""
        self.values: list[Any] = [None] * len(self.nodes)
        """Each node's gradient, by position: None until something reaches it."""
        self.values[0] = seed
        self.position_of: dict[int, int] = {number: position for position, number in enumerate(newest_first)}
        """A node's position, by its creation number."""

    def get(self, node: Value, default: Any = 0.0) -> Any:
        """``node``'s gradient: the sum of what it received, ``default`` if nothing reached it
        (or if it is not in the graph)."""
        position = self.position_of.get(node._number)
        if position is None or self.nodes[position] is not node:
            return default
        value = self.values[position]
        return default if value is None else value

    def items(self) -> list[tuple[Value, Any]]:
        """(node, gradient) for every node that received something."""
        return [(node, value) for node, value in zip(self.nodes, self.values, strict=True) if value is not None]


GRAD_LOCK = threading.RLock()
"""The lock under which gradients are added into ``.grad``: by ``backward()`` (all of one pass's
additions together) and by the compiler's generated code. ``node.grad += g`` reads, adds and
writes back: two threads adding into the same node at once could both read the old value, and
one sum would be lost. The passes themselves, which only read the graph, run in parallel.
Re-entrant, so that code run while it is held (a user's op) may call ``backward()``."""


def add_into_grads(grads: PassGradients) -> None:
    """Add a pass's gradient of every node into the node's ``.grad``: the work of ``backward()``.

    >>> from autograd_core import Value
    >>> x = Value(2.0)
    >>> add_into_grads(backward_pass(x * x, 1.0))
    >>> x.grad
    4.0
    """
    pairs = grads.items()
    with GRAD_LOCK:
        for node, grad in pairs:
            node._grad += grad


def _check_finite(node: Value, received: tuple[Any, ...]) -> None:
    """Under ``detect_anomaly()``: raise if an input of ``node`` receives a NaN or an inf."""
    for index, contribution in enumerate(received):
        if not math.isfinite(contribution):
            label = f" {node.label!r}" if node.label else ""
            origin = getattr(node, "_origin", None) or "<made outside detect_anomaly>"
            raise FloatingPointError(
                f"{node.op} node{label} produced {contribution!r} in backward (gradient for input {index}); "
                f"the node was created at {origin}")


def _rule_error(node: Value, error: Exception) -> Exception:
    const = node.const
    args = [p._data for p in node.parents] + ([const] if const is not None else [])
    label = f" node {node.label!r}" if node.label else ""
    # Nodes made under detect_anomaly() know the line of user code that created them.
    origin = getattr(node, "_origin", None)
    where = f"; the node was created at {origin}" if origin else ""
    return type(error)(
        f"backward through {node.op}{tuple(args)}{label}: the derivative is undefined "
        f"there ({error}){where}")
