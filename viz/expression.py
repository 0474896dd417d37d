"""Safe arithmetic expressions for the ``graph`` command: parsed with ``ast``, never ``eval``.

Only names, numbers, ``+ - * / // % **``, unary minus (and plus), parentheses and calls
of the engine's functions are accepted; anything else (attributes,
subscripts, lambdas, keyword arguments, strings, comparisons...) is refused with an
:class:`ExpressionError` naming what was found. The functions are the ops of the op
table without a constant that ``Value`` has a method for (``sin(x)``, ``atan2(y, x)``), so
a new op becomes callable here without editing this file.

>>> from autograd_core import Value
>>> root, leaves = build_expression("x * y + sigmoid(x)", {"x": 1.5, "y": -2.0})
>>> round(root.data, 6), sorted(leaves)
(-2.182426, ['x', 'y'])
"""

from __future__ import annotations

import ast
import keyword
import math
import unicodedata
from collections.abc import Mapping

from autograd_core import OPS, Value, topological_order

__all__ = ["ExpressionError", "FUNCTIONS", "MAX_LENGTH", "MAX_NODES", "parse_expression",
           "build_expression", "parse_assignments", "fold_name"]

MAX_LENGTH = 2000
"""Longest expression accepted, in characters."""

MAX_NODES = 400
"""Most syntax-tree nodes accepted (the graph drawn stays readable well below this)."""

FUNCTIONS: tuple[str, ...] = tuple(sorted(
    op.name for op in OPS.values()
    if op.infix is None and op.prefix is None and not op.has_const and callable(getattr(Value, op.name, None))))
"""The callable names: the op table's ops written as methods (no operator, no constant), such as
``sin`` and ``atan2``; a call takes the op's number of inputs."""


class ExpressionError(ValueError):
    """An expression that is not allowed, or that cannot be evaluated as given."""


_BINARY = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//", ast.Mod: "%",
           ast.Pow: "**"}
_UNARY = {ast.USub: "-", ast.UAdd: "+"}


def _describe(node: ast.AST) -> str:
    """Words for a refused syntax node, for the error message."""
    names = {ast.Attribute: "attribute access", ast.Subscript: "subscripts", ast.Lambda: "lambda",
             ast.Compare: "comparisons", ast.BoolOp: "and/or", ast.IfExp: "if-expressions",
             ast.Starred: "starred arguments", ast.JoinedStr: "f-strings", ast.NamedExpr: ":=",
             ast.ListComp: "comprehensions", ast.GeneratorExp: "comprehensions"}
    for kind, words in names.items():
        if isinstance(node, kind):
            return words
    if isinstance(node, ast.Constant):
        return f"the constant {node.value!r:.40}"
    if isinstance(node, (ast.BinOp, ast.UnaryOp)):
        return f"the operator {type(node.op).__name__}"
    return f"{type(node).__name__} syntax"


def _check_node(node: ast.AST) -> None:
    """Raise ExpressionError unless ``node`` is one of the whitelisted forms."""
    if isinstance(node, (ast.Expression, ast.Load)) or type(node) in _BINARY or type(node) in _UNARY:
        return
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        return
    if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        return
    if isinstance(node, ast.Constant):
        if isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
            return
    elif isinstance(node, ast.Name):
        _check_name(node.id)
        return
    elif isinstance(node, ast.Call):
        _check_call(node)
        return
    raise ExpressionError(f"not allowed in an expression: {_describe(node)}")


def _check_name(name: str) -> None:
    if name.startswith("_") or keyword.iskeyword(name):
        raise ExpressionError(f"not allowed as a variable name: {name!r}")


def _check_call(node: ast.Call) -> None:
    allowed = ", ".join(FUNCTIONS)
    if not isinstance(node.func, ast.Name):
        raise ExpressionError(
            f"only these functions can be called, by name: {allowed} (found a call of {_describe(node.func)})")
    if node.func.id not in FUNCTIONS:
        raise ExpressionError(f"unknown function {node.func.id!r}: the functions are {allowed}")
    arity = OPS[node.func.id].arity
    if node.keywords or len(node.args) != arity or any(isinstance(a, ast.Starred) for a in node.args):
        takes = "one argument" if arity == 1 else f"{arity} arguments"
        raise ExpressionError(f"{node.func.id}() takes exactly {takes}, without keywords")


def parse_expression(text: str) -> ast.Expression:
    """The syntax tree of ``text`` if every part of it is allowed, else :class:`ExpressionError`.

    >>> parse_expression("__import__('os')")
    Traceback (most recent call last):
    ...
    viz.expression.ExpressionError: unknown function '__import__': the functions are abs, acos, ..., tan, tanh
    """
    if not isinstance(text, str):
        raise TypeError(f"the expression must be a str, got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"the expression is {len(text)} characters long; the limit is {MAX_LENGTH}")
    if not text.strip():
        raise ExpressionError("the expression is empty")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as error:
        raise ExpressionError(f"not a valid expression: {error.msg}") from None
    except (RecursionError, MemoryError):
        raise ExpressionError("the expression is nested too deeply") from None
    count = 0
    for node in ast.walk(tree):
        count += 1
        if count > MAX_NODES:
            raise ExpressionError(f"the expression has more than {MAX_NODES} parts; draw a smaller one")
        _check_node(node)
    return tree


def _evaluate(node: ast.AST, leaves: Mapping[str, Value]) -> Value | float:
    """The value of an already checked tree: numbers stay floats until they meet a Value."""
    if isinstance(node, ast.Expression):
        return _evaluate(node.body, leaves)
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
        return _number(node.value)
    if isinstance(node, ast.Name):
        if node.id in FUNCTIONS:
            raise ExpressionError(f"{node.id} is a function: call it, as in {node.id}(x)")
        if node.id not in leaves:
            raise ExpressionError(f"{node.id!r} has no value: give one with --at {node.id}=NUMBER")
        return leaves[node.id]
    if isinstance(node, ast.UnaryOp):
        operand = _evaluate(node.operand, leaves)
        return -operand if isinstance(node.op, ast.USub) else operand
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        first, *others = [_evaluate(argument, leaves) for argument in node.args]
        if not isinstance(first, Value):
            first = Value(first)
        result: Value = getattr(first, node.func.id)(*others)
        return result
    if not isinstance(node, ast.BinOp):  # _check_node lets nothing else through
        raise ExpressionError(f"cannot evaluate {type(node).__name__}")
    left, right = _evaluate(node.left, leaves), _evaluate(node.right, leaves)
    if isinstance(node.op, ast.Pow) and isinstance(right, Value) and _is_constant(right, leaves):
        right = right.data  # x ** (6/2) is x ** number (pow_const), which allows a negative x
    if not isinstance(left, Value) and not isinstance(right, Value):
        left = Value(left)  # keep constant arithmetic in the graph (and in the engine's domain checks)
    return _apply(type(node.op), left, right)


def _is_constant(value: Value, leaves: Mapping[str, Value]) -> bool:
    """True when ``value`` was computed from numbers alone, none of the named leaves."""
    named = {id(leaf) for leaf in leaves.values()}
    return not any(id(node) in named for node in topological_order(value))


def _number(literal: int | float) -> float:
    """A literal as a float (so 9**9**9 overflows at once instead of computing for ever), finite."""
    try:
        value = float(literal)
    except OverflowError:
        raise ExpressionError(f"the number {str(literal)[:20]}... is too large for a float") from None
    if not math.isfinite(value):  # Python reads 1e999 as inf
        raise ExpressionError("a number in the expression is too large for a float (it reads as inf)")
    return value


def _apply(op: type, left: Value | float, right: Value | float) -> Value | float:
    if op is ast.Add:
        return left + right
    if op is ast.Sub:
        return left - right
    if op is ast.Mult:
        return left * right
    if op is ast.Div:
        return left / right
    if op is ast.FloorDiv:
        return left // right
    if op is ast.Mod:
        return left % right
    return left ** right


def build_expression(text: str, at: Mapping[str, float]) -> tuple[Value, dict[str, Value]]:
    """Parse ``text`` and record it on leaves named and valued by ``at``.

    Returns the root and the leaves by name. Raises :class:`ExpressionError` for refused
    syntax, a name without a value, or a value whose name the expression does not use.
    """
    tree = parse_expression(text)
    used = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)} - set(FUNCTIONS)
    missing = sorted(used - set(at))
    if missing:
        given = " ".join(f"{name}=NUMBER" for name in missing)
        raise ExpressionError(f"no value for {', '.join(missing)}: add --at {given}")
    unused = sorted(set(at) - used)
    if unused:
        raise ExpressionError(f"--at gives {', '.join(unused)} but the expression does not use it")
    leaves = {name: Value(value, label=name) for name, value in at.items()}
    root = _evaluate(tree, leaves)
    if not isinstance(root, Value):
        root = Value(root)
    return root, leaves


def fold_name(name: str) -> str:
    """``name`` as Python's parser reads an identifier (NFKC: fullwidth ``ｘ`` is ``x``), so a
    name given on the command line matches the same name in the expression.

    >>> fold_name("ｘ１")
    'x1'
    """
    return unicodedata.normalize("NFKC", name)


def parse_assignments(items: list[str]) -> dict[str, float]:
    """``["x=1.5", "y=-2"]`` as ``{"x": 1.5, "y": -2.0}``, with a clear error for anything else.

    >>> parse_assignments(["x=1.5", "y=-2"])
    {'x': 1.5, 'y': -2.0}
    """
    values: dict[str, float] = {}
    for item in items:
        name, sep, number = item.partition("=")
        name = fold_name(name.strip())
        if not sep or not name.isidentifier():
            raise ExpressionError(f"--at expects NAME=NUMBER, got {item!r}")
        _check_name(name)
        if name in values:
            raise ExpressionError(f"--at gives {name} twice")
        try:
            value = float(number)
        except ValueError:
            raise ExpressionError(f"--at {name}: {number!r} is not a number") from None
        if not math.isfinite(value):
            raise ExpressionError(f"--at {name}: the value must be finite, got {number!r}")
        values[name] = value
    return values
