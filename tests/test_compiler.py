"""The compiler against the eager engine: same losses, same accumulated gradients.

The independent truth is the eager engine itself (``loss.backward()`` on a graph built
afresh), which the engine's own tests check against finite differences and closed
forms. Random graphs come from :func:`autograd_core.testing.expression_dags`, which
draws every op of the op table, with shared subexpressions.
"""

from __future__ import annotations

import ast
import gc
import linecache
import math
import pickle
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd_core import OPS, Value, compile, detect_anomaly, no_grad
from autograd_core.compiler.symbols import Sym, identifier
from autograd_core.engine.ops import HELPERS
from autograd_core.testing import expression_dags


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12)


def _split(expr, data):
    """Split an expression's inputs into compiled arguments and parameters."""
    n_args = data.draw(st.integers(0, expr.n_inputs), label="n_args")
    return expr.inputs[:n_args], expr.inputs[n_args:]


def _eager(expr, args, param_data):
    """Loss and parameter gradients from the eager engine on a freshly built graph."""
    params = [Value(x) for x in param_data]
    out = expr(*[Value(x) for x in args], *params)
    out.backward()
    return out.data, [p.grad for p in params]


@given(expression_dags(n_inputs=(1, 4), max_ops=12), st.data())
def test_compiled_step_equals_eager_backward_on_random_graphs(expr, data):
    args, param_data = _split(expr, data)
    params = [Value(x, label=f"p{i}") for i, x in enumerate(param_data)]
    step = compile(lambda *xs: expr(*xs, *params), args, params)

    loss = step(*args)

    eager_loss, eager_grads = _eager(expr, args, param_data)
    assert _close(loss, eager_loss), step.source
    for param, expected in zip(params, eager_grads, strict=True):
        assert _close(param.grad, expected), step.source


@given(expression_dags(n_inputs=(2, 4), max_ops=10))
def test_calls_accumulate_like_repeated_backward_and_many_equals_a_loop_of_calls(expr):
    params = [Value(x) for x in expr.inputs[1:]]
    step = compile(lambda x: expr(x, *params), expr.inputs[:1], params)
    row = expr.inputs[:1]

    step(*row)
    once = [p.grad for p in params]
    step(*row)
    assert [p.grad for p in params] == [2 * g for g in once]  # x + x is exact

    for p in params:
        p.grad = 0.0
    looped_losses = [step(*row) for _ in range(3)]
    looped = [p.grad for p in params]
    for p in params:
        p.grad = 0.0
    assert step.many([row] * 3) == looped_losses
    assert [p.grad for p in params] == looped  # the same float additions, in the same order


def test_new_arguments_and_new_parameter_data_give_new_results():
    w, b = Value(0.5, label="w"), Value(-0.25, label="b")

    def loss(x, t):
        return ((w * x + b).tanh() - t) ** 2

    step = compile(loss, [1.0, 0.0], [w, b])
    for x, t, w_data in [(2.0, 1.0, 0.5), (-1.5, 0.25, 0.5), (0.3, -0.7, -2.0)]:
        w.data = w_data
        w.grad = b.grad = 0.0
        compiled = step(x, t)
        compiled_grads = (w.grad, b.grad)
        w.grad = b.grad = 0.0
        eager = loss(Value(x), Value(t))
        eager.backward()
        # d/dw (tanh(wx+b) - t)^2 = 2 (y - t) (1 - y^2) x, by hand
        y = math.tanh(w_data * x - 0.25)
        assert _close(compiled, eager.data) and _close(compiled, (y - t) ** 2)
        assert compiled_grads == (w.grad, b.grad)
        assert _close(w.grad, 2 * (y - t) * (1 - y * y) * x)


@pytest.mark.parametrize("update", ["loop", "step.sgd"])
def test_sgd_with_the_compiled_step_follows_eager_sgd(update):
    start = {"w1": 0.3, "w2": -0.8, "b": 0.1, "unused": 2.0}
    data = [(1.0, 2.0, 1.0), (-1.0, 0.5, 0.0), (0.2, -0.3, 1.0)]

    def train(use_compile: bool) -> list[tuple[float, float]]:
        params = {name: Value(x, label=name) for name, x in start.items()}
        params["unused"].grad = 0.25  # a gradient from elsewhere: the update applies it too

        def loss(x1, x2, t):
            return ((params["w1"] * x1 + params["w2"] * x2 + params["b"]).sigmoid() - t) ** 2

        step = compile(loss, data[0], params) if use_compile else None
        for _ in range(20):
            for row in data:
                if use_compile:
                    step(*row)
                else:
                    loss(*[Value(x) for x in row]).backward()
                if use_compile and update == "step.sgd":
                    step.sgd(0.5)
                    continue
                for p in params.values():
                    p.data -= 0.5 * p.grad
                    p.grad = 0.0
        return [(p.data, p.grad) for p in params.values()]

    assert train(True) == train(False)  # same arithmetic in the same order: bit for bit


def test_compiled_sgd_takes_a_number_at_least_0_and_its_source_is_visible():
    w = Value(1.0, label="w")
    step = compile(lambda x: w * x, [1.0], [w])
    step(3.0)
    for bad, error in [("0.1", TypeError), (True, TypeError), (None, TypeError), (-0.1, ValueError),
                       (math.nan, ValueError)]:
        with pytest.raises(error, match="lr must be"):
            step.sgd(bad)
    assert (w.data, w.grad) == (1.0, 3.0)  # a refused lr changes nothing
    step.sgd(1)
    assert (w.data, w.grad) == (-2.0, 0.0)
    assert "p.data -= lr * p.grad" in step.sgd_source and "_sgd_update(params, lr)" in step.sgd_source
    assert compile(lambda x: Value(2.0) * x, [1.0], []).sgd(0.1) is None  # no parameters: nothing to do


def test_a_pickled_step_updates_its_own_copies_of_the_parameters():
    w = Value(1.0, label="w")
    step = compile(lambda x: w * x, [1.0], [w])
    copy = pickle.loads(pickle.dumps(step))
    copy(3.0)
    copy.sgd(0.5)
    assert (copy.params[0].data, copy.params[0].grad) == (-0.5, 0.0)
    assert (w.data, w.grad) == (1.0, 0.0)


def test_source_is_straight_line_with_a_forward_line_per_value_backward_reads():
    w = Value(2.0, label="weight")
    step = compile(lambda x: (w * x).relu() + (w * x).exp() * 3.0 + x.exp(), [1.0], {"weight": w})
    tree = ast.parse(step.source)
    (function,) = tree.body
    assert [a.arg for a in function.args.args] == ["params", "x"]
    # guards (anomaly mode, non-float arguments) and a try whose body
    # is straight-line code: no loops, branches or nested functions, only assignments, a return
    # and the additions into .grad under the gradient lock
    *guards, body = function.body
    assert len(guards) == 2 and all(isinstance(guard, ast.If) for guard in guards)
    assert isinstance(body, ast.Try)
    assert {type(node).__name__ for node in body.body} <= {"Assign", "Expr", "Return"}
    assert ast.unparse(body.body[0]) == "weight, = _data_of(params)"  # the parameters' numbers
    (add,) = [ast.unparse(node) for node in body.body if isinstance(node, ast.Expr)]
    assert add == "_add_to_grads(params, (grad_weight,))"  # under the gradient lock
    forward = [line.strip() for line in step.source.splitlines() if re.match(r"\s+\w+ = ", line)
               and "grad_" not in line and "_data_of" not in line]
    # relu's rule reads its input (heaviside(mul2)), exp's its output (exp5): they get lines; the
    # second w * x, the * 3.0, the sums and exp(x) (no parameter behind it) are written inline.
    assert forward == ["mul2 = weight * x", "exp5 = exp(weight * x)", "loss = relu(mul2) + exp5 * 3.0 + exp(x)"]
    assert "heaviside(mul2)" in step.source and "grad_mul4 = grad_exp5 * exp5" in step.source
    assert "weight, = _data_of(params)" in step.source and "_add_to_grads(params, " in step.source


def test_a_value_used_twice_is_computed_once_and_long_expressions_are_cut():
    w = Value(0.5, label="w")

    def loss(x):
        shared = w * x + 1.0  # used twice, read by no partial
        total = shared * shared
        for _ in range(200):  # a 400-node chain: inlined at most _NODES_PER_LINE nodes at a time
            total = total + w * 0.5
        return total

    step = compile(loss, [2.0], [w])
    assert step.source.count("w * x + 1.0") == 1
    forward = [line for line in step.source.splitlines() if " = " in line and "grad" not in line]
    assert 6 < len(forward) < 20 and max(line.count(" + ") for line in forward) < 64
    compiled, compiled_grad, w.grad = step(3.0), w.grad, 0.0
    eager = loss(Value(3.0))
    eager.backward()
    assert (compiled, compiled_grad) == (eager.data, w.grad)


HOSTILE = ['x"); import os; ("', "'''; __import__('os').system('echo hacked') #", "a\nb = 1", "λ é", "0", "", "if"]


@pytest.mark.parametrize("label", HOSTILE)
def test_labels_never_reach_the_source_unescaped(label):
    w = Value(1.5, label=label)
    b = Value(-0.5, label=label)  # same label twice: names must still be unique

    def loss(x):
        hidden = w * x
        hidden.label = label
        return (hidden + b).sigmoid()

    step = compile(loss, [2.0], [w, b])
    assert len(label) < 3 or label not in step.source
    tree = ast.parse(step.source + step.many_source)
    strings = [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)]
    assert strings == []
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    assert all(re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name) for name in names)
    assert not any(isinstance(n, (ast.Import, ast.ImportFrom, ast.Call)) and getattr(n, "func", None)
                   and getattr(n.func, "id", "") == "__import__" for n in ast.walk(tree))
    assert step(2.0) == pytest.approx(1 / (1 + math.exp(-2.5)), rel=1e-15)


def test_identifier_keeps_only_a_whitelist_of_characters():
    assert identifier('x"); import os; ("', "p") == "x_import_os"
    assert identifier("class", "p") == "class_"
    assert identifier("", "p") == "p"
    assert identifier("9lives", "p") == "v9lives"


def test_constants_are_written_as_exact_floats_including_inf():
    w = Value(1.0, label="w")
    third = Value(1 / 3)
    step = compile(lambda x: w * x * third + w * 0.1, [1.0], [w])
    assert repr(1 / 3) in step.source and "0.1" in step.source
    assert step(3.0) == 1.0 * 3.0 * (1 / 3) + 1.0 * 0.1
    huge = Value(float("inf"))
    step = compile(lambda x: (x - w) / huge, [1.0], [w])
    assert "float('inf')" in step.source
    assert step(2.0) == 0.0


def test_domain_errors_are_the_eager_engine_errors():
    w = Value(1.0, label="w")
    step = compile(lambda x: (w * x).log(), [1.0], [w])
    with pytest.raises(ValueError) as compiled:
        step(-2.0)
    with pytest.raises(ValueError) as eager:
        (w * Value(-2.0)).log()
    assert str(compiled.value) == str(eager.value)
    assert w.grad == 0.0  # nothing accumulated by the failed step

    step = compile(lambda x: x / w, [1.0], [w])
    w.data = 0.0
    with pytest.raises(ZeroDivisionError, match="divides by zero"):
        step(1.0)


def test_detect_anomaly_checks_the_compiled_step_like_eager():
    w = Value(1e200, label="w")
    step = compile(lambda x: w * x, [1.0], [w])
    assert step(1e200) == math.inf  # without anomaly mode, as eager: inf
    with detect_anomaly(), pytest.raises(FloatingPointError, match="mul produced inf"):
        step(1e200)


def test_no_grad_around_compile_and_step_changes_nothing():
    w = Value(3.0, label="w")
    with no_grad():
        step = compile(lambda x: w * x * x, [2.0], [w])
        assert step(2.0) == 12.0
    assert w.grad == 4.0


@pytest.mark.parametrize(("call", "error", "match"), [
    (lambda w: compile(lambda x: 3.0, [1.0], [w]), TypeError, "must return a Value"),
    (lambda w: compile(lambda x: w * x, ["1"], [w]), TypeError, r"example_args\[0\]"),
    (lambda w: compile(lambda x: w * x, [True], [w]), TypeError, "bool"),
    (lambda w: compile(lambda x: w * x, 1.0, [w]), TypeError, "example_args"),
    (lambda w: compile(lambda x: w * x, [1.0], [w * 2]), ValueError, "not a leaf"),
    (lambda w: compile(lambda x: w * x, [1.0], [w, w]), ValueError, "twice"),
    (lambda w: compile(lambda x: w * x, [1.0], [2.0]), TypeError, r"params\[0\] must be a Value"),
    (lambda w: compile(lambda x: w * x, [1.0], 5), TypeError, "params"),
    (lambda w: compile("w * x", [1.0], [w]), TypeError, "callable"),
    (lambda w: compile(lambda x: w * x, [1.0], [w])(1.0, 2.0), TypeError, r"takes 1 argument \(x\), got 2"),
    (lambda w: compile(lambda x: w * x, [1.0], [w])("2"), TypeError, "argument x"),
    (lambda w: compile(lambda x: w * x, [1.0], [w])(False), TypeError, "bool"),
])
def test_refuses_clearly(call, error, match):
    with pytest.raises(error, match=match):
        call(Value(1.0, label="w"))


@pytest.mark.parametrize("bad", [Value(2.0), True, "2"])
def test_a_bad_argument_is_refused_and_never_reaches_grad(bad):
    # Without the check, w * Value(2.0) ran through the generated code and made w.grad a Value.
    w = Value(1.5, label="w")
    step = compile(lambda x: w * x, [1.0], [w])
    with pytest.raises(TypeError, match="argument x must be a real number"):
        step(bad)
    with pytest.raises(TypeError, match="argument x must be a real number"):
        step.many([(1.0,), (bad,)])
    assert w.grad.__class__ is float


def test_ints_and_numpy_floats_are_taken_as_floats():
    np = pytest.importorskip("numpy")
    w = Value(1.5, label="w")
    step = compile(lambda x: w * x * x, [1.0], [w])
    assert step(3) == 13.5 and step(np.float32(0.5)) == 0.375
    assert step.many([(np.float64(2.0),), (2,)]) == [6.0, 6.0]
    assert w.grad.__class__ is float and w.grad == 9.0 + 0.25 + 4.0 + 4.0


def test_a_label_set_to_a_non_string_is_a_type_error_naming_it():
    w = Value(1.5, label="w")

    def loss(x):
        hidden = w * x
        hidden.label = 7  # refused where it is assigned
        return hidden.tanh()

    with pytest.raises(TypeError, match="label must be a str, got int"):
        compile(loss, [1.0], [w])


def test_leaves_that_are_not_parameters_are_frozen_constants():
    w, c = Value(2.0, label="w"), Value(10.0, label="c")
    step = compile(lambda x: w * x + c, [1.0], [w])
    c.data = 1000.0
    assert step(1.0) == 12.0  # traced like torch.jit.trace: c is baked in
    assert c.grad == 0.0 and w.grad == 1.0


@given(expression_dags(n_inputs=(1, 4), max_ops=12))
def test_generated_eager_backward_equals_the_generic_rule_calls(expr):
    # Outside detect_anomaly, backward runs codegen's per-op branches; inside, the generic
    # loop that calls each op's partial rule. Both must give the same floats.
    fast = [Value(x) for x in expr.inputs]
    expr(*fast).backward()
    generic = [Value(x) for x in expr.inputs]
    with detect_anomaly():
        expr(*generic).backward()
    assert [x.grad for x in fast] == [x.grad for x in generic]


@pytest.mark.parametrize("op", [op for op in OPS.values() if not op.has_const], ids=lambda op: op.name)
def test_symbolic_rules_evaluate_to_the_float_rule(op):
    # The source a Sym builds, evaluated on floats with each helper bound to its op's float rule
    # (as the compiler binds them), must be the rule's own float result.
    inputs = [0.75, 1.25][:op.arity] if op.name != "acosh" else [1.25]  # acosh needs a ≥ 1
    out = op.forward(*inputs)
    names = ["a", "b"][:op.arity]
    symbolic = op.vjp(Sym("g"), *[Sym(n) for n in names], Sym("out"))
    env = dict(zip(names, inputs, strict=True), g=0.3, out=out, **{name: OPS[name].forward for name in HELPERS})
    for expression, expected in zip(symbolic, op.vjp(0.3, *inputs, out), strict=True):
        text = expression.text if isinstance(expression, Sym) else repr(expression)
        assert eval(text, {"__builtins__": {}}, env) == expected  # noqa: S307 - our own generated source


def _fit_weights(use_compile: bool, batch_size):
    import nn
    from nn.data import two_moons
    from nn.losses import squared_error
    from nn.optim import SGD

    model = nn.MLP(2, [4, 1], activation=["tanh", "sigmoid"], seed=3)
    optimizer = SGD(model.parameters(), lr=0.3)
    history = nn.fit(model, two_moons(n=12, seed=1), squared_error, optimizer, epochs=3,
                     batch_size=batch_size, compile=use_compile)
    return [p.data for p in model.parameters()], history.step_loss


@pytest.mark.parametrize("batch_size", [None, 1, 5])
def test_fit_with_compile_gives_the_eager_weights(batch_size):
    pytest.importorskip("nn")
    eager_weights, eager_losses = _fit_weights(False, batch_size)
    compiled_weights, compiled_losses = _fit_weights(True, batch_size)
    assert compiled_weights == pytest.approx(eager_weights, rel=1e-10, abs=1e-12)
    assert compiled_losses == pytest.approx(eager_losses, rel=1e-10, abs=1e-12)


def test_long_gradient_sums_and_deep_chains_compile_to_the_eager_result():
    # w feeds ~3,300 nodes: its gradient is one long sum, split over lines that Python's
    # compiler can take (one line of thousands of `+` overflows its recursion limit).
    w = Value(0.5, label="w")

    def loss(x):
        s = w * x
        for _ in range(300):
            s = s + w * x
        for _ in range(3000):
            s = s * 0.999 + w
        return s

    step = compile(loss, [1.0], [w])
    compiled = step(2.0)
    compiled_grad, w.grad = w.grad, 0.0
    eager = loss(Value(2.0))
    eager.backward()
    assert compiled == eager.data and compiled_grad == w.grad
    assert "grad_w = grad_w + " in step.source


def test_benchmark_floors_and_compiled_steps_compute_the_eager_training_step():
    # The speed targets compare against benchmarks/handwritten.py: it must be the same step.
    benchmarks = pytest.importorskip("benchmarks.workloads")
    from benchmarks import compiled as compiled_workloads
    from benchmarks import handwritten, systems

    ours = systems.ours()
    weights = [0.42, -0.37, 0.15, 0.28, 0.56, -0.22, -0.61, 0.47, 0.09, 0.33, -0.18, 0.25, 0.74, -0.52, 0.11]
    eager = [Value(w) for w in weights]
    eager_loss = benchmarks.article_step(ours, eager, (0.8, 0.3), 0.2)
    floats = list(weights)
    assert handwritten.article_step(floats, 0.8, 0.3, 0.2) == pytest.approx(eager_loss, rel=1e-12)
    assert floats == pytest.approx([p.data for p in eager], rel=1e-12, abs=1e-15)

    data = benchmarks.moons_data(20)
    init = benchmarks.mlp_init(seed=0)
    layers = benchmarks.mlp_params(ours, init)
    eager_loss = benchmarks.moons_step(ours, layers, data)
    hand_layers = handwritten.moons_layers(init)
    assert handwritten.moons_step(hand_layers, data) == pytest.approx(eager_loss, rel=1e-12)
    hand_flat = [x for layer in hand_layers for ws, b in layer for x in (*ws, b)]
    assert hand_flat == pytest.approx([p.data for p in benchmarks.flat(layers)], rel=1e-12, abs=1e-15)

    compiled_layers = benchmarks.mlp_params(ours, init)
    hinge, l2 = compiled_workloads.moons(compiled_layers, data)
    compiled_loss = sum(hinge.many([(x1, x2, y) for (x1, x2), y in data])) + l2()
    l2.sgd(benchmarks.LR_MOONS)  # as benchmarks/run.py updates the compiled W2 step
    assert compiled_loss == pytest.approx(eager_loss, rel=1e-12)
    assert [p.data for p in benchmarks.flat(compiled_layers)] == pytest.approx(
        [p.data for p in benchmarks.flat(layers)], rel=1e-12, abs=1e-15)


def test_an_op_whose_rule_branches_on_its_input_is_refused_by_compile_but_runs_eagerly():
    from dataclasses import replace

    branching = replace(OPS["relu"], name="leaky", vjp=lambda g, a, out: (g * (1.0 if a > 0 else 0.01),))
    x = Value(2.0, label="x")
    node = x.relu()
    node._op = branching  # a graph holding the op, as if the table had it
    with pytest.raises(TypeError, match="cannot compile leaky: its derivative rule does not run on symbols"):
        compile(lambda: node * x, [], [x])
    (node * x).backward()
    assert x.grad == 2.0 + 2.0  # d(relu(x)·x)/dx = x·1 + relu(x)


# --- CompiledStep.forward: the loss alone, at given parameter values -------------------------------

@given(expression_dags(n_inputs=(1, 4), max_ops=12), st.data())
def test_forward_at_given_values_is_the_eager_loss_there_and_touches_no_parameter(expr, data):
    args, param_data = _split(expr, data)
    params = [Value(1.0 + i, label=f"p{i}") for i in range(len(param_data))]  # traced elsewhere
    try:
        step = compile(lambda *xs: expr(*xs, *params), args, params)
    except (ArithmeticError, ValueError):
        return  # the expression is outside its domain at the traced point
    loss = step.forward(*args, at=param_data)
    assert loss == expr(*[Value(x) for x in args], *[Value(x) for x in param_data]).data
    assert [p.data for p in params] == [1.0 + i for i in range(len(params))]
    assert all(p.grad == 0.0 for p in params)


def test_forward_without_at_uses_the_current_data_and_equals_the_full_step():
    w, b = Value(0.5, label="w"), Value(-0.25, label="b")
    step = compile(lambda x, t: ((w * x + b).tanh() - t) ** 2, [1.0, 0.0], [w, b])
    w.data = -1.5
    assert step.forward(2.0, 1.0) == step(2.0, 1.0) == (math.tanh(-3.25) - 1.0) ** 2
    assert step.forward(2, 1, at=(3, 0)) == (math.tanh(6.0) - 1.0) ** 2  # ints are floats
    assert w.data == -1.5


def test_forward_errors_and_anomaly_mode_go_to_the_eager_engine():
    w = Value(2.0, label="w")
    step = compile(lambda x: (w * x).log(), [1.0], [w])
    with pytest.raises(ValueError, match=r"log\(-2.0\) is outside the domain of log"):
        step.forward(1.0, at=[-2.0])
    with detect_anomaly(), pytest.raises(FloatingPointError, match="mul produced inf"):
        step.forward(1e300, at=[1e300])
    assert w.data == 2.0 and w.grad == 0.0


@pytest.mark.parametrize("at, error, match", [
    ([1.0, 2.0], ValueError, r"one number per parameter \(1\), got 2"),
    (["1"], TypeError, r"at\[0\] must be a real number"),
    (3.0, TypeError, "at must be a sequence of 1 numbers"),
])
def test_forward_refuses_bad_parameter_values(at, error, match):
    w = Value(2.0, label="w")
    step = compile(lambda x: w * x, [1.0], [w])
    with pytest.raises(error, match=match):
        step.forward(1.0, at=at)


def test_a_compiled_loss_is_a_class_with_its_sources_and_a_readable_repr():
    from autograd_core import CompiledLoss, CompiledStep

    w = Value(2.0, label="w")

    def loss(x, values):  # "values" and "forward" are names the generated code uses itself
        forward = w * x
        forward.label = "forward"
        return forward * values

    step = compile(loss, [1.0, 3.0], [w])
    assert isinstance(step, CompiledLoss) and CompiledStep is CompiledLoss  # the former name still works
    assert repr(step) == "CompiledLoss(loss(x, values_2), 1 parameter, 5 nodes)"
    assert step.forward(2.0, 3.0, at=[5.0]) == 30.0 == step(2.0, 3.0) * 2.5
    for source in (step.source, step.many_source, step.forward_source):
        ast.parse(source)
    assert "grad" not in step.forward_source and "_data" not in step.forward_source


def test_compile_leaves_the_garbage_collector_as_it_found_it():
    import gc

    w = Value(2.0, label="w")
    assert gc.isenabled()
    compile(lambda x: w * x, [1.0], [w])
    assert gc.isenabled()
    gc.disable()
    try:
        compile(lambda x: w * x, [1.0], [w])
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_a_forward_only_compile_gives_the_same_forward_and_refuses_backward():
    w, b = Value(0.5, label="w"), Value(0.1, label="b")
    full = compile(lambda x: (w * x + b).tanh(), [1.0], [w, b])
    alone = compile(lambda x: (w * x + b).tanh(), [1.0], [w, b], backward=False)
    assert alone.forward_source == full.forward_source and "grad" not in alone.forward_source
    assert alone.forward(2.0, at=[0.3, 0.2]) == full.forward(2.0, at=[0.3, 0.2]) == math.tanh(0.8)
    for call in (lambda: alone(2.0), lambda: alone.many([(2.0,)])):
        with pytest.raises(TypeError, match="compiled with backward=False"):
            call()
    assert w.grad == 0.0 and b.grad == 0.0


def test_the_forward_alone_reuses_a_few_variables_and_still_gives_the_eager_loss():
    w = Value(0.9, label="w")

    def chain(x, w):
        y = x
        for _ in range(500):
            h = (y * w).tanh()  # used twice: it gets a line (and a variable) of its own
            y = h * h + x
        return y

    step = compile(lambda x: chain(x, w), [0.5], [w], backward=False)
    assigned = set(re.findall(r"^\s+(_\d+) = ", step.forward_source, re.MULTILINE))
    assert 1 <= len(assigned) <= 3  # 500 values with lines of their own, a handful of variables
    for x, at in [(0.5, 0.9), (-1.0, 1.3)]:
        assert step.forward(x, at=[at]) == chain(Value(x), Value(at)).data


def test_generated_code_shows_its_lines_in_tracebacks_and_inspect():
    # Each generated source is registered with linecache under its own file name, so a
    # traceback through a compiled step quotes the generated line, and inspect finds it.
    import inspect
    import traceback

    w = Value(2.0, label="w")
    step = compile(lambda x: (w * x).log(), [1.0], [w])
    with pytest.raises(ValueError, match="outside the domain of log") as raised:
        step(-1.0)
    frames = [f for f in traceback.extract_tb(raised.value.__traceback__)
              if f.filename.startswith("<autograd_core compiled")]
    assert frames and "_eager(params, x)" in frames[0].line
    other = compile(lambda x: (w * x).exp(), [1.0], [w])
    assert other(0.5) == pytest.approx(math.exp(1.0))
    source = inspect.getsource(other._compiled)
    assert source.startswith("def compiled(params, x):") and source in other.source
    filename = other._compiled.__code__.co_filename
    assert filename in linecache.cache
    del other, source
    gc.collect()  # the last function defined from them is gone: the lines leave linecache...
    assert compile(lambda x: (w * x).sin(), [1.0], [w])(0.0) == 0.0  # ...when the next is defined
    assert filename not in linecache.cache
