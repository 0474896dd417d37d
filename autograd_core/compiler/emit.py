"""Emitting source: a traced graph written out as straight-line Python.

:class:`Program` names every node of a :class:`~autograd_core.compiler.trace.TracedGraph` and
writes it out, the kind of unrolled code a textbook prints: the forward pass (a line per value
that the backward pass reads, that is used twice or that a guard checks; the rest written
inline, as in ``sigmoid(w * x + b)``), then a line per gradient. Every forward expression calls
the op's own forward rule (or uses its ``infix`` operator, for an op defined on all inputs) and
every backward line is the op's derivative rule evaluated on symbols
(:class:`~autograd_core.compiler.symbols.Sym`) once per op, then filled in per node: no
derivative is restated here. Names come from parameter names and labels, cut down to
``[A-Za-z0-9_]`` (:func:`~autograd_core.compiler.symbols.identifier`); numbers are written with
``repr``: no user text reaches the source any other way.

Gradients follow the engine's backward pass (:mod:`autograd_core.engine.backward`) exactly: a
node's gradient is the sum of what its users pass it, added in the order the eager pass adds
them (users newest first, each user's inputs in order), and every node of the loss's graph that
leads to a parameter applies its rule to its gradient whatever it is, 0.0 when nothing reached
it; an input for which a rule gives the number 0.0 receives nothing. So the code computes the
eager floats, in IEEE arithmetic, operation for operation.

The functions written out (each a string of source, made into a function by
:mod:`.runtime`):

* ``compiled(params, *inputs)``: the loss; adds each gradient into ``params[k].grad`` under the
  engine's gradient lock, as ``backward()`` does;
* ``compiled_many(params, rows)``: the same for each row of inputs, in one loop, reading and
  writing each ``.grad`` once (the caller holds the lock);
* ``compiled_mean(params, rows, seed)``: the rows' losses with every row's backward seeded with
  ``seed`` and each gradient summed across rows as one eager pass over the rows' joint graph
  sums it (rows given newest first);
* ``forward(values, *inputs)``: the loss alone at parameter values ``values``;
* ``sgd(params, lr)``: the SGD update of every parameter.

>>> from autograd_core import Value
>>> from autograd_core.compiler.trace import record
>>> w, x = Value(0.5, label="w"), Value(2.0, label="x")
>>> program = Program(record(lambda x: (w * x).tanh(), [x], [w]), ["x"], ["w"])
>>> print(program.step_source())
def compiled(params, x):
    if not _all_threads.record_unchecked and _this_thread.anomaly:
        return _eager(params, x)  # detect_anomaly(): the eager engine checks
    if x.__class__ is not float:
        x, = _floats(x)  # ints, numpy floats: as floats
    param_w, = params
    try:
        w, = _data_of(params)
        # forward: a line per value that backward reads or that is used twice
        loss = tanh(w * x)
        # backward: grad_<node> = d loss / d <node>
        grad_mul2 = 1.0 - loss * loss
        grad_w = grad_mul2 * x
        # add into each .grad, in the order backward() adds them, under its lock
        _add_to_grads((param_w,), (grad_w,))
        return loss
    except (ArithmeticError, ValueError, TypeError):
        return _eager(params, x)  # raises the eager engine's own error for the failing op
<BLANKLINE>
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from ..engine.graph import numbered
from ..engine.ops import HELPERS, OPS, Op
from .symbols import Sym, identifier, literal
from .trace import COMPARISONS, TracedGraph

__all__ = ["Program", "RESERVED", "BUILTINS", "GUARD_FAILED_NAME"]

# detect_anomaly() in the calling thread; the first test spares the common case a thread-local read.
_ANOMALY_CHECK = "not _all_threads.record_unchecked and _this_thread.anomaly"
BUILTINS = ("float", "bool", "len", "enumerate", "ArithmeticError", "ValueError", "TypeError")
"""The only builtins the generated code sees."""
GUARD_FAILED_NAME = "_guard_failed"
"""The name the generated code returns (bound to :data:`.runtime.GUARD_FAILED`) when a guard fails."""
# Names the generated code binds or uses itself; no node may take them (nor an op's name).
RESERVED = frozenset({"params", "values", "rows", "losses", "index", "row", "seed", "lr", "compiled",
                      "compiled_many", "compiled_mean", "forward", "sgd", "copysign", *HELPERS, *BUILTINS})
"""Names no node may take: the generated code's own variables, helpers and builtins."""

# Python's operator precedences, low to high, as symbols.py orders them.
_SUM, _PRODUCT, _UNARY, _ATOM = 1, 2, 3, 5
_INFIX_PRECEDENCE = {"+": _SUM, "-": _SUM, "*": _PRODUCT, "/": _PRODUCT}
_NODES_PER_LINE = 64  # inlined expressions stay this small (Python's compiler recurses per operator)
_TERMS_PER_LINE = 64  # and so do sums of gradient contributions


class _Namer:
    """Unique identifiers, each with its ``grad_``, ``acc_`` and ``param_`` companions free."""

    def __init__(self) -> None:
        self.used = set(RESERVED) | {identifier(name, "op") for name in OPS}

    def name(self, text: str, fallback: str) -> str:
        if not isinstance(text, str):  # a .label assigned after the node was made
            raise TypeError(f"labels and parameter names must be str, got {type(text).__name__} {text!r}")
        base = identifier(text, fallback)
        candidate, suffix = base, 1
        while self.taken(candidate):
            suffix += 1
            candidate = f"{base}_{suffix}"
        self.used.update((candidate, f"grad_{candidate}", f"acc_{candidate}", f"param_{candidate}"))
        return candidate

    def taken(self, name: str) -> bool:
        used = self.used
        return (name in used or f"grad_{name}" in used or f"acc_{name}" in used or f"param_{name}" in used
                or name.startswith(("grad_", "acc_", "param_")))


# --- each op's backward rule, written once per op and filled in per node ------------------------

#: What an input receives, ``grad · ∂out/∂input``, as source with the slots {0} (the node's
#: gradient), {1} and {2} (its inputs) and {3} (its output), and the slots it reads.
_Template = tuple[str, tuple[int, ...]]


class _Rules:
    """Each op's backward contributions as source templates, written by the op's own derivative
    rule on symbols once per op (and constant): a 100,000-node graph runs a dozen rules on
    symbols, not 100,000."""

    def __init__(self) -> None:
        # Keyed by the op record's identity (hashing a frozen dataclass hashes every field).
        self.cache: dict[tuple[int, Any, bool], tuple[_Template | None, ...]] = {}

    def contributions(self, op: Op, const: Any, seeded: bool) -> tuple[_Template | None, ...]:
        """One template per input (None where the rule gives the number 0: heaviside, x ** 0);
        ``seeded`` for a root seeded with the number 1.0 (so ``1.0 · b`` is just ``b``)."""
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
            templates.append((text, tuple(slot for slot in (1, 2, 3) if f"{{{slot}}}" in text)))
        return tuple(templates)


def _is_name_or_number(text: str) -> bool:
    """True for ``grad_h1`` or ``0.5``: a gradient that needs no line of its own."""
    if text.isidentifier():
        return True
    try:
        float(text)
    except ValueError:
        return False
    return True


def _sum_lines(name: str, terms: list[str]) -> list[str]:
    """``name = t0 + t1 + ...``, continued as ``name = name + ...`` past ``_TERMS_PER_LINE``
    terms: the same left-to-right additions as one long line, so the same float. Every term
    binds tighter than ``+`` (a product, a negation or a name), so none needs brackets."""
    lines = []
    for start in range(0, len(terms), _TERMS_PER_LINE):
        chunk = terms[start:start + _TERMS_PER_LINE]
        lines.append(f"{name} = {' + '.join(chunk if start == 0 else [name, *chunk])}")
    return lines


def _indent(lines: list[str]) -> list[str]:
    return [f"    {line}" for line in lines]


class _Backward:
    """The backward lines of one kind of function, and what they need."""

    def __init__(self, lines: list[str], accumulated: list[tuple[int, str]], read: set[int]) -> None:
        self.lines = lines
        self.accumulated = accumulated  # (slot, gradient text), in the order backward() adds them
        self.read = read  # positions of op nodes whose forward value the lines read


#: A forward line: the position of the node it computes, its expression as a template in which
#: ``{0[i]}`` stands for the variable of node ``i``, and the positions it reads that way.
_Line = tuple[int, str, list[int]]


class Program:
    """A traced graph, named and written out as the functions listed in the module docstring.

    ``input_names`` name the inputs (the generated functions' arguments) and ``slot_names``
    the slots (``param_<name>`` holds a slot's ``Value``, ``<name>`` its number); both are
    sanitised and made unique. ``check_inputs`` adds the lines that turn ints and numpy
    floats into floats (``jit`` passes floats already). ``distinct_slots`` says the slots are
    always different Values (``compile``'s parameters; ``jit``'s Value arguments may repeat one).
    """

    def __init__(self, graph: TracedGraph, input_names: Sequence[str], slot_names: Sequence[str],
                 check_inputs: bool = True, distinct_slots: bool = False) -> None:
        self.graph = graph
        self.check_inputs = check_inputs
        self.distinct_slots = distinct_slots
        namer = _Namer()
        self.input_names = [namer.name(name, f"x{index}") for index, name in enumerate(input_names)]
        self.slot_names = [namer.name(name, f"p{index}") for index, name in enumerate(slot_names)]
        self.names = self._name_nodes(namer)
        self.texts = self._slot_texts()
        self.rules = _Rules()
        self._backward: dict[tuple[str, bool], _Backward] = {}
        self._forward: tuple[set[int], list[_Line]] | None = None

    # --- names -----------------------------------------------------------------------------
    def _name_nodes(self, namer: _Namer) -> list[str]:
        """Inputs and slots by their names; labelled op nodes and the root by their label (or
        ``loss``), unique through the namer; every other op node ``<op><position>`` (``exp2_7``
        for an op whose name ends in a digit), unique by position, checked only against the names
        already taken."""
        graph = self.graph
        names = [""] * len(graph.order)
        unnamed = []
        for index, op in enumerate(graph.ops):
            if op is None:
                if graph.input_of[index] >= 0:
                    names[index] = self.input_names[graph.input_of[index]]
                elif graph.slot_of[index] >= 0:
                    names[index] = self.slot_names[graph.slot_of[index]]
                continue
            label = graph.labels[index]
            if label:
                names[index] = namer.name(label, numbered(op.name, index))
            elif index == graph.root:
                names[index] = namer.name("loss", "loss")
            else:
                unnamed.append(index)
        # Keyed by the op record's identity (hashing a frozen dataclass hashes every field).
        by_id = {id(op): op for op in graph.ops if op is not None}
        self.op_names = {key: identifier(op.name, "op") for key, op in by_id.items()}
        self.ops = list(by_id.values())
        used, op_names, ops = namer.used, self.op_names, graph.ops
        for index in unnamed:
            # A generated name never starts with grad_/acc_/param_, so only the name itself can clash.
            name = numbered(op_names[id(ops[index])], index)
            names[index] = namer.name("", name) if name in used else name
        return names

    def _slot_texts(self) -> list[str]:
        """Every node as it fills a template slot: its name, or a constant's number (bracketed
        when negative, as a slot stands for a name)."""
        graph, texts = self.graph, list(self.names)
        for index, op in enumerate(graph.ops):
            if op is None and graph.input_of[index] < 0 and graph.slot_of[index] < 0:
                text = literal(graph.values[index]).text
                texts[index] = f"({text})" if text.startswith("-") else text
        return texts

    # --- backward ----------------------------------------------------------------------------
    def backward(self, seed: str = "1.0", running: bool = False) -> _Backward:
        """The backward lines with the root's gradient ``seed`` (a number or a variable).

        Without ``running``, each slot's gradient is summed into ``grad_<name>``, to be added into
        its ``.grad`` (``accumulated``); with it, each contribution is added straight into the
        running sum ``acc_<name>``, as one eager pass over many rows' joint graph adds them.
        """
        key = (seed, running)
        found = self._backward.get(key)
        if found is None:
            found = self._backward[key] = self._write_backward(seed, running)
        return found

    def _needs_grad(self) -> list[bool]:
        """Whether a slot is reached through each node (nodes come after their inputs)."""
        graph = self.graph
        needs = [False] * len(graph.order)
        for index, op in enumerate(graph.ops):
            if op is None:
                needs[index] = graph.slot_of[index] >= 0
            else:
                b = graph.b[index]
                needs[index] = needs[graph.a[index]] or (b >= 0 and needs[b])
        return needs

    def _write_backward(self, seed: str, running: bool) -> _Backward:
        graph, names, texts = self.graph, self.names, self.texts
        ops, a_of, b_of, consts, in_root = graph.ops, graph.a, graph.b, graph.consts, graph.in_root
        needs = self._needs_grad()
        rules = self.rules
        cache = rules.cache
        terms: list[list[str] | None] = [None] * len(graph.order)
        touched: list[int] = []  # slots, in the order of their first contribution
        lines: list[str] = []
        slot_grads: dict[int, str] = {}
        read: set[int] = set()
        root = graph.root
        seeded = seed == "1.0"
        for index in sorted(range(len(graph.order)), key=graph.numbers.__getitem__, reverse=True):
            if not (needs[index] and in_root[index]):
                continue
            op = ops[index]
            if index == root:
                g = seed
            else:
                received = terms[index]
                if op is None:  # a slot
                    if received is not None:
                        self._slot_lines(graph.slot_of[index], received, running, lines, slot_grads)
                    continue
                if received is None:
                    g = "0.0"  # nothing reached it: its rule runs on 0.0, as in the eager pass
                elif len(received) == 1 and _is_name_or_number(received[0]):
                    g = received[0]
                else:
                    g = f"grad_{names[index]}"
                    lines += _sum_lines(g, received)
            if op is None:  # the root is a slot itself
                self._slot_lines(graph.slot_of[index], [g], running, lines, slot_grads)
                touched.append(index)
                continue
            a, b = a_of[index], b_of[index]
            if not needs[a] and (b < 0 or not needs[b]):
                continue
            const = consts[index]
            templates = cache.get((id(op), const, False)) if not (index == root and seeded) else None
            if templates is None:
                templates = rules.contributions(op, const, index == root and seeded)
            filled = (f"({g})" if g[0] == "-" else g, texts[a], texts[b] if b >= 0 else "", names[index])
            for parent, template in zip((a, b), templates):  # noqa: B905 - one template per input
                if template is None or not needs[parent]:
                    continue
                text, slots = template
                received = terms[parent]
                if received is None:
                    received = terms[parent] = []
                    if ops[parent] is None:
                        touched.append(parent)
                received.append(text.format(*filled))
                for slot in slots:
                    read.add(a if slot == 1 else b if slot == 2 else index)
        accumulated = [(graph.slot_of[i], slot_grads[graph.slot_of[i]]) for i in touched
                       if graph.slot_of[i] in slot_grads]
        return _Backward(lines, accumulated, {i for i in read if ops[i] is not None})

    def _slot_lines(self, slot: int, received: list[str], running: bool, lines: list[str],
                    slot_grads: dict[int, str]) -> None:
        name = self.slot_names[slot]
        if running:
            lines += _sum_lines(f"acc_{name}", [f"acc_{name}", *received])
            slot_grads[slot] = f"acc_{name}"
        else:
            lines += _sum_lines(f"grad_{name}", received)
            slot_grads[slot] = f"grad_{name}"

    # --- forward -------------------------------------------------------------------------------
    def _guard_nodes(self) -> set[int]:
        nodes = set()
        for _, subject, other in self.graph.reads:
            nodes.add(subject)
            if isinstance(other, int) and not isinstance(other, bool):
                nodes.add(other)
        return {i for i in nodes if self.graph.ops[i] is not None}

    def _used_twice(self) -> set[int]:
        graph = self.graph
        uses = [0] * len(graph.order)
        for index, op in enumerate(graph.ops):
            if op is not None:
                uses[graph.a[index]] += 1
                if graph.b[index] >= 0:
                    uses[graph.b[index]] += 1
        return {index for index, count in enumerate(uses) if count > 1 and graph.ops[index] is not None}

    def forward_lines(self, keep: set[int]) -> list[_Line]:
        """One line per op node in ``keep`` (and the root); every other op node is written inline
        where its one user needs it (``w * x + b``): the same arithmetic in the same order, and
        far less source for Python to compile. An inlined expression that would grow past
        ``_NODES_PER_LINE`` nodes gets a line of its own."""
        graph, texts, op_names = self.graph, self.texts, self.op_names
        ops, a_of, b_of, consts = graph.ops, graph.a, graph.b, graph.consts
        keep = keep | {graph.root}
        lines: list[_Line] = []
        # node -> (expression, precedence, nodes in it, kept nodes it reads), until its one use
        inline: dict[int, tuple[str, int, int, list[int]]] = {}

        def operand(index: int) -> tuple[str, int, int, list[int]]:
            found = inline.pop(index, None)
            if found is not None:
                return found
            if ops[index] is not None:  # a kept node
                return f"{{0[{index}]}}", _ATOM, 0, [index]
            text = texts[index]
            return text, _UNARY if text.startswith("(") else _ATOM, 0, []

        for index, op in enumerate(ops):
            if op is None:
                continue
            left, left_precedence, left_size, left_reads = operand(a_of[index])
            b = b_of[index]
            if b < 0:
                size, reads, precedence = left_size + 1, left_reads, _ATOM
                arguments = f"{left}, {literal(consts[index] or 0.0).text}" if op.has_const else left
                expression = f"{op_names[id(op)]}({arguments})"
            else:
                right, right_precedence, right_size, right_reads = operand(b)
                if left_size + right_size >= _NODES_PER_LINE:  # cut the larger operand off into a line
                    if left_size >= right_size:
                        lines.append((a_of[index], left, left_reads))
                        left, left_precedence, left_size, left_reads = f"{{0[{a_of[index]}]}}", _ATOM, 0, [a_of[index]]
                    else:
                        lines.append((b, right, right_reads))
                        right, right_precedence, right_size, right_reads = f"{{0[{b}]}}", _ATOM, 0, [b]
                size, reads = left_size + right_size + 1, left_reads + right_reads
                precedence = _INFIX_PRECEDENCE.get(op.infix or "", 0)
                # An op defined on all real inputs cannot raise, so its infix operator can stand in for
                # its forward rule; the others (div, pow...) are called, so their domain checks run.
                if precedence and op.total:
                    # Left-associative: a - (b - c) and a * (b * c) keep their brackets, and with them
                    # the float rule's evaluation order.
                    if left_precedence < precedence:
                        left = f"({left})"
                    if right_precedence <= precedence:
                        right = f"({right})"
                    expression = f"{left} {op.infix} {right}"
                else:
                    precedence = _ATOM
                    expression = f"{op_names[id(op)]}({left}, {right})"
            if index in keep:
                lines.append((index, expression, reads))
            else:
                inline[index] = (expression, precedence, size, reads)
        return lines

    def _step_forward(self, read: set[int]) -> list[_Line]:
        """The forward lines of the functions with a backward pass (cached for the last ``read``)."""
        if self._forward is None or self._forward[0] != read:
            self._forward = (read, self.forward_lines(read | self._used_twice() | self._guard_nodes()))
        return self._forward[1]

    def _forward_text(self, lines: list[_Line], fail: str) -> list[str]:
        """The forward lines as source, each guard checked (``fail`` when it fails) right after
        the last value it reads is computed."""
        names = self.names
        checks = self._guard_checks(fail)
        text = list(checks.get(-1, ()))
        for index, expression, _ in lines:
            text.append(f"{names[index]} = {expression.format(names)}")
            text += checks.get(index, ())
        return text

    def _guard_checks(self, fail: str) -> dict[int, list[str]]:
        """Each guard as an ``if`` that runs ``fail``, by the position after which it can run (-1:
        at the start, for guards on inputs and slots)."""
        graph, texts = self.graph, self.texts
        checks: dict[int, list[str]] = {}
        for guard, subject, other in graph.reads:
            positions = [subject] + ([other] if isinstance(other, int) and not isinstance(other, bool) else [])
            after = max((p for p in positions if graph.ops[p] is not None), default=-1)
            left = texts[subject]
            if guard.what in COMPARISONS:
                right = texts[other] if isinstance(other, int) else literal(float(other or 0.0)).text
                condition = f"{left} {guard.what} {right}"
                test = f"not ({condition})" if guard.expected else condition
            else:
                expected = float(guard.expected)
                if expected != expected:
                    test = f"{left} == {left}"  # expected NaN: fails for any number
                elif expected == 0.0:  # -0.0 and 0.0 compare equal; a read may tell them apart
                    sign = literal(1.0 if str(expected)[0] != "-" else -1.0).text
                    test = f"{left} != 0.0 or copysign(1.0, {left}) != {sign}"
                else:
                    test = f"{left} != {literal(expected).text}"
            checks.setdefault(after, []).append(
                f"if {test}:  # guard: {guard.description} ({_comment(guard.location)})")
            checks[after].append(f"    {fail}")
        return checks

    def _loads(self, from_values: bool = False) -> list[str]:
        """``w, b = _data_of(params)``, every slot's number (or ``w = values[k]`` for each slot in the
        graph)."""
        graph, names = self.graph, self.names
        if not from_values:
            return [f"{self._tuple(self.slot_names)} = _data_of(params)"] if self.slot_names else []
        slots = sorted((graph.slot_of[i], i) for i in range(len(graph.order)) if graph.slot_of[i] >= 0)
        return [f"{names[i]} = values[{slot}]" for slot, i in slots]

    @staticmethod
    def _tuple(items: Iterable[str]) -> str:
        """``a, b`` (``a,`` for one item) as a tuple's source, without brackets."""
        texts = list(items)
        return ", ".join(texts) + ("," if len(texts) == 1 else "")

    def _unpack(self) -> list[str]:
        if not self.slot_names:
            return []
        targets = ", ".join(f"param_{name}" for name in self.slot_names)
        return [f"{targets}{',' if len(self.slot_names) == 1 else ''} = params"]

    def _input_check(self) -> list[str]:
        """Lines that turn non-float inputs into floats with ``_floats`` (a TypeError for a bool,
        a str, a Value...): one class test per input on the fast path."""
        inputs = self.input_names
        if not inputs or not self.check_inputs:
            return []
        target = ", ".join(inputs) + ("," if len(inputs) == 1 else "")
        return [f"if {' or '.join(f'{name}.__class__ is not float' for name in inputs)}:",
                f"    {target} = _floats({', '.join(inputs)})  # ints, numpy floats: as floats"]

    @property
    def call(self) -> str:
        return ", ".join(self.input_names)

    # --- the functions ----------------------------------------------------------------------------
    def step_source(self) -> str:
        """``compiled(params, *inputs)``: the loss, each gradient added into ``params[k].grad``
        under the gradient lock. The slots' numbers are read and the gradients added by one call
        each, ``_data_of`` and ``_add_to_grads`` (the engine's ``data_of`` and ``add_to_grads``),
        where a line per parameter would access a property or two. A failing guard returns
        ``_guard_failed`` before anything is added.
        ``_all_threads``, ``_this_thread`` and ``_eager`` (names no node can take: node names never
        start with ``_``) route anomaly mode and errors to the eager engine."""
        backward = self.backward()
        work = [*self._loads(), "# forward: a line per value that backward reads or that is used twice",
                *self._forward_text(self._step_forward(backward.read), f"return {GUARD_FAILED_NAME}")]
        if backward.lines:
            work += [f"# backward: grad_<node> = d {self.names[self.graph.root]} / d <node>", *backward.lines]
        accumulated = backward.accumulated
        every_slot = sorted(slot for slot, _ in accumulated) == list(range(len(self.slot_names)))
        if self.distinct_slots and every_slot:
            # Distinct parameters, each with a gradient: the order of the additions does not matter,
            # so they go in the parameters' own order, and params itself lists them.
            by_slot = dict(accumulated)
            work += ["# add into each .grad, under the lock backward() adds under",
                     f"_add_to_grads(params, ({self._tuple(by_slot[k] for k in range(len(self.slot_names)))}))"]
            prologue = self._input_check()
        else:
            if accumulated:
                targets = self._tuple(f"param_{self.slot_names[slot]}" for slot, _ in accumulated)
                grads = self._tuple(grad for _, grad in accumulated)
                work += ["# add into each .grad, in the order backward() adds them, under its lock",
                         f"_add_to_grads(({targets}), ({grads}))"]
            prologue = [*self._input_check(), *self._unpack()]
        work.append(f"return {self.names[self.graph.root]}")
        arguments = f"params{', ' if self.input_names else ''}{self.call}"
        return self._guarded(f"def compiled({arguments}):", f"_eager({arguments})", work, prologue)

    def loop_source(self, mean: bool) -> str:
        """``compiled_many(params, rows)`` (``mean``: ``compiled_mean(params, rows, seed)``): for each
        row of inputs, its loss into ``losses``, its gradients into running sums that start from
        each ``.grad`` and are written back once, after the last row, or when a guard fails at a
        row (then the function returns ``(losses, index of that row)``; else ``(losses, -1)``).
        The caller holds the gradient lock. ``compiled_many`` adds each row's gradient as a call of
        ``compiled`` would; ``compiled_mean`` seeds every row's backward with ``seed`` and adds
        each contribution straight into the running sum, as the eager pass over the rows' joint
        graph does (given the rows newest first)."""
        backward = self.backward("seed", running=True) if mean else self.backward()
        slots = [slot for slot, _ in backward.accumulated]
        names = [self.slot_names[slot] for slot in slots]
        write_back = [f"param_{name}.grad = acc_{name}" for name in names]
        guarded = bool(self.graph.reads)
        row = self.call + ("," if len(self.input_names) == 1 else "")
        loop = f"for index, ({row}) in enumerate(rows):" if guarded else f"for {row or '_'} in rows:"
        body = [*self._input_check(),
                *self._forward_text(self._step_forward(backward.read), "; ".join([*write_back, "return losses, index"])),
                *backward.lines]
        if not mean:
            body += [f"acc_{self.slot_names[slot]} += {grad}" for slot, grad in backward.accumulated]
        body.append(f"losses.append({self.names[self.graph.root]})")
        work = [*self._loads(), *(f"acc_{name} = param_{name}.grad" for name in names), "losses = []",
                loop, *_indent(body), *write_back, "return losses, -1"]
        header, fallback = (("def compiled_mean(params, rows, seed):", "_eager_mean(params, rows, seed)") if mean
                            else ("def compiled_many(params, rows):", "_eager_many(params, rows)"))
        return self._guarded(header, fallback, work, self._unpack())

    def forward_source(self) -> str:
        """``forward(values, *inputs)``: the loss alone, with slot ``k`` at ``values[k]``; no backward,
        no parameter read or written. Its lines reuse a few variables (``_1``, ``_2``...) once the
        value each held has had its last use: a forward alone reads only live values, so a big
        loss has a few dozen locals instead of thousands (a small frame runs faster)."""
        arguments = f"values{', ' if self.input_names else ''}{self.call}"
        comment = "# forward: a line per value used twice; _1, _2... are reused once their value is dead"
        work = [*self._loads(from_values=True), comment, *self._registered(self.forward_lines(self._used_twice())),
                f"return {self.texts[self.graph.root]}"]
        return self._guarded(f"def forward({arguments}):", f"_eager_forward({arguments})", work,
                             self._input_check())

    def _registered(self, lines: list[_Line]) -> list[str]:
        """``lines`` as source, each value but the root's in a variable ``_k`` that is reused once
        the value it held has had its last read (node names never start with ``_``)."""
        last_read: dict[int, int] = {}
        for number, (_, _, reads) in enumerate(lines):
            for index in reads:
                last_read[index] = number
        variable: list[str] = list(self.names)
        free: list[str] = []
        made = 0
        written = []
        for number, (index, expression, reads) in enumerate(lines):
            text = expression.format(variable)
            free += [variable[i] for i in dict.fromkeys(reads) if last_read[i] == number]
            if index != self.graph.root:
                if free:
                    variable[index] = free.pop()
                else:
                    made += 1
                    variable[index] = f"_{made}"
            written.append(f"{variable[index]} = {text}")
        return written

    def sgd_source(self) -> str:
        """``sgd(params, lr)``: ``p.data -= lr * p.grad; p.grad = 0.0`` for every slot, in order,
        under the gradient lock, by the engine's ``sgd_update`` (``lr`` is a checked float by then):
        one call, where a line per parameter would access four properties."""
        lines = ["def sgd(params, lr):",
                 "    # for every parameter p, in order: p.data -= lr * p.grad; p.grad = 0.0",
                 "    _sgd_update(params, lr)"]
        return "\n".join(lines) + "\n"

    @staticmethod
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


def _comment(text: str) -> str:
    """``text`` safe inside a ``#`` comment of generated source: one line, printable ASCII."""
    return "".join(c if " " <= c <= "~" else "?" for c in text)
