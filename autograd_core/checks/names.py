"""Names a reader knows, for the chain-rule views: a label, a neuron's z or a, or a short expression.

:func:`autograd_core.node_names` numbers unlabelled nodes (``mul29``, ``pow_const45``) so that
a drawing is the same bytes every time; a reader has never heard of those numbers.
:func:`reader_names` is what :func:`autograd_core.explain`, the explorer and the flip-book
show instead. A node is named, in this order of preference,

1. by its own label (``w5``, ``z_h1_1``);
2. by its role in a module, when its parameters are labelled ``<module>.<name>`` as ``nn``
   labels them: the one value a neuron hands on is ``layer1.neuron2.a`` (an activation of
   a sum) or ``layer1.neuron2.z`` (a sum), and the sum under an activation is ``….z``
   (the groups are those of :func:`node_groups`);
3. by a short expression of its inputs' names (``w5·a_h1_1``, ``(t − a_o)²``, ``σ(x)``),
   with long operands written ``…`` so that no name is longer than ``max_length``;
4. an unlabelled leaf by its number (``0.5``); an unlabelled output whose expression does
   not fit by ``the output``.

Names need not be unique (two constants 1 are both ``1``); the drawings tell nodes apart by
position, never by name.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING

from ..engine.ops import OPS

if TYPE_CHECKING:
    from ..engine.value import Value

__all__ = ["MAX_NAME_LENGTH", "OUTPUT_NAME", "ReaderNames", "reader_names", "node_groups", "bracketed"]

MAX_NAME_LENGTH = 40
"""Longest expression name; a longer one writes some of its operands as ``…``."""

OUTPUT_NAME = "the output"

# Precedence of a name read as an operand: a sum binds loosest, an atom (a label, a number,
# a function call, a bracket) tightest.
_SUM, _PRODUCT, _POWER, _ATOM = 1, 2, 3, 4
_MINUS = "\u2212"  # −, as the walkthrough writes it
_SUPERSCRIPTS = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")
_IDENTIFIER = re.compile(r"[\w.\[\]']+")  # a label that reads as one symbol


def _number(x: float) -> str:
    """``0.5``, ``−2``, ``1e+06``: a constant as a name (4 significant digits)."""
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "∞" if x > 0 else _MINUS + "∞"
    text = f"{x:.4g}"
    return "0" if text == "-0" else text.replace("-", _MINUS)


def _exponent(k: float) -> str:
    """``²`` for a small whole power, ``^0.5`` otherwise."""
    if float(k).is_integer() and abs(k) < 10:
        return str(int(k)).translate(_SUPERSCRIPTS)
    return "^" + _number(k)


def bracketed(name: str) -> str:
    """``name`` as it reads after ∂: bracketed unless it is one symbol, a power or a call.

    >>> bracketed("w5"), bracketed("w5·a_h1_1"), bracketed("(t − a_o)²"), bracketed("the output")
    ('w5', '(w5·a_h1_1)', '(t − a_o)²', '(the output)')
    """
    return name if _top_level_is_atom(name) else f"({name})"


def _top_level_is_atom(name: str) -> bool:
    """True when no space, product, quotient or sign stands outside every bracket of ``name``."""
    depth = 0
    for position, ch in enumerate(name):
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        elif depth == 0 and (ch in " ·/+*" or (ch in _MINUS + "-" and position == 0)
                             or (ch == _MINUS and position > 0)):
            return False
    return depth == 0


def node_groups(order: Iterable[Value]) -> dict[Value, str]:
    """The module each node belongs to, read from its parameters' dotted labels.

    A leaf labelled ``layer1.neuron2.w0`` is in group ``layer1.neuron2`` (the label up to its
    last dot). An op node joins the group of a grouped leaf it reads (``w0·x`` joins ``w0``'s
    neuron); otherwise a one-input op joins its input's group (the activation) and a
    two-input op joins the group both inputs share (the running sum). Anything else, the
    loss for example, is in no group and is missing from the result.

    >>> from autograd_core import Value, topological_order
    >>> w, b, x = Value(0.5, label="n0.w"), Value(0.1, label="n0.b"), Value(2.0, label="x")
    >>> groups = node_groups(topological_order(((w * x + b).tanh() - 1.0) ** 2))
    >>> sorted(set(groups.values())), len(groups)
    (['n0'], 5)
    """
    groups: dict[Value, str] = {}
    for node in order:
        parents = node.parents
        if not parents:
            label = node.label
            if label and "." in label.strip("."):
                groups[node] = label.rsplit(".", 1)[0]
            continue
        from_leaves = [groups[parent] for parent in parents if not parent.parents and parent in groups]
        if from_leaves:
            groups[node] = from_leaves[0]
            continue
        found = {groups.get(parent) for parent in parents}
        if len(found) == 1 and None not in found:
            groups[node] = found.pop()  # type: ignore[assignment]  # not None: checked above
    return groups


class ReaderNames(Mapping["Value", str]):
    """A name for every node of a graph (a mapping node -> name), with how each was made.

    Built by :func:`reader_names`. ``groups`` is :func:`node_groups` of the graph.
    """

    def __init__(self, names: dict[Value, str], expressions: set[Value], groups: dict[Value, str]) -> None:
        self._names = names
        self._expressions = expressions
        self.groups = groups

    def __getitem__(self, node: Value) -> str:
        return self._names[node]

    def __iter__(self) -> Iterator[Value]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)

    def is_expression(self, node: Value) -> bool:
        """True when ``node`` is named by an expression of its inputs (it has no label or role)."""
        return node in self._expressions

    def symbol(self, node: Value) -> str:
        """The name as it reads after ∂: ``∂E/∂`` + ``symbol(node)``."""
        return bracketed(self._names[node])


def reader_names(order: Iterable[Value], max_length: int = MAX_NAME_LENGTH) -> ReaderNames:
    """A name a reader knows for every node of a topological order (see the module doc).

    >>> from autograd_core import Value, topological_order
    >>> a, t = Value(0.75, label="a_o"), Value(0.25, label="t")
    >>> loss = 0.5 * (t - a) ** 2
    >>> names = reader_names(topological_order(loss))
    >>> [names[node] for node in topological_order(loss)]
    ['0.5', 't', 'a_o', 't − a_o', '(t − a_o)²', '0.5·(t − a_o)²']
    """
    order = list(order)
    groups = node_groups(order)
    names: dict[Value, str] = {}
    levels: dict[Value, int] = {}
    sums: dict[Value, tuple[str, str]] = {}  # an unnamed sum's first and last term, for eliding
    expressions: set[Value] = set()
    roles = _role_names(order, groups)
    for node in order:
        if node.label:
            names[node] = node.label
            levels[node] = _ATOM if _IDENTIFIER.fullmatch(node.label) else _SUM
        elif node in roles:
            names[node], levels[node] = roles[node], _ATOM
        elif not node.parents:
            names[node] = _number(node.data)
            levels[node] = _SUM if names[node].startswith(_MINUS) else _ATOM
        else:
            names[node], levels[node] = _expression(node, names, levels, sums, max_length)
            expressions.add(node)
    if order:
        root = order[-1]
        if root in expressions and (len(names[root]) > max_length or "…" in names[root]):
            names[root] = OUTPUT_NAME
    return ReaderNames(names, expressions, groups)


def _role_names(order: list[Value], groups: dict[Value, str]) -> dict[Value, str]:
    """``G.a`` and ``G.z`` for the one value each group hands on and the sum under it."""
    users: dict[Value, list[Value]] = {node: [] for node in order}
    for node in order:
        for parent in node.parents:
            users[parent].append(node)
    outputs: dict[str, list[Value]] = {}
    root = order[-1] if order else None
    for node, group in groups.items():
        if node is root or any(groups.get(user) != group for user in users[node]):
            outputs.setdefault(group, []).append(node)
    roles: dict[Value, str] = {}
    for group, handed_on in outputs.items():
        if len(handed_on) != 1 or handed_on[0].label or not handed_on[0].parents:
            continue
        out = handed_on[0]
        inner = out.parents[0]
        if out.op == "add":
            roles[out] = f"{group}.z"
        elif (len(out.parents) == 1 and out.const is None and inner.op == "add" and not inner.label
              and groups.get(inner) == group):
            roles[out], roles[inner] = f"{group}.a", f"{group}.z"
        else:
            roles[out] = f"{group}.out"
    return roles


def _operand(node: Value, names: dict[Value, str], levels: dict[Value, int], needed: int) -> str:
    name = names[node]
    return name if levels[node] >= needed else f"({name})"


def _expression(node: Value, names: dict[Value, str], levels: dict[Value, int],
                sums: dict[Value, tuple[str, str]], max_length: int) -> tuple[str, int]:
    """``node`` written from its inputs' names, and its precedence; operands that make it
    longer than ``max_length`` are written ``…``."""
    text, level = _write(node, names, levels)
    if node.op == "add":
        first, last = (sums.get(parent, (_operand(parent, names, levels, _SUM),) * 2) for parent in node.parents)
        sums[node] = (first[0], last[1])
        if len(text) > max_length:
            for candidate in (f"{first[0]} + … + {last[1]}", f"… + {last[1]}", f"{first[0]} + …"):
                if len(candidate) <= max_length:
                    return candidate, _SUM
    if len(text) <= max_length:
        return text, level
    # Write the longest operands as … until the name fits (an elided operand is an atom).
    elided_names, elided_levels = dict(names), dict(levels)
    for parent in sorted(set(node.parents), key=lambda p: -len(names[p])):
        elided_names[parent], elided_levels[parent] = "…", _ATOM
        text, level = _write(node, elided_names, elided_levels)
        if len(text) <= max_length:
            return text, level
    return f"{node.op}(…)", _ATOM


def _write(node: Value, names: dict[Value, str], levels: dict[Value, int]) -> tuple[str, int]:
    """The op written on its inputs' names, brackets where precedence needs them."""
    op = OPS[node.op]
    parents = node.parents
    if node.op in ("add", "sub"):
        sign = "+" if node.op == "add" else _MINUS
        right = _PRODUCT if node.op == "sub" else _SUM
        return (f"{_operand(parents[0], names, levels, _SUM)} {sign} "
                f"{_operand(parents[1], names, levels, right)}"), _SUM
    if node.op == "mul":
        return f"{_operand(parents[0], names, levels, _PRODUCT)}·{_operand(parents[1], names, levels, _PRODUCT)}", _PRODUCT
    if node.op == "div":
        return f"{_operand(parents[0], names, levels, _PRODUCT)}/{_operand(parents[1], names, levels, _POWER)}", _PRODUCT
    if node.op == "neg":
        return f"{_MINUS}{_operand(parents[0], names, levels, _PRODUCT)}", _PRODUCT
    if node.op == "pow_const":
        return f"{_operand(parents[0], names, levels, _ATOM)}{_exponent(float(node.const or 0.0))}", _POWER
    if node.op == "pow":
        return f"{_operand(parents[0], names, levels, _ATOM)}^{_operand(parents[1], names, levels, _ATOM)}", _POWER
    if op.infix is not None and len(parents) == 2:
        # % and //: products and sums on either side are bracketed, and so is the result inside
        # a product ((x % 3)·y), since a reader cannot be expected to know their precedence.
        return (f"{_operand(parents[0], names, levels, _POWER)} {op.infix} "
                f"{_operand(parents[1], names, levels, _POWER)}"), _SUM
    arguments = [names[parent] for parent in parents]
    if node.const is not None:
        arguments.append(_number(node.const))
    return f"{op.symbol}({', '.join(arguments)})", _ATOM
