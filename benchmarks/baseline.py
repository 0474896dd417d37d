"""The baseline engine of W6: the closure-free scalar design that tiny-GPT scripts carry.

Each node is a ``__slots__`` object that stores, at forward time, its children and
its local derivatives as two tuples; ``backward`` sorts the graph with a recursive
depth-first walk and then runs ``child.grad += local · node.grad`` over it. Subtraction,
negation and division are written with ``+``, ``*`` and ``** -1``, as those scripts
write them. Written for this benchmark as the simplest honest engine of that design;
it is never used by the library.
"""

from __future__ import annotations

import math
from typing import Any

__all__ = ["Scalar"]


class Scalar:
    """A scalar node: ``data``, ``grad``, and how it was made (children, local derivatives).

    >>> x = Scalar(3.0)
    >>> y = x * x + x.exp() / 2
    >>> y.backward()
    >>> round(y.data, 6), round(x.grad, 6)
    (19.042768, 16.042768)
    """

    __slots__ = ("data", "grad", "_children", "_local_grads")

    def __init__(self, data: float, children: tuple = (), local_grads: tuple = ()) -> None:
        self.data = data
        self.grad = 0.0
        self._children = children
        self._local_grads = local_grads

    def __add__(self, other: Any) -> Scalar:
        other = other if isinstance(other, Scalar) else Scalar(other)
        return Scalar(self.data + other.data, (self, other), (1.0, 1.0))

    def __mul__(self, other: Any) -> Scalar:
        other = other if isinstance(other, Scalar) else Scalar(other)
        return Scalar(self.data * other.data, (self, other), (other.data, self.data))

    def __pow__(self, k: float) -> Scalar:
        return Scalar(self.data ** k, (self,), (k * self.data ** (k - 1),))

    def log(self) -> Scalar:
        """ln x."""
        return Scalar(math.log(self.data), (self,), (1.0 / self.data,))

    def exp(self) -> Scalar:
        """e^x."""
        out = math.exp(self.data)
        return Scalar(out, (self,), (out,))

    def relu(self) -> Scalar:
        """max(x, 0), derivative 0 at 0."""
        return Scalar(max(0.0, self.data), (self,), (float(self.data > 0),))

    def __neg__(self) -> Scalar: return self * -1.0
    def __radd__(self, other: Any) -> Scalar: return self + other  # other + self
    def __sub__(self, other: Any) -> Scalar: return self + (-other)
    def __rsub__(self, other: Any) -> Scalar: return other + (-self)  # other - self
    def __rmul__(self, other: Any) -> Scalar: return self * other  # other * self
    def __truediv__(self, other: Any) -> Scalar: return self * other ** -1
    def __rtruediv__(self, other: Any) -> Scalar: return other * self ** -1  # other / self

    def backward(self) -> None:
        """Accumulate d(self)/d(node) into every node's ``grad`` (one call per fresh graph)."""
        order: list = []
        visited: set = set()

        def visit(node: Scalar) -> None:
            if node not in visited:
                visited.add(node)
                for child in node._children:
                    visit(child)
                order.append(node)

        visit(self)
        self.grad = 1.0
        for node in reversed(order):
            for child, local in zip(node._children, node._local_grads):  # noqa: B905 - equal by construction
                child.grad += local * node.grad
