"""Threads: modes are per thread, and concurrent backward passes over shared nodes add up exactly.

The mode tests sequence two threads with events, so each interleaving is forced, not
hoped for. The backward tests run many trials with a tiny switch interval, so passes
really do interleave: on an engine that kept a pass's sums on the nodes, or added into
``.grad`` without a lock, they fail in most trials. Passes keep their sums to themselves, so
they run side by side: one paused half way does not hold up another.
"""

import sys
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import replace

import pytest

from autograd_core import (
    Value,
    detect_anomaly,
    enable_grad,
    grad,
    gradients,
    is_anomaly_enabled,
    is_grad_enabled,
    no_grad,
)

TIMEOUT = 30.0


def _run(*targets: Callable[[], None]) -> None:
    """Run each target in its own thread; re-raise the first error any of them raised."""
    errors: list[BaseException] = []

    def guarded(target: Callable[[], None]) -> None:
        try:
            target()
        except BaseException as error:  # noqa: BLE001 - handed to the main thread
            errors.append(error)

    threads = [threading.Thread(target=guarded, args=(target,)) for target in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT)
        assert not thread.is_alive(), "a thread hung"
    if errors:
        raise errors[0]


def _wait(event: threading.Event) -> None:
    assert event.wait(TIMEOUT), "the other thread never got there"


def _meanwhile(mode: Callable[[], AbstractContextManager], inside: Callable[[], None],
               other: Callable[[], None]) -> None:
    """One thread enters ``mode`` and stays in it while a second thread runs ``other`` to the end;
    then the first runs ``inside``, still in ``mode``. The events force this interleaving, so
    ``other`` checks that the mode did not leak into its thread, and ``inside`` that the
    second thread did not turn the mode off."""
    entered, other_done = threading.Event(), threading.Event()

    def holds_the_mode():
        with mode():
            entered.set()
            _wait(other_done)
            inside()

    def runs_other():
        _wait(entered)
        try:
            other()
        finally:
            other_done.set()  # even when other fails, so the first thread does not wait for nothing

    _run(holds_the_mode, runs_other)


@pytest.fixture
def fast_switching():
    """Switch threads every microsecond, so that concurrent passes interleave finely."""
    previous = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(previous)


# --- modes are per thread --------------------------------------------------------------------------


def test_no_grad_in_one_thread_does_not_stop_another_thread_recording():
    seen = {}

    def still_no_grad():
        seen["a"] = (Value(2.0) * 3).parents

    def records():
        seen["grad_enabled"] = is_grad_enabled()
        x = Value(2.0)
        seen["b"] = (x * x).parents == (x, x) and x.exp().parents == (x,) and (x ** 2).parents == (x,)

    _meanwhile(no_grad, inside=still_no_grad, other=records)
    assert seen == {"a": (), "grad_enabled": True, "b": True}


def test_interleaved_no_grad_enter_and_exit_restore_each_thread_exactly():
    # A enters, B enters, A exits, B exits: the old process-wide flag stayed off for good.
    a_in, b_in, a_out = threading.Event(), threading.Event(), threading.Event()
    seen = {}

    def thread_a():
        with no_grad():
            a_in.set()
            _wait(b_in)
        seen["a_after"] = is_grad_enabled()
        a_out.set()

    def thread_b():
        _wait(a_in)
        with no_grad():
            b_in.set()
            _wait(a_out)
            seen["b_inside"] = is_grad_enabled()
        seen["b_after"] = is_grad_enabled()

    _run(thread_a, thread_b)
    assert seen == {"a_after": True, "b_inside": False, "b_after": True}
    x = Value(1.5)
    assert is_grad_enabled() and (x * x).parents == (x, x)


def test_enable_grad_inside_no_grad_in_one_thread_leaves_the_others_alone():
    a_in, checked = threading.Event(), threading.Event()
    seen = {}

    def thread_a():
        with no_grad(), enable_grad():
            a_in.set()
            _wait(checked)
            seen["a"] = is_grad_enabled()
        seen["a_after"] = is_grad_enabled()

    def thread_b():
        with no_grad():
            _wait(a_in)
            seen["b"] = is_grad_enabled()
            seen["b_leaf"] = (Value(2.0) * 2).parents
            checked.set()

    _run(thread_a, thread_b)
    assert seen == {"a": True, "a_after": True, "b": False, "b_leaf": ()}


def test_detect_anomaly_in_one_thread_does_not_check_another():
    seen = {}

    def still_checks():
        with pytest.raises(FloatingPointError):
            Value(1e200) * 1e200

    def does_not_check():
        seen["anomaly"] = is_anomaly_enabled()
        big = Value(1e200) * Value(1e200)  # inf, no error outside detect_anomaly
        big.backward()
        seen["data"] = big.data

    _meanwhile(detect_anomaly, inside=still_checks, other=does_not_check)
    assert seen == {"anomaly": False, "data": float("inf")}
    assert not is_anomaly_enabled()


def test_grad_in_one_thread_is_not_nested_in_another_threads_grad():
    # While thread A evaluates grad(f), thread B's top-level grad call returns a float.
    inside, done = threading.Event(), threading.Event()
    seen = {}

    def f(x):
        inside.set()
        _wait(done)
        return x * x

    def thread_a():
        seen["a"] = grad(f)(3.0)

    def thread_b():
        _wait(inside)
        seen["b"] = grad(lambda x: x ** 3)(2.0)
        done.set()

    _run(thread_a, thread_b)
    assert seen == {"a": 6.0, "b": 12.0}
    assert type(seen["b"]) is float


# --- concurrent passes over shared nodes -----------------------------------------------------------


def _chain(y: Value, x: Value, w: Value, depth: int) -> Value:
    for i in range(depth):
        y = (y * w + x * 0.01).tanh() + (x * (i % 3 - 1)).sigmoid()
    return y


def _pausing_graph(x: Value, w: Value, pause: Callable[[], None]) -> Value:
    """chain(pausing_tanh(chain(x, w))): backward calls ``pause`` half-way, with partial
    sums for x and w pending (the pausing node's rule pauses)."""
    middle = _chain(x, x, w, 20).tanh()
    tanh = middle._op
    middle._op = replace(tanh, name="pausing_tanh",
                         vjp=lambda g, a, out: (pause(), *tanh.vjp(g, a, out))[1:])
    return _chain(middle, x, w, 20)


class _Handshake:
    """The first thread to reach ``pause`` waits (at most ``patience`` seconds) until
    ``resume`` is called; other threads pass straight through."""

    def __init__(self, patience: float = TIMEOUT) -> None:
        self.paused, self.resumed = threading.Event(), threading.Event()
        self.owner = None
        self.patience = patience

    def pause(self) -> None:
        if self.owner is None:
            self.owner = threading.current_thread()
        if threading.current_thread() is self.owner and not self.paused.is_set():
            self.paused.set()
            self.resumed.wait(self.patience)

    def resume(self) -> None:
        self.resumed.set()


def test_a_gradients_pass_paused_half_way_is_not_disturbed_by_another_pass():
    # Deterministic: A stops in the middle of its pass; B runs a whole pass over the same
    # nodes while A waits; then A resumes. Sums kept on the nodes would mix, and a lock
    # around whole passes would make B wait for A (which waits for B).
    x, w = Value(0.3), Value(0.9)
    handshake = _Handshake()
    y = _pausing_graph(x, w, handshake.pause)
    handshake.paused.set()  # no pause while computing the expected values
    expected = gradients(y, [x, w])
    handshake.paused.clear()
    handshake.owner = None
    seen = {}

    def thread_a():
        seen["a"] = gradients(y, [x, w])

    def thread_b():
        _wait(handshake.paused)
        seen["b"] = gradients(y * 1.0, [x, w])
        seen["b before a"] = "a" not in seen
        handshake.resume()

    _run(thread_a, thread_b)
    assert seen == {"a": expected, "b": expected, "b before a": True}


def test_a_backward_paused_half_way_and_another_backward_add_exactly_twice():
    x, w = Value(0.3), Value(0.9)
    handshake = _Handshake()
    y = _pausing_graph(x, w, handshake.pause)
    handshake.paused.set()
    expected = gradients(y, [x, w])
    handshake.paused.clear()
    handshake.owner = None
    seen = {}

    def thread_a():
        y.backward()
        seen["a done"] = True

    def thread_b():
        _wait(handshake.paused)
        y.backward()  # the whole of B, adding into .grad included, while A waits half way
        seen["b before a"] = "a done" not in seen
        handshake.resume()

    _run(thread_a, thread_b)
    assert seen == {"a done": True, "b before a": True}
    assert [x.grad, w.grad] == [expected[0] + expected[0], expected[1] + expected[1]]


@pytest.mark.parametrize("outer", ["gradients", "backward"])
def test_a_pass_started_inside_a_pass_leaves_both_exact(outer):
    # A derivative rule (user code) that runs a pass over nodes the running pass shares, in the
    # same thread: the inner pass must not disturb the outer's pending sums.
    x, w = Value(0.3), Value(0.9)
    inner_graph = _chain(x, x, w, 20)
    expected_inner = gradients(inner_graph, [x, w])
    inner_results = []
    inner_pass_on = False

    def inner_pass() -> None:
        if inner_pass_on:
            inner_results.append(gradients(inner_graph, [x, w]))

    y = _pausing_graph(x, w, inner_pass)
    expected_outer = gradients(y, [x, w])
    inner_pass_on = True
    if outer == "gradients":
        assert gradients(y, [x, w]) == expected_outer
    else:
        y.backward()
        assert [x.grad, w.grad] == expected_outer
    assert inner_results == [expected_inner]


def _shared_graph(x: Value, w: Value, depth: int = 300) -> Value:
    """A chain with fan-out through x and w, big enough for passes to interleave."""
    return _chain(x, x, w, depth)


def test_concurrent_backward_on_one_graph_adds_exactly_n_times_the_gradient(fast_switching):
    n_threads = 8
    x, w = Value(0.3), Value(0.9)
    y = _shared_graph(x, w)
    expected = gradients(y, [x, w])
    for trial in range(15):
        y.zero_grad()
        barrier = threading.Barrier(n_threads)

        def run(barrier=barrier):
            barrier.wait(TIMEOUT)
            y.backward()

        _run(*[run] * n_threads)
        # Each pass adds the same floats in the same order: the sums are exact.
        assert [x.grad, w.grad] == [sum([expected[0]] * n_threads), sum([expected[1]] * n_threads)], trial


def test_concurrent_gradients_of_graphs_sharing_leaves_are_each_exact(fast_switching):
    # Separate graphs with shared parameter leaves, differentiated at the same time: sums kept
    # on the nodes would mix.
    x, w = Value(0.3), Value(0.9)
    n_threads = 6
    graphs = [_shared_graph(x * (1 + k / 10), w, depth=150) for k in range(n_threads)]
    expected = [gradients(g, [x, w]) for g in graphs]
    for trial in range(10):
        results: list = [None] * n_threads
        barrier = threading.Barrier(n_threads)

        def run(k, barrier=barrier, results=results):
            barrier.wait(TIMEOUT)
            for _ in range(3):
                results[k] = gradients(graphs[k], [x, w])

        _run(*[lambda k=k: run(k) for k in range(n_threads)])
        assert results == expected, trial


def test_concurrent_backward_of_graphs_sharing_leaves_sums_their_gradients(fast_switching):
    x, w = Value(0.3), Value(0.9)
    graphs = [_shared_graph(x + k, w, depth=100) for k in range(6)]
    parts = [gradients(g, [x, w]) for g in graphs]
    for trial in range(10):
        x.grad = w.grad = 0.0
        barrier = threading.Barrier(len(graphs))

        def run(graph, barrier=barrier):
            barrier.wait(TIMEOUT)
            graph.backward()

        _run(*[lambda g=g: run(g) for g in graphs])
        # The order in which passes finish varies, so the sum may round differently.
        assert x.grad == pytest.approx(sum(p[0] for p in parts), rel=1e-12), trial
        assert w.grad == pytest.approx(sum(p[1] for p in parts), rel=1e-12), trial
