"""Every example in the README and the documentation site runs and shows what it says.

- Each ```python block runs (in a temporary directory, so the files it writes go there), with any
  ``test_`` functions it defines; each ``print(...)  # comment`` prints, in order, a line that the
  comment starts with (the comment may go on after ": " to explain it). A block that cannot run
  here says why in a ``<!-- not run: ... -->`` comment just above it, and is compiled instead.
- A ```text block marked ``<!-- printed by the example above -->`` is what that example prints.
- Each ``autograd-core ...`` command in a ```bash block is accepted by the real argument parser.
"""

from __future__ import annotations

import contextlib
import io
import re
import shlex
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.S | re.M)


def fenced_blocks(page: Path) -> list[tuple[str, str, str]]:
    """(language, code, the text just before the fence) for every fenced block of ``page``."""
    text = page.read_text(encoding="utf-8")
    return [(m.group(1), m.group(2), text[:m.start()].rstrip().rsplit("\n", 1)[-1]) for m in FENCE.finditer(text)]


def name(page: Path) -> str:
    return str(page.relative_to(ROOT))


EXAMPLES = [(page, index, code, before) for page in PAGES
            for index, (language, code, before) in enumerate(fenced_blocks(page)) if language == "python"]


def run(code: str, label: str) -> list[str]:
    """Run ``code`` (and any test_ functions it defines); return the lines it printed."""
    namespace = {"__name__": label}
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, label, "exec"), namespace)
        for function_name, function in list(namespace.items()):
            if function_name.startswith("test_") and callable(function):
                function()
    return out.getvalue().splitlines()


def expected_prints(code: str) -> list[str]:
    return re.findall(r"^[ \t]*print\(.*\)[ \t]+#[ \t](.*)$", code, re.M)


def shows(comment: str, printed: str) -> bool:
    """Whether a printed line is what ``comment`` says it is: the comment, or its start up to ": "."""
    return comment.strip() == printed.strip() or comment.startswith(printed.strip() + ": ")


def test_the_pages_have_examples():
    assert len(EXAMPLES) >= 20
    assert {name(page) for page, *_ in EXAMPLES} >= {"README.md", "docs/index.md", "docs/guides/engine.md"}


@pytest.mark.parametrize("page, index, code, before", EXAMPLES,
                         ids=[f"{name(page)}:{index}" for page, index, *_ in EXAMPLES])
def test_example_runs_and_prints_what_its_comments_say(page, index, code, before, tmp_path, monkeypatch):
    label = f"<{name(page)} example {index}>"
    if before.startswith("<!-- not run:"):
        compile(code, label, "exec")
        return
    monkeypatch.chdir(tmp_path)
    printed = run(code, label)
    position = 0
    for comment in expected_prints(code):  # each commented print appears, in order
        while position < len(printed) and not shows(comment, printed[position]):
            position += 1
        assert position < len(printed), f"{comment!r} not printed; got:\n" + "\n".join(printed)
        position += 1


SHOWN_OUTPUT = [(page, index) for page in PAGES for index, (language, _, before) in enumerate(fenced_blocks(page))
                if language == "text" and before == "<!-- printed by the example above -->"]


@pytest.mark.parametrize("page, index", SHOWN_OUTPUT, ids=[f"{name(p)}:{i}" for p, i in SHOWN_OUTPUT])
def test_shown_output_is_what_the_example_above_prints(page, index, tmp_path, monkeypatch):
    blocks = fenced_blocks(page)
    code = next(code for language, code, _ in reversed(blocks[:index]) if language == "python")
    monkeypatch.chdir(tmp_path)
    printed = "\n".join(run(code, f"<{name(page)} example before block {index}>"))
    assert blocks[index][1].strip() in printed


COMMANDS = [(page, line) for page in PAGES for language, code, _ in fenced_blocks(page) if language == "bash"
            for line in code.splitlines() if re.match(r"^(\.venv/bin/)?autograd-core\b", line)]


@pytest.mark.parametrize("page, line", COMMANDS, ids=[f"{name(p)}: {line[:60]}" for p, line in COMMANDS])
def test_every_command_shown_is_accepted_by_the_parser(page, line):
    from autograd_core_cli.main import build_parser

    words = shlex.split(line, comments=True)
    words = words[:words.index("|")] if "|" in words else words
    if words[1:] == ["--version"]:
        return
    arguments = build_parser().parse_args(words[1:])
    assert arguments.func is not None
