"""Compiled losses called from several threads add every gradient, as eager backward does (issue 20,
item 1: ``many`` read each ``.grad`` into a local and wrote it back at the end, so additions made
by other threads in between were lost).

The generated code adds into ``.grad`` under the engine's gradient lock (``GRAD_LOCK``, the one
``backward()`` uses): a call's additions, a ``many`` loop from its first read of ``.grad`` to its
last write, and ``sgd``'s read-update-zero. The tests force the worst interleaving with the lock
held and with an op that pauses in the middle of a ``many`` loop, then check the sums; a stress
test with a tiny switch interval adds evidence, not proof.
"""

from __future__ import annotations

import sys
import threading

import pytest

from autograd_core import Value, compile, define_op, jit
from autograd_core.engine.backward import GRAD_LOCK

TIMEOUT = 30.0


def _start(target, *args) -> threading.Thread:
    thread = threading.Thread(target=target, args=args, daemon=True)
    thread.start()
    return thread


@pytest.mark.parametrize("call", ["step", "sgd", "eager", "jit"])
def test_each_addition_into_grad_waits_for_the_gradient_lock(call):
    w = Value(0.5, label="w")
    step = compile(lambda x, t: (w * x - t) ** 2, [1.0, 0.0], [w])
    jitted = jit(lambda x, t: (w * x - t) ** 2, params=[w])
    jitted(1.0, 0.0)
    w.grad = 0.25
    actions = {"step": lambda: step(1.0, 0.0), "sgd": lambda: step.sgd(1.0),
               "eager": lambda: ((w * 1.0 - 0.0) ** 2).backward(), "jit": lambda: jitted(1.0, 0.0)}
    with GRAD_LOCK:  # another thread holds it, as if adding its own gradients right now
        thread = _start(actions[call])
        thread.join(0.3)
        assert thread.is_alive() and w.grad == 0.25  # it waits: nothing read or written meanwhile
    thread.join(TIMEOUT)
    assert not thread.is_alive()
    assert (w.data, w.grad) == ((0.5, 1.25) if call != "sgd" else (0.25, 0.0))


def test_a_step_in_another_thread_during_a_many_loop_is_added_not_lost():
    # Thread A runs many() over rows; an op in its loop pauses A after the loop has read w.grad.
    # Thread B then runs a whole step. Without the lock around the loop, B's addition would land
    # while A holds its running sum, and A's write-back at the end would erase it.
    w = Value(0.5, label="w")
    paused, resumed = threading.Event(), threading.Event()
    owner: list[threading.Thread] = []

    def pause_forward(a: float) -> float:
        if owner and threading.current_thread() is owner[0] and not paused.is_set():
            paused.set()
            resumed.wait(0.5)  # B cannot finish while A holds the lock: this times out
        return a

    pause = define_op("pause", pause_forward, lambda a, out: (1.0,), maths="a;  ∂/∂a = 1")
    step = compile(lambda x, t: (pause(w * x) - t) ** 2, [1.0, 0.0], [w])
    w.grad = 0.0
    seen = {}

    def thread_a():
        owner.append(threading.current_thread())
        seen["a"] = step.many([(1.0, 0.0)] * 10)

    def thread_b():
        paused.wait(TIMEOUT)
        step(1.0, 0.0)
        seen["b finished before a"] = "a" not in seen
        resumed.set()

    a, b = _start(thread_a), _start(thread_b)
    a.join(TIMEOUT)
    b.join(TIMEOUT)
    assert seen["a"] == [0.25] * 10 and seen["b finished before a"] is False
    assert w.grad == 11 * 1.0  # each row adds 2·(0.5·1 - 0)·1 = 1.0, exactly


@pytest.fixture
def fast_switching():
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(interval)


def test_the_issue_reproducer_many_from_two_threads_adds_both(fast_switching):
    w = Value(1.0, label="w")
    step = compile(lambda x, t: (w * x - t) ** 2, [1.0, 0.0], [w])
    for _ in range(10):
        w.grad = 0.0
        barrier = threading.Barrier(2)

        def run(barrier=barrier):
            barrier.wait(TIMEOUT)
            step.many([(1.0, 0.0)] * 2000)

        threads = [_start(run) for _ in range(2)]
        for thread in threads:
            thread.join(TIMEOUT)
        assert w.grad == 2 * 2000 * 2.0


def test_steps_many_sgd_eager_and_jit_mixed_in_threads_lose_nothing(fast_switching):
    w = Value(0.5, label="w")
    step = compile(lambda x, t: (w * x - t) ** 2, [1.0, 0.0], [w])
    jitted = jit(lambda x, t: (w * x - t) ** 2, params=[w])
    jitted(1.0, 0.0)
    w.grad = 0.0
    rows = [(1.0, 0.0)] * 300
    barrier = threading.Barrier(5)

    def run(kind):
        barrier.wait(TIMEOUT)
        if kind == "many":
            step.many(rows)
        elif kind == "steps":
            for row in rows:
                step(*row)
        elif kind == "eager":
            for _ in rows:
                ((w * 1.0 - 0.0) ** 2).backward()
        elif kind == "jit many":
            jitted.many(rows)
        else:
            for row in rows:
                jitted(*row)

    threads = [_start(run, kind) for kind in ("many", "steps", "eager", "jit many", "jit")]
    for thread in threads:
        thread.join(TIMEOUT)
    assert w.grad == 5 * 300 * 1.0
