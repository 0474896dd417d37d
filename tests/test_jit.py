"""``autograd_core.jit`` against the eager engine: the same losses and gradients, a trace per
structure, and never a result from a cache entry that does not fit the call.

The independent truth is the eager engine (``fn(*args).backward()`` on a graph built afresh),
which its own tests check against finite differences, closed forms and PyTorch; the GPT is
also checked against PyTorch float64 directly.
"""

from __future__ import annotations

import math
import threading
import warnings

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd_core import (
    JitMismatchError,
    JitWarning,
    TracedReadError,
    Value,
    define_op,
    detect_anomaly,
    jit,
    no_grad,
    remove_op,
)
from autograd_core.testing import expression_dags


def _sibling(name: str):
    """Another test module of this directory (the tests are not a package)."""
    import importlib.util
    from pathlib import Path

    spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name(f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _same(a: float, b: float) -> bool:
    return a == b or (a != a and b != b)


def _eager(fn, params, *args):
    """Loss and parameter gradients by the eager engine, on copies of the parameters."""
    saved = [(p.data, p.grad) for p in params]
    for p in params:
        p.grad = 0.0
    root = fn(*args)
    root.backward()
    result = root.data, [p.grad for p in params]
    for p, (data, grad) in zip(params, saved, strict=True):
        p.data, p.grad = data, grad
    return result


def _jitted(f, params, *args):
    for p in params:
        p.grad = 0.0
    loss = f(*args)
    return loss, [p.grad for p in params]


# --- the same floats as eager ---------------------------------------------------------------------

@given(expression_dags(n_inputs=(1, 4), max_ops=12), st.data())
def test_jit_equals_eager_on_random_graphs_at_the_traced_point_and_at_another(expr, data):
    n_args = data.draw(st.integers(0, expr.n_inputs), label="n_args")
    params = [Value(x, label=f"p{i}") for i, x in enumerate(expr.inputs[n_args:])]
    args = list(expr.inputs[:n_args])

    def loss(xs):
        return expr(*xs, *params)

    f = jit(loss, params=params)
    assert _jitted(f, params, args) == _eager(loss, params, [Value(x) for x in args])
    # another point of the same structure: the compiled code is reused
    shift = data.draw(st.floats(-1e-3, 1e-3), label="shift")
    for p in params:
        p.data += shift
    moved = [x - shift for x in args]
    try:
        expected = _eager(loss, params, [Value(x) for x in moved])
    except (ArithmeticError, ValueError):
        return  # outside the domain there: tests/test_compiler_edges.py compares errors
    assert _jitted(f, params, moved) == expected
    assert f.cache_info().hits == 1 and f.cache_info().misses == 1


def test_value_arguments_get_their_gradients_and_numbers_do_not():
    w = Value(0.5, label="w")
    a, b = Value(2.0), Value(-1.0)
    f = jit(lambda vs, x: (w * vs[0] + vs[1] * x).tanh(), params=[w])
    loss = f([a, b], 3.0)
    y = Value(0.5) * Value(2.0) + Value(-1.0) * 3.0  # by hand: tanh(w·a + b·x)
    assert loss == math.tanh(y.data)
    d = 1 - loss * loss
    assert (w.grad, a.grad, b.grad) == (d * 2.0, d * 0.5, d * 3.0)
    c = Value(4.0)
    f([c, b], 1.0)  # other Values, same structure: reused, gradients into the new ones
    assert c.grad == pytest.approx((1 - math.tanh(0.5 * 4.0 - 1.0) ** 2) * 0.5, rel=1e-15)
    assert f.cache_info().hits == 1


def test_one_value_at_two_argument_positions_gets_both_gradients():
    a = Value(3.0)
    f = jit(lambda u, v: u * v + u)
    assert f(a, a) == 12.0 and a.grad == 7.0  # d(a² + a)/da = 2a + 1
    b, c = Value(2.0), Value(5.0)
    f(b, c)  # the same compiled code, two Values now
    assert (b.grad, c.grad) == (6.0, 2.0)
    assert f.check(a, a, rtol=1e-12).n_gradients == 1


# --- structure: what the cache key covers --------------------------------------------------------

def test_each_structure_of_the_arguments_is_traced_once():
    w = Value(1.5)
    f = jit(lambda xs: sum((w * x for x in xs), Value(0.0)), params=[w])
    calls = [[1.0, 2.0], [3.0, 4.0], [1.0], [(1.0, 2.0)], [1.0, 2.0, 3.0], [5.0, 6.0], [7.0]]
    for xs in calls[:3] + calls[4:]:
        assert f(xs) == 1.5 * sum(xs)
    with pytest.raises(TypeError, match="each number argument as a Value"):
        f([(1.0, 2.0)])  # a tuple inside: another structure, on which the function fails
    info = f.cache_info()
    assert (info.misses, info.hits, info.currsize) == (3, 3, 3)


def test_lists_tuples_and_value_leaves_are_different_structures():
    f = jit(lambda xs: xs[0] * xs[1])
    f([2.0, 3.0])
    f((2.0, 3.0))
    f([Value(2.0), 3.0])
    f([2, 3])  # ints are numbers: the first structure again
    assert f.cache_info().misses == 3 and f.cache_info().hits == 1


def test_static_arguments_are_passed_as_they_are_and_are_part_of_the_key():
    w = Value(2.0)
    f = jit(lambda x, n: w * x * n if n > 1 else w * x, params=[w], static_argnums=1)
    assert f(3.0, 1) == 6.0 and f(3.0, 4) == 24.0 and f(1.0, 4) == 8.0
    assert f.cache_info().misses == 2 and f.cache_info().hits == 1
    g = jit(lambda x, *, power: x ** power, static_argnames="power")
    assert g(2.0, power=3) == 8.0 and g(2.0, power=2) == 4.0 and g.cache_info().misses == 2
    with pytest.raises(TypeError, match="static argument n must be hashable"):
        f(1.0, [1])


def test_a_number_used_as_a_python_int_says_to_make_it_static():
    f = jit(lambda x, n: sum((x for _ in range(n)), Value(0.0)))
    with pytest.raises(TypeError) as raised:
        f(1.0, 3)
    assert "static_argnums" in str(raised.value) + "".join(getattr(raised.value, "__notes__", []))
    assert jit(lambda x, n: sum((x for _ in range(n)), Value(0.0)), static_argnums=1)(1.5, 3) == 4.5


def test_redefining_an_op_retraces():
    double = define_op("scaled", lambda a: 2.0 * a, lambda a, out: (2.0,), maths="2a;  ∂/∂a = 2")
    w = Value(1.0)
    f = jit(lambda x: double(w * x), params=[w])
    assert f(3.0) == 6.0 and w.grad == 6.0
    remove_op("scaled")
    triple = define_op("scaled", lambda a: 3.0 * a, lambda a, out: (3.0,), maths="3a;  ∂/∂a = 3")
    f = jit(lambda x: triple(w * x), params=[w])  # the same name, another op: not the old code
    w.grad = 0.0
    assert f(3.0) == 9.0 and w.grad == 9.0
    g = jit(lambda x: x.scaled() * w, params=[w])
    assert g(1.0) == 3.0
    remove_op("scaled")
    define_op("scaled", lambda a: 5.0 * a, lambda a, out: (5.0,), maths="5a;  ∂/∂a = 5")
    assert g(1.0) == 5.0  # the op table's version changed: traced again
    assert g.cache_info().misses == 2


def test_a_changed_parameter_list_retraces_and_a_missing_parameter_is_refused():
    w, v = Value(2.0, label="w"), Value(3.0, label="v")
    chosen = [w]
    f = jit(lambda x: chosen[0] * x, params=lambda: chosen)
    assert f(1.0) == 2.0 and w.grad == 1.0
    chosen[0] = v  # the function now reads v: the parameter list says so, so the key changes
    assert f(1.0) == 3.0 and v.grad == 1.0 and w.grad == 1.0
    assert f.cache_info().misses == 2
    g = jit(lambda x: w * x)  # w is neither a parameter nor an argument
    with pytest.raises(ValueError, match="neither arguments nor parameters"):
        g(1.0)


def test_the_cache_is_bounded_and_least_recently_used_goes_first():
    f = jit(lambda xs: xs[0] * len(xs), cache_size=2)
    f([1.0])
    f([1.0, 1.0])
    f([1.0])  # the one-element structure is now the most recent
    f([1.0, 1.0, 1.0])  # evicts the two-element one
    f([2.0])
    f([2.0, 2.0])
    info = f.cache_info()
    assert (info.currsize, info.maxsize, info.misses, info.hits) == (2, 2, 4, 2)
    assert info.memory > 0 and info.compile_seconds > 0
    f.cache_clear()
    assert f.cache_info()[:5] == (0, 0, 0, 2, 0)


# --- guards: reads of numbers --------------------------------------------------------------------

def test_a_branch_on_a_comparison_is_guarded_and_each_path_is_compiled_once():
    w = Value(1.0, label="w")

    def loss(x):
        return (w * x).log() if x > 0.0 else (w * -x).exp()

    f = jit(loss, params=[w])
    for x in (2.0, -1.0, 3.0, -2.0, 0.5):
        assert _jitted(f, [w], x) == _eager(loss, [w], Value(x))
    info = f.cache_info()
    assert (info.misses, info.retraces, info.hits) == (1, 1, 3)
    assert [str(g.description) for g in f.guards(1.0)] == ["x > 0.0 is True"]


@pytest.mark.parametrize("read", [
    lambda v: v.data, lambda v: float(v), lambda v: v.item(), lambda v: math.exp(v) / math.e,
    lambda v: v.detach(),
], ids=["data", "float", "item", "math.exp", "detach"])
def test_a_number_read_is_guarded_by_its_value_so_it_is_never_stale(read):
    w = Value(2.0, label="w")

    def loss(x):
        return w * x * read(x * 1.0)  # the number read is baked into the graph as a constant

    f = jit(loss, params=[w])
    for x in (1.0, 3.0, 3.0, -2.0):
        assert _jitted(f, [w], x) == _eager(loss, [w], Value(x))
    assert f.cache_info().hits == 1  # only the repeated 3.0 reused code


def test_max_min_and_sorted_over_values_are_guarded():
    def loss(xs):
        largest = max(xs)
        return largest * 2.0 + min(xs) + sorted(xs)[1]

    f = jit(loss)
    for xs in ([1.0, 5.0, 3.0], [2.0, 6.0, 4.0], [9.0, 1.0, 2.0]):
        values = [Value(x) for x in xs]
        assert f(xs) == loss(values).data
    assert f.cache_info().hits == 1 and f.cache_info().retraces == 1


def test_no_grad_on_traced_values_is_guarded_and_detach_of_constants_is_not():
    w = Value(2.0)

    def loss(x):
        with no_grad():
            scale = x * 3.0  # a leaf holding a number computed from x
        return w * x * scale + Value(4.0).detach()

    f = jit(loss, params=[w])
    for x in (1.0, 2.0, 1.0):
        assert _jitted(f, [w], x) == _eager(loss, [w], Value(x))
    assert [g.what for g in f.guards(1.0)] == ["no_grad"]


def test_on_read_error_names_the_line():
    def loss(x):
        if x.data > 0:  # the line the error names
            return x * 2.0
        return -x

    f = jit(loss, on_read="error")
    with pytest.raises(TracedReadError, match=r"read x\.data at .*test_jit\.py:\d+") as raised:
        f(1.0)
    line = int(str(raised.value).split("test_jit.py:")[1].split(",")[0])
    import inspect
    assert "if x.data > 0" in inspect.getsource(loss).splitlines()[line - loss.__code__.co_firstlineno]
    assert jit(lambda x: x * 2.0, on_read="error")(1.0) == 2.0  # no read: fine
    with pytest.raises(TracedReadError, match="compared x > 0"):
        jit(lambda x: x if x > 0 else -x, on_read="error")(1.0)


def test_a_backward_of_numbers_inside_the_function_is_refused():
    from autograd_core import gradients

    def loss(x):
        (g,) = gradients(x * x, [x])
        return x * g

    with pytest.raises(TracedReadError, match="backward or tangent pass of numbers"):
        jit(loss)(3.0)

    def penalty(x):
        (g,) = gradients(x * x, [x], create_graph=True)
        return x * g

    f = jit(penalty)
    x = Value(3.0)
    assert f(x) == 18.0 and x.grad == 12.0  # d(2x²)/dx, through the recorded gradient


def test_a_structure_whose_guards_keep_failing_runs_eagerly_with_a_warning():
    w = Value(1.0)

    def loss(x):
        return w * x.data  # a new number at every call

    f = jit(loss, params=[w], max_variants=3)
    with pytest.warns(JitWarning, match="traced loss 3 times"):
        results = [f(float(x)) for x in range(6)]
    assert results == [float(x) for x in range(6)] and w.grad == sum(range(6))
    info = f.cache_info()
    assert info.eager_calls == 3 and info.retraces == 2


def test_a_python_number_closed_over_is_a_constant_and_check_finds_it_stale():
    scale = [2.0]
    f = jit(lambda x: x * scale[0])
    assert f(1.0) == 2.0
    scale[0] = 3.0  # not a Value, not an argument: baked in, as in jax.jit
    assert f(1.0) == 2.0
    with pytest.raises(JitMismatchError, match="loss 2.0 compiled, 3.0 eager"):
        f.check(1.0)


def test_check_touches_no_gradient_and_reports_equal_floats():
    w, b = Value(0.3, label="w"), Value(-0.1, label="b")
    f = jit(lambda x, t: ((w * x + b).sigmoid() - t) ** 2, params={"w": w, "b": b})
    report = f.check(2.0, 1.0)
    assert report.loss == report.eager_loss and report.n_gradients == 2 and report.worst_difference == 0.0
    assert (w.grad, b.grad) == (0.0, 0.0)
    with pytest.raises(ValueError, match="rtol"):
        f.check(2.0, 1.0, rtol=-1.0)


# --- many and mean ----------------------------------------------------------------------------------

def test_many_is_a_loop_of_calls_bit_for_bit_across_branches():
    w, b = Value(0.7, label="w"), Value(-0.2, label="b")

    def loss(x, t):
        z = w * x + b
        return (z - t) ** 2 if z > 0.0 else (z.exp() - t).abs()

    rows = [(float(i) / 3 - 2.0, (i % 3) / 2) for i in range(12)]
    looped = jit(loss, params=[w, b])
    expected = [looped(*row) for row in rows]
    expected_grads = (w.grad, b.grad)
    w.grad = b.grad = 0.0
    f = jit(loss, params=[w, b])
    assert f.many(rows) == expected and (w.grad, b.grad) == expected_grads
    with pytest.raises(TypeError, match="rows of numbers"):
        f.many([(Value(1.0), 0.0)])


def test_mean_is_the_eager_mean_graph_bit_for_bit_and_an_error_leaves_grad_alone():
    w, b = Value(0.7, label="w"), Value(-0.2, label="b")

    def loss(x, t):
        z = w * x + b
        return (z - t) ** 2 if z > 0.0 else (z.exp() - t).abs()

    rows = [(float(i) / 3 - 2.0, (i % 3) / 2) for i in range(12)]
    total = None
    for x, t in rows:
        term = loss(Value(x), Value(t))
        total = term if total is None else total + term
    mean = total * (1.0 / len(rows))
    mean.backward()
    expected = (mean.data, w.grad, b.grad)
    w.grad = b.grad = 0.0
    f = jit(loss, params=[w, b])
    assert (f.mean(rows), w.grad, b.grad) == expected
    w.grad = b.grad = 0.0
    g = jit(lambda x: (w * x).log(), params=[w])
    with pytest.raises(ValueError, match=r"outside the domain of log"):
        g.mean([(1.0,), (-1.0,)])
    assert (w.grad, b.grad) == (0.0, 0.0)


# --- the eager engine's errors and checks -----------------------------------------------------------

def test_errors_and_detect_anomaly_are_the_eager_engines():
    w = Value(1.0, label="w")
    f = jit(lambda x: (w * x).log(), params=[w])
    assert f(2.0) == math.log(2.0)
    with pytest.raises(ValueError, match=r"log\(-2.0\) is outside the domain of log"):
        f(-2.0)
    g = jit(lambda x: w * x * 10.0, params=[w])
    assert g(1e308) == math.inf  # IEEE, as eager without checks
    with detect_anomaly(), pytest.raises(FloatingPointError, match="mul produced inf"):
        g(1e308)
    assert f.cache_info().eager_calls == 1 and g.cache_info().eager_calls == 1


def test_a_jit_function_called_while_another_traces_is_refused():
    inner = jit(lambda x: x * 2.0)
    outer = jit(lambda x: inner(x) * x)
    with pytest.raises(TypeError, match="while jit traces another function"):
        outer(1.0)


def test_bad_arguments_and_options_are_refused():
    with pytest.raises(TypeError, match="argument x is a str"):
        jit(lambda x: x)("1")
    with pytest.raises(TypeError, match=r"argument xs\[1\] is a NoneType"):
        jit(lambda xs: xs[0])([1.0, None])
    with pytest.raises(TypeError, match="argument x is a bool"):
        jit(lambda x: x)(True)
    with pytest.raises(ValueError, match="on_read"):
        jit(lambda x: x, on_read="ignore")
    with pytest.raises(ValueError, match="cache_size"):
        jit(lambda x: x, cache_size=0)
    with pytest.raises(TypeError, match="static_argnums"):
        jit(lambda x: x, static_argnums=("x",))
    with pytest.raises(TypeError, match=r"params\[0\] must be a Value"):
        jit(lambda x: x, params=[1.0])
    with pytest.raises(TypeError, match="must return a Value"):
        jit(lambda x: 3.0)(1.0)


def test_decorator_form_keeps_the_name_and_docstring():
    @jit
    def loss(x):
        """Twice x."""
        return x * 2.0

    assert loss(1.5) == 3.0 and loss.__name__ == "loss" and loss.__doc__ == "Twice x."
    assert repr(loss) == "JitFunction(loss, 1 structure cached)"


# --- threads --------------------------------------------------------------------------------------

def test_calls_and_many_from_many_threads_add_every_gradient():
    w = Value(0.5, label="w")
    f = jit(lambda x, t: (w * x - t) ** 2, params=[w])
    f(1.0, 0.0)
    w.grad = 0.0
    rows = [(1.0, 0.0)] * 500
    barrier = threading.Barrier(4)

    def run(kind):
        barrier.wait(10)
        if kind == "many":
            f.many(rows)
        else:
            for row in rows:
                f(*row)

    threads = [threading.Thread(target=run, args=(kind,)) for kind in ("many", "call", "many", "call")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert w.grad == 4 * 500 * 1.0  # each row adds 2·(0.5 - 0)·1 = 1.0: exact in floats


# --- the tiny GPT -----------------------------------------------------------------------------------

def test_gpt_under_jit_matches_pytorch_float64_and_eager():
    torch = pytest.importorskip("torch")
    from nn.gpt import GPT, GPTConfig, encode

    _torch_loss = _sibling("test_nn_gpt")._torch_loss

    config = GPTConfig(n_embd=8, n_head=2, block_size=8)
    model = GPT(config, seed=3)
    f = jit(model.loss_from, params=dict(model.named_parameters()))
    for name in ("anna", "emma", "bob"):  # two names of one length (one trace), then another
        tokens = encode(name)
        model.zero_grad()
        loss = f(*model.inputs(tokens))
        grads = [p.grad for p in model.parameters()]
        model.zero_grad()
        eager = model.loss(tokens)
        eager.backward()
        assert loss == eager.data and grads == [p.grad for p in model.parameters()]  # bit for bit
        weights = {key: torch.tensor([[p.data for p in row] for row in rows], dtype=torch.float64,
                                     requires_grad=True) for key, rows in model.weights.items()}
        expected = _torch_loss(torch, weights, config, tokens)
        expected.backward()
        assert abs(loss - expected.item()) <= 1e-12
        flat = torch.cat([weights[key].grad.flatten() for key in model.weights])
        assert max(abs(a - b) for a, b in zip(grads, flat.tolist(), strict=True)) <= 1e-12
    assert f.cache_info().misses == 2 and f.cache_info().hits == 1


def test_gpt_training_under_jit_gives_the_eager_losses():
    from nn.data import names
    from nn.gpt import GPT, GPTConfig, train

    config = GPTConfig(n_embd=8, n_head=2, block_size=8)
    chosen = names()[:40]
    eager = train(GPT(config, seed=1), chosen, steps=40, lr=0.02, seed=2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no retrace warning: the graph depends on the length only
        jitted = train(GPT(config, seed=1), chosen, steps=40, lr=0.02, seed=2, jit=True)
    assert max(abs(a - b) for a, b in zip(eager, jitted, strict=True)) <= 1e-9
    assert jitted == eager  # in fact bit for bit


def test_the_gpt_command_with_jit_prints_the_eager_losses(capsys):
    from autograd_core_cli.main import main

    flags = ["gpt", "--steps", "6", "--sample", "2", "--n-embd", "8", "--n-head", "2", "--block-size", "8",
             "--seed", "1"]
    assert main(flags) == 0
    eager = capsys.readouterr().out
    assert main([*flags, "--jit"]) == 0
    assert capsys.readouterr().out == eager  # the same losses and samples, to the printed digit


def test_no_grad_around_a_call_changes_nothing_compiled_or_eager():
    w = Value(2.0)
    f = jit(lambda x: (w * x).log(), params=[w])
    with no_grad():
        f(3.0)  # traced and compiled: adds the gradient
        with detect_anomaly():
            f(3.0)  # the eager engine runs (anomaly checks): adds it too
    assert w.grad == 2 * (1 / 2.0)
