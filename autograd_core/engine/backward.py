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

import heapq
import math
import threading
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, Final

from .ieee import ieee_vjp
from .modes import ALL_THREADS, THIS_THREAD

# heapq's functions as constants: compiled by mypyc, a call then needs no lookup in the module.
_heappush: Final = heapq.heappush
_heappop: Final = heapq.heappop

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
    if not ALL_THREADS.record_unchecked and not create_graph and THIS_THREAD.observer is not None:
        THIS_THREAD.observer("backward", root, None, None)  # a pass of floats while jit traces
    grads = PassGradients(root, seed)
    check_finite = not ALL_THREADS.record_unchecked and THIS_THREAD.anomaly and not create_graph
    for node in grads.newest_first():
        g = grads.current
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
        if b is None:
            (to_a,) = received
            grads.add(a, to_a)
        else:
            to_a, to_b = received
            grads.add(a, to_a)
            grads.add(b, to_b)
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
        return op.vjp(g, a, node, node.const) if op.has_const else op.vjp(g, a, node)
    try:
        if b is not None:
            return op.vjp(g, a._data, b._data, node._data)
        if op.has_const:
            return op.vjp(g, a._data, node._data, node.const)
        return op.vjp(g, a._data, node._data)
    except (ArithmeticError, ValueError):
        # Python's floats raised where IEEE arithmetic gives inf or nan (0.0 ** -0.5): the same
        # rule on IEEE floats.
        inputs = [a._data] if b is None else [a._data, b._data]
        const = node.const
        try:
            return ieee_vjp(op, g, inputs, node._data, const)
        except (ArithmeticError, ValueError, TypeError) as error:  # a rule that IEEE floats cannot run
            raise _rule_error(node, error) from None


class PassGradients:
    """One backward pass's gradients, node by node: what :func:`backward_pass` returns.

    The pass finds the graph as it goes: :meth:`add` gives a node its share of a gradient and,
    the first time, adds the node to the graph; :meth:`newest_first` hands out the nodes found
    so far, newest first, each once every node that uses it has been handed out (they are all
    newer). A node's place is its creation number counted down from the root's: a graph's nodes
    are usually made close together, so a list indexed that way holds them densely, the node
    itself at its index, which also marks it as found. The list reaches at most twice as far
    as the nodes found so far: a node beyond it (a parameter made long before this step's
    graph) waits in a second list (its place there found by its creation number), and moves
    into the list if the list grows over it; those left at the end are handed out after the
    list, oldest last (sorted once; those found after the list was handed out wait in a heap).
    So a small graph that uses old nodes needs no long list. ``get(node)`` is a node's gradient
    once the pass is over.
    """

    # The list grows to at most twice the number of nodes found so far (plus a little), so it is
    # never mostly empty; a node beyond waits in the far lists until the list reaches it.
    _SLACK = 64

    def __init__(self, root: Value, seed: Any) -> None:
        self._top = root._number
        # By index (root number - node number): the node, and its gradient so far (None: nothing
        # yet). A small graph fits at once.
        self._nodes: list[Value | None] = [root] + [None] * self._SLACK
        self._values: list[Any] = [seed] + [None] * self._SLACK
        # The nodes beyond the list, in the order they were found, with their gradients so far,
        # and each one's place in those two lists by creation number (one lookup per gradient
        # added). Every one of them lies beyond the end of the list: when the list grows over
        # one, it moves into the list, leaving None behind.
        self._far_slots: dict[int, int] = {}
        self._far_nodes: list[Value | None] = []
        self._far_values: list[Any] = []
        self._far_indexes: list[int] = []  # their indexes, in the order they were found
        self._far_due: list[int] = []  # the indexes of those found after the list (a heap)
        self._found = 1
        self._may_grow = True
        self.current: Any = seed  # the gradient of the node newest_first handed out last

    def add(self, node: Value, received: Any) -> None:
        """Add ``received`` to ``node``'s gradient, and ``node`` to the graph if it is new. The
        number 0.0 adds nothing (it changes no sum): in particular the 0.0 a rule gives for an
        input that does not matter, whatever the gradient."""
        if type(received) is float and received == 0.0:
            received = None
        index = self._top - node._number
        nodes = self._nodes
        length = len(nodes)
        if index >= length and self._may_grow and index < 2 * self._found + self._SLACK:
            length = self._grow(min(max(index + 1, 2 * length), 2 * self._found + self._SLACK))
        if 0 <= index < length:
            if nodes[index] is None:  # new (an older node at this index would be another number)
                nodes[index] = node
                self._values[index] = received
                self._found += 1
            else:
                self._values[index] = _sum(self._values[index], received)
            return
        number = node._number
        slot = self._far_slots.get(number)
        if slot is not None:
            self._far_values[slot] = _sum(self._far_values[slot], received)
        else:
            self._far_slots[number] = len(self._far_nodes)
            self._far_nodes.append(node)
            self._far_values.append(received)
            if self._may_grow:
                self._far_indexes.append(index)
            else:  # the far nodes are being handed out, newest first: it must wait its turn
                _heappush(self._far_due, index)
            self._found += 1

    def _grow(self, length: int) -> int:
        """Lengthen the list to ``length`` (returned), moving into it the far nodes it now covers."""
        grow = length - len(self._nodes)
        self._nodes.extend([None] * grow)
        self._values.extend([None] * grow)
        still_far = []
        for index in self._far_indexes:
            if index < length:
                slot = self._far_slots.pop(self._top - index)
                self._nodes[index] = self._far_nodes[slot]
                self._values[index] = self._far_values[slot]
                self._far_nodes[slot] = self._far_values[slot] = None
            else:
                still_far.append(index)
        self._far_indexes = still_far
        return length

    def newest_first(self) -> Iterator[Value]:
        """Every node of the graph, newest first; a node is handed out once every node that uses
        it has been, so its gradient, :attr:`current` while it is the one handed out, is
        complete (0.0 if nothing reached it). Nodes added while this runs are handed out in turn.
        (The gradient is an attribute rather than half of a yielded pair: no pair is made per node.)"""
        nodes, values = self._nodes, self._values
        index = 0
        while index < len(nodes):
            node = nodes[index]
            if node is not None:
                value = values[index]
                self.current = 0.0 if value is None else value
                yield node
            index += 1
        # Then the far nodes, newest first (smallest index first). Their inputs are older still:
        # all far too, and any new one waits in the heap, merged in by index.
        self._may_grow = False
        pending = self._far_indexes
        pending.sort()
        due = self._far_due
        next_pending = 0
        while next_pending < len(pending) or due:
            if due and (next_pending == len(pending) or due[0] < pending[next_pending]):
                index = _heappop(due)
            else:
                index = pending[next_pending]
                next_pending += 1
            slot = self._far_slots[self._top - index]
            far = self._far_nodes[slot]
            assert far is not None  # only the ones moved into the list are None
            value = self._far_values[slot]
            self.current = 0.0 if value is None else value
            yield far

    def get(self, node: Value, default: Any = 0.0) -> Any:
        """``node``'s gradient: the sum of what it received, ``default`` if nothing reached it
        (or if it is not in the graph)."""
        index = self._top - node._number
        slot = self._far_slots.get(node._number)
        if 0 <= index < len(self._nodes) and self._nodes[index] is node:
            value = self._values[index]
        elif slot is not None and self._far_nodes[slot] is node:
            value = self._far_values[slot]
        else:
            return default
        return default if value is None else value

    def add_into_grads(self) -> None:
        """Add every node's gradient, a float, into its ``.grad`` (the caller holds the lock)."""
        nodes, values = self._nodes, self._values
        for index in range(len(nodes)):
            node = nodes[index]
            if node is not None:
                value = values[index]
                if value is not None:
                    # Declared a float, the compiled build adds it as one, not as an object.
                    grad: float = value
                    node._grad += grad
        far_nodes, far_values = self._far_nodes, self._far_values
        for slot in range(len(far_nodes)):
            far = far_nodes[slot]
            if far is not None:
                far_value = far_values[slot]
                if far_value is not None:
                    far_grad: float = far_value
                    far._grad += far_grad

    def items(self) -> list[tuple[Value, Any]]:
        """(node, gradient) for every node that received something."""
        pairs = [(node, value) for node, value in zip(self._nodes, self._values, strict=True)
                 if node is not None and value is not None]
        pairs += [(far, value) for far, value in zip(self._far_nodes, self._far_values, strict=True)
                  if far is not None and value is not None]
        return pairs


def _sum(previous: Any, received: Any) -> Any:
    """A gradient so far plus what arrives (None standing for nothing)."""
    if received is None:
        return previous
    return received if previous is None else previous + received


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
    with GRAD_LOCK:
        grads.add_into_grads()


def _check_finite(node: Value, received: tuple[Any, ...]) -> None:
    """Under ``detect_anomaly()``: raise if an input of ``node`` receives a NaN or an inf."""
    for index, contribution in enumerate(received):
        if not math.isfinite(contribution):
            label = f" {node.label!r}" if node.label else ""
            origin = node.origin or "<made outside detect_anomaly>"
            raise FloatingPointError(
                f"{node.op} node{label} produced {contribution!r} in backward (gradient for input {index}); "
                f"the node was created at {origin}")


def _rule_error(node: Value, error: Exception) -> Exception:
    const = node.const
    args = [p._data for p in node.parents] + ([const] if const is not None else [])
    label = f" node {node.label!r}" if node.label else ""
    # Nodes made under detect_anomaly() know the line of user code that created them.
    origin = node.origin
    where = f"; the node was created at {origin}" if origin else ""
    return type(error)(
        f"backward through {node.op}{tuple(args)}{label}: the derivative is undefined "
        f"there ({error}){where}")
