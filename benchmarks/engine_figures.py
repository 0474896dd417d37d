"""Engine figures for the README: a 10^6-op chain's build and backward time, bytes per node.

Run: .venv/bin/python benchmarks/engine_figures.py [--n 1000000] [--repeat 3]

Times are the best of ``--repeat`` runs (wall clock, time.perf_counter); memory is
measured separately under tracemalloc, which slows allocation down.
"""

from __future__ import annotations

import argparse
import gc
import platform
import sys
import time
import tracemalloc

from autograd_core import Value, topological_order


def build_chain(n: int) -> tuple[Value, Value]:
    """y = x * c * c * ... (n multiplications by one shared Value c): n op nodes."""
    x, c = Value(1.0, label="x"), Value(1.0000001, label="c")
    y = x
    for _ in range(n):
        y = y * c
    return x, y


def time_chain(n: int, collector: bool = True) -> tuple[float, float, float]:
    """(build, topological order, backward incl. its own topological order) in seconds.

    ``collector=False`` runs with Python's cyclic garbage collector disabled: the nodes
    form no cycles, so its passes over a million live objects are pure overhead.
    """
    gc.collect()
    if not collector:
        gc.disable()
    try:
        start = time.perf_counter()
        x, y = build_chain(n)
        built = time.perf_counter()
        topological_order(y)
        ordered = time.perf_counter()
        y.backward()
        done = time.perf_counter()
    finally:
        gc.enable()
    assert x.grad > 0.0
    return built - start, ordered - built, done - ordered


def best_of(repeat: int, n: int, collector: bool) -> list[float]:
    runs = [time_chain(n, collector) for _ in range(repeat)]
    return [min(column) for column in zip(*runs, strict=True)]


def bytes_per_node(n: int) -> float:
    """Memory the chain's n op nodes hold (node, parents tuple, float data), by tracemalloc."""
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    _, y = build_chain(n)
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    del y
    return (after - before) / n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="ops in the chain")
    parser.add_argument("--repeat", type=int, default=3, help="runs to take the best of")
    args = parser.parse_args()
    with_gc, without_gc = best_of(args.repeat, args.n, True), best_of(args.repeat, args.n, False)
    print(f"Python {platform.python_version()} on {platform.machine()}, recursion limit "
          f"{sys.getrecursionlimit()}, chain of {args.n:,} ops (best of {args.repeat}; "
          "gc on / gc.disable())")
    for name, on, off in zip(("build", "topological order", "backward (incl. order)"), with_gc, without_gc,
                             strict=True):
        print(f"  {name + ':':<24}{on:.2f} s / {off:.2f} s  ({on / args.n * 1e9:.0f} / "
              f"{off / args.n * 1e9:.0f} ns per node)")
    print(f"  memory:                 {bytes_per_node(args.n):.0f} bytes per node (tracemalloc)")


if __name__ == "__main__":
    main()
