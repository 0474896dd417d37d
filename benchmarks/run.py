"""Run every workload on every installed system, alternating, and print a Markdown table.

    python -m benchmarks            # the full run (a few minutes)
    python -m benchmarks --quick    # a smoke run: fewer repeats, smaller graphs

Systems run in one process, round-robin (each round runs every system once, in a
rotating order); the figures are medians over the rounds. Each timed block starts on a
clean heap and ends with a timed ``gc.collect()``: a system pays for collecting its own
garbage and nobody else's (see ``_timed_block``). The interpreter's and
PyTorch's import-time objects are moved out of the collector's sight with
``gc.freeze()`` (``--no-freeze`` keeps them), so a full collection costs what the
workload's own objects cost, not what importing PyTorch cost.
"""

from __future__ import annotations

import argparse
import gc
import math
import platform
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass, field

import autograd_core
from autograd_core import topological_order
from nn.gpt import GPT, GPTConfig, encode

from . import compiled, gpt_step, handwritten, jit_training, systems
from .workloads import (
    LR_ARTICLE,
    LR_MOONS,
    Backend,
    article_step,
    chain,
    mixed_graph,
    mixed_leaves,
    mlp_init,
    mlp_params,
    moons_data,
    moons_step,
)

ARTICLE_INPUTS, ARTICLE_TARGET = (0.8, 0.3), 0.2

BUILD = "compiled" if autograd_core.COMPILED else "pure"
"""Which build of the engine this process runs (``--build`` chooses it; see :func:`main`)."""

# Issue 18's targets for each build: W1, W2 as a fraction of micrograd's time, W6 of the
# baseline engine's, and the bytes each W6 node holds.
TARGETS = {"compiled": {"W1": 0.10, "W2": 0.035, "W6": 0.27, "bytes": 110},
           "pure": {"W1": 0.35, "W2": 0.10, "W6": 0.75, "bytes": 150}}


def _article_weights() -> list[float]:
    try:
        from nn.article import DEFAULT_WEIGHTS, PARAMETER_NAMES
    except ImportError:  # pragma: no cover - nn is part of this repository
        return [0.42, -0.37, 0.15, 0.28, 0.56, -0.22, -0.61, 0.47, 0.09, 0.33, -0.18, 0.25, 0.74, -0.52, 0.11]
    return [DEFAULT_WEIGHTS[name] for name in PARAMETER_NAMES]


# --- timing --------------------------------------------------------------------------------------

BLOCK_SECONDS = 0.1  # each timed block runs a workload this long, at least once


@dataclass
class Candidate:
    """One system's version of a workload; each timed block calls ``run()`` ``inner`` times."""

    name: str
    run: Callable[[], object]
    inner: int = 0  # 0: calibrate to BLOCK_SECONDS
    times: list = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.times)


def _timed_block(candidate: Candidate) -> float:
    """Seconds per run of one block: ``inner`` runs, then the collection of their garbage.

    The collector is left on, as in real training, and the final ``gc.collect()`` is
    timed too: freeing a system's own garbage is part of its cost (micrograd's closures
    put every node in a reference cycle that only the collector can free). The block
    starts from a clean heap, so no system pays for another's garbage.
    """
    gc.collect()
    start = time.perf_counter()
    for _ in range(candidate.inner):
        candidate.run()
    gc.collect()
    return (time.perf_counter() - start) / candidate.inner


def alternate(candidates: list[Candidate], rounds: int) -> None:
    """Time each candidate ``rounds`` times, round-robin in a rotating order (seconds per run)."""
    for candidate in candidates:
        if not candidate.inner:
            gc.collect()
            start = time.perf_counter()
            candidate.run()
            once = time.perf_counter() - start
            candidate.inner = max(1, round(BLOCK_SECONDS / max(once, 1e-9)))
    for index in range(rounds):
        shift = index % len(candidates)
        for candidate in candidates[shift:] + candidates[:shift]:
            candidate.times.append(_timed_block(candidate))


def fmt_time(seconds: float | None) -> str:
    """1.23 µs, 45.6 ms, 2.01 s."""
    if seconds is None or math.isnan(seconds):
        return "—"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


def _close(a: float, b: float, tol: float = 1e-9) -> bool:
    return math.isclose(a, b, rel_tol=tol, abs_tol=tol)


# --- workloads -------------------------------------------------------------------------------------

class Report:
    """Collects cells (workload row × system column), notes and target checks."""

    def __init__(self) -> None:
        self.rows: dict[str, dict[str, str]] = {}
        self.order: list[str] = []
        self.targets: list[tuple[str, str, bool | None]] = []
        self.notes: list[str] = []

    def cell(self, row: str, column: str, text: str) -> None:
        if row not in self.rows:
            self.rows[row] = {}
            self.order.append(row)
        self.rows[row][column] = text

    def target(self, what: str, measured: str, met: bool | None) -> None:
        self.targets.append((what, measured, met))


def run_w1(backends: dict[str, Backend], report: Report, rounds: int) -> None:
    weights = _article_weights()
    x1, x2 = ARTICLE_INPUTS
    t = ARTICLE_TARGET
    candidates, first = [], {}
    for key, backend in backends.items():
        params = [backend.param(w) for w in weights]
        first[key] = article_step(backend, params, ARTICLE_INPUTS, t)
        candidates.append(Candidate(key, lambda b=backend, p=params: article_step(b, p, ARTICLE_INPUTS, t)))
    ours = backends["ours"]
    params = [ours.param(w) for w in weights]
    for p, name in zip(params, _names(), strict=True):
        p.label = name
    step = compiled.article(params, ARTICLE_INPUTS, t)

    def compiled_step() -> float:
        loss = step(x1, x2, t)
        step.sgd(LR_ARTICLE)  # the generated update: the eager loop's 60 property accesses cost more than step()
        return loss

    first["compiled"] = compiled_step()
    candidates.append(Candidate("compiled", compiled_step))
    floats = list(weights)
    first["hand"] = handwritten.article_step(floats, x1, x2, t)
    candidates.append(Candidate("hand", lambda: handwritten.article_step(floats, x1, x2, t)))
    _check("W1", first, report)
    alternate(candidates, rounds)
    _record("W1: article 2-2-2-1 sigmoid net, one SGD step", candidates, report)
    times = {c.name: c.median for c in candidates}
    if "micrograd" in times:
        ratio = times["ours"] / times["micrograd"]
        limit = TARGETS[BUILD]["W1"]
        report.target(f"W1 eager ({BUILD}) ≤ {limit}× micrograd", f"{ratio:.3f}×", ratio <= limit)
    ratio = times["compiled"] / times["hand"]
    report.target("W1 compiled within 2× of hand-written", f"{ratio:.2f}×", ratio <= 2.0)


def _names() -> list[str]:
    try:
        from nn.article import PARAMETER_NAMES
    except ImportError:  # pragma: no cover
        return [f"p{i}" for i in range(15)]
    return list(PARAMETER_NAMES)


def run_w2(backends: dict[str, Backend], report: Report, rounds: int) -> None:
    data = moons_data(100)
    init = mlp_init(seed=0)
    candidates, first = [], {}
    for key, backend in backends.items():
        layers = mlp_params(backend, init)
        first[key] = moons_step(backend, layers, data)
        candidates.append(Candidate(key, lambda b=backend, layers=layers: moons_step(b, layers, data)))
    ours = backends["ours"]
    layers = mlp_params(ours, init)
    hinge, l2 = compiled.moons(layers, data)
    rows = [(x1, x2, y) for (x1, x2), y in data]

    def compiled_step() -> float:
        loss = sum(hinge.many(rows)) + l2()
        l2.sgd(LR_MOONS)  # every parameter, as the eager loop
        return loss

    first["compiled"] = compiled_step()
    per_sample_layers = mlp_params(ours, init)
    per_sample_hinge, per_sample_l2 = compiled.moons(per_sample_layers, data)

    def compiled_per_sample() -> float:
        loss = sum(per_sample_hinge(*row) for row in rows) + per_sample_l2()
        per_sample_l2.sgd(LR_MOONS)
        return loss

    first["compiled per sample"] = compiled_per_sample()
    floats = handwritten.moons_layers(init)
    first["hand"] = handwritten.moons_step(floats, data)
    candidates += [Candidate("compiled", compiled_step), Candidate("compiled per sample", compiled_per_sample),
                   Candidate("hand", lambda: handwritten.moons_step(floats, data))]
    _check("W2", first, report)
    alternate(candidates, rounds)
    row = "W2: micrograd demo step, MLP(2,[16,16,1]) relu, 100 moons, hinge + L2"
    _record(row, candidates, report)
    times = {c.name: c.median for c in candidates}
    fit_w2(report, times.get("micrograd"), times["ours"])
    report.notes.append(
        f"W2 compiled with one `step(x1, x2, y)` call per point (no `many`): "
        f"{fmt_time(times['compiled per sample'])} per step"
        + (f", {times['micrograd'] / times['compiled per sample']:.0f}× faster than micrograd."
           if "micrograd" in times else "."))
    if "micrograd" in times:
        ratio = times["ours"] / times["micrograd"]
        limit = TARGETS[BUILD]["W2"]
        report.target(f"W2 eager ({BUILD}) ≤ {limit}× micrograd", f"{ratio:.3f}×", ratio <= limit)
        speedup = times["micrograd"] / times["compiled"]
        report.target("W2 compiled ≥ 200× faster than micrograd", f"{speedup:.0f}×", speedup >= 200)


def fit_w2(report: Report, micrograd: float | None, eager_step: float) -> None:
    """W2's network and data trained by ``nn.fit``, eager and ``compile=True`` (the compile included)."""
    epochs = {False: 10, True: 200}
    runs = {flag: jit_training.fit_moons(flag, epochs[flag]) for flag in (False, True)}
    if runs[True][2][:epochs[False]] != runs[False][2]:
        raise AssertionError("W2 fit: compile=True trained differently from eager fit")
    per_step = {flag: runs[flag][0] / epochs[flag] for flag in runs}
    row = "W2 via nn.fit: MLP(2,[16,16,1]) relu, 100 moons, hinge (no L2), one full-batch SGD step"
    ratio = f" ({per_step[False] / micrograd:.3f}×)" if micrograd else ""
    report.cell(row, "ours", fmt_time(per_step[False]) + ratio)
    text = fmt_time(per_step[True])
    if micrograd:
        text += f" (1/{micrograd / per_step[True]:.0f})"
    report.cell(row, "compiled", text + f", {per_step[False] / per_step[True]:.0f}× eager fit")
    report.notes.append(
        f"W2 via `nn.fit`: eager {fmt_time(per_step[False])} a step ({epochs[False]} epochs), `compile=True` "
        f"{fmt_time(per_step[True])} a step over {epochs[True]} epochs, its compile included "
        f"({runs[True][1]:.2f} s of CPU in all); the losses of the first {epochs[False]} steps are equal, "
        f"bit for bit. The W2 step itself (eager, with L2) is {fmt_time(eager_step)}.")


def _check(workload: str, first: dict[str, float], report: Report) -> None:
    """Every system's first-step loss must agree: the workloads compute the same thing."""
    reference = first["ours"]
    bad = {k: v for k, v in first.items() if not _close(v, reference)}
    if bad:
        raise AssertionError(f"{workload}: losses disagree with autograd-core's {reference!r}: {bad}")
    report.notes.append(f"{workload}: first-step loss {reference:.12g}, equal (1e-9) on all "
                        f"{len(first)} implementations.")


def _record(row: str, candidates: list[Candidate], report: Report) -> None:
    times = {c.name: c.median for c in candidates}
    base = times.get("micrograd")
    for c in candidates:
        if c.name == "compiled per sample":
            continue
        text = fmt_time(c.median)
        if c.name in ("ours", "compiled") and base:
            text += f" ({c.median / base:.3f}×)" if c.median / base >= 0.01 else f" (1/{base / c.median:.0f})"
        if c.name == "compiled" and "hand" in times:
            text += f", {c.median / times['hand']:.2f}× hand"
        report.cell(row, c.name, text)


def run_w3(backends: dict[str, Backend], report: Report, sizes: list[int], rounds: int) -> None:
    for n in sizes:
        candidates = []
        for key, backend in backends.items():
            leaves = mixed_leaves(backend)

            def build_and_backward(b=backend, leaves=leaves, n=n):
                root, _ = mixed_graph(b, leaves, n)
                b.backward(root)

            candidates.append(Candidate(key, build_and_backward))
        alternate(candidates, rounds)
        row = f"W3: build + backward, {n:.0e} mixed +/* ops".replace("e+0", "e")
        _record(row, candidates, report)
    bytes_row = f"W3: bytes per node (tracemalloc, {sizes[-1]:.0e} ops)".replace("e+0", "e")
    for key, backend in backends.items():
        if key == "torch":
            report.cell(bytes_row, key, "n/a (C++ heap)")
            continue
        per_node = bytes_per_node(backend, sizes[-1])
        report.cell(bytes_row, key, f"{per_node:.0f} B")
        if key == "ours":
            report.target("bytes per node ≤ 350", f"{per_node:.0f} B", per_node <= 350)


def bytes_per_node(backend: Backend, n: int) -> float:
    """Memory held by a built graph (Python allocations) divided by its op nodes."""
    leaves = mixed_leaves(backend)
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    root, made = mixed_graph(backend, leaves, n)
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    del root
    return (after - before) / made


def run_w4(backends: dict[str, Backend], report: Report, n: int) -> None:
    build_row = f"W4: {n:.0e}-op chain, build".replace("e+0", "e")
    backward_row = f"W4: {n:.0e}-op chain, backward (recursion limit {sys.getrecursionlimit()})".replace("e+0", "e")
    for key, backend in backends.items():
        gc.collect()
        start = time.perf_counter()
        root, a, b = chain(backend, n)
        built = time.perf_counter()
        report.cell(build_row, key, fmt_time(built - start))
        try:
            backend.backward(root)
        except RecursionError:
            report.cell(backward_row, key, "RecursionError")
        else:
            elapsed = time.perf_counter() - built
            report.cell(backward_row, key, fmt_time(elapsed))
            if key == "ours":
                report.target("W4 backward in seconds", fmt_time(elapsed), elapsed < 10.0)
        del root, a, b
        gc.collect()


def run_w6(report: Report, rounds: int) -> None:
    """W6: the tiny GPT's training step on every engine (same model code), then a breakdown."""
    found = gpt_step.engines()
    report.notes.append(gpt_step.check_agreement(found))
    candidates = [Candidate(key, engine.step) for key, engine in found.items()]
    # The breakdown: forward alone and forward + backward (each block also frees its graphs),
    # and the model code on plain floats, the floor for any engine running this code.
    for key in ("ours", "baseline"):
        candidates += [Candidate(f"{key} forward", found[key].forward),
                       Candidate(f"{key} forward+backward", found[key].forward_backward),
                       Candidate(f"{key} Adam", found[key].adam)]
    candidates.append(Candidate("floor forward", gpt_step.floor_forward()))
    alternate(candidates, rounds)
    times = {c.name: c.median for c in candidates}
    base = times["baseline"]
    row = "W6: tiny GPT step (forward, backward, Adam), default sizes, one name"
    for key in found:
        text = fmt_time(times[key])
        report.cell(row, key, text if key == "baseline" else f"{text} ({times[key] / base:.2f}× baseline)")
    sizes = {key: gpt_step.graph_size(engine) for key, engine in found.items()}
    nodes, per_node = sizes["ours"]
    report.cell("W6: nodes per step; bytes per node (tracemalloc)", "ours", f"{nodes:,}; {per_node:.0f} B")
    for key in ("baseline", "micrograd"):
        if key in sizes:
            report.cell("W6: nodes per step; bytes per node (tracemalloc)", key,
                        f"{sizes[key][0]:,}; {sizes[key][1]:.0f} B")
    ratio = times["ours"] / base
    limit = TARGETS[BUILD]["W6"]
    report.target(f"W6 eager ({BUILD}) ≤ {limit}× the baseline engine", f"{ratio:.3f}×", ratio <= limit)
    limit = TARGETS[BUILD]["bytes"]
    report.target(f"W6 bytes per node ({BUILD}) ≤ {limit}", f"{per_node:.0f} B", per_node <= limit)
    parts = []
    for key in ("ours", "baseline"):
        forward, both = times[f"{key} forward"], times[f"{key} forward+backward"]
        parts.append(f"{key}: forward {fmt_time(forward)}, backward {fmt_time(both - forward)}, "
                     f"Adam {fmt_time(times[f'{key} Adam'])}; the step {fmt_time(times[key] / sizes[key][0])} "
                     f"per node")
    cpu, wall, nodes, lines = gpt_step.compile_seconds()
    report.target("compile a 50,000-node graph in < 1.5 s (CPU time)", f"{cpu:.2f} s", cpu < 1.5)
    report.notes.append(f"W6 compiled: `autograd_core.compile` of the step's loss ({nodes:,} nodes, {lines:,} "
                        f"lines of source) up to its first call: {cpu:.2f} s of CPU, {wall:.2f} s wall clock.")
    report.notes.append(f"W6 breakdown: the model code on plain floats (no autodiff) runs forward in "
                        f"{fmt_time(times['floor forward'])}; " + "; ".join(parts) + ".")
    run_w6_jit(report, times, rounds)


def run_w6_jit(report: Report, times: dict[str, float], rounds: int) -> None:
    """W6 under autograd_core.jit: 1,000 training steps with their compiles, then a cached step."""
    run = jit_training.jit_training()
    report.notes.append(jit_training.check_jit_agreement(run))
    repeats = max(3, rounds)
    baseline = jit_training.per_length_seconds(jit_training.baseline_step, run.lengths, repeats)
    eager = jit_training.per_length_seconds(jit_training.eager_step, run.lengths, repeats)
    baseline_total = jit_training.weighted_total(baseline, run.lengths)
    eager_total = jit_training.weighted_total(eager, run.lengths)
    steps = sum(run.lengths.values())
    row = f"W6: {steps:,} training steps of the tiny GPT (jit: its compiles included)"
    report.cell(row, "baseline", f"{baseline_total:.1f} s (estimated)")
    report.cell(row, "ours", f"{eager_total:.1f} s ({eager_total / baseline_total:.2f}× baseline, estimated)")
    report.cell(row, "compiled", f"{run.seconds:.1f} s ({run.seconds / baseline_total:.3f}× baseline, "
                                 f"{eager_total / run.seconds:.1f}× faster than eager)")
    ratio = run.seconds / baseline_total
    report.target("W6 jit, 1,000 steps with compiles ≤ 0.10× the baseline engine", f"{ratio:.3f}×", ratio <= 0.10)
    cached = jit_training.step_seconds(jit_training.jit_step(GPTConfig(), gpt_step.NAME), max(9, rounds * 3))
    base = times["baseline"]
    report.cell("W6: tiny GPT step (forward, backward, Adam), default sizes, one name", "compiled",
                f"{fmt_time(cached)} ({cached / base:.3f}× baseline; jit, cached)")
    longest = jit_training.jit_step(GPTConfig(), jit_training.LONGEST)
    started = time.process_time()
    longest()  # the first call: trace, write, compile to bytecode, run
    cold = time.process_time() - started
    nodes = len(topological_order(GPT(GPTConfig(), seed=0).loss(encode(jit_training.LONGEST))))
    report.target(f"compile a {nodes:,}-node graph (jit's first call) ≤ 1.5 s of CPU", f"{cold:.2f} s", cold <= 1.5)
    firsts = sorted(run.first_call_cpu.items())
    report.notes.append(
        f"W6 jit: {steps:,} steps of `nn.gpt.train(..., jit=True)` took {run.seconds:.1f} s wall clock "
        f"({run.cpu_seconds:.1f} s CPU), {len(firsts)} name lengths each traced and compiled once; the first "
        f"step of each length (trace, compile, run) took "
        + ", ".join(f"{n - 1} letters {cpu:.2f} s" for n, cpu in firsts)
        + f" of CPU; {jit_training.LONGEST!r} ({nodes:,} nodes) {cold:.2f} s. The cache held "
        f"{run.memory / 2 ** 20:.0f} MiB of compiled code for {run.structures} structures "
        f"({run.memory / max(1, run.structures) / 2 ** 20:.1f} MiB each). Baseline and eager totals are each "
        f"length's median step time (over {repeats} steps) times its number of steps.")


# --- output ---------------------------------------------------------------------------------------

def machine() -> str:
    """CPU model, cores, Python and library versions."""
    try:
        lscpu = subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout
        model = next((line.split(":", 1)[1].strip() for line in lscpu.splitlines()
                      if line.startswith("Model name")), platform.processor() or "unknown CPU")
    except OSError:
        model = platform.processor() or "unknown CPU"
    import os

    versions = ", ".join(f"{name} {systems.version(package) or 'not installed'}"
                         for name, package in (("micrograd", "micrograd"), ("PyTorch", "torch")))
    return (f"{model}, {os.cpu_count()} cores; Python {platform.python_version()} "
            f"({platform.python_implementation()}), {platform.system()}; {versions}; "
            f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")


COLUMNS = [("micrograd", "micrograd 0.1.0"), ("torch", "PyTorch (0-d tensors)"),
           ("ours", "autograd-core eager"), ("compiled", "autograd-core compiled"),
           ("hand", "hand-written floats (W5)"), ("baseline", "closure-free baseline (W6)")]


def markdown(report: Report, present: set[str]) -> str:
    columns = [(key, title) for key, title in COLUMNS if key in present]
    lines = ["| workload | " + " | ".join(title for _, title in columns) + " |",
             "| --- | " + " | ".join("---:" for _ in columns) + " |"]
    for row in report.order:
        cells = [report.rows[row].get(key, "—") for key, _ in columns]
        lines.append(f"| {row} | " + " | ".join(cells) + " |")
    lines += ["", "| target | measured | met |", "| --- | ---: | :---: |"]
    for what, measured, met in report.targets:
        lines.append(f"| {what} | {measured} | {'yes' if met else 'no'} |")
    return "\n".join(lines)


# A child process of ``--build both`` that runs the compiled build: the compiled package's
# directory first on the path, then the benchmarks as ``python -m benchmarks`` would run them.
_COMPILED_CHILD = "import sys; sys.path.insert(0, sys.argv.pop(1)); from benchmarks.run import main; sys.exit(main())"


def run_both_builds(argv: list[str], compiled_path: str) -> int:
    """Run the benchmarks once per build, each in its own process (the two builds cannot share
    one): the pure-Python engine (``AUTOGRAD_CORE_PURE=1``), then the compiled one found in
    ``compiled_path`` (a directory the compiled wheel was installed into, as scripts/bench.sh
    does). Each prints its own table, micrograd and the baseline engine beside it."""
    import os

    status = 0
    for build in ("pure", "compiled"):
        print(f"## The {build} build\n", flush=True)
        env = dict(os.environ)
        if build == "pure":
            env["AUTOGRAD_CORE_PURE"] = "1"
            command = [sys.executable, "-m", "benchmarks", "--build", "pure", *argv]
        else:
            env.pop("AUTOGRAD_CORE_PURE", None)
            command = [sys.executable, "-c", _COMPILED_CHILD, compiled_path, "--build", "compiled", *argv]
        status = subprocess.run(command, env=env, check=False).returncode or status
        print(flush=True)
    return status


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="few repeats and smaller graphs (a smoke run)")
    parser.add_argument("--rounds", type=int, default=None, help="rounds per workload (default 9, quick 3)")
    parser.add_argument("--no-freeze", action="store_true", help="leave import-time objects to the collector")
    parser.add_argument("--only", default="W1,W2,W3,W4,W6", help="comma-separated workloads to run")
    parser.add_argument("--build", choices=("this", "pure", "compiled", "both"), default="this",
                        help="the engine's build to run: the one this process imported (default), one of "
                             "the two (this process must have imported it), or both, one process each "
                             "(needs --compiled-path)")
    parser.add_argument("--compiled-path", default=None,
                        help="a directory holding the compiled package (for --build both)")
    args = parser.parse_args(argv)
    if args.build == "both":
        if not args.compiled_path:
            parser.error("--build both needs --compiled-path (scripts/bench.sh builds and passes one)")
        rest = (["--quick"] if args.quick else []) + (["--no-freeze"] if args.no_freeze else [])
        rest += (["--rounds", str(args.rounds)] if args.rounds else []) + ["--only", args.only]
        return run_both_builds(rest, args.compiled_path)
    if args.build in ("pure", "compiled") and args.build != BUILD:
        raise SystemExit(f"--build {args.build}, but this process imported the {BUILD} engine "
                         f"({sys.modules['autograd_core.engine.value'].__file__})")
    rounds = args.rounds or (3 if args.quick else 9)
    only = {w.strip().upper() for w in args.only.split(",")}

    backends = {"ours": systems.ours()}
    for key, make in (("micrograd", systems.micrograd), ("torch", systems.pytorch)):
        backend = make()
        if backend is not None:
            backends[key] = backend
    if not args.no_freeze:
        gc.collect()
        gc.freeze()
    print(f"machine: {machine()}", flush=True)
    print(f"engine: the {BUILD} build ({sys.modules['autograd_core.engine.value'].__file__})", flush=True)
    print(f"gc: {'freeze() after imports' if not args.no_freeze else 'import-time objects left in'}; "
          f"each timed block ends with a timed collect(); {rounds} rounds, medians\n", flush=True)
    report = Report()
    started = time.perf_counter()
    for name, run in (("W1", lambda: run_w1(backends, report, rounds * 2)),
                      ("W2", lambda: run_w2(backends, report, max(3, rounds - 2))),
                      ("W3", lambda: run_w3(backends, report, [10_000] if args.quick else [10_000, 100_000],
                                            max(3, rounds - 4))),
                      ("W4", lambda: run_w4(backends, report, 100_000 if args.quick else 1_000_000)),
                      ("W6", lambda: run_w6(report, max(3, rounds - 4)))):
        if name in only:
            t0 = time.perf_counter()
            run()
            print(f"  {name} done in {time.perf_counter() - t0:.0f} s", file=sys.stderr, flush=True)
    present = set(backends) | {"compiled", "hand"} | ({"baseline"} if "W6" in only else set())
    print(markdown(report, present))
    print()
    for note in report.notes:
        print(f"- {note}")
    print(f"\n(total {time.perf_counter() - started:.0f} s)")
    return 0
