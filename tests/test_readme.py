"""The README is a front door: short, its links and pictures resolve in a clone, and every command
it shows runs as written.

Its Python example is run by tests/test_docs_examples.py with the documentation's. Here:

- its size and its first lines (the two commands);
- every relative link and picture points at a file of the repository (and a ``#anchor`` at a
  heading of that file), so they work in a clone, on the repository's page and offline;
- its excerpt of the worked example is real lines of the walkthrough, in order;
- every shell command is one this test knows how to check; and, on CI (or with FIRST_HOUR=1),
  every one of them runs as written, in order, in a fresh copy of the clone: the demo sets up
  .venv from nothing, the explorer page and a landscape are written, JupyterLab opens the
  notebooks on .venv's own Python, and the documentation site is served. The test command
  (scripts/test.sh) is CI's own first step and is not run again here.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from importlib import metadata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
TEXT = README.read_text(encoding="utf-8")
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.S | re.M)


def commands() -> list[str]:
    """Every command line of the README's bash blocks, comments and blank lines removed, in order."""
    lines = [line for language, code in FENCE.findall(TEXT) if language == "bash" for line in code.splitlines()]
    return [" ".join(shlex.split(line, comments=True)) for line in lines if shlex.split(line, comments=True)]


def test_the_readme_is_short_and_opens_with_the_two_commands():
    assert len(TEXT.encode("utf-8")) < 12_000
    title, first_block = TEXT.split("\n", 1)[0], FENCE.search(TEXT)
    assert title == "# autograd-core"
    assert TEXT.index(first_block.group(0)) < 200, "the two commands come first"
    assert first_block.group(1) == "bash"
    assert commands()[:2] == ["bash scripts/demo.sh", "bash scripts/test.sh"]


def links(text: str) -> list[str]:
    """Targets of Markdown links and pictures, and of HTML src/href attributes."""
    found = re.findall(r"\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)", text) + re.findall(r'(?:src|href)="([^"]+)"', text)
    return [link for link in found if not re.match(r"[a-z]+:", link)]  # relative ones (no https:, mailto:)


def heading_anchors(markdown: str) -> set[str]:
    """The anchors MkDocs (and the repository's page, for these headings) gives each heading."""
    text = FENCE.sub("", markdown)
    anchors = set()
    for heading in re.findall(r"^#{1,6} +(.+?) *$", text, re.M):
        slug = re.sub(r"[^\w\- ]", "", heading.replace("`", "")).strip().lower()
        anchors.add(re.sub(r"[\s]+", "-", slug))
    return anchors


def test_every_relative_link_and_picture_resolves():
    found = links(TEXT)
    assert len(found) >= 20 and "docs/explorer_article.png" in found
    assert "https://github.com/autograd-core" not in TEXT  # no links into a repository that does not exist
    for link in found:
        path, _, anchor = link.partition("#")
        target = (ROOT / path).resolve() if path else README
        assert target.is_file(), f"README link {link!r}: no such file in the repository"
        assert ROOT in target.parents or target == README, f"README link {link!r} leaves the repository"
        if anchor:
            assert anchor in heading_anchors(target.read_text(encoding="utf-8")), f"README link {link!r}: no such heading"


def test_every_notebook_is_linked():
    for notebook in sorted((ROOT / "notebooks").glob("*.ipynb")):
        assert f"](notebooks/{notebook.name})" in TEXT, notebook.name


def test_the_worked_example_excerpt_is_real_lines_of_the_walkthrough_in_order():
    from nn.article import walkthrough

    shown = [code for language, code in FENCE.findall(TEXT) if language == "text"]
    assert len(shown) == 1
    lines = walkthrough().render().splitlines()
    position, cut = -1, True  # "…" marks cut lines: elsewhere the README's lines follow each other
    for line in shown[0].strip("\n").splitlines():
        if line == "…":
            cut = True
            continue
        if cut:
            assert line in lines[position + 1:], f"README line not in the walkthrough (or out of order): {line}"
            position = lines.index(line, position + 1)
        else:
            position += 1
            assert lines[position] == line, f"README line {line!r}: the walkthrough has {lines[position]!r}"
        cut = False


def extras() -> set[str]:
    return set(metadata.metadata("autograd-core").get_all("Provides-Extra") or [])


def test_every_command_is_one_this_test_checks():
    from autograd_core_cli.main import build_parser

    for command in commands():
        words = command.split()
        if words[0] == "bash":
            script = ROOT / words[1]
            assert script.parent == ROOT / "scripts" and script.is_file(), command
            assert subprocess.run(["bash", "-n", str(script)]).returncode == 0, f"{command}: not valid bash"
            if words[1] == "scripts/setup.sh":
                assert set(words[2].split(",")) <= extras(), command
        elif words[0] == ".venv/bin/autograd-core":
            assert build_parser().parse_args(words[1:]).func is not None, command
        else:
            pytest.fail(f"the README shows {command!r}, which this test does not know how to check")
    assert "bash scripts/test.sh" in (ROOT / ".ci" / "run").read_text(encoding="utf-8"), "CI runs the test command"


# --- the first hour, for real ---------------------------------------------------------------------

FIRST_HOUR = bool(os.environ.get("CI") or os.environ.get("FIRST_HOUR"))
SERVERS = {"bash scripts/notebooks.sh", "bash scripts/docs.sh serve"}  # they run until stopped


def fresh_copy(into: Path) -> Path:
    """The clone's tracked files (as they are in the work tree) copied into ``into``: a fresh clone."""
    listed = subprocess.run(["git", "-C", str(ROOT), "ls-files", "-z"], capture_output=True)
    if listed.returncode != 0 or not (ROOT / "autograd_core").is_dir():
        pytest.skip("needs a git clone with the sources (the wheel's test run has neither)")
    for name in listed.stdout.decode().split("\0"):
        if name and (ROOT / name).exists():
            (into / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, into / name, follow_symlinks=False)
    return into


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(command: str, clone: Path, env: dict, ready: re.Pattern, timeout: float) -> tuple[subprocess.Popen, str]:
    """Start a server command; returns (process, the first match of ``ready`` in its output)."""
    log = clone / "server.log"
    process = subprocess.Popen(["bash", "-c", command], cwd=clone, env=env, stdin=subprocess.DEVNULL,
                               stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        match = ready.search(log.read_text(errors="replace"))
        if match:
            return process, match.group(1)
        if process.poll() is not None:
            break
        time.sleep(0.5)
    stop(process)
    pytest.fail(f"{command!r} did not start:\n{log.read_text(errors='replace')[-3000:]}")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=30) as response:
        assert response.status == 200, url
        return response.read()


def check_notebooks(command: str, clone: Path, env: dict) -> None:
    process, url = serve(command, clone, env, re.compile(r"(http://(?:localhost|127\.0\.0\.1):\d+/lab\?token=\w+)"), 300)
    try:
        base, token = url.split("/lab?token=")
        specs = json.loads(get(f"{base}/api/kernelspecs?token={token}"))
        spec = specs["kernelspecs"][specs["default"]]["spec"]
        python = Path(spec["argv"][0])
        assert python.name.startswith("python"), spec
        # The default kernel is the Python JupyterLab runs on: .venv's (a bare "python" is resolved to it).
        if python.is_absolute():
            assert python.parent == clone / ".venv" / "bin", spec
        contents = json.loads(get(f"{base}/api/contents?token={token}"))
        assert sorted(item["name"] for item in contents["content"]) == sorted(
            path.name for path in (ROOT / "notebooks").glob("*.ipynb"))
        running = json.loads(get(f"{base}/api/status?token={token}"))
        assert running["started"]
    finally:
        stop(process)


def check_docs(command: str, clone: Path, env: dict) -> None:
    port = free_port()
    process, address = serve(command, clone, {**env, "DOCS_ADDRESS": f"127.0.0.1:{port}"}, re.compile(
        r"Serving on (http://127\.0\.0\.1:\d+/)"), 600)
    try:
        page = get(address).decode()
        assert "<title>autograd-core</title>" in page and "The engine in ten lines" in page
        assert b"Backpropagation, step by step" in get(address + "notebooks/01_backpropagation.html")
    finally:
        stop(process)


@pytest.mark.skipif(not FIRST_HOUR, reason="sets up a fresh .venv (about a minute): runs on CI, or with FIRST_HOUR=1")
def test_every_command_runs_as_written_from_a_fresh_clone(tmp_path):
    clone = fresh_copy(tmp_path / "clone")
    env = {key: value for key, value in os.environ.items() if not key.startswith(("VIRTUAL_ENV", "PYTHON"))}
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep)
                                  if not p.startswith(sys.prefix))  # not the test run's own venv
    env["BROWSER"] = "true"  # JupyterLab would open a browser: here there is none to open
    for command in commands():
        if command == "bash scripts/test.sh":
            continue  # CI's own first step (checked above)
        if command == "bash scripts/notebooks.sh":
            check_notebooks(command, clone, env)
            continue
        if command == "bash scripts/docs.sh serve":
            check_docs(command, clone, env)
            continue
        started = time.monotonic()
        result = subprocess.run(["bash", "-c", command], cwd=clone, env=env, capture_output=True, text=True,
                                timeout=900, stdin=subprocess.DEVNULL)
        print(f"{command}: {time.monotonic() - started:.1f} s")
        assert result.returncode == 0, f"{command!r} failed:\n{result.stdout[-2000:]}\n{result.stderr[-3000:]}"
        if command == "bash scripts/demo.sh":
            assert result.stdout.startswith("Backpropagation, step by step")
            assert "bash scripts/notebooks.sh" in result.stdout and "bash scripts/docs.sh serve" in result.stdout
            assert (clone / "out" / "article.svg").read_text().lstrip().startswith(("<?xml", "<svg"))
            extra = subprocess.run([str(clone / ".venv" / "bin" / "python"), "-c",
                                    "import importlib.util as u; print([m for m in ('torch', 'selenium', "
                                    "'distributed', 'ruff', 'pytest') if u.find_spec(m)])"],
                                   capture_output=True, text=True)
            assert extra.stdout.strip() == "[]", "the demo installs only what it needs"
    assert (clone / "out" / "article.html").read_text().startswith("<!DOCTYPE html>")
    assert (clone / "optimizers.png").read_bytes().startswith(b"\x89PNG")
