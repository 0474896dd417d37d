"""The tangent pass: forward-mode differentiation, one sweep from a graph's inputs to its outputs,
reading the same op table as the backward pass.

Forward mode carries, next to each node's value, its *tangent*: the derivative of the node
along one chosen direction of the inputs. The inputs' tangents are given (the seeds); every other
node's tangent follows from its inputs' by the chain rule, ṫ(out) = Σ ∂out/∂input · ṫ(input).
The op table already states each term: an op's derivative rule ``vjp(g, *inputs, out)`` gives
each input ``g · ∂out/∂input``, and for scalars that product is the same whichever factor is
called ``g``, so the rule evaluated with an input's tangent in place of ``g`` gives that input's
share of the output's tangent. Every op of the table, a
:func:`~autograd_core.define_op` op included, has forward mode without a second rule, and the
rule's IEEE edges (a tangent divided, never multiplied by a reciprocal) carry over.

The pass visits the graph in :func:`~autograd_core.engine.graph.topological_order` (every node
after its inputs). A node that depends on no seeded node has no tangent at all (as a constant
in PyTorch's and JAX's forward mode), so the rules run only where a tangent flows; a rule's entry
``0.0`` (``heaviside``, ``x ** 0``) passes nothing on. A two-input op whose two inputs both carry
a tangent evaluates its rule once per input (using one entry of each: the rule computes both),
or once when both inputs are the same node (``x * x``).

Why a recorded graph pushed forward rather than dual numbers: a function is traced once into
the graph the engine records anyway, so the user's code runs on plain ``Value`` s, with every
method and ``define_op`` op, and ``jacfwd`` pushes one tangent per input through that one trace.
With ``create_graph`` the rules run on the nodes themselves, as in the backward pass, so
tangents are ``Value`` s that can be differentiated again (``hvp``, ``jvp`` of ``jvp``); each
pass names its seeds by node, so tangents of nested passes never mix. The cost is the graph's
memory, which reverse mode needs too; dual numbers would need a second number type beside
``Value`` that every op, method and user op would have to know.

>>> from autograd_core import Value
>>> x, y = Value(3.0), Value(2.0)
>>> out = x * y + x.sin()
>>> tangent_pass([out], {x: 1.0}).get(out)  # ∂out/∂x = y + cos x
1.0100075033995546
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .backward import apply_rule
from .graph import topological_order
from .modes import ALL_THREADS, THIS_THREAD

if TYPE_CHECKING:  # only for annotations: value.py imports this module's importers
    from .value import Value

__all__ = ["tangent_pass", "PassTangents", "TangentObserver"]

TangentObserver = Callable[["Value", Any], None]
"""``observe(node, tangent)``: called by :func:`tangent_pass` at every op node that gets a
tangent, inputs first."""


def tangent_pass(outputs: Sequence[Value], seeds: Mapping[Value, Any], create_graph: bool = False,
                 observe: TangentObserver | None = None) -> PassTangents:
    """The tangent of every node of the graph above ``outputs`` that depends on a node of
    ``seeds`` (a mapping from a node to its given tangent).

    With ``create_graph`` the rules run on the nodes, and tangents given as ``Value`` s give
    ``Value`` s (call it inside ``enable_grad()``); otherwise floats. ``observe`` is called at
    every op node that gets a tangent. Nothing is written on the nodes.

    >>> from autograd_core import Value
    >>> x = Value(2.0)
    >>> y = x * x
    >>> tangents = tangent_pass([y], {x: 0.5})
    >>> tangents.get(y), tangents.get(Value(7.0))  # 2x · 0.5; a node outside the graph: 0
    (2.0, 0.0)
    """
    if not ALL_THREADS.record_unchecked and not create_graph and THIS_THREAD.observer is not None:
        THIS_THREAD.observer("backward", outputs[0] if outputs else None, None, None)  # floats while jit traces
    tangents = PassTangents({node._number: tangent for node, tangent in seeds.items()})
    found = tangents.by_number
    check_finite = not ALL_THREADS.record_unchecked and THIS_THREAD.anomaly and not create_graph
    for node in topological_order(*outputs):
        number = node._number
        a = node._a
        if a is None or number in found:  # a leaf, or a seed (its tangent is given)
            continue
        b = node._b
        from_a = found.get(a._number)
        from_b = None if b is None else found.get(b._number)
        if from_a is None and from_b is None:  # depends on no seed
            continue
        tangent = _push(node, from_a, from_b, create_graph)
        if check_finite and not math.isfinite(tangent):
            raise _not_finite(node, tangent)
        found[number] = tangent
        if observe is not None:
            observe(node, tangent)
    return tangents


def _push(node: Value, from_a: Any, from_b: Any, create_graph: bool) -> Any:
    """The tangent of the op node ``node`` from its inputs' tangents (None: the input has none):
    the sum of each input's share, its op's rule with that tangent in place of ``g``."""
    if from_b is None:
        shares = [apply_rule(node, from_a, create_graph)[0]]
    elif from_a is None:
        shares = [apply_rule(node, from_b, create_graph)[1]]
    elif from_a is from_b:  # one tangent for both inputs (x * x): one evaluation serves both
        shares = list(apply_rule(node, from_a, create_graph))
    else:
        shares = [apply_rule(node, from_a, create_graph)[0], apply_rule(node, from_b, create_graph)[1]]
    tangent: Any = None
    for share in shares:
        if create_graph and share.__class__ is float and share == 0.0:
            continue  # a rule's 0.0 for an input that does not move the output: no node to record
        tangent = share if tangent is None else tangent + share
    return 0.0 if tangent is None else tangent


def _not_finite(node: Value, tangent: Any) -> FloatingPointError:
    """Under ``detect_anomaly()``: the error for a NaN or inf tangent, naming the node."""
    label = f" {node.label!r}" if node.label else ""
    origin = node.origin or "<made outside detect_anomaly>"
    return FloatingPointError(f"{node.op} node{label} produced {tangent!r} in forward mode (its tangent); "
                              f"the node was created at {origin}")


class PassTangents:
    """One tangent pass's tangents, node by node: what :func:`tangent_pass` returns.

    ``by_number`` maps a node's creation number to its tangent, the seeds included; ``get(node)``
    is a node's tangent, 0.0 (or ``default``) for a node that depends on no seed.
    """

    def __init__(self, by_number: dict[int, Any]) -> None:
        self.by_number: dict[int, Any] = by_number
        """Each tangent so far, by the node's creation number."""

    def get(self, node: Value, default: Any = 0.0) -> Any:
        """``node``'s tangent, ``default`` if it depends on no seed."""
        tangent = self.by_number.get(node._number)
        return default if tangent is None else tangent
