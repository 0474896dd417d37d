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


# --- numeric options out of range: one line, before anything is built ------------------------------

OUT_OF_RANGE = [
    (["gpt", "--block-size", "100000000"], "--block-size must be a whole number from 1 to 64, got 100000000"),
    (["gpt", "--n-embd", "1000000"], "--n-embd must be a whole number from 1 to 256, got 1000000"),
    (["gpt", "--n-layer", "100000"], "--n-layer must be a whole number from 1 to 16, got 100000"),
    (["gpt", "--n-head", "0"], "--n-head must be a whole number from 1 to 256, got 0"),
    (["gpt", "--n-embd", "16", "--n-head", "3"], "--n-embd (16) must be a multiple of --n-head (3)"),
    (["gpt", "--steps", "100000000000"], "--steps must be a whole number from 0 to 100,000, got 100000000000"),
    (["gpt", "--steps", "-1"], "--steps must be a whole number from 0 to 100,000, got -1"),
    (["gpt", "--sample", "10000000000"], "--sample must be a whole number from 0 to 10,000, got 10000000000"),
    (["gpt", "--lr", "nan"], "--lr must be a finite number > 0 and <= 10, got nan"),
    (["gpt", "--lr", "inf"], "--lr must be a finite number > 0 and <= 10, got inf"),
    (["gpt", "--lr", "-0.01"], "--lr must be a finite number > 0 and <= 10, got -0.01"),
    (["gpt", "--temperature", "inf"], "--temperature must be a finite number > 0 and <= 100, got inf"),
    (["gpt", "--temperature", "0"], "--temperature must be a finite number > 0 and <= 100, got 0.0"),
    (["gpt", "--n-embd", "256", "--n-layer", "2"],
     "a GPT with --n-embd 256, --n-layer 2 and --block-size 16 has 1,590,784 weights; this command builds at "
     "most 100,000 (a smaller --n-embd or --n-layer)"),
    (["article", "--steps", "10000000000"], "--steps must be a whole number from 0 to 1,000,000, got 10000000000"),
    (["article", "--lr", "nan"], "--lr must be a finite number > 0 and <= 1000, got nan"),
    (["article", "--lr", "-1"], "--lr must be a finite number > 0 and <= 1000, got -1.0"),
    (["article", "--inputs", "nan", "1"], "--inputs must be two finite numbers, got nan 1.0"),
    (["article", "--target", "inf"], "--target must be a finite number, got inf"),
    (["article", "--svg", "graph"], "cannot tell the picture format from 'graph': end it in .svg, .png or .pdf"),
    (["graph", "x*y", "--at", "x=1", "y=2", "--timeout", "nan"], "--timeout must be a finite number > 0 and <= 86400, got nan"),
    (["graph", "x*y", "--at", "x=1", "y=2", "--timeout", "1e300"],
     "--timeout must be a finite number > 0 and <= 86400, got 1e+300"),
    (["landscape", "bowl", "--dpi", "100000"], "dpi must be an int from 10 to 1000, got 100000"),
]


@pytest.mark.parametrize("argv, message", OUT_OF_RANGE, ids=[" ".join(argv) for argv, _ in OUT_OF_RANGE])
def test_a_numeric_option_out_of_range_is_one_line_before_anything_is_built(argv, message, capsys, monkeypatch,
                                                                           tmp_path):
    import autograd_core_cli.article
    import autograd_core_cli.gpt

    def never(*args, **kwargs):
        raise AssertionError("built before the settings were checked")

    for module, name in ((autograd_core_cli.gpt, "GPT"), (autograd_core_cli.gpt, "names"),
                         (autograd_core_cli.article, "walkthrough"), (autograd_core_cli.article, "load_weights")):
        monkeypatch.setattr(module, name, never)
    monkeypatch.chdir(tmp_path)
    status, out, err = run(argv, capsys)
    assert (status, out, err) == (1, "", f"autograd-core {argv[0]}: error: {message}\n")
    assert list(tmp_path.iterdir()) == []


def test_the_weight_count_checked_is_the_count_built():
    from nn.gpt import GPT, GPTConfig

    for config in (GPTConfig(), GPTConfig(n_embd=8, n_head=2, block_size=5, n_layer=3), GPTConfig(n_embd=1, n_head=1)):
        assert config.n_parameters == len(GPT(config).parameters())


def test_a_tiny_temperature_samples_the_likeliest_letters_instead_of_failing():
    import random

    from nn.gpt import GPT, GPTConfig

    model = GPT(GPTConfig(n_embd=4, n_head=1, block_size=6), seed=0)
    greedy = model.sample(random.Random(1), temperature=1e-320)  # logit / 1e-320 overflowed: "weights must be finite"
    assert greedy == model.sample(random.Random(2), temperature=1e-300) and greedy.isalpha()
