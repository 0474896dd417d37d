"""The chain rule spelled out: every path from an input to an output, edge by edge.

d(output)/d(wrt) is the sum, over every path from ``wrt`` up to ``output``, of
the product of the local derivatives on the path's edges. :func:`explain` lists
those paths the way a textbook writes them and checks their sum against backward.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..engine.functional import gradients
from ..engine.graph import local_partials, node_names, topological_order
from ..engine.value import Value, as_int
from ..helpers.display import html_table

__all__ = ["Edge", "ChainPath", "Explanation", "explain", "HTML_MAX_PATHS"]


def _fmt(x: float) -> str:
    return f"{x:.10g}"


@dataclass(frozen=True)
class Edge:
    """One factor ∂child/∂parent of a chain-rule product, evaluated at the current point."""

    child: Value
    parent: Value
    child_name: str
    parent_name: str
    input_index: int  # which of the child's inputs the parent is (x*x has two edges)
    partial: float

    @property
    def symbol(self) -> str:
        """``∂child/∂parent``, or ``∂child/∂parent (as a)`` when the parent is both of the
        child's inputs (``x * x``), naming the input as the op's maths line does."""
        text = f"∂{self.child_name}/∂{self.parent_name}"
        parents = self.child.parents
        if len(parents) == 2 and parents[0] is parents[1]:
            text += f" (as {'ab'[self.input_index]})"
        return text


@dataclass(frozen=True)
class ChainPath:
    """One path from the output down to ``wrt``: its edges (output end first) and their product."""

    edges: tuple[Edge, ...]
    product: float

    @property
    def nodes(self) -> tuple[Value, ...]:
        """The nodes along the path, output first, ``wrt`` last."""
        if not self.edges:
            return ()
        return (self.edges[0].child,) + tuple(edge.parent for edge in self.edges)

    def formula(self) -> str:
        """``∂E/∂a · ∂a/∂w = (0.5) × (0.25) = 0.125``."""
        if not self.edges:
            return f"1 (the output is the input) = {_fmt(self.product)}"
        symbols = " · ".join(edge.symbol for edge in self.edges)
        factors = " × ".join(f"({_fmt(edge.partial)})" for edge in self.edges)
        return f"{symbols} = {factors} = {_fmt(self.product)}"


@dataclass(frozen=True)
class Explanation:
    """Every chain-rule path from ``wrt`` to ``output``, their sum, and backward's gradient."""

    output_name: str
    wrt_name: str
    paths: tuple[ChainPath, ...]
    total: float  # the sum of the path products
    gradient: float  # what the backward pass computes, for comparison

    def __str__(self) -> str:
        head = f"∂{self.output_name}/∂{self.wrt_name}"
        if not self.paths:
            return f"{head} = 0: {self.output_name} does not depend on {self.wrt_name}"
        noun = "path" if len(self.paths) == 1 else "paths"
        lines = [f"{head} = sum over {len(self.paths)} {noun} of the product of local derivatives"]
        for number, path in enumerate(self.paths, start=1):
            lines.append(f"  path {number}: {path.formula()}")
        lines.append(f"  {head} = {_fmt(self.total)}  (backward: {_fmt(self.gradient)})")
        return "\n".join(lines)

    def __repr__(self) -> str:
        noun = "path" if len(self.paths) == 1 else "paths"
        return (f"Explanation(∂{self.output_name}/∂{self.wrt_name} = {_fmt(self.total)} over "
                f"{len(self.paths)} {noun}; backward {_fmt(self.gradient)})")

    def _repr_html_(self) -> str:
        """The paths as a table (Jupyter shows it): each path's factors, their values, the product."""
        head = f"∂{self.output_name}/∂{self.wrt_name}"
        shown = self.paths[:HTML_MAX_PATHS]
        rows: list[list[object]] = [[number, " · ".join(edge.symbol for edge in path.edges) or "1",
                             " × ".join(_fmt(edge.partial) for edge in path.edges) or "1", _fmt(path.product)]
                            for number, path in enumerate(shown, start=1)]
        if len(self.paths) > len(shown):
            rows.append(["…", f"{len(self.paths) - len(shown)} more paths (print() lists them all)", "", ""])
        rows.append(["sum", "", "", _fmt(self.total)])
        rows.append(["backward", "", "", _fmt(self.gradient)])
        noun = "path" if len(self.paths) == 1 else "paths"
        caption = f"{head} = sum over {len(self.paths)} {noun} of the product of local derivatives"
        return html_table(["path", "chain of local derivatives", "their values", "product"], rows, caption)


HTML_MAX_PATHS = 50
"""Paths shown in an :class:`Explanation`'s HTML table; the text form lists all of them."""


def _count_paths(order: list[Value], wrt: Value) -> dict[Value, int]:
    """Number of paths from ``wrt`` to each node (by dynamic programming, no enumeration)."""
    counts: dict[Value, int] = {}
    for node in order:
        if node is wrt:
            counts[node] = 1
        else:
            counts[node] = sum(counts.get(parent, 0) for parent in node.parents)
    return counts


# A path's edges so far as a linked list (last edge, rest of the list), None when empty.
_EdgeList = tuple[Edge, "_EdgeList"] | None


def _enumerate_paths(output: Value, wrt: Value, counts: dict[Value, int],
                     names: dict[Value, str]) -> list[ChainPath]:
    paths = []
    # Depth-first without recursion: each entry is (node, edges so far, product so far).
    # The edges so far are a linked list (edge, rest) that branches share, so a long path
    # costs its length once instead of a copy of its prefix at every step.
    stack: list[tuple[Value, _EdgeList, float]] = [(output, None, 1.0)]
    while stack:
        node, edges, product = stack.pop()
        if node is wrt:
            paths.append(ChainPath(_unlink(edges), product))
            continue
        partials = local_partials(node)
        branches: list[tuple[Value, _EdgeList, float]] = []
        for index, (parent, partial) in enumerate(zip(node.parents, partials, strict=True)):
            if counts.get(parent, 0):
                edge = Edge(node, parent, names[node], names[parent], index, float(partial))
                branches.append((parent, (edge, edges), product * edge.partial))
        stack.extend(reversed(branches))  # so the first input's paths come first
    return paths


def _unlink(edges: _EdgeList) -> tuple[Edge, ...]:
    """The edges of a linked list (last edge, rest), output end first."""
    backwards = []
    while edges is not None:
        edge, edges = edges
        backwards.append(edge)
    return tuple(reversed(backwards))


def explain(output: Value, wrt: Value, max_paths: int = 1000) -> Explanation:
    """Spell out d(output)/d(wrt) as the sum of path products.

    Raises ValueError when there are more than ``max_paths`` paths (they grow
    exponentially with depth); use :func:`gradients` for the number alone.

    >>> x = Value(3.0, label="x")
    >>> y = x * x
    >>> y.label = "y"
    >>> print(explain(y, x))
    ∂y/∂x = sum over 2 paths of the product of local derivatives
      path 1: ∂y/∂x (as a) = (3) = 3
      path 2: ∂y/∂x (as b) = (3) = 3
      ∂y/∂x = 6  (backward: 6)
    """
    for name, item in (("output", output), ("wrt", wrt)):
        if not isinstance(item, Value):
            raise TypeError(f"{name} must be a Value, got {type(item).__name__}")
    as_int(max_paths, "max_paths", minimum=1)
    order = topological_order(output)
    counts = _count_paths(order, wrt)
    n_paths = counts.get(output, 0)
    if n_paths > max_paths:
        raise ValueError(
            f"there are {n_paths} paths from {wrt!r} to the output, more than max_paths={max_paths}; "
            "pass a larger max_paths, or use gradients() for the gradient alone")
    names = node_names(order)
    if wrt not in names:
        names[wrt] = wrt.label or "wrt"
    paths = _enumerate_paths(output, wrt, counts, names) if n_paths else []
    (gradient,) = gradients(output, [wrt])
    return Explanation(names[output], names[wrt], tuple(paths),
                       float(sum(path.product for path in paths)), gradient)
