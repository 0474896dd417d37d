"""The one graph walk: an iterative topological order of a recorded graph.

Backward, ``zero_grad``, the explainer, the compiler and the graph drawer all read
the graph through :func:`topological_order`, so there is exactly one place that
decides the order in which nodes are visited.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # only for annotations: value.py imports this module
    from .value import Value

__all__ = ["topological_order", "node_names", "numbered", "local_partials"]


def topological_order(*roots: Value) -> list[Value]:
    """Every node reachable from ``roots``, each after all of its parents.

    Iterative (no recursion limit), deterministic (parents are visited in the
    order they were recorded, never by ``id()``), and each node appears once even
    when it is reached along many paths.

    >>> from autograd_core import Value
    >>> x = Value(2.0, label="x")
    >>> y = x * x + x
    >>> [n.label or n.op for n in topological_order(y)]
    ['x', 'mul', 'add']
    """
    order: list[Value] = []
    # Nodes are marked by creation number: a set of ints is cheaper than a set of nodes.
    visited: set[int] = set()
    # A depth-first walk that emits each node after its parents (post-order), written as
    # a loop over an explicit stack that holds op nodes only. A node on top of the stack
    # first sends its walk into its first parent (_a), then its second (_b), and is emitted
    # once both are visited; leaves are emitted on sight.
    for root in roots:
        if root._number in visited:
            continue
        visited.add(root._number)
        if root._a is None:
            order.append(root)
            continue
        stack = [root]
        while stack:
            node = stack[-1]
            a = node._a
            assert a is not None  # only op nodes are pushed
            if a._number not in visited:
                visited.add(a._number)
                if a._a is not None:
                    stack.append(a)
                    continue
                order.append(a)
            b = node._b
            if b is not None and b._number not in visited:
                visited.add(b._number)
                if b._a is not None:
                    stack.append(b)
                    continue
                order.append(b)
            order.append(node)
            stack.pop()
    return order


def numbered(name: str, index: int) -> str:
    """``name`` with the number ``index`` after it, an underscore between when ``name`` ends in a
    digit, so that no two such names are the same text (``exp2_7`` is not ``exp27``).

    >>> numbered("exp", 27), numbered("exp2", 7)
    ('exp27', 'exp2_7')
    """
    return f"{name}_{index}" if name[-1:].isdigit() else f"{name}{index}"


def node_names(order: Iterable[Value]) -> dict[Value, str]:
    """A readable, deterministic name for every node of a topological order.

    A node's own label wins; unlabelled leaves are ``c<k>`` (constants and inputs)
    and unlabelled op results ``<op><k>``, numbered by position in ``order``.

    >>> from autograd_core import Value
    >>> x = Value(2.0, label="x")
    >>> names = node_names(topological_order(x.exp() * 3))
    >>> sorted(names.values())
    ['c2', 'exp1', 'mul3', 'x']
    """
    names: dict[Value, str] = {}
    for index, node in enumerate(order):
        if node.label:
            names[node] = node.label
        elif node._op is None:
            names[node] = f"c{index}"
        else:
            names[node] = numbered(node._op.name, index)
    return names


def local_partials(node: Value) -> tuple[Any, ...]:
    """The op's local derivatives ∂node/∂parent at the current data, one per parent.

    >>> from autograd_core import Value
    >>> x = Value(3.0)
    >>> local_partials(x * x)
    (3.0, 3.0)
    """
    op = node._op
    if op is None:
        return ()
    return op.partials_at([parent.data for parent in node.parents], node.data, node.const)
