"""A graph compiler: trace a loss once, get straight-line Python for its forward and backward.

:func:`compile` calls ``fn`` once on placeholder ``Value`` inputs, reads the recorded
graph with :func:`~autograd_core.graph.topological_order`, and writes it out as one
Python function: a line per node for the forward pass, then a line per node for the
backward pass, the kind of unrolled code a textbook prints. Every forward line calls
the op's own forward rule (or uses its ``infix`` operator) and every backward line is
the op's ``partials`` rule evaluated on symbols (:class:`~autograd_core.codegen.Sym`),
so no derivative is restated here. Names come from parameter names and labels, cut
down to ``[A-Za-z0-9_]`` (:func:`~autograd_core.codegen.identifier`): no user text
reaches the source any other way, and numbers are written with ``repr``.

Like ``torch.jit.trace``, tracing records the one path ``fn`` took for the example
inputs: Python ``if``/``for`` that depend on the *data* (``if x.data > 0``) are frozen
into that path, and a leaf that is neither a placeholder nor a listed parameter is a
constant, baked in with the value it had when traced.

>>> from autograd_core import Value, compile
>>> w = Value(0.5, label="w")
>>> b = Value(0.1, label="b")
>>> step = compile(lambda x, t: ((w * x + b).sigmoid() - t) ** 2, [1.0, 0.0], [w, b])
>>> round(step(2.0, 1.0), 6), round(w.grad, 6), round(b.grad, 6)
(0.06237, -0.187175, -0.093587)
>>> print(step.source)
def compiled(x, t):
    w = params[0].data
    b = params[1].data
    # forward: one line per node
    mul2 = w * x
    add4 = mul2 + b
    sigmoid5 = sigmoid(add4)
    sub7 = sigmoid5 - t
    loss = pow_const(sub7, 2.0)
    # backward: grad_<node> = d loss / d <node>
    grad_sub7 = 2.0 * sub7 ** 1.0
    grad_add4 = grad_sub7 * (sigmoid5 * (1.0 - sigmoid5))
    grad_b = grad_add4
    grad_w = grad_add4 * x
    # accumulate into .grad, as backward() does
    params[0].grad += grad_w
    params[1].grad += grad_b
    return loss
<BLANKLINE>

A sum shares its gradient with its inputs, so ``grad_add4`` serves ``mul2`` too and
``mul2``'s gradient needs no line of its own.
"""

from __future__ import annotations

import builtins
import inspect
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from .backprop import backward
from .codegen import Sym, combine, identifier, literal
from .graph import topological_order
from .modes import _Mode, enable_grad
from .ops import OPS, Op
from .value import Value, _binary, _unary, _unary_const, as_float

__all__ = ["compile", "CompiledStep"]

_TOTAL_DOMAIN = Op.__dataclass_fields__["domain"].default
# Names the generated code binds or uses itself; no node may take them.
_RESERVED = frozenset({"params", "rows", "losses", "float", "compiled", "compiled_many", "log", "step"}
                      | {identifier(name, "op") for name in OPS})


class _Namer:
    """Unique identifiers for nodes, each with its ``grad_`` and ``acc_`` companions free."""

    def __init__(self) -> None:
        self.used = set(_RESERVED)

    def name(self, text: str, fallback: str) -> str:
        base = identifier(text, fallback)
        candidate, suffix = base, 1
        while {candidate, f"grad_{candidate}", f"acc_{candidate}"} & self.used:
            suffix += 1
            candidate = f"{base}_{suffix}"
        self.used.update({candidate, f"grad_{candidate}", f"acc_{candidate}"})
        return candidate


def _param_pairs(params: Any) -> list[tuple[str, Value]]:
    """``params`` as (name, Value) pairs: a mapping, (name, Value) pairs, or Values."""
    if isinstance(params, Mapping):
        pairs = list(params.items())
    elif isinstance(params, Iterable) and not isinstance(params, (str, bytes)):
        pairs = [item if isinstance(item, tuple) and len(item) == 2 else (None, item) for item in params]
    else:
        raise TypeError(f"params must be a list of Values, a list of (name, Value) pairs or a dict, "
                        f"got {type(params).__name__}")
    seen: set = set()
    checked = []
    for index, (name, param) in enumerate(pairs):
        if not isinstance(param, Value):
            raise TypeError(f"params[{index}] must be a Value, got {type(param).__name__}")
        if param._op is not None:
            raise ValueError(f"params[{index}] is the result of {param._op.name}, not a leaf: "
                             f"compile differentiates with respect to leaf Values only")
        if param in seen:
            raise ValueError(f"params[{index}] is listed twice")
        seen.add(param)
        checked.append((str(name) if name is not None else param.label, param))
    return checked


def _arg_names(fn: Callable, n_args: int) -> list[str]:
    """The names of ``fn``'s positional parameters when it has exactly ``n_args`` of them."""
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):
        return [f"arg{i}" for i in range(n_args)]
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    names = [p.name for p in signature.parameters.values() if p.kind in kinds]
    if len(names) != n_args or len(signature.parameters) != n_args:
        return [f"arg{i}" for i in range(n_args)]
    return names


class _Graph:
    """The traced graph: its order, which leaf is what, and a name for every node."""

    def __init__(self, root: Value, placeholders: list[Value], params: list[tuple[str, Value]]) -> None:
        self.root = root
        self.order = topological_order(root)
        self.placeholders = placeholders
        self.param_index = {param: index for index, (_, param) in enumerate(params)}
        self.arg_index = {node: index for index, node in enumerate(placeholders)}
        namer = _Namer()
        self.names: dict = {}
        for node in placeholders:
            self.names[node] = namer.name(node.label, "arg")
        for index, (name, param) in enumerate(params):
            self.names[param] = namer.name(name, f"p{index}")
        for index, node in enumerate(self.order):
            if node in self.names or self.is_constant(node):
                continue
            if node is root and not node.label:
                self.names[node] = namer.name("loss", "loss")
            else:
                self.names[node] = namer.name(node.label, f"{node._op.name}{index}")
        # A node needs a gradient when some parameter reaches the root through it.
        self.needs_grad = set()
        for node in self.order:
            if node in self.param_index or any(p in self.needs_grad for p in node._parents):
                self.needs_grad.add(node)

    def is_constant(self, node: Value) -> bool:
        return node._op is None and node not in self.param_index and node not in self.arg_index

    def sym(self, node: Value) -> Sym:
        """The node as an expression: its name, or its value for a constant."""
        return literal(node.data) if self.is_constant(node) else Sym(self.names[node])

    def reachable_params(self) -> list[tuple[int, Value]]:
        """(index, param) of the parameters the root depends on, in the order given."""
        return sorted((index, param) for param, index in self.param_index.items() if param in self.needs_grad)


def _forward_expression(graph: _Graph, node: Value) -> str:
    op = node._op
    operands = [graph.sym(parent) for parent in node._parents]
    if op.infix is not None and op.domain == _TOTAL_DOMAIN and len(operands) == 2:
        return combine(operands[0], op.infix, operands[1]).text
    if op.has_const:
        operands.append(literal(node._const))
    return f"{identifier(op.name, 'op')}({', '.join(s.text for s in operands)})"


def _forward_lines(graph: _Graph) -> list[str]:
    return [f"{graph.names[node]} = {_forward_expression(graph, node)}"
            for node in graph.order if node._op is not None]


def _node_partials(graph: _Graph, node: Value) -> tuple:
    inputs = [graph.sym(parent) for parent in node._parents]
    out = Sym(graph.names[node])
    if node._op.has_const:
        return tuple(node._op.partials(*inputs, out, node._const))
    return tuple(node._op.partials(*inputs, out))


def _backward_lines(graph: _Graph) -> tuple[list[str], dict]:
    """Lines ``grad_<n> = <sum of contributions>`` in reverse order, and each param's gradient.

    A node's gradient is the sum, over the nodes that use it, of their gradient times
    their partial, added in the order eager backward adds them (so the result is the
    same float). A gradient that is just another node's (a sum's inputs share it) gets
    no line of its own, except for parameters, whose gradient is always named.
    """
    contributions: dict = {node: [] for node in graph.needs_grad}
    grads: dict = {graph.root: literal(1.0)}
    lines: list[str] = []
    for node in reversed(graph.order):
        if node not in graph.needs_grad:
            continue
        if node is not graph.root:
            terms = contributions[node]
            if not terms:
                continue  # every path to the root multiplies by a literal 0
            total = terms[0]
            for term in terms[1:]:
                total = total + term
            name = f"grad_{graph.names[node]}"
            is_param = node in graph.param_index
            if total.text.isidentifier() and not is_param:
                grads[node] = total
            else:
                lines.append(f"{name} = {total.text}")
                grads[node] = Sym(name)
        if node._op is None or not any(p in graph.needs_grad for p in node._parents):
            continue
        for parent, partial in zip(node._parents, _node_partials(graph, node), strict=True):
            if parent not in graph.needs_grad:
                continue
            if not isinstance(partial, Sym) and partial == 0.0:
                continue  # the op's rule says this input does not matter (step, x ** 0)
            contributions[parent].append(grads[node] * partial)
    return lines, grads


def _function_source(graph: _Graph, batched: bool) -> str:
    """The generated ``compiled(*args)`` or, when ``batched``, ``compiled_many(rows)``."""
    args = [graph.names[node] for node in graph.placeholders]
    params = graph.reachable_params()
    backward_lines, grads = _backward_lines(graph)
    # (index, name, gradient expression) of every parameter that gets a gradient.
    accumulated = [(index, graph.names[param], grads[param].text) for index, param in params if param in grads]
    result = graph.sym(graph.root).text
    loads = [f"{graph.names[param]} = params[{index}].data" for index, param in params]
    body = ["# forward: one line per node", *_forward_lines(graph)]
    if backward_lines:
        body += [f"# backward: grad_<node> = d {result} / d <node>", *backward_lines]
    if not batched:
        lines = [f"def compiled({', '.join(args)}):", *loads, *body]
        if accumulated:
            lines.append("# accumulate into .grad, as backward() does")
            lines += [f"params[{index}].grad += {grad}" for index, _, grad in accumulated]
        lines.append(f"return {result}")
        return "\n    ".join(lines) + "\n"
    row = ", ".join(args) + ("," if len(args) == 1 else "")
    lines = ["def compiled_many(rows):", *loads]
    lines += [f"acc_{name} = params[{index}].grad" for index, name, _ in accumulated]
    lines += ["losses = []", f"for {row or '_'} in rows:"]
    lines += [f"    {line}" for line in body]
    lines += [f"    acc_{name} += {grad}" for _, name, grad in accumulated]
    lines += [f"    losses.append({result})"]
    lines += [f"params[{index}].grad = acc_{name}" for index, name, _ in accumulated]
    lines.append("return losses")
    return "\n    ".join(lines) + "\n"


def _namespace(params: list[Value]) -> dict:
    namespace: dict = {identifier(name, "op"): op.forward for name, op in OPS.items()}
    namespace.update(params=tuple(params), float=float, __builtins__={})
    # The partial rules' log and step are the log and step ops' float rules.
    namespace["log"], namespace["step"] = OPS["log"].forward, OPS["step"].forward
    return namespace


def _define(source: str, name: str, namespace: dict) -> Callable:
    exec(builtins.compile(source, f"<autograd_core.compile {name}>", "exec"), namespace)
    return namespace.pop(name)


class CompiledStep:
    """The result of :func:`compile`: ``step(*args)`` returns the loss and accumulates gradients.

    Attributes:
        source: the generated Python of ``step``, one line per node.
        many_source: the generated Python of :meth:`many`.
        params: the parameters, in the order given.
        arg_names: the names of the inputs in the generated code.
    """

    def __init__(self, fn: Callable, graph: _Graph, params: list[Value]) -> None:
        self.fn = fn
        self.params = params
        self.arg_names = [graph.names[node] for node in graph.placeholders]
        self.source = _function_source(graph, batched=False)
        self.many_source = _function_source(graph, batched=True)
        namespace = _namespace(params)
        self._step = _define(self.source, "compiled", namespace)
        self._many = _define(self.many_source, "compiled_many", namespace)
        self._graph = graph

    def __repr__(self) -> str:
        name = getattr(self.fn, "__name__", "fn")
        return (f"<CompiledStep of {name}({', '.join(self.arg_names)}): "
                f"{len(self._graph.order)} nodes, {len(self.params)} params>")

    def __call__(self, *args: float) -> float:
        """The loss at ``args`` and the current ``p.data``; adds d loss/d p into each ``p.grad``."""
        for arg in args:
            if arg.__class__ is not float:
                args = self._checked(args)
                break
        if len(args) != len(self.arg_names) or _Mode.anomaly:
            return self._eager(args)
        try:
            return self._step(*args)
        except (ArithmeticError, ValueError, TypeError):
            # Nothing was accumulated yet (that happens last): rerun eagerly, which
            # raises the engine's own error for the failing op, with its message.
            return self._eager(args)

    def many(self, rows: Iterable[Sequence[float]]) -> list[float]:
        """``[step(*row) for row in rows]`` in one generated loop: the same losses and the same
        ``.grad`` (to the last bit), without reading and writing every parameter per row."""
        rows = rows if isinstance(rows, (list, tuple)) else list(rows)
        if not _Mode.anomaly:
            try:
                return self._many(rows)
            except (ArithmeticError, ValueError, TypeError):
                pass  # .grad is written only at the end, so nothing was accumulated
        return [self(*row) for row in rows]

    def _checked(self, args: tuple) -> tuple:
        if len(args) != len(self.arg_names):
            raise TypeError(f"step takes {len(self.arg_names)} arguments "
                            f"({', '.join(self.arg_names)}), got {len(args)}")
        return tuple(as_float(arg, f"argument {name}") for arg, name in zip(args, self.arg_names, strict=True))

    def _eager(self, args: tuple) -> float:
        """Replay the traced graph with the eager engine (its checks, errors and backward)."""
        args = self._checked(args)
        graph = self._graph
        replayed: dict = {}
        with enable_grad():
            for node in graph.order:
                if node in graph.arg_index:
                    replayed[node] = Value(args[graph.arg_index[node]], node.label)
                elif node._op is None:
                    replayed[node] = node
                else:
                    replayed[node] = _apply(node, [replayed[p] for p in node._parents])
        root = replayed[graph.root]
        backward(root)
        return root.data


def _apply(node: Value, inputs: list[Value]) -> Value:
    """``node``'s op applied to ``inputs`` through the engine's own eager paths."""
    op = node._op
    if op.has_const:
        return _unary_const(op, inputs[0], node._const)
    if op.arity == 2:
        return _binary(op, inputs[0], inputs[1])
    return _unary(op, inputs[0])


def compile(fn: Callable[..., Value], example_args: Sequence[float],
            params: Sequence[Value] | Mapping[str, Value]) -> CompiledStep:
    """Trace ``fn`` once and return a fast ``step(*args) -> float`` for its loss and gradients.

    ``fn`` takes one ``Value`` per example argument and returns the loss ``Value``; it
    is called once, on placeholders holding ``example_args``. ``params`` are the leaf
    ``Value`` nodes to differentiate with respect to (a list, ``(name, Value)`` pairs
    as ``named_parameters()`` gives, or a dict); their names name the generated
    variables. ``step(*args)`` computes the loss for new float inputs and the current
    ``p.data`` of every parameter, and adds d loss / d p into each ``p.grad`` exactly as
    ``loss.backward()`` on a freshly built graph would. ``step.many(rows)`` does the
    same for a batch of rows. ``step.source`` is the generated code.

    Tracing follows one path through ``fn`` (see the module docstring); leaves that are
    not parameters are constants frozen at their traced value. Under
    :func:`~autograd_core.detect_anomaly`, or when the generated code meets an error,
    the step replays the graph with the eager engine, which raises its usual errors.

    >>> from autograd_core import Value
    >>> x = Value(3.0, label="x")
    >>> square = compile(lambda: x * x, [], [x])
    >>> square(), square(), x.grad
    (9.0, 9.0, 12.0)
    """
    if not callable(fn):
        raise TypeError(f"fn must be callable, got {type(fn).__name__}")
    if isinstance(example_args, (str, bytes)) or not isinstance(example_args, Sequence):
        raise TypeError(f"example_args must be a list of numbers, got {type(example_args).__name__}")
    floats = [as_float(arg, f"example_args[{index}]") for index, arg in enumerate(example_args)]
    pairs = _param_pairs(params)
    placeholders = [Value(x, label=name) for x, name in zip(floats, _arg_names(fn, len(floats)), strict=True)]
    with enable_grad():
        root = fn(*placeholders)
    if not isinstance(root, Value):
        raise TypeError(f"fn must return a Value (the loss), got {type(root).__name__}")
    graph = _Graph(root, placeholders, pairs)
    return CompiledStep(fn, graph, [param for _, param in pairs])
