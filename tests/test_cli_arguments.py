"""Command-line arguments that used to be misread: a leading minus, fullwidth names, picture formats."""

from __future__ import annotations

import re

import pytest

from autograd_core_cli.main import main


def run(argv, capsys):
    """(exit status, stdout, stderr) of one command line."""
    return (main(argv), *capsys.readouterr())


def root_data(dot_source: str) -> str:
    """The data shown in the last value record of a DOT source (the root is drawn last)."""
    return re.findall(r"data ([-\d.e+]+|nan|inf)", dot_source)[-1]


@pytest.mark.parametrize("argv", [
    ["graph", "-x*y", "--at", "x=2", "y=3"],
    ["graph", "--at", "x=2", "y=3", "-x*y"],
    ["graph", "--", "-x*y", "--at", "x=2", "y=3"],
    ["graph", "--at", "x=2", "y=3", "--", "-x*y"],
    ["graph", "-x * y", "--rankdir", "TB", "--at", "x=2", "y=3"],
])
def test_an_expression_may_start_with_a_minus(argv, capsys):
    status, out, err = run(argv, capsys)
    assert (status, err) == (0, "")
    assert root_data(out) == "-6"


def test_options_and_negative_numbers_still_read_as_before(capsys, tmp_path):
    status, out, err = run(["graph", "x*y", "--at", "x=-2", "y=3", "-o", str(tmp_path / "g.dot")], capsys)
    assert status == 0 and root_data((tmp_path / "g.dot").read_text()) == "-6"
    status, out, err = run(["graph", "-2*3"], capsys)
    assert status == 0 and root_data(out) == "-6"
    with pytest.raises(SystemExit):  # a misspelt long option is still an error, not an expression
        main(["graph", "x", "--att", "x=1"])


def test_fullwidth_names_fold_in_at_and_highlight_as_in_the_expression(capsys):
    status, out, err = run(["graph", "ｘ*2 + y", "--at", "ｘ=3", "y=1", "--highlight", "ｘ"], capsys)
    assert (status, err) == (0, "")
    assert root_data(out) == "7"
    assert "<B>x</B>" in out and "#d9480f" in out  # x is named x, and its path is highlighted


@pytest.mark.usefixtures("dot")
@pytest.mark.parametrize("suffix, magic", [(".png", b"\x89PNG\r\n"), (".pdf", b"%PDF"), (".svg", b"<?xml")])
def test_article_svg_writes_the_format_its_suffix_names(tmp_path, capsys, suffix, magic):
    path = tmp_path / f"article{suffix}"
    status, out, err = run(["article", "--svg", str(path)], capsys)
    assert (status, err) == (0, "")
    assert path.read_bytes().startswith(magic)
