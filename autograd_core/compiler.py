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
    if _mode.anomaly:
        return _eager(x, t)  # detect_anomaly(): the eager engine checks
    if x.__class__ is not float or t.__class__ is not float:
        x, t = _floats(x, t)  # ints, numpy floats: as floats
    try:
        w = param_w.data
        b = param_b.data
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
        param_w.grad += grad_w
        param_b.grad += grad_b
        return loss
    except (ArithmeticError, ValueError, TypeError):
        return _eager(x, t)  # raises the eager engine's own error for the failing op
<BLANKLINE>

A sum shares its gradient with its inputs, so ``grad_add4`` serves ``mul2`` too and
``mul2``'s gradient needs no line of its own. The first guard and the ``try`` send
``detect_anomaly()`` and any error to the eager engine, which raises its own errors; the
second turns ints and numpy floats into floats and refuses bools, strings and ``Value`` s.
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
from .ops import HELPERS, OPS, Op
from .value import Value, as_float, call_op

__all__ = ["CompiledStep", "compile"]

# The only builtins the generated code sees.
_BUILTINS = ("float", "bool", "ArithmeticError", "ValueError", "TypeError")
# Names the generated code binds or uses itself; no node may take them (nor an op's name,
# read from the table when a step is compiled, so ops defined later are reserved too).
_RESERVED = frozenset({"rows", "losses", "values", "compiled", "compiled_many", "forward", *HELPERS,
                       *_BUILTINS})


class _Namer:
    """Unique identifiers for nodes, each with its ``grad_``, ``acc_`` and ``param_`` companions free."""

    def __init__(self) -> None:
        self.used = set(_RESERVED) | {identifier(name, "op") for name in OPS}

    @staticmethod
    def _companions(name: str) -> set[str]:
        return {name, f"grad_{name}", f"acc_{name}", f"param_{name}"}

    def name(self, text: str, fallback: str) -> str:
        if not isinstance(text, str):  # a .label assigned after the node was made
            raise TypeError(f"labels and parameter names must be str, got {type(text).__name__} {text!r}")
        base = identifier(text, fallback)
        candidate, suffix = base, 1
        while self._companions(candidate) & self.used:
            suffix += 1
            candidate = f"{base}_{suffix}"
        self.used.update(self._companions(candidate))
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
    seen: set[Value] = set()
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


def _arg_names(fn: Callable[..., Any], n_args: int) -> list[str]:
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
        self.pairs = params
        self.order = topological_order(root)
        self.placeholders = placeholders
        self.param_index = {param: index for index, (_, param) in enumerate(params)}
        self.arg_index = {node: index for index, node in enumerate(placeholders)}
        namer = _Namer()
        self.names: dict[Value, str] = {}
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
                self.names[node] = namer.name(node.label, f"{node.op}{index}")
        # A node needs a gradient when some parameter reaches the root through it.
        self.needs_grad: set[Value] = set()
        for node in self.order:
            if node in self.param_index or any(p in self.needs_grad for p in node.parents):
                self.needs_grad.add(node)

    def is_constant(self, node: Value) -> bool:
        return node._op is None and node not in self.param_index and node not in self.arg_index

    def sym(self, node: Value) -> Sym:
        """The node as an expression: its name, or its value for a constant."""
        return literal(node.data) if self.is_constant(node) else Sym(self.names[node])

    def reachable_params(self) -> list[tuple[int, Value]]:
        """(index, param) of the parameters the root depends on, in the order given."""
        return sorted((index, param) for param, index in self.param_index.items() if param in self.needs_grad)


def _op(node: Value) -> Op:
    """The op record of a node the traced graph computed (a leaf has none)."""
    if node._op is None:
        raise ValueError(f"{node!r} is a leaf: it has no op")
    return node._op


def _forward_expression(graph: _Graph, node: Value) -> str:
    op = _op(node)
    operands = [graph.sym(parent) for parent in node.parents]
    # An op defined on all real inputs cannot raise, so its infix operator can stand in for
    # its forward rule; the others (div, pow...) are called, so their domain checks run.
    if op.infix is not None and op.total and len(operands) == 2:
        return combine(operands[0], op.infix, operands[1]).text
    if op.has_const:
        operands.append(literal(node._const))
    return f"{identifier(op.name, 'op')}({', '.join(s.text for s in operands)})"


def _forward_lines(graph: _Graph) -> list[str]:
    return [f"{graph.names[node]} = {_forward_expression(graph, node)}"
            for node in graph.order if node._op is not None]


def _node_partials(graph: _Graph, node: Value) -> tuple[Any, ...]:
    inputs = [graph.sym(parent) for parent in node.parents]
    out = Sym(graph.names[node])
    op = _op(node)
    try:
        return op.partials_at(inputs, out, node.const)
    except TypeError as error:
        raise TypeError(f"cannot compile {op.name}: its partial rule does not run on symbols "
                        f"({error})") from None


def _is_name_or_number(expression: Sym) -> bool:
    """True for ``grad_h1`` or ``0.5``: a gradient that needs no line of its own."""
    if expression.text.isidentifier():
        return True
    try:
        float(expression.text)
    except ValueError:
        return False
    return True


_TERMS_PER_LINE = 64  # Python's compiler recurses once per `+` of a line: keep lines shallow


def _sum_lines(name: str, terms: list[Sym]) -> list[str]:
    """``name = t0 + t1 + ...``, continued as ``name = name + ...`` past ``_TERMS_PER_LINE``
    terms: the same left-to-right additions as one long line, so the same float."""
    lines = []
    for start in range(0, len(terms), _TERMS_PER_LINE):
        total = terms[start] if start == 0 else Sym(name) + terms[start]
        for term in terms[start + 1:start + _TERMS_PER_LINE]:
            total = total + term
        lines.append(f"{name} = {total.text}")
    return lines


def _backward_lines(graph: _Graph) -> tuple[list[str], dict[Value, Sym]]:
    """Lines ``grad_<n> = <sum of contributions>`` in reverse order, and each param's gradient.

    A node's gradient is the sum, over the nodes that use it, of their gradient times
    their partial, added in the order eager backward adds them (so the result is the
    same float). A gradient that is just another node's (a sum's inputs share it) or a
    number gets no line of its own, except for parameters, whose gradient is always named.
    """
    contributions: dict[Value, list[Sym]] = {node: [] for node in graph.needs_grad}
    grads: dict[Value, Sym] = {graph.root: literal(1.0)}
    lines: list[str] = []
    for node in reversed(graph.order):
        if node not in graph.needs_grad:
            continue
        if node is not graph.root:
            terms = contributions[node]
            if not terms:
                continue  # every path to the root multiplies by a literal 0
            name = f"grad_{graph.names[node]}"
            if len(terms) == 1 and _is_name_or_number(terms[0]) and node not in graph.param_index:
                grads[node] = terms[0]
            else:
                lines += _sum_lines(name, terms)
                grads[node] = Sym(name)
        if node._op is None or not any(p in graph.needs_grad for p in node.parents):
            continue
        for parent, partial in zip(node.parents, _node_partials(graph, node), strict=True):
            if parent not in graph.needs_grad:
                continue
            if not isinstance(partial, Sym) and partial == 0.0:
                continue  # the op's rule says this input does not matter (step, x ** 0)
            contributions[parent].append(grads[node] * partial)
    return lines, grads


def _indent(lines: list[str]) -> list[str]:
    return [f"    {line}" for line in lines]


def _argument_check(args: list[str]) -> list[str]:
    """Lines that turn non-float arguments into floats with ``_floats`` (a TypeError for a bool,
    a str, a Value...): one class test per argument on the fast path."""
    if not args:
        return []
    target = ", ".join(args) + ("," if len(args) == 1 else "")
    return [f"if {' or '.join(f'{arg}.__class__ is not float' for arg in args)}:",
            f"    {target} = _floats({', '.join(args)})  # ints, numpy floats: as floats"]


class _Parts:
    """What the emitters share: argument names, the forward and backward lines, and each
    parameter's gradient expression, worked out once per graph."""

    def __init__(self, graph: _Graph) -> None:
        self.graph = graph
        self.args = [graph.names[node] for node in graph.placeholders]
        self.call = ", ".join(self.args)
        self.params = graph.reachable_params()
        self.forward = ["# forward: one line per node", *_forward_lines(graph)]
        self.result = graph.sym(graph.root).text
        lines, grads = _backward_lines(graph)
        self.backward = [f"# backward: grad_<node> = d {self.result} / d <node>", *lines] if lines else []
        # (name, gradient expression) of every parameter that gets a gradient.
        self.accumulated = [(graph.names[param], grads[param].text) for _, param in self.params if param in grads]

    def loads(self, from_values: bool = False) -> list[str]:
        """``w = param_w.data`` (or ``w = values[i]``) for every parameter the loss depends on."""
        names = self.graph.names
        if from_values:
            return [f"{names[param]} = values[{index}]" for index, param in self.params]
        return [f"{names[param]} = param_{names[param]}.data" for _, param in self.params]


def _guarded(header: str, fallback: str, work: list[str], prologue: Sequence[str] = ()) -> str:
    """``header`` with ``work`` inside a ``try`` whose errors, like ``detect_anomaly()``, go to
    ``fallback`` (the eager engine, which raises its own errors)."""
    lines = [header,
             "if _mode.anomaly:",
             f"    return {fallback}  # detect_anomaly(): the eager engine checks",
             *prologue,
             "try:", *_indent(work),
             "except (ArithmeticError, ValueError, TypeError):",
             f"    return {fallback}  # raises the eager engine's own error for the failing op"]
    return "\n    ".join(lines) + "\n"


def _emit_step(parts: _Parts) -> str:
    """``compiled(*args)``: the loss, with every parameter's gradient added into its ``.grad``.

    Parameters are read from (and gradients added into) the ``Value`` objects bound as
    ``param_<name>``; ``_mode`` and ``_eager`` (names no node can take: node names never
    start with ``_``) route anomaly mode and errors to the eager engine.
    """
    work = [*parts.loads(), *parts.forward, *parts.backward]
    if parts.accumulated:
        work.append("# accumulate into .grad, as backward() does")
        work += [f"param_{name}.grad += {grad}" for name, grad in parts.accumulated]
    work.append(f"return {parts.result}")
    return _guarded(f"def compiled({parts.call}):", f"_eager({parts.call})", work,
                    _argument_check(parts.args))


def _emit_many(parts: _Parts) -> str:
    """``compiled_many(rows)``: ``[compiled(*row) for row in rows]`` in one loop, each parameter
    read once and its ``.grad`` written once, after the last row (so an error adds nothing)."""
    accumulated = parts.accumulated
    row = parts.call + ("," if len(parts.args) == 1 else "")
    work = [*parts.loads(), *(f"acc_{name} = param_{name}.grad" for name, _ in accumulated), "losses = []",
            f"for {row or '_'} in rows:",
            *_indent([*_argument_check(parts.args), *parts.forward, *parts.backward]),
            *(f"    acc_{name} += {grad}" for name, grad in accumulated),
            f"    losses.append({parts.result})",
            *(f"param_{name}.grad = acc_{name}" for name, _ in accumulated),
            "return losses"]
    return _guarded("def compiled_many(rows):", "_eager_many(rows)", work)


def _emit_forward(parts: _Parts) -> str:
    """``forward(values, *args)``: the loss alone, with parameter ``i`` at ``values[i]``; no
    backward lines, no parameter read or written."""
    header = f"def forward(values{', ' if parts.args else ''}{parts.call}):"
    fallback = f"_eager_forward(values{', ' if parts.args else ''}{parts.call})"
    return _guarded(header, fallback, [*parts.loads(from_values=True), *parts.forward, f"return {parts.result}"],
                    _argument_check(parts.args))


def _namespace(param_names: list[str], params: list[Value]) -> dict[str, Any]:
    namespace: dict[str, Any] = {identifier(name, "op"): op.forward for name, op in OPS.items()}
    # The partial rules' helpers (log, step, exp...) are the float rules of the ops of that name.
    namespace.update({name: OPS[name].forward for name in HELPERS})
    namespace.update({f"param_{name}": p for name, p in zip(param_names, params, strict=True)}, _mode=_Mode,
                     __builtins__={name: getattr(builtins, name) for name in _BUILTINS})
    return namespace


# Bytecode of recent sources, so that copies of a step (unpickled in a worker once per task)
# compile each source once per process. Few entries: a large loss's bytecode is tens of MB.
_BYTECODE: dict[str, Any] = {}
_BYTECODE_ENTRIES = 6


def _define(source: str, name: str, namespace: dict[str, Any]) -> Any:
    """The function ``name`` that ``source`` defines (untyped: it is generated code)."""
    code = _BYTECODE.pop(source, None)
    if code is None:
        code = builtins.compile(source, f"<autograd_core.compile {name}>", "exec")
    _BYTECODE[source] = code  # most recent last
    while len(_BYTECODE) > _BYTECODE_ENTRIES:
        del _BYTECODE[next(iter(_BYTECODE))]
    exec(code, namespace)
    return namespace.pop(name)


def _unpickled_step(state: dict[str, Any]) -> CompiledStep:
    """A :class:`CompiledStep` from its pickled state; its graph is named again only if the
    eager engine is needed (``detect_anomaly()``, errors)."""
    step = CompiledStep.__new__(CompiledStep)
    step.__dict__.update(state, _graph=None)
    step._define_lazily()
    return step


def _replay(graph: _Graph, args: tuple[Any, ...], values: Sequence[float] | None = None) -> float:
    """Run the traced graph with the eager engine: its checks, its errors. With ``values``
    (one float per parameter) the loss at those parameter values, without backward; else
    the loss at the parameters' ``.data``, with backward into their ``.grad``."""
    if len(args) != len(graph.placeholders):
        raise TypeError(f"the compiled step takes {len(graph.placeholders)} arguments, got {len(args)}")
    replayed: dict[Value, Value] = {}
    if values is not None:
        replayed = {param: Value(values[index], param.label) for param, index in graph.param_index.items()}
    with enable_grad():
        for node in graph.order:
            if node in replayed:
                continue
            if node in graph.arg_index:
                replayed[node] = Value(as_float(args[graph.arg_index[node]], f"argument {node.label}"),
                                       node.label)
            elif node._op is None:
                replayed[node] = node
            else:
                replayed[node] = call_op(_op(node), [replayed[p] for p in node.parents], node.const)
    root = replayed[graph.root]
    if values is None:
        backward(root)
    return root.data


class CompiledStep:
    """A traced loss as generated Python: ``step(*args)`` gives the loss and adds gradients into
    the parameters' ``.grad``; ``step.many(rows)`` does it for many rows; ``step.forward(*args,
    at=values)`` gives the loss alone, at given parameter values. Made by :func:`compile`.

    Attributes: ``params`` (the parameter ``Value`` s, in the order given), ``arg_names``,
    ``n_nodes`` (nodes of the traced graph), and the generated code: ``source``,
    ``many_source``, ``forward_source``.

    >>> from autograd_core import Value, compile
    >>> w = Value(2.0, label="w")
    >>> step = compile(lambda x: w * x, [1.0], [w])
    >>> step
    CompiledStep(<lambda>(x), 1 parameter, 3 nodes)
    >>> step(3.0), w.grad, step.forward(3.0, at=[10.0]), w.grad
    (6.0, 3.0, 30.0, 3.0)
    """

    def __init__(self, graph: _Graph, params: list[Value], name: str) -> None:
        """Generate the step's sources; ``name`` is the traced function's name. Each source is
        compiled to bytecode on first use (a 65,000-node loss takes seconds per source)."""
        self.params = list(params)
        self.arg_names = [graph.names[node] for node in graph.placeholders]
        self.n_nodes = len(graph.order)
        self._graph: _Graph | None = graph
        self._traced = (graph.root, graph.placeholders, graph.pairs)
        self._name = name
        parts = _Parts(graph)
        self.source, self.many_source = _emit_step(parts), _emit_many(parts)
        self.forward_source = _emit_forward(parts)
        self._param_names = [graph.names[p] for p in params]
        self._define_lazily()

    def _define_lazily(self) -> None:
        # Each generated function starts as a stand-in that compiles it, replaces itself and runs it.
        self._compiled: Callable[..., float] = lambda *args: self._define("compiled")(*args)
        self._compiled_many: Callable[[list[Any] | tuple[Any, ...]], list[float]] = (
            lambda rows: self._define("compiled_many")(rows))
        self._forward: Callable[..., float] = lambda values, *args: self._define("forward")(values, *args)

    def _define(self, kind: str) -> Any:
        source = {"compiled": self.source, "compiled_many": self.many_source, "forward": self.forward_source}[kind]
        namespace = _namespace(self._param_names, self.params)
        namespace.update(_eager=self._eager, _eager_many=self._eager_many,
                         _eager_forward=self._eager_forward, _floats=self._floats)
        function = _define(source, kind, namespace)
        setattr(self, {"compiled": "_compiled", "compiled_many": "_compiled_many", "forward": "_forward"}[kind],
                function)
        return function

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle (and deep-copy) the traced graph, the parameters and the sources: the copy
        recompiles nothing that this process has already compiled."""
        state = {"params": self.params, "arg_names": self.arg_names, "n_nodes": self.n_nodes,
                 "_traced": self._traced, "_name": self._name, "_param_names": self._param_names,
                 "source": self.source, "many_source": self.many_source, "forward_source": self.forward_source}
        return _unpickled_step, (state,)

    def __call__(self, *args: float) -> float:
        """The loss at ``args`` and the parameters' current ``.data``; adds d loss/d p into
        ``p.grad`` for every parameter, exactly as ``loss.backward()`` on a fresh graph would."""
        return self._compiled(*args)

    def many(self, rows: Iterable[Sequence[float]]) -> list[float]:
        """``[step(*row) for row in rows]`` in one generated loop: the same losses and the same
        ``.grad`` to the last bit, without reading and writing every parameter per row."""
        return self._compiled_many(rows if isinstance(rows, (list, tuple)) else list(rows))

    def forward(self, *args: float, at: Sequence[float] | None = None) -> float:
        """The loss alone at ``args``, with parameter ``i`` at ``at[i]`` (default: its ``.data``):
        no backward, no parameter read or written, so one step can evaluate many points (a loss
        landscape) and from many threads. The same float as ``step(*args)`` at those values."""
        if at is None:
            values = [param.data for param in self.params]
        else:
            if isinstance(at, (str, bytes)) or not isinstance(at, Sequence):
                raise TypeError(f"at must be a sequence of {len(self.params)} numbers, got {type(at).__name__}")
            if len(at) != len(self.params):
                raise ValueError(f"at must hold one number per parameter ({len(self.params)}), got {len(at)}")
            values = [as_float(x, f"at[{index}]") for index, x in enumerate(at)]
        return self._forward(values, *args)

    def __repr__(self) -> str:
        n = len(self.params)
        return (f"CompiledStep({self._name}({', '.join(self.arg_names)}), {n} parameter{'s' * (n != 1)}, "
                f"{self.n_nodes} nodes)")

    # --- the eager engine, for detect_anomaly() and errors -----------------------------------
    def _traced_graph(self) -> _Graph:
        if self._graph is None:  # unpickled: named again, the same names as when traced
            self._graph = _Graph(*self._traced)
        return self._graph

    def _eager(self, *args: Any) -> float:
        return _replay(self._traced_graph(), args)

    def _eager_many(self, rows: list[Sequence[float]]) -> list[float]:
        return [self._compiled(*row) for row in rows]

    def _eager_forward(self, values: list[float], *args: Any) -> float:
        return _replay(self._traced_graph(), args, values)

    def _floats(self, *args: Any) -> tuple[float, ...]:
        return tuple(as_float(arg, f"argument {name}") for arg, name in zip(args, self.arg_names, strict=True))


def compile(fn: Callable[..., Value], example_args: Sequence[float],
            params: Sequence[Value] | Mapping[str, Value]) -> CompiledStep:
    """Trace ``fn`` once and return a :class:`CompiledStep`, a fast ``step(*args) -> float`` for
    its loss and gradients.

    ``fn`` takes one ``Value`` per example argument and returns the loss ``Value``; it
    is called once, on placeholders holding ``example_args``. ``params`` are the leaf
    ``Value`` nodes to differentiate with respect to (a list, ``(name, Value)`` pairs
    as ``named_parameters()`` gives, or a dict); their names name the generated
    variables. ``step(*args)`` computes the loss for new float inputs and the current
    ``p.data`` of every parameter, and adds d loss / d p into each ``p.grad`` exactly as
    ``loss.backward()`` on a freshly built graph would. ``step.many(rows)`` does the
    same for a batch of rows; ``step.forward(*args, at=values)`` gives the loss alone at
    other parameter values (no backward). ``step.source`` is the generated code.

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
    return CompiledStep(graph, [param for _, param in pairs], getattr(fn, "__name__", type(fn).__name__))
