"""A graph compiler: trace a loss once, get straight-line Python for its forward and backward.

:func:`compile` calls ``fn`` once on placeholder ``Value`` inputs, reads the recorded
graph with :func:`~autograd_core.engine.graph.topological_order`, and writes it out as one
Python function: the forward pass (a line per value the backward pass reads, the rest
inline, as in ``sigmoid(w * x + b)``), then a line per gradient, the kind of unrolled code
a textbook prints. Every forward expression calls the op's own forward rule (or uses its
``infix`` operator) and every backward line is the op's ``partials`` rule evaluated on
symbols (:class:`~autograd_core.compiler.symbols.Sym`) once per op, then filled in per node, so no
derivative is restated here. Names come from parameter names and labels, cut
down to ``[A-Za-z0-9_]`` (:func:`~autograd_core.compiler.symbols.identifier`): no user text
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
    if not _all_threads.record_unchecked and _this_thread.anomaly:
        return _eager(x, t)  # detect_anomaly(): the eager engine checks
    if x.__class__ is not float or t.__class__ is not float:
        x, t = _floats(x, t)  # ints, numpy floats: as floats
    try:
        w, b = _data_of((param_w, param_b))
        # forward: a line per value that backward reads or that is used twice
        sigmoid5 = sigmoid(w * x + b)
        sub7 = sigmoid5 - t
        loss = pow_const(sub7, 2.0)
        # backward: grad_<node> = d loss / d <node>
        grad_sub7 = 2.0 * sub7 ** 1.0
        grad_add4 = grad_sub7 * (sigmoid5 * (1.0 - sigmoid5))
        grad_b = grad_add4
        grad_w = grad_add4 * x
        # accumulate into .grad, as backward() does
        _accumulate_grads((param_w, param_b), (grad_w, grad_b))
        return loss
    except (ArithmeticError, ValueError, TypeError):
        return _eager(x, t)  # raises the eager engine's own error for the failing op
<BLANKLINE>

Only values that a backward line reads (``sigmoid5``, ``sub7``) or that are used twice get a
line of their own; the rest are written inline where they are used (``w * x + b``): the same
arithmetic in the same order, and far less source for Python to compile. A sum shares its
gradient with its inputs, so ``grad_add4`` serves ``w * x`` too and needs no line of its own. The first guard and the ``try`` send
``detect_anomaly()`` and any error to the eager engine, which raises its own errors; the
second turns ints and numpy floats into floats and refuses bools, strings and ``Value`` s.
"""

from __future__ import annotations

import builtins
import gc
import importlib.util
import inspect
import itertools
import linecache
import marshal
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from ..engine.functional import backward
from ..engine.graph import numbered, topological_order
from ..engine.modes import THIS_THREAD, AllThreads, enable_grad
from ..engine.ops import HELPERS, OPS, Op
from ..engine.value import Value, accumulate_grads, as_float, call_op, data_of, descend
from .symbols import Sym, combine, identifier, literal

__all__ = ["CompiledForward", "CompiledStep", "compile"]

# detect_anomaly() in the calling thread; the first test spares the common case a thread-local read.
_ANOMALY_CHECK = "not _all_threads.record_unchecked and _this_thread.anomaly"
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
        if param.op:
            raise ValueError(f"params[{index}] is the result of {param.op}, not a leaf: "
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
        self.names = self._name_nodes()
        # A node needs a gradient when some parameter reaches the root through it.
        needs_grad: set[Value] = set(self.param_index)
        for node in self.order:
            if any(parent in needs_grad for parent in node.parents):
                needs_grad.add(node)
        self.needs_grad = needs_grad

    def _name_nodes(self) -> dict[Value, str]:
        """Placeholders, parameters, labelled nodes and the root first (their names come from
        text, so the namer keeps them unique); then every other op node is ``<op><index>``,
        unique among themselves by index, checked only against the names already taken."""
        namer = _Namer()
        names: dict[Value, str] = {}
        for node in self.placeholders:
            names[node] = namer.name(node.label, "arg")
        for index, (name, param) in enumerate(self.pairs):
            names[param] = namer.name(name, f"p{index}")
        unnamed = []
        for index, node in enumerate(self.order):
            op = node.op_record
            if op is None:
                continue  # a placeholder or parameter (named above) or a constant (written as its value)
            if node.label:
                names[node] = namer.name(node.label, numbered(op.name, index))
            elif node is self.root:
                names[node] = namer.name("loss", "loss")
            else:
                unnamed.append((index, node))
        used = namer.used
        for index, node in unnamed:
            name = numbered(_op(node).name, index)
            if (name in used or f"grad_{name}" in used or f"acc_{name}" in used or f"param_{name}" in used
                    or not name.isidentifier() or name.startswith(("grad_", "acc_", "param_"))):
                name = namer.name("", name)  # a label or op name took it (rare): let the namer choose
            names[node] = name
        return names

    def is_constant(self, node: Value) -> bool:
        return not node.op and node not in self.param_index and node not in self.arg_index

    def sym(self, node: Value) -> Sym:
        """The node as an expression: its name, or its value for a constant."""
        return literal(node.data) if self.is_constant(node) else Sym(self.names[node])

    def reachable_params(self) -> list[tuple[int, Value]]:
        """(index, param) of the parameters the root depends on, in the order given."""
        return sorted((index, param) for param, index in self.param_index.items() if param in self.needs_grad)


def _op(node: Value) -> Op:
    """The op record of a node the traced graph computed (a leaf has none)."""
    op = node.op_record
    if op is None:
        raise ValueError(f"{node!r} is a leaf: it has no op")
    return op


def _creation_number(node: Value) -> int:
    return node.number


def _inputs(node: Value) -> tuple[Value | None, Value | None]:
    """A node's first and second input, None where it has fewer."""
    parents = node.parents
    if len(parents) == 2:
        return parents[0], parents[1]
    return (parents[0], None) if parents else (None, None)


# --- backward: each op's rule written out once, then filled in per node ------------------------

#: What an input receives, ``grad · ∂out/∂input``, as source with the slots {0} (the node's
#: gradient), {1} and {2} (its inputs) and {3} (its output), and the slots it reads.
_Template = tuple[str, frozenset[int]]


class _Rules:
    """Each op's backward contributions as source templates, written by the op's own derivative
    rule on symbols once per op (and constant), then filled in for every node that uses it:
    a 50,000-node graph runs a dozen rules on symbols, not 50,000."""

    def __init__(self) -> None:
        # Keyed by the op record's identity (hashing a frozen dataclass hashes every field).
        self.cache: dict[tuple[int, Any, bool], tuple[_Template | None, ...]] = {}

    def contributions(self, op: Op, const: Any, seeded: bool) -> tuple[_Template | None, ...]:
        """One template per input (None where the rule gives the number 0: heaviside, x ** 0);
        ``seeded`` for the root, whose gradient is the number 1.0 (so ``1.0 · b`` is just ``b``)."""
        key = (id(op), const, seeded)
        templates = self.cache.get(key)
        if templates is None:
            templates = self.cache[key] = self._write(op, const, seeded)
        return templates

    @staticmethod
    def _write(op: Op, const: Any, seeded: bool) -> tuple[_Template | None, ...]:
        inputs = [Sym("{1}"), Sym("{2}")][:op.arity]
        grad = literal(1.0) if seeded else Sym("{0}")
        try:
            received = op.vjp_at(grad, inputs, Sym("{3}"), const)
        except TypeError as error:
            raise TypeError(f"cannot compile {op.name}: its derivative rule does not run on symbols "
                            f"({error})") from None
        templates: list[_Template | None] = []
        for expression in received:
            if not isinstance(expression, Sym) and expression == 0.0:
                templates.append(None)  # the op's rule says this input receives nothing
                continue
            text = expression.text if isinstance(expression, Sym) else literal(expression).text
            templates.append((text, frozenset(slot for slot in (1, 2, 3) if f"{{{slot}}}" in text)))
        return tuple(templates)


def _slot_texts(graph: _Graph) -> dict[Value, str]:
    """Every leaf and node as it fills a template slot: its name, or for a constant its value
    (bracketed when negative, as a slot stands for a name)."""
    texts = dict(graph.names)
    for node in graph.order:
        if node not in texts:  # a constant leaf
            text = literal(node.data).text
            texts[node] = f"({text})" if text.startswith("-") else text
    return texts


def _is_name_or_number(text: str) -> bool:
    """True for ``grad_h1`` or ``0.5``: a gradient that needs no line of its own."""
    if text.isidentifier():
        return True
    try:
        float(text)
    except ValueError:
        return False
    return True


_TERMS_PER_LINE = 64  # Python's compiler recurses once per `+` of a line: keep lines shallow


def _sum_lines(name: str, terms: list[str]) -> list[str]:
    """``name = t0 + t1 + ...``, continued as ``name = name + ...`` past ``_TERMS_PER_LINE``
    terms: the same left-to-right additions as one long line, so the same float. Every term
    binds tighter than ``+`` (a product, a negation or a name), so none needs brackets."""
    lines = []
    for start in range(0, len(terms), _TERMS_PER_LINE):
        chunk = terms[start:start + _TERMS_PER_LINE]
        lines.append(f"{name} = {' + '.join(chunk if start == 0 else [name, *chunk])}")
    return lines


def _backward_lines(graph: _Graph) -> tuple[list[str], dict[Value, str], set[Value]]:
    """Lines ``grad_<n> = <sum of contributions>`` in reverse order, each parameter's gradient
    expression, and the nodes whose forward values those lines read.

    A node's gradient is the sum, over the nodes that use it, of what each passes it (their
    rule on their gradient), added in the order eager backward adds them: nodes newest first
    (by creation number), each node's inputs in order (so the result is the same float). A gradient that is just another node's (a sum's inputs share it) or a
    number gets no line of its own, except for parameters, whose gradient is always named.
    """
    rules, needs_grad, names, root = _Rules(), graph.needs_grad, graph.names, graph.root
    cache, texts = rules.cache, _slot_texts(graph)
    contributions: dict[Value, list[str]] = {}
    grads: dict[Value, str] = {root: "1.0"}
    read: set[Value] = set()
    lines: list[str] = []
    for node in sorted(graph.order, key=_creation_number, reverse=True):
        if node not in needs_grad:
            continue
        if node is not root:
            terms = contributions.pop(node, None)
            if not terms:
                continue  # every path to the root multiplies by a literal 0
            if len(terms) == 1 and _is_name_or_number(terms[0]) and node not in graph.param_index:
                grads[node] = terms[0]
            else:
                name = f"grad_{names[node]}"
                lines += _sum_lines(name, terms)
                grads[node] = name
        op = node.op_record
        a, b = _inputs(node)
        if op is None or a is None or (a not in needs_grad and b not in needs_grad):
            continue
        grad = grads[node]
        const = node.const
        templates = cache.get((id(op), const, False)) if node is not root else None
        if templates is None:
            templates = rules.contributions(op, const, node is root)
        slots = (f"({grad})" if grad[0] == "-" else grad, texts[a], "" if b is None else texts[b], names[node])
        for parent, template in zip((a, b), templates):  # noqa: B905 - one template per input
            if template is None or parent not in needs_grad:
                continue
            text, reads = template
            contributions.setdefault(parent, []).append(text.format(*slots))
            for slot in reads:
                if slot == 1:
                    read.add(a)
                elif slot == 2 and b is not None:
                    read.add(b)
                else:
                    read.add(node)
    return lines, grads, read


# --- forward: a line per value that backward reads or that is used twice -------------------------

_NODES_PER_LINE = 64  # inlined expressions stay this small (the compiler recurses per operator)


def _forward_lines(graph: _Graph, keep: set[Value], names: Mapping[Value, str] | None = None) -> list[str]:
    """One line per op node in ``keep`` (values that backward reads, values used twice, the root);
    every other op node is written inline where its one user needs it (``w * x + b``), which
    is the same arithmetic in the same order, and far less source for Python to compile.
    An inlined expression that would grow past ``_NODES_PER_LINE`` nodes gets its own line.
    ``names`` gives the kept nodes other names than the graph's."""
    names, lines = names or graph.names, []
    inline: dict[Value, tuple[Sym, int]] = {}  # node -> (its expression, nodes in it), until used
    atoms = {node: (graph.sym(node), 0) for node in graph.order if not node.op}
    atoms.update((node, (Sym(names[node]), 0)) for node in keep if node.op)

    def operand(parent: Value) -> tuple[Sym, int]:
        found = inline.pop(parent, None)
        return atoms[parent] if found is None else found

    def own_line(parent: Value, expression: Sym) -> tuple[Sym, int]:
        lines.append(f"{names[parent]} = {expression.text}")
        return Sym(names[parent]), 0

    for node in graph.order:
        op = node.op_record
        a, b = _inputs(node)
        if op is None or a is None:
            continue
        (left, left_size) = operand(a)
        if b is None:
            size = left_size + 1
            arguments = [left.text, literal(node.const or 0.0).text] if op.has_const else [left.text]
            expression = Sym(f"{identifier(op.name, 'op')}({', '.join(arguments)})")
        else:
            right, right_size = operand(b)
            if left_size + right_size >= _NODES_PER_LINE:  # cut the larger operand off into a line
                if left_size >= right_size:
                    (left, left_size) = own_line(a, left)
                else:
                    (right, right_size) = own_line(b, right)
            size = left_size + right_size + 1
            # An op defined on all real inputs cannot raise, so its infix operator can stand in for
            # its forward rule; the others (div, pow...) are called, so their domain checks run.
            if op.infix is not None and op.total:
                expression = combine(left, op.infix, right)
            else:
                expression = Sym(f"{identifier(op.name, 'op')}({left.text}, {right.text})")
        if node in keep:
            lines.append(f"{names[node]} = {expression.text}")
        else:
            inline[node] = (expression, size)
    return lines


def _kept_nodes(graph: _Graph, read: set[Value]) -> set[Value]:
    """The op nodes the forward pass names: read by backward, used more than once, or the root."""
    uses: dict[Value, int] = {}
    for node in graph.order:
        for parent in node.parents:
            if parent.op:
                uses[parent] = uses.get(parent, 0) + 1
    return {node for node, count in uses.items() if count > 1} | read | {graph.root}


_TEMPORARY = re.compile(r"\b_k\d+\b")


def _forward_alone_lines(graph: _Graph) -> list[str]:
    """The forward lines of a forward pass alone: the nodes used twice (and the root) get lines,
    and their variables, ``_1``, ``_2``..., are reused once the value held has had its last
    use. A backward pass reads values again, a forward alone only the live ones: a large loss
    then has a few dozen locals instead of thousands, a small frame with short instructions.
    Node names never start with ``_``."""
    keep = _kept_nodes(graph, set())
    temporaries = {node: f"_k{index}" for index, node in enumerate(graph.order)
                   if node in keep and node is not graph.root}
    lines = _forward_lines(graph, keep, {**graph.names, **temporaries})
    reads = [sorted(set(_TEMPORARY.findall(line.split(" = ", 1)[1]))) for line in lines]
    last_read = {name: index for index, names in enumerate(reads) for name in names}
    variable: dict[str, str] = {}
    free: list[str] = []
    written = []
    for index, line in enumerate(lines):
        target, expression = line.split(" = ", 1)
        expression = _TEMPORARY.sub(lambda match: variable[match.group(0)], expression)
        free += [variable[name] for name in reads[index] if last_read[name] == index]
        if _TEMPORARY.fullmatch(target):
            variable[target] = free.pop() if free else f"_{len(set(variable.values())) + 1}"
            target = variable[target]
        written.append(f"{target} = {expression}")
    return written


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

    def __init__(self, graph: _Graph, backward: bool = True) -> None:
        """Without ``backward``, only what the forward alone needs."""
        self.graph = graph
        self.args = [graph.names[node] for node in graph.placeholders]
        self.call = ", ".join(self.args)
        self.params = graph.reachable_params()
        self.result = graph.sym(graph.root).text
        lines, grads, read = _backward_lines(graph) if backward else ([], {}, set())
        self.forward = ["# forward: a line per value that backward reads or that is used twice",
                        *_forward_lines(graph, _kept_nodes(graph, read))] if backward else []
        self.backward = [f"# backward: grad_<node> = d {self.result} / d <node>", *lines] if lines else []
        # (name, gradient expression) of every parameter that gets a gradient.
        self.accumulated = [(graph.names[param], grads[param]) for _, param in self.params if param in grads]

    def loads(self, from_values: bool = False) -> list[str]:
        """``w, b = _data_of((param_w, param_b))`` (or ``w = values[i]``) for the parameters the
        loss depends on: one call reads them all."""
        names = self.graph.names
        if from_values:
            return [f"{names[param]} = values[{index}]" for index, param in self.params]
        if not self.params:
            return []
        targets = ", ".join(names[param] for _, param in self.params) + ("," if len(self.params) == 1 else "")
        return [f"{targets} = _data_of({_tuple(f'param_{names[param]}' for _, param in self.params)})"]


def _guarded(header: str, fallback: str, work: list[str], prologue: Sequence[str] = ()) -> str:
    """``header`` with ``work`` inside a ``try`` whose errors, like ``detect_anomaly()``, go to
    ``fallback`` (the eager engine, which raises its own errors)."""
    lines = [header,
             f"if {_ANOMALY_CHECK}:",
             f"    return {fallback}  # detect_anomaly(): the eager engine checks",
             *prologue,
             "try:", *_indent(work),
             "except (ArithmeticError, ValueError, TypeError):",
             f"    return {fallback}  # raises the eager engine's own error for the failing op"]
    return "\n    ".join(lines) + "\n"


def _emit_step(parts: _Parts) -> str:
    """``compiled(*args)``: the loss, with every parameter's gradient added into its ``.grad``.

    Parameters are read from (and gradients added into) the ``Value`` objects bound as
    ``param_<name>``; ``_all_threads``, ``_this_thread`` and ``_eager`` (names no node can take: node names never
    start with ``_``) route anomaly mode and errors to the eager engine.
    """
    work = [*parts.loads(), *parts.forward, *parts.backward]
    if parts.accumulated:
        work.append("# accumulate into .grad, as backward() does")
        work.append(f"_accumulate_grads({_tuple(f'param_{name}' for name, _ in parts.accumulated)}, "
                    f"{_tuple(grad for _, grad in parts.accumulated)})")
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


def _emit_sgd(param_names: list[str]) -> str:
    """``sgd(lr)``: ``p.data -= lr * p.grad; p.grad = 0.0`` for every parameter, a line each (``lr``
    is a checked float by then)."""
    lines = ["def sgd(lr):", "    # for every parameter p: p.data -= lr * p.grad; p.grad = 0.0",
             f"    _descend({_tuple(f'param_{name}' for name in param_names)}, lr)"]
    return "\n".join(lines) + "\n"


def _tuple(items: Iterable[str]) -> str:
    """A tuple display of ``items`` (source texts): ``(a, b)``, ``(a,)``, ``()``."""
    texts = list(items)
    return f"({texts[0]},)" if len(texts) == 1 else f"({', '.join(texts)})"


def _emit_forward(parts: _Parts) -> str:
    """``forward(values, *args)``: the loss alone, with parameter ``i`` at ``values[i]``; no
    backward lines, no parameter read or written."""
    header = f"def forward(values{', ' if parts.args else ''}{parts.call}):"
    fallback = f"_eager_forward(values{', ' if parts.args else ''}{parts.call})"
    comment = "# forward: a line per value used twice; _1, _2... are reused once their value is dead"
    return _guarded(header, fallback, [*parts.loads(from_values=True), comment, *_forward_alone_lines(parts.graph),
                                       f"return {parts.result}"], _argument_check(parts.args))


def _namespace(param_names: list[str], params: list[Value]) -> dict[str, Any]:
    namespace: dict[str, Any] = {identifier(name, "op"): op.forward for name, op in OPS.items()}
    # The partial rules' helpers (log, step, exp...) are the float rules of the ops of that name.
    namespace.update({name: OPS[name].forward for name in HELPERS})
    namespace.update({f"param_{name}": p for name, p in zip(param_names, params, strict=True)}, _all_threads=AllThreads, _this_thread=THIS_THREAD,
                     _data_of=data_of, _accumulate_grads=accumulate_grads, _descend=descend,
                     __builtins__={name: getattr(builtins, name) for name in _BUILTINS})
    return namespace


# Bytecode of recent sources, so that copies of a step (unpickled in a worker once per task)
# compile each source once per process. Few entries: a large loss's bytecode is tens of MB.
_BYTECODE: dict[str, Any] = {}
_BYTECODE_ENTRIES = 6
_SOURCE_SERIAL = itertools.count(1)


def _bytecode(source: str, name: str) -> Any:
    """``source`` compiled (Python's compiler is slow on a function of tens of thousands of lines).

    Each source gets its own file name, registered with :mod:`linecache` while its bytecode
    is cached, so tracebacks, ``pdb`` and ``inspect`` show the generated lines.
    """
    code = _BYTECODE.pop(source, None)
    if code is None:
        filename = f"<autograd_core.compile {name} #{next(_SOURCE_SERIAL)}>"
        # mtime None: linecache.checkcache() keeps the entry (there is no file to compare with).
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        code = builtins.compile(source, filename, "exec")
    _BYTECODE[source] = code  # most recent last
    while len(_BYTECODE) > _BYTECODE_ENTRIES:
        # The lines go with the bytecode: a large loss's source is tens of MB.
        linecache.cache.pop(_BYTECODE.pop(next(iter(_BYTECODE))).co_filename, None)
    return code


def _define(source: str, name: str, namespace: dict[str, Any]) -> Any:
    """The function ``name`` that ``source`` defines (untyped: it is generated code)."""
    exec(_bytecode(source, name), namespace)
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
            elif not node.op:
                replayed[node] = node
            else:
                replayed[node] = call_op(_op(node), [replayed[p] for p in node.parents], node.const)
    root = replayed[graph.root]
    if values is None:
        backward(root)
    return root.data


def _learning_rate(lr: Any) -> float:
    """``lr`` as a float ≥ 0, or a TypeError/ValueError naming it."""
    rate = as_float(lr, "lr")
    if not rate >= 0.0:
        raise ValueError(f"lr must be a number >= 0, got {rate!r}")
    return rate


def _parameter_values(at: Any, n: int) -> list[float]:
    """``at`` as ``n`` floats, or a TypeError/ValueError naming what is wrong."""
    if isinstance(at, (str, bytes)) or not isinstance(at, Sequence):
        raise TypeError(f"at must be a sequence of {n} numbers, got {type(at).__name__}")
    if len(at) != n:
        raise ValueError(f"at must hold one number per parameter ({n}), got {len(at)}")
    return [as_float(x, f"at[{index}]") for index, x in enumerate(at)]


class CompiledForward:
    """The generated forward of a :class:`CompiledStep` on its own: ``f(*args, at=values)`` is
    the loss with parameter ``i`` at ``values[i]``. It holds only the source (pickled with its
    bytecode, so that a worker on the same Python version compiles nothing), no graph and no
    parameters; made by :meth:`CompiledStep.forward_only`.

    Without the traced graph it cannot replay the eager engine: where the step's ``forward``
    would raise the engine's own error (log of a negative...), this raises the generated
    code's error, of the same type, saying so; under ``detect_anomaly()`` it refuses with a
    RuntimeError.

    >>> from autograd_core import Value, compile
    >>> w = Value(2.0, label="w")
    >>> f = compile(lambda x: (w * x).log(), [1.0], [w]).forward_only()
    >>> f
    CompiledForward(forward(x), 1 parameter)
    >>> f(3.0, at=[1.0]) == f(1.0, at=[3.0]) == Value(3.0).log().data
    True
    """

    def __init__(self, source: str, n_params: int, arg_names: Sequence[str],
                 bytecode: tuple[bytes, bytes] | None = None) -> None:
        """``source`` defines ``forward(values, *args)``, as :func:`compile` writes it; ``bytecode``
        is ``(importlib's MAGIC_NUMBER, marshal.dumps(code))`` of it, used when the magic matches."""
        self.source, self.n_params, self.arg_names = source, n_params, list(arg_names)
        self._forward: Callable[..., float] | None = None
        if bytecode is not None and bytecode[0] == importlib.util.MAGIC_NUMBER and source not in _BYTECODE:
            _BYTECODE[source] = marshal.loads(bytecode[1])  # this Python's own bytecode: no compiling

    def __call__(self, *args: float, at: Sequence[float]) -> float:
        """The loss at ``args`` with the parameters at ``at``."""
        forward = self._forward
        if forward is None:
            namespace = _namespace([], [])
            namespace.update(_eager_forward=self._no_graph, _floats=self._floats)
            forward = self._forward = _define(self.source, "forward", namespace)
        return forward(_parameter_values(at, self.n_params), *args)

    def __reduce__(self) -> tuple[Any, ...]:
        """The source with its bytecode: a worker on the same Python skips compiling it."""
        bytecode = (importlib.util.MAGIC_NUMBER, marshal.dumps(_bytecode(self.source, "forward")))
        return CompiledForward, (self.source, self.n_params, self.arg_names, bytecode)

    def __repr__(self) -> str:
        n = self.n_params
        return f"CompiledForward(forward({', '.join(self.arg_names)}), {n} parameter{'s' * (n != 1)})"

    @staticmethod
    def _no_graph(*_: Any) -> float:
        error = sys.exc_info()[1]
        if error is None:
            raise RuntimeError("detect_anomaly() checks every op with the eager engine, which a "
                               "CompiledForward (no graph) does not have: use the CompiledStep's forward")
        raise type(error)(f"the compiled forward failed ({error}); a CompiledForward has no graph to "
                          "replay for the engine's own error: evaluate the loss eagerly there") from error

    def _floats(self, *args: Any) -> tuple[float, ...]:
        return tuple(as_float(arg, f"argument {name}") for arg, name in zip(args, self.arg_names, strict=True))


class CompiledStep:
    """A traced loss as generated Python: ``step(*args)`` gives the loss and adds gradients into
    the parameters' ``.grad``; ``step.many(rows)`` does it for many rows; ``step.forward(*args,
    at=values)`` gives the loss alone, at given parameter values. Made by :func:`compile`.

    ``step.sgd(lr)`` then updates every parameter as a micrograd loop does (``p.data -= lr *
    p.grad``, then ``p.grad = 0.0``), in generated code.

    Attributes: ``params`` (the parameter ``Value`` s, in the order given), ``arg_names``,
    ``n_nodes`` (nodes of the traced graph), and the generated code: ``source``,
    ``many_source``, ``forward_source``, ``sgd_source``.

    >>> from autograd_core import Value, compile
    >>> w = Value(2.0, label="w")
    >>> step = compile(lambda x: w * x, [1.0], [w])
    >>> step
    CompiledStep(<lambda>(x), 1 parameter, 3 nodes)
    >>> step(3.0), w.grad, step.forward(3.0, at=[10.0]), w.grad
    (6.0, 3.0, 30.0, 3.0)
    >>> step.sgd(0.5)
    >>> w.data, w.grad
    (0.5, 0.0)
    """

    def __init__(self, graph: _Graph, params: list[Value], name: str, backward: bool = True) -> None:
        """Generate the step's sources; ``name`` is the traced function's name; without
        ``backward`` only the forward. Each source is compiled to bytecode on first use (slow for
        a large loss, and a source may never be used)."""
        self.params = list(params)
        self.arg_names = [graph.names[node] for node in graph.placeholders]
        self.n_nodes = len(graph.order)
        self._graph: _Graph | None = graph
        self._traced = (graph.root, graph.placeholders, graph.pairs)
        self._name = name
        parts = _Parts(graph, backward)
        self.source = _emit_step(parts) if backward else ""
        self.many_source = _emit_many(parts) if backward else ""
        self.forward_source = _emit_forward(parts)
        self._param_names = [graph.names[p] for p in params]
        self.sgd_source = _emit_sgd(self._param_names)
        self._define_lazily()

    def _define_lazily(self) -> None:
        # Each generated function starts as a stand-in that compiles it, replaces itself and runs it.
        self._compiled: Callable[..., float] = lambda *args: self._define("compiled")(*args)
        self._compiled_many: Callable[[list[Any] | tuple[Any, ...]], list[float]] = (
            lambda rows: self._define("compiled_many")(rows))
        self._forward: Callable[..., float] = lambda values, *args: self._define("forward")(values, *args)
        self._sgd: Callable[[float], None] = lambda lr: self._define("sgd")(lr)

    def _define(self, kind: str) -> Any:
        source = {"compiled": self.source, "compiled_many": self.many_source, "forward": self.forward_source,
                  "sgd": self.sgd_source}[kind]
        if not source:
            raise TypeError("this step was compiled with backward=False: it has forward() and forward_only() only")
        namespace = _namespace(self._param_names, self.params)
        namespace.update(_eager=self._eager, _eager_many=self._eager_many,
                         _eager_forward=self._eager_forward, _floats=self._floats)
        function = _define(source, kind, namespace)
        setattr(self, {"compiled": "_compiled", "compiled_many": "_compiled_many", "forward": "_forward",
                       "sgd": "_sgd"}[kind], function)
        return function

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle (and deep-copy) the traced graph, the parameters and the sources: the copy
        recompiles nothing that this process has already compiled."""
        state = {"params": self.params, "arg_names": self.arg_names, "n_nodes": self.n_nodes,
                 "_traced": self._traced, "_name": self._name, "_param_names": self._param_names,
                 "source": self.source, "many_source": self.many_source, "forward_source": self.forward_source,
                 "sgd_source": self.sgd_source}
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
            return self._forward([param.data for param in self.params], *args)
        return self._forward(_parameter_values(at, len(self.params)), *args)

    def sgd(self, lr: float) -> None:
        """One SGD update of every parameter, ``p.data -= lr * p.grad``, then ``p.grad = 0.0``:
        what the textbook loop after ``step(...)`` does, bit for bit, as one generated function
        (``sgd_source``). ``lr`` is a number ≥ 0 (an int is taken as a float), as
        ``torch.optim.SGD`` requires."""
        if lr.__class__ is not float or not lr >= 0.0:  # the common case costs two tests
            lr = _learning_rate(lr)
        self._sgd(lr)

    def forward_only(self) -> CompiledForward:
        """:meth:`forward` alone, as a :class:`CompiledForward`: it pickles as its source (no
        graph, no parameters), which is what a sweep sends to every worker."""
        return CompiledForward(self.forward_source, len(self.params), self.arg_names)

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
            params: Sequence[Value] | Mapping[str, Value], *, backward: bool = True) -> CompiledStep:
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
    other parameter values (no backward). ``step.source`` is the generated code. With
    ``backward=False`` only the forward is written (about half the time for a large graph):
    ``step.forward`` and ``step.forward_only`` work, calling the step is a TypeError.

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
    with _collector_paused():
        graph = _Graph(root, placeholders, pairs)
        return CompiledStep(graph, [param for _, param in pairs], getattr(fn, "__name__", type(fn).__name__),
                            backward=bool(backward))


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while the source is written.

    Writing a big graph out allocates about a million short-lived strings, tuples and lists,
    none of them in a reference cycle (reference counting frees them all), and every full
    collection they trigger walks every object alive, the traced graph first. Resumed only if it
    was on, so a caller's ``gc.disable()`` stands.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
