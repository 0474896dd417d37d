"""Compiled code (``compile``, ``jit``) against the eager engine at the edges of floating point.

The compiler follows the engine's one rule for gradients (every node of the loss's graph applies
its rule to whatever gradient it has, 0.0 when nothing reached it, in IEEE arithmetic; an input
for which a rule gives the number 0.0 receives nothing), so on any graph, at any point, the
compiled loss and gradients are the eager ones. "Equal" here: the same float, where 0.0 and -0.0
count as equal (a rule's 0.0 that the engine adds and the compiled code leaves out changes only
the sign of a zero) and any NaN equals any NaN (payloads are not compared); or both raise the
same error, with the same message (the compiled code hands errors to the eager engine).

The graphs come from :func:`autograd_core.testing.edge_expressions`: every op, at points drawn
from subnormals, huge values, ±0, ±inf and NaN. Each is traced at one point and run at another.
"""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_core import Value, compile, jit
from autograd_core.testing import edge_expressions, edge_floats


def _same(a: float, b: float) -> bool:
    return a == b or (a != a and b != b)


def _outcome(run):
    """("gives", loss, gradients) or ("raises", type, message)."""
    try:
        loss, grads = run()
    except (ArithmeticError, ValueError) as error:
        return ("raises", type(error), str(error))
    return ("gives", loss, grads)


def _agree(compiled, eager) -> bool:
    if compiled[0] != eager[0]:
        return False
    if compiled[0] == "raises":
        return compiled[1:] == eager[1:]
    _, loss, grads = compiled
    return _same(loss, eager[1]) and len(grads) == len(eager[2]) and all(map(_same, grads, eager[2]))


def _eager(expr, args, param_data):
    params = [Value(x) for x in param_data]

    def run():
        out = expr(*[Value(x) for x in args], *params)
        out.backward()
        return out.data, [p.grad for p in params]

    return _outcome(run)


def _compiled_at(step, params, args, param_data):
    for p, x in zip(params, param_data, strict=True):
        p.data, p.grad = x, 0.0

    def run():
        loss = step(*args)
        return loss, [p.grad for p in params]

    return _outcome(run)


@settings(max_examples=300)
@given(edge_expressions(n_inputs=(1, 3), max_ops=8), st.data())
def test_compile_and_jit_equal_eager_at_edge_points(expr, data):
    n_args = data.draw(st.integers(0, expr.n_inputs), label="n_args")
    first = expr.inputs
    second = data.draw(st.lists(edge_floats(), min_size=expr.n_inputs, max_size=expr.n_inputs), label="second")
    params = [Value(x, label=f"p{i}") for i, x in enumerate(first[n_args:])]

    def loss(*xs):
        return expr(*xs, *params)

    traced = _outcome(lambda: (compile(loss, first[:n_args], params), None))
    expected_first = _eager(expr, first[:n_args], first[n_args:])
    if traced[0] == "raises":  # tracing is an eager run: it raises the engine's error
        assert expected_first[0] == "raises" and traced[1:] == expected_first[1:]
        return
    step = traced[1]
    for point in (first, second):
        compiled = _compiled_at(step, params, point[:n_args], point[n_args:])
        eager = _eager(expr, point[:n_args], point[n_args:])
        assert _agree(compiled, eager), (point, compiled, eager, step.source)

    jitted = jit(loss, params=params)
    for point in (first, second, first):
        compiled = _compiled_at(jitted, params, point[:n_args], point[n_args:])
        eager = _eager(expr, point[:n_args], point[n_args:])
        assert _agree(compiled, eager), (point, compiled, eager)


def test_the_issue_example_tanh_of_a_huge_quotient_gives_zero_as_eager_and_pytorch():
    # tanh(x / 1e-320) at x = 1: x / 1e-320 overflows to inf, tanh is 1, its rule gives 0 · (1 - 1)
    # = 0 to the quotient, whose rule gives 0 / 1e-320 = 0 to x. Eager 0, PyTorch 0; the compiler
    # before the engine's one rule gave NaN.
    x = Value(1.0, label="x")
    step = compile(lambda: (x / 1e-320).tanh(), [], [x])
    step()
    assert x.grad == 0.0
    x.grad = 0.0
    f = jit(lambda: (x / 1e-320).tanh(), params=[x])
    f()
    assert x.grad == 0.0


def test_a_node_that_receives_nothing_still_applies_its_rule_to_zero_as_eager():
    # heaviside gives its input the number 0.0 (nothing): the sqrt node then has gradient 0.0 and
    # its rule g / (2·√x) at x = 0 is 0 / 0 = NaN, which reaches x in eager (and so in compiled code).
    def f(x):
        return (x.sqrt()).heaviside() + x.sqrt() * 0.0

    x = Value(0.0)
    f(x).backward()
    eager = x.grad
    w = Value(0.0, label="w")
    compile(lambda: f(w), [], [w])()
    assert math.isnan(eager) and math.isnan(w.grad)
