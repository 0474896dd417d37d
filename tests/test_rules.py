"""The rule interface: every kind of number that the op table's rules run on implements all of it.

The interface is declared once (``autograd_core.engine.rules.RuleNumber``, with the helpers of
``HELPER_NAMES``); floats (the helper functions), ``Value``, the compiler's ``Sym``, ``IEEE`` and
the textbook's ``Term`` each implement it. A helper added to the interface but missing from one
implementation fails here.
"""

from __future__ import annotations

import ast
import math
from pathlib import Path

import pytest

import autograd_core
from autograd_core import OPS, Value
from autograd_core.compiler.symbols import Sym
from autograd_core.engine import rules
from autograd_core.engine.ieee import IEEE
from autograd_core.engine.rules import HELPER_NAMES, OPERATOR_NAMES

nn_chain = pytest.importorskip("nn.chain")

IMPLEMENTATIONS = {
    "Value": lambda: Value(0.5),
    "Sym": lambda: Sym("x"),
    "IEEE": lambda: IEEE(0.5),
    "Term": lambda: nn_chain.Term.atom("x", "0.5", 0.5),
}

OPERATORS = list(OPERATOR_NAMES)


def test_the_protocol_declares_exactly_the_listed_operators_and_helpers():
    # Read from the source, which both builds install (a compiled Protocol keeps no members).
    source = Path(autograd_core.__file__).parent / "engine" / "rules.py"
    tree = ast.parse(source.read_text(encoding="utf-8"))
    (protocol,) = [node for node in tree.body if isinstance(node, ast.ClassDef) and node.name == "RuleNumber"]
    declared = {item.name for item in protocol.body if isinstance(item, ast.FunctionDef)}
    assert declared == set(OPERATORS) | set(HELPER_NAMES)


@pytest.mark.parametrize("kind", sorted(IMPLEMENTATIONS))
def test_each_kind_of_number_implements_the_whole_interface(kind):
    number = IMPLEMENTATIONS[kind]()
    missing = [name for name in [*OPERATORS, *HELPER_NAMES] if not callable(getattr(number, name, None))]
    assert missing == []


def test_floats_have_a_helper_function_for_every_helper_exported_from_autograd_core():
    for name in HELPER_NAMES:
        helper = getattr(rules, name)
        assert getattr(autograd_core, name) is helper and name in autograd_core.__all__
        assert isinstance(helper(0.5), float)
        assert helper(Value(0.5)).op == name  # on anything else, the method of the same name


@pytest.mark.parametrize("name", HELPER_NAMES)
def test_each_helper_agrees_on_every_kind_of_number(name):
    x = 0.5
    expected = getattr(rules, name)(x)
    assert expected == OPS[name].forward(x)  # the helper is the op of the same name
    assert getattr(rules, name)(Value(x)).data == expected
    assert getattr(rules, name)(IEEE(x)).value == expected
    assert getattr(rules, name)(nn_chain.Term.atom("x", "0.5", x)).value == expected
    text = getattr(rules, name)(Sym("x")).text
    assert eval(text, {name: OPS[name].forward, "x": x}) == expected  # noqa: S307 - our own source


@pytest.mark.parametrize("op", list(OPS.values()), ids=lambda op: op.name)
def test_every_rule_runs_on_every_kind_of_number(op):
    inputs = [0.75, 1.25][:op.arity] if op.name != "acosh" else [1.25]  # acosh needs a ≥ 1
    const = 2.0 if op.has_const else None
    out = op.forward_at(inputs, const)
    on_floats = op.vjp_at(0.3, inputs, out, const)
    on_values = op.vjp_at(Value(0.3), [Value(x) for x in inputs], Value(out), const)
    on_ieee = op.vjp_at(IEEE(0.3), [IEEE(x) for x in inputs], IEEE(out), const)
    for f, v, i in zip(on_floats, on_values, on_ieee, strict=True):
        assert float(v.data if isinstance(v, Value) else v) == f
        assert (i.value if isinstance(i, IEEE) else i) == f
    terms = op.partials_at([nn_chain.Term.atom(n, str(x), x) for n, x in zip("ab", inputs, strict=False)],
                           nn_chain.Term.atom("y", str(out), out), const)
    for term, partial in zip(terms, op.partials_at(inputs, out, const), strict=True):
        value = term.value if isinstance(term, nn_chain.Term) else term
        assert math.isclose(value, partial, rel_tol=1e-12, abs_tol=1e-300)


@pytest.mark.parametrize("name, x, error", [
    ("exp", 1000.0, OverflowError), ("sinh", 711.0, OverflowError), ("cosh", -711.0, OverflowError),
    ("log", -1.0, ValueError), ("log", 0, ValueError), ("sqrt", -4.0, ValueError),
    ("sin", math.inf, ValueError), ("cos", -math.inf, ValueError)])
def test_a_helper_that_fails_on_a_float_raises_maths_error_type_naming_the_call(name, x, error):
    # math says only "math range error" / "math domain error"; the helper says which call failed
    with pytest.raises(error) as caught:
        getattr(math, name)(x)
    with pytest.raises(error, match=rf"^{name}\({float(x)!r}\) (overflows a float|is outside the domain of {name})"):
        getattr(autograd_core, name)(x)
    assert type(caught.value) is error
