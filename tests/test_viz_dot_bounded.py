"""`dot` is bounded in time and never outlives the Python that started it.

The slow graph is the one the hardening review found: one leaf feeding every level,
``E = tanh(E*x) + x`` nested 28 times (85 values), which kept `dot` busy for minutes.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import viz
from autograd_core import Value

pytestmark = pytest.mark.usefixtures("dot")

ROOT = Path(__file__).resolve().parent.parent

SLOW_GRAPH = """
from autograd_core import Value
x = Value(0.5, label="x")
E = x
for _ in range(28):
    E = (E * x).tanh() + x
E.backward()
"""


def slow_graph() -> Value:
    scope: dict = {}
    exec(SLOW_GRAPH, scope)
    return scope["E"]


def dot_children(parent: int) -> list[int]:
    """Process ids of the `dot` processes whose parent is ``parent`` (read from /proc)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        name = stat[stat.index("(") + 1:stat.rindex(")")]
        ppid = int(stat[stat.rindex(")") + 2:].split()[1])
        if name == "dot" and ppid == parent:
            found.append(int(entry))
    return found


def is_running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def wait_until(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def start_rendering(tmp_path: Path, after: str = "") -> tuple[subprocess.Popen, int]:
    """A Python that renders the slow graph (30 s limit); returns it and its dot child's pid."""
    script = SLOW_GRAPH + textwrap.dedent(f"""
        import signal, time, viz
        signal.signal(signal.SIGINT, signal.default_int_handler)  # a background job inherits SIGINT ignored
        try:
            viz.render(E, {str(tmp_path / "slow.svg")!r}, timeout=30)
        except KeyboardInterrupt:
            {after or "raise"}
    """)
    python = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    children: list[int] = []
    assert wait_until(lambda: children.extend(dot_children(python.pid)) or children, 20), "dot never started"
    return python, children[0]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_a_slow_layout_stops_at_the_time_limit_naming_the_size_and_kills_dot(tmp_path):
    start = time.monotonic()
    with pytest.raises(TimeoutError, match=r"85 values and 140 edges within 0\.5 s.*fewer nodes"):
        viz.render(slow_graph(), tmp_path / "slow.svg", timeout=0.5)
    assert time.monotonic() - start < 30  # generous: the point is "not minutes"
    assert dot_children(os.getpid()) == []
    assert list(tmp_path.iterdir()) == []


def test_the_time_limit_must_be_a_positive_number(tmp_path):
    x = Value(1.0, label="x")
    for bad in (0, -1, float("nan"), float("inf"), True, "5"):
        with pytest.raises(ValueError, match="timeout must be a positive number of seconds"):
            viz.render(x * 2, tmp_path / "g.svg", timeout=bad)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc; the guarantee is Linux's")
def test_a_killed_python_leaves_no_dot_behind(tmp_path):
    python, dot = start_rendering(tmp_path)
    python.send_signal(signal.SIGKILL)
    python.wait()
    assert wait_until(lambda: not is_running(dot), 5), f"dot {dot} outlived the Python that started it"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_an_interrupted_render_kills_dot_at_once(tmp_path):
    # The Python survives the Ctrl-C (it catches it and waits), so only the interrupt can have killed dot.
    python, dot = start_rendering(tmp_path, after="print('interrupted', flush=True); time.sleep(30)")
    try:
        time.sleep(1.5)  # let it reach the wait for dot's output (not still inside Popen), even under load
        python.send_signal(signal.SIGINT)
        assert python.stdout.readline().strip() == "interrupted"
        assert wait_until(lambda: not is_running(dot), 5), "the interrupted render left dot running"
    finally:
        python.kill()
        python.wait()
