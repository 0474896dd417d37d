"""Explorer pages survive any label Python can hold: lone surrogates (what os.fsdecode makes of a
file name that is not UTF-8) are shown as the text \\udcxx, as the drawing shows them."""

from __future__ import annotations

import json
import os
import re

import pytest

from autograd_core import Value
from viz import explorer


@pytest.mark.usefixtures("dot")
def test_a_lone_surrogate_in_a_label_or_title_gives_a_page_that_prints_and_saves(tmp_path):
    name = os.fsdecode(b"caf\xe9.csv")  # 'caf\udce9.csv'
    other = os.fsdecode(b"caf\xe8.csv")
    x, y = Value(2.0, label=name), Value(3.0, label=other)
    page = explorer(x * y, title=f"loss of {name}")
    assert repr(page).startswith("Explorer(values=3, ")
    saved = page.save(tmp_path / "page.html")
    text = saved.read_text(encoding="utf-8")
    assert "<title>loss of caf\\udce9.csv</title>" in text
    data = json.loads(re.search(r'<script type="application/json" id="explorer-data">(.*?)</script>', text, re.S)[1])
    shown = {node["name"] for node in data["nodes"]}
    assert {"caf\\udce9.csv", "caf\\udce8.csv"} <= shown  # the text \udcxx: two names stay two
    drawing = re.search(r"<template.*?</template>", text, re.S)[0]
    assert "caf\\udce9.csv" in drawing  # the drawing writes it the same way
