"""The chain rule spelled out: every path from an input to an output, edge by edge.

d(output)/d(wrt) is the sum, over every path from ``wrt`` up to ``output``, of
the product of the local derivatives on the path's edges. :func:`explain` lists
those paths the way a textbook writes them and checks their sum against backward.

Nodes are called by :func:`~autograd_core.checks.names.reader_names` (a label, a
neuron's ``z`` or ``a``, or a short expression such as ``w5·a_h1_1``), never by an
internal counter. A factor of exactly 1 leading to an unnamed intermediate (the
``∂(a + b)/∂a`` of every sum) is folded into the factor below it, so that
``∂z_o/∂(w9·a_h2_1 + w10·a_h2_2) · ∂(w9·a_h2_1 + w10·a_h2_2)/∂(w9·a_h2_1) · ∂(w9·a_h2_1)/∂a_h2_1``
reads ``∂z_o/∂a_h2_1``, as a textbook writes it; a note says how many were folded.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..engine.functional import gradients
from ..engine.graph import local_partials, topological_order
from ..engine.value import Value, as_int
from ..helpers.display import html_table
from .names import ReaderNames, bracketed, reader_names

__all__ = ["Edge", "ChainFactor", "ChainPath", "Explanation", "explain", "HTML_MAX_PATHS"]


def _fmt(x: float) -> str:
    return f"{x:.10g}"


@dataclass(frozen=True)
class Edge:
    """One local derivative ∂child/∂parent on a path, evaluated at the current point."""

    child: Value
    parent: Value
    child_name: str
    parent_name: str
    input_index: int  # which of the child's inputs the parent is (x*x has two edges)
    partial: float

    @property
    def repeated(self) -> bool:
        """True when the parent is both of the child's inputs (``x * x``)."""
        parents = self.child.parents
        return len(parents) == 2 and parents[0] is parents[1]

    @property
    def symbol(self) -> str:
        """``∂child/∂parent``, or ``∂child/∂parent (as a)`` when the parent is both of the
        child's inputs (``x * x``), naming the input as the op's maths line does."""
        text = f"∂{bracketed(self.child_name)}/∂{bracketed(self.parent_name)}"
        if self.repeated:
            text += f" (as {'ab'[self.input_index]})"
        return text


@dataclass(frozen=True)
class ChainFactor:
    """One factor of a path as it is shown: ∂top/∂bottom, the product of one or more edges.

    It is one edge, unless factors of exactly 1 into unnamed intermediates were folded
    into it (``folded`` of them): then it stands for the edges from ``top`` down to
    ``bottom``, and ``via`` names the intermediate just above ``bottom`` when another
    path has a factor with the same two ends.
    """

    edges: tuple[Edge, ...]
    partial: float  # the product of the edges' partials
    via: str = ""

    @property
    def top(self) -> Value:
        """The upper node (the output end)."""
        return self.edges[0].child

    @property
    def bottom(self) -> Value:
        """The lower node (the ``wrt`` end)."""
        return self.edges[-1].parent

    @property
    def folded(self) -> int:
        """How many factors of exactly 1 were folded into this one."""
        return len(self.edges) - 1

    @property
    def symbol(self) -> str:
        """``∂z_o/∂a_h2_1``; ``(as a)`` or ``(via …)`` where two factors would read the same."""
        if len(self.edges) == 1:
            return self.edges[0].symbol
        first, last = self.edges[0], self.edges[-1]
        text = f"∂{bracketed(first.child_name)}/∂{bracketed(last.parent_name)}"
        if last.repeated:  # names the route's last step, which tells it apart as "via" would
            return f"{text} (as {'ab'[last.input_index]} of {last.child_name})"
        return f"{text} (via {self.via})" if self.via else text


@dataclass(frozen=True)
class ChainPath:
    """One path from the output down to ``wrt``: its edges (output end first), the factors
    they are shown as (ones folded when :func:`explain` was asked to), and their product."""

    edges: tuple[Edge, ...]
    product: float
    factors: tuple[ChainFactor, ...] = ()

    @property
    def nodes(self) -> tuple[Value, ...]:
        """The nodes along the path, output first, ``wrt`` last."""
        if not self.edges:
            return ()
        return (self.edges[0].child,) + tuple(edge.parent for edge in self.edges)

    @property
    def folded(self) -> int:
        """How many factors of exactly 1 are folded into the factors shown."""
        return sum(factor.folded for factor in self.factors)

    def formula(self) -> str:
        """``∂E/∂a · ∂a/∂w = (0.5) × (0.25) = 0.125``."""
        if not self.edges:
            return f"1 (the output is the input) = {_fmt(self.product)}"
        symbols = " · ".join(factor.symbol for factor in self.factors)
        values = " × ".join(f"({_fmt(factor.partial)})" for factor in self.factors)
        return f"{symbols} = {values} = {_fmt(self.product)}"


@dataclass(frozen=True)
class Explanation:
    """Every chain-rule path from ``wrt`` to ``output``, their sum, and backward's gradient."""

    output_name: str
    wrt_name: str
    paths: tuple[ChainPath, ...]
    total: float  # the sum of the path products
    gradient: float  # what the backward pass computes, for comparison

    @property
    def heading(self) -> str:
        """``∂E/∂w1``."""
        return f"∂{bracketed(self.output_name)}/∂{bracketed(self.wrt_name)}"

    @property
    def folded_note(self) -> str:
        """What was folded: ``6 factors equal to 1 folded into the next factor on each path``."""
        counts = [path.folded for path in self.paths]
        if not any(counts):
            return ""
        if len(set(counts)) == 1:
            number, where = counts[0], "" if len(counts) == 1 else " on each path"
        else:
            number = sum(counts)
            where = f" ({', '.join(str(count) for count in counts)} on paths 1-{len(counts)})"
        noun = "factor" if number == 1 else "factors"
        return f"{number} {noun} equal to 1 folded into the next factor{where}"

    def __str__(self) -> str:
        head = self.heading
        if not self.paths:
            return f"{head} = 0: {self.output_name} does not depend on {self.wrt_name}"
        noun = "path" if len(self.paths) == 1 else "paths"
        lines = [f"{head} = sum over {len(self.paths)} {noun} of the product of local derivatives"]
        for number, path in enumerate(self.paths, start=1):
            lines.append(f"  path {number}: {path.formula()}")
        lines.append(f"  {head} = {_fmt(self.total)}  (backward: {_fmt(self.gradient)})")
        if self.folded_note:
            lines.append(f"  ({self.folded_note})")
        return "\n".join(lines)

    def __repr__(self) -> str:
        noun = "path" if len(self.paths) == 1 else "paths"
        return (f"Explanation({self.heading} = {_fmt(self.total)} over "
                f"{len(self.paths)} {noun}; backward {_fmt(self.gradient)})")

    def _repr_html_(self) -> str:
        """The paths as a table (Jupyter shows it): each path's factors, their values, the product."""
        head = self.heading
        shown = self.paths[:HTML_MAX_PATHS]
        rows: list[list[object]] = [[number, " · ".join(factor.symbol for factor in path.factors) or "1",
                                     " × ".join(_fmt(factor.partial) for factor in path.factors) or "1",
                                     _fmt(path.product)]
                                    for number, path in enumerate(shown, start=1)]
        if len(self.paths) > len(shown):
            rows.append(["…", f"{len(self.paths) - len(shown)} more paths (print() lists them all)", "", ""])
        rows.append(["sum", "", "", _fmt(self.total)])
        rows.append(["backward", "", "", _fmt(self.gradient)])
        if self.folded_note:
            rows.append(["note", self.folded_note, "", ""])
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


def explain(output: Value, wrt: Value, max_paths: int = 1000, fold_ones: bool = True) -> Explanation:
    """Spell out d(output)/d(wrt) as the sum of path products.

    Nodes are named as :func:`~autograd_core.checks.names.reader_names` names them. With
    ``fold_ones`` (the default) a factor of exactly 1 leading to an unnamed intermediate is
    folded into the factor below it (each :class:`ChainPath` keeps all its ``edges``).
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
    >>> w, b = Value(0.5, label="w"), Value(0.1, label="b")
    >>> z = w * x + b
    >>> print(explain(z, w))
    ∂(w·x + b)/∂w = sum over 1 path of the product of local derivatives
      path 1: ∂(w·x + b)/∂w = (3) = 3
      ∂(w·x + b)/∂w = 3  (backward: 3)
      (1 factor equal to 1 folded into the next factor)
    """
    for name, item in (("output", output), ("wrt", wrt)):
        if not isinstance(item, Value):
            raise TypeError(f"{name} must be a Value, got {type(item).__name__}")
    as_int(max_paths, "max_paths", minimum=1)
    if not isinstance(fold_ones, bool):
        raise TypeError(f"fold_ones must be True or False, got {fold_ones!r}")
    order = topological_order(output)
    counts = _count_paths(order, wrt)
    n_paths = counts.get(output, 0)
    if n_paths > max_paths:
        raise ValueError(
            f"there are {n_paths} paths from {wrt!r} to the output, more than max_paths={max_paths}; "
            "pass a larger max_paths, or use gradients() for the gradient alone")
    names = reader_names(order)
    names_of = dict(names)
    if wrt not in names_of:
        names_of[wrt] = wrt.label or "wrt"
    paths = _enumerate_paths(output, wrt, counts, names_of) if n_paths else []
    paths = _with_factors(paths, names, wrt, fold_ones)
    (gradient,) = gradients(output, [wrt])
    return Explanation(names_of[output], names_of[wrt], tuple(paths),
                       float(sum(path.product for path in paths)), gradient)


def _with_factors(paths: list[ChainPath], names: ReaderNames, wrt: Value, fold_ones: bool) -> list[ChainPath]:
    """Each path with the factors it is shown as: one per edge, or with the ones folded."""
    runs_of_paths = [_runs(path.edges, names, wrt, fold_ones) for path in paths]
    # Two different runs with the same two ends would read the same: name their route.
    routes: dict[tuple[Value, Value], set[tuple[tuple[int, int], ...]]] = {}
    for runs in runs_of_paths:
        for run in runs:
            key = (run[0].child, run[-1].parent)
            routes.setdefault(key, set()).add(tuple((id(edge.child), edge.input_index) for edge in run))
    result = []
    for path, runs in zip(paths, runs_of_paths, strict=True):
        factors = []
        for run in runs:
            partial = 1.0
            for edge in run:
                partial *= edge.partial
            ambiguous = len(routes[(run[0].child, run[-1].parent)]) > 1
            via = run[-1].child_name if len(run) > 1 and ambiguous else ""
            factors.append(ChainFactor(tuple(run), partial, via))
        result.append(ChainPath(path.edges, path.product, tuple(factors)))
    return result


def _runs(edges: tuple[Edge, ...], names: ReaderNames, wrt: Value, fold_ones: bool) -> list[list[Edge]]:
    """The edges grouped into the factors shown: an edge of exactly 1 whose lower end is an
    unnamed intermediate (named only by its expression) joins the edge below it."""
    runs: list[list[Edge]] = []
    current: list[Edge] = []
    for edge in edges:
        current.append(edge)
        foldable = (fold_ones and edge.partial == 1.0 and edge.parent is not wrt
                    and edge.parent in names and names.is_expression(edge.parent))
        if not foldable:
            runs.append(current)
            current = []
    if current:
        runs.append(current)
    return runs
