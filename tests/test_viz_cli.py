"""`autograd-core graph` and `autograd-core landscape`: safe parsing, clear errors, real files."""

from __future__ import annotations

import math
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

from autograd_core import OPS, Value
from autograd_core_cli.main import main
from viz.expression import FUNCTIONS, ExpressionError, build_expression, parse_assignments, parse_expression

# Skipped only off CI: CI installs Graphviz, so there a missing dot must fail, not skip.
needs_dot = pytest.mark.skipif(shutil.which("dot") is None and not os.environ.get("CI"),
                               reason="Graphviz's dot is not installed")


def run(argv, capsys):
    status = main(argv)
    out, err = capsys.readouterr()
    return status, out, err


# --- the expression language --------------------------------------------------------------------

def test_functions_are_the_op_tables_value_methods():
    expected = {name for name, op in OPS.items()
                if op.infix is None and op.prefix is None and not op.has_const and hasattr(Value, name)}
    assert set(FUNCTIONS) == expected
    assert {"exp", "log", "sigmoid", "tanh", "relu", "atan2", "maximum"} <= set(FUNCTIONS)


@pytest.mark.parametrize("text, at, expected", [
    ("x * y + x", {"x": 1.5, "y": -2.0}, 1.5 * -2.0 + 1.5),
    ("-x ** 2 / y - 3", {"x": 1.5, "y": -2.0}, -(1.5 ** 2) / -2.0 - 3),
    ("exp(x) + log(y) * sigmoid(x) - tanh(relu(-x))", {"x": 0.3, "y": 2.0},
     math.exp(0.3) + math.log(2.0) / (1 + math.exp(-0.3)) - math.tanh(0.0)),
    ("2 ** x + x ** y", {"x": 1.5, "y": 0.5}, 2 ** 1.5 + 1.5 ** 0.5),
    ("(x + 1) * (x - 1)", {"x": 4}, 15.0),
    ("x % 3 + x // 3 + (-x) % 3", {"x": 7.5}, 7.5 % 3 + 7.5 // 3 + (-7.5) % 3),
    ("atan2(y, x) + hypot(x, 4) + maximum(x, y)", {"x": 3.0, "y": -1.0},
     math.atan2(-1.0, 3.0) + 5.0 + 3.0),
])
def test_expressions_evaluate_like_python_arithmetic(text, at, expected):
    root, leaves = build_expression(text, at)
    assert root.data == pytest.approx(expected, rel=1e-12)
    assert set(leaves) == set(at)


@pytest.mark.parametrize("text, x, value, derivative", [
    ("x ** (2*1)", -1.5, 2.25, -3.0),           # 2x
    ("x ** (-1*2)", -2.0, 0.25, 0.25),          # -2 x^-3
    ("x ** (6/2)", -2.0, -8.0, 12.0),           # 3x²
])
def test_a_constant_exponent_is_a_number_exponent(text, x, value, derivative):
    # As in Python, x ** (6/2) is x raised to a number, so a negative x is fine (x ** y needs x > 0).
    root, leaves = build_expression(text, {"x": x})
    assert root.op == "pow_const"
    root.backward()
    assert leaves["x"].grad == pytest.approx(derivative)
    assert root.data == pytest.approx(value)


def test_a_name_used_twice_is_one_leaf():
    root, leaves = build_expression("x * x", {"x": 3.0})
    root.backward()
    assert leaves["x"].grad == 6.0


@pytest.mark.parametrize("text, words", [
    ("__import__('os')", "unknown function '__import__'"),
    ("__import__('os').system('echo hi')", "found a call of attribute access"),
    ("x.__class__", "attribute access"),
    ("exp.__globals__", "attribute access"),
    ("(lambda: 1)()", "found a call of lambda"),
    ("lambda: 1", "lambda"),
    ("x[0]", "subscripts"),
    ("[1, 2]", "List"),
    ("'text'", "the constant 'text'"),
    ("True + x", "the constant True"),
    ("1j * x", "the constant 1j"),
    ("x if x else 1", "if-expressions"),
    ("x < 1", "comparisons"),
    ("x @ x", "MatMult"),
    ("~x", "Invert"),
    ("exp(x, x)", "exactly one argument"),
    ("exp(x=1)", "exactly one argument"),
    ("exp(*x)", "exactly one argument"),
    ("atan2(x)", "exactly 2 arguments"),
    ("maximum(x, y=1)", "exactly 2 arguments"),
    ("open('f')", "unknown function 'open'"),
    ("_secret + 1", "not allowed as a variable name"),
    ("(y := 2)", ":="),
    ("x; y", "not a valid expression"),
    ("import os", "not a valid expression"),
    ("f'{x}'", "f-strings"),
    ("", "empty"),
])
def test_hostile_expressions_are_refused_by_name(text, words):
    with pytest.raises(ExpressionError, match=words.replace("(", r"\(").replace("*", r"\*")):
        parse_expression(text)


@pytest.mark.parametrize("text, words", [
    ("x+" * 1500 + "x", "characters long"),
    ("x+" * 600 + "x", "more than 400 parts"),
    ("(" * 900 + "x" + ")" * 900, "nested|not a valid expression"),
    ("-" * 1990 + "x", "nested|more than 400 parts"),
])
def test_oversized_expressions_are_refused(text, words):
    with pytest.raises(ExpressionError, match=words):
        parse_expression(text)


def test_missing_unused_and_malformed_values_are_clear_errors():
    with pytest.raises(ExpressionError, match="no value for y: add --at y=NUMBER"):
        build_expression("x * y", {"x": 1.0})
    with pytest.raises(ExpressionError, match="does not use it"):
        build_expression("x", {"x": 1.0, "z": 2.0})
    with pytest.raises(ExpressionError, match="exp is a function"):
        build_expression("exp + 1", {})
    with pytest.raises(ExpressionError, match="NAME=NUMBER"):
        parse_assignments(["x"])
    with pytest.raises(ExpressionError, match="not a number"):
        parse_assignments(["x=abc"])
    with pytest.raises(ExpressionError, match="twice"):
        parse_assignments(["x=1", "x=2"])
    with pytest.raises(ExpressionError, match="finite"):
        parse_assignments(["x=nan"])
    with pytest.raises(ExpressionError, match="too large for a float"):
        build_expression("1" + "0" * 400 + " * x", {"x": 1.0})
    with pytest.raises(ExpressionError, match="too large for a float"):
        build_expression("x + 1e999", {"x": 1.0})


# --- the graph command --------------------------------------------------------------------------------

@needs_dot
def test_graph_command_writes_an_svg_with_the_expression(tmp_path, capsys):
    target = tmp_path / "out.svg"
    status, out, err = run(["graph", "x * y + sigmoid(x)", "--at", "x=1.5", "y=-2", "--highlight", "x",
                            "-o", str(target)], capsys)
    assert (status, err) == (0, "")
    assert "wrote" in out
    svg = ET.fromstring(target.read_bytes())
    text = " ".join(t.text or "" for t in svg.iter("{http://www.w3.org/2000/svg}text"))
    assert "x data 1.5 grad" in text and "∂=-2" in text and "σ" in text


@needs_dot
def test_graph_command_writes_the_explorer_page(tmp_path, capsys):
    import json
    import re

    page, picture = tmp_path / "page.html", tmp_path / "out.svg"
    status, out, err = run(["graph", "x * y + sigmoid(x)", "--at", "x=1.5", "y=-2", "--highlight", "x",
                            "--html", str(page), "-o", str(picture)], capsys)
    assert (status, err) == (0, "")
    assert out.splitlines() == [f"wrote {page}", f"wrote {picture}"]
    data = json.loads(re.search(r'id="explorer-data">(.*?)</script>', page.read_text(encoding="utf-8")).group(1))
    names = [node["name"] for node in data["nodes"]]
    assert names[data["selected"][0]] == "x"
    # dz/dx = y + σ'(x) at x = 1.5, y = -2, and the title names the expression.
    assert float(data["explanations"][names.index("x")]["total"]) == pytest.approx(
        -2 + math.exp(-1.5) / (1 + math.exp(-1.5)) ** 2, rel=1e-9)
    assert "Backpropagation through x * y + sigmoid(x)" in page.read_text(encoding="utf-8")


def test_graph_command_prints_dot_without_output_file(capsys):
    status, out, _ = run(["graph", "x * x", "--at", "x=3"], capsys)
    assert status == 0
    assert out.startswith("digraph autograd {") and "grad 6" in out and "∂=3" in out


@pytest.mark.parametrize("argv, words", [
    (["graph", "__import__('os').system('touch pwned')", "--at", "x=1"], "found a call of attribute access"),
    (["graph", "__import__('os')"], "unknown function '__import__'"),
    (["graph", "x.y", "--at", "x=1"], "attribute access"),
    (["graph", "x * y", "--at", "x=1"], "no value for y"),
    (["graph", "x", "--at", "x=1", "--highlight", "q"], "no node named 'q'"),
    (["graph", "x / (x - x)", "--at", "x=1"], "divides by zero"),
    (["graph", "9 ** 9 ** 9 ** 9"], "overflows"),
    (["graph", "log(x)", "--at", "x=-1"], "outside the domain of log"),
    (["graph", "x", "--at", "x=1", "-o", "noformat"], "cannot tell the picture format"),
    (["graph", "x+" * 1500 + "x", "--at", "x=1"], "characters long"),
])
def test_graph_command_refuses_with_one_line_and_nonzero_exit(argv, words, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    status, out, err = run(argv, capsys)
    assert status != 0
    assert words in err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


def test_graph_command_without_dot_explains_the_install(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "nothing"))
    status, _, err = run(["graph", "x * 2", "--at", "x=1", "-o", str(tmp_path / "g.svg")], capsys)
    assert status == 1
    assert "apt-get install graphviz" in err and err.count("\n") == 1
    # The DOT text is still obtainable: ask for .dot instead.
    status, _, _ = run(["graph", "x * 2", "--at", "x=1", "-o", str(tmp_path / "g.dot")], capsys)
    assert status == 0 and (tmp_path / "g.dot").read_text().startswith("digraph autograd {")


def test_the_installed_console_script_runs_graph():
    script = shutil.which("autograd-core", path=str(__import__("pathlib").Path(sys.executable).parent))
    if script is None:
        pytest.skip("the autograd-core console script is not installed")
    result = subprocess.run([script, "graph", "exp(", "--at", "x=1"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert result.stderr.startswith("autograd-core graph: error: not a valid expression")


# --- the landscape command --------------------------------------------------------------------------

def test_landscape_list_names_every_picture(capsys):
    from autograd_core_cli.gallery import GALLERY

    status, out, _ = run(["landscape", "--list"], capsys)
    assert status == 0
    assert [line.split()[0] for line in out.splitlines()] == list(GALLERY)
    assert {"bowl", "two-minima", "saddle", "large-lr", "schedules", "batches", "article-slice", "restarts",
            "learning-rates", "swa", "optimizers"} == set(GALLERY)


def test_landscape_help_lists_the_names(capsys):
    with pytest.raises(SystemExit):
        main(["landscape", "--help"])
    assert "two-minima" in capsys.readouterr().out


def test_landscape_unknown_name(capsys):
    with pytest.raises(SystemExit):
        main(["landscape", "volcano", "-o", "x.png"])
    assert "invalid choice: 'volcano'" in capsys.readouterr().err


def test_landscape_without_output_writes_name_png_here_and_says_where(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    status, out, err = run(["landscape", "saddle", "--dpi", "20"], capsys)
    assert (status, err) == (0, "")
    assert [p.name for p in tmp_path.iterdir()] == ["saddle.png"]
    assert (tmp_path / "saddle.png").read_bytes().startswith(b"\x89PNG")
    assert out.startswith(f"wrote {tmp_path.resolve() / 'saddle.png'} ") and "-o FILE" in out


def test_landscape_command_writes_a_png(tmp_path, capsys):
    target = tmp_path / "saddle.png"
    status, out, err = run(["landscape", "saddle", "-o", str(target)], capsys)
    assert (status, err) == (0, "")
    assert target.read_bytes().startswith(b"\x89PNG")


def test_landscape_command_without_matplotlib_names_the_plot_extra(capsys, monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    status, _, err = run(["landscape", "saddle", "-o", str(tmp_path / "s.png")], capsys)
    assert status == 1
    assert "autograd-core[plot]" in err and err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []
