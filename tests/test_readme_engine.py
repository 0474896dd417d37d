"""The README's engine section: every Python example runs and prints what its comments say."""

import contextlib
import io
import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"


def _engine_section() -> str:
    text = README.read_text(encoding="utf-8")
    return text[text.index("<!-- section: engine -->"):text.index("<!-- end: engine -->")]


BLOCKS = re.findall(r"```python\n(.*?)```", _engine_section(), re.S)


def _run(block: str, name: str) -> list[str]:
    """Run a block (and any test_ functions it defines); return its printed lines."""
    namespace = {"__name__": name}
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(block, name, "exec"), namespace)
        for function_name, function in list(namespace.items()):
            if function_name.startswith("test_") and callable(function):
                function()
    return out.getvalue().splitlines()


def test_the_section_has_examples():
    assert len(BLOCKS) >= 5


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_example_prints_what_its_comments_say(index):
    block = BLOCKS[index]
    printed = _run(block, f"<README engine example {index}>")
    expected = re.findall(r"^\s*print\(.*\)\s+#\s(.*)$", block, re.M)
    position = 0
    for line in expected:  # each commented print appears in order
        while position < len(printed) and printed[position].strip() != line.strip():
            position += 1
        assert position < len(printed), f"{line!r} not printed; got:\n" + "\n".join(printed)


def test_shown_output_is_what_the_examples_print():
    printed = "\n".join(line for index, block in enumerate(BLOCKS)
                        for line in _run(block, f"<README engine example {index}>"))
    for shown in re.findall(r"```text\n(.*?)```", _engine_section(), re.S):
        assert shown.strip() in printed
