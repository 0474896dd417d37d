"""The explorer page in a real browser: headless Chromium (Debian's chromium + chromium-driver) via selenium.

Selenium with Debian's chromedriver, because Debian ships the driver built from the same
source as its browser (their versions always match), and selenium is a small pure-Python
package; selenium-manager is never asked to download anything (the driver's path is given
and SE_OFFLINE is set). Off CI, a machine without them skips these tests; on CI (which
installs both: scripts/setup.sh) a missing browser fails. The browser is started as
``python -m benchmarks.explorer_figures`` starts it for the README's figures.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
from collections import Counter
from pathlib import Path

import pytest

import viz
from autograd_core import Value, topological_order
from autograd_core.checks.names import reader_names
from benchmarks.explorer_figures import CHROMEDRIVER, CHROMIUM, chromium_driver
from nn import MLP
from nn.article import DEFAULT_INPUTS, DEFAULT_TARGET, article_network
from nn.losses import squared_error

HOSTILE = '</script><script>alert(1)</script><img src=x onerror=alert(2)>'
ORANGE = "#d9480f"  # draw_graph's highlight colour


def _missing() -> str | None:
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed"
    for program in (CHROMIUM, CHROMEDRIVER):
        if not os.access(program, os.X_OK):
            return f"{program} is not installed (Debian: apt-get install chromium chromium-driver)"
    if shutil.which("dot") is None:
        return "Graphviz's dot is not installed"
    return None


_REASON = _missing()
if _REASON and os.environ.get("CI"):
    raise RuntimeError(f"CI must run the browser tests: {_REASON}")
pytestmark = pytest.mark.skipif(_REASON is not None, reason=_REASON or "")


@pytest.fixture(scope="module")
def browser():
    driver = chromium_driver()
    try:
        yield driver
    finally:
        driver.quit()


class Page:
    """An explorer page opened in the browser, with what it logged and requested."""

    def __init__(self, driver, path: Path) -> None:
        from selenium.webdriver.support.ui import WebDriverWait

        self.driver = driver
        self.url = path.resolve().as_uri()
        driver.get_log("browser")      # forget what earlier pages logged
        driver.get_log("performance")
        driver.get(self.url)
        WebDriverWait(driver, 20).until(lambda d: d.execute_script(
            "return document.body && document.body.getAttribute('data-ready') === '1'"))

    def console_errors(self) -> list:
        return [entry for entry in self.driver.get_log("browser") if entry["level"] == "SEVERE"]

    def requests(self) -> list:
        """Every URL the page asked for, other than itself."""
        urls = []
        for entry in self.driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            if message["method"] == "Network.requestWillBeSent":
                params = message["params"]
                if params.get("documentURL") == self.url and params["request"]["url"] != self.url:
                    urls.append(params["request"]["url"])
        return urls

    def press(self, key: str, times: int = 1) -> None:
        from selenium.webdriver.common.action_chains import ActionChains

        actions = ActionChains(self.driver)
        for _ in range(times):
            actions.send_keys(key)
        actions.perform()

    def step(self) -> int:
        return int(self.driver.execute_script("return document.body.getAttribute('data-step')"))

    def records(self) -> dict:
        """n<i> -> what each value's colour says (as the flip-book's legend words it) and its grad cell."""
        found = self.driver.execute_script(
            "return Array.from(document.querySelectorAll('#graph g.value')).map(g => ["
            "  g.getAttribute('data-index'), Array.from(g.classList).filter(c => c.startsWith('st-')),"
            "  Array.from(g.querySelectorAll('text')).map(t => t.textContent).slice(-1)[0]])")
        return {f"n{index}": {"state": EXPLORER_STATES[classes[0]], "grad": grad}
                for index, classes, grad in found if len(classes) == 1}

    def title(self) -> str:
        return self.driver.execute_script("return document.getElementById('step-title').textContent")

    def current_names(self) -> list:
        """The names shown in the value records marked as passing their gradient now."""
        return self.driver.execute_script(
            "return Array.from(document.querySelectorAll('#graph g.value.st-c'))"
            ".map(g => g.querySelector('text').textContent)")

    def shown_grads(self) -> dict:
        """name -> the number after 'grad ' in each value's record, as the page shows it now
        ('constant' for a constant, which shows no gradient)."""
        pairs = self.driver.execute_script(
            "return Array.from(document.querySelectorAll('#graph g.value')).map(g => {"
            "  const texts = Array.from(g.querySelectorAll('text')).map(t => t.textContent);"
            "  return [texts[0], texts.find(t => t.startsWith('grad ')) || texts[texts.length - 1]]; })")
        return {name: grad.removeprefix("grad ") for name, grad in pairs}

    def click_value(self, name: str) -> None:
        from selenium.webdriver.common.by import By

        for group in self.driver.find_elements(By.CSS_SELECTOR, "#graph g.value"):
            if group.find_element(By.TAG_NAME, "text").text == name:
                self.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", group)
                group.find_element(By.TAG_NAME, "text").click()
                return
        raise AssertionError(f"no value named {name!r} on the page")

    def highlighted_edges(self) -> Counter:
        """The drawn edges in the path colour, as 'tail->head' (with repeats: x * x has two)."""
        keys = self.driver.execute_script(
            "return Array.from(document.querySelectorAll('#graph g.edge.on-path'))"
            ".map(g => g.getAttribute('data-key'))")
        return Counter(key.split("#")[0] for key in keys)


@pytest.fixture(scope="module")
def article(tmp_path_factory):
    model = article_network()
    loss, _ = model.loss(DEFAULT_INPUTS, DEFAULT_TARGET)
    path = tmp_path_factory.mktemp("explorer") / "article.html"
    viz.explorer(loss, path, rankdir="TB")
    return model, loss, path


def test_the_article_page_loads_cleanly_and_requests_nothing(browser, article):
    _, loss, path = article
    page = Page(browser, path)
    page.press("\ue010")  # End: the last step, so every script path has run
    page.click_value("w5")
    assert page.console_errors() == []
    assert page.requests() == []


# What a flip-book frame's fill says of a value, as the explorer's state classes say it.
FLIP_BOOK_FILLS = {"#ffe8cc": "passing on", "#d3f9d8": "final", "#fff3bf": "partial", "white": "waiting",
                   "#e7f5ff": "constant"}
EXPLORER_STATES = {"st-c": "passing on", "st-d": "final", "st-f": "final", "st-p": "partial", "st-w": "waiting",
                   "st-k": "constant"}
FRAME_RECORD = re.compile(r'\t(n\d+)\t\[color="[^"]+",\s+label=<<TABLE [^>]*BGCOLOR="([^"]+)"><TR>'
                          r'<TD><FONT [^>]*><B>(.*?)</B></FONT></TD><TD>.*?</TD><TD[^>]*><FONT [^>]*>([^<]*)</FONT>')


def backward_frames_records(loss, directory: Path) -> list[dict]:
    """Each backward_frames picture read back from its DOT text: its title, and per drawn value
    (n<i>) its name, what its fill says and its grad cell's text."""
    paths = viz.backward_frames(loss, directory, format="canon")  # DOT text: no layout, quick
    frames = []
    for path in paths:
        text = html.unescape(path.read_text(encoding="utf-8"))
        records = {key: {"name": name, "state": FLIP_BOOK_FILLS[fill], "grad": grad}
                   for key, fill, name, grad in FRAME_RECORD.findall(text)}
        assert len(records) == len(topological_order(loss))
        title = re.search(r"<B>(backward step .*?)</B>", text).group(1)
        frames.append({"title": title, "records": records})
    return frames


def test_each_step_marks_the_node_that_backward_frames_marks(browser, article, tmp_path):
    _, loss, path = article
    frames = backward_frames_records(loss, tmp_path)
    assert len(frames) == 28  # one step per op node: no step for a leaf
    order = topological_order(loss)
    names = reader_names(order)
    for k, frame in enumerate(frames, start=1):
        assert frame["title"].startswith(f"backward step {k}/28: ")
        # The names the frame shows are the reader's, for the same nodes as the page's.
        assert {key: record["name"] for key, record in frame["records"].items()} == {
            f"n{i}": names[node] for i, node in enumerate(order)}
    expected = [[record["name"] for record in frame["records"].values() if record["state"] == "passing on"]
                for frame in frames]
    assert all(len(marked) == 1 for marked in expected)
    page = Page(browser, path)
    assert page.step() == 0 and page.current_names() == []
    for k, frame in enumerate(frames, start=1):
        page.press("\ue014")  # arrow right
        assert page.step() == k
        assert page.current_names() == expected[k - 1], f"step {k}"
        # Every value agrees with the frame: its colour, its gradient so far, and the caption.
        assert page.records() == {key: {"state": record["state"], "grad": record["grad"]}
                                  for key, record in frame["records"].items()}, f"step {k}"
        assert page.title() == frame["title"]
    expected = [marked[0] for marked in expected]
    page.press("\ue014")  # past the end: stays on the last step
    assert page.step() == len(expected)
    page.press("\ue012", 3)  # arrow left
    assert page.step() == len(expected) - 3
    assert page.current_names() == [expected[-4]]


def test_after_the_last_step_every_shown_gradient_is_backwards(browser, article):
    _, loss, path = article
    loss.zero_grad()
    loss.backward()
    names = reader_names(topological_order(loss))
    page = Page(browser, path)
    # The seed, and the ½ of E = ½(t − a_o)², a constant, whose gradient nobody asks for.
    assert Counter(page.shown_grads().values()) == Counter({"·": len(names) - 2, "1": 1, "constant": 1})
    page.press("\ue010")  # End
    shown = page.shown_grads()
    assert sorted(shown) == sorted(names.values())
    assert shown["0.5"] == "constant"
    for node, name in names.items():
        if name == "0.5":
            continue
        digits = shown[name]
        assert float(digits) == pytest.approx(node.grad, rel=5e-4, abs=1e-12), name
        significant = len(re.sub(r"[^0-9]", "", digits.split("e")[0]).lstrip("0"))
        assert significant <= 4, digits  # printed to 4 significant digits, as in draw_graph


def test_clicking_w5_shows_its_one_path_and_highlights_exactly_its_edges(browser, article):
    from selenium.webdriver.common.by import By

    model, loss, path = article
    loss.zero_grad()
    loss.backward()
    w5 = model.params["w5"]
    page = Page(browser, path)
    page.click_value("w5")
    details = browser.find_element(By.ID, "details")
    assert details.find_element(By.CLASS_NAME, "value-name").text == "w5"
    products = [float(e.text) for e in details.find_elements(By.CLASS_NAME, "product")]
    assert len(products) == 1
    assert products[0] == pytest.approx(w5.grad, rel=1e-9)
    assert float(details.find_element(By.CLASS_NAME, "total").text) == pytest.approx(w5.grad, rel=1e-9)
    # The same edges draw_graph colours when asked to highlight w5, and no others.
    dot_source = viz.draw_graph(loss, highlight=w5, rankdir="TB").source
    expected = Counter(f"{tail}->{head}" for tail, head in re.findall(
        rf"^\s*(\w+) -> (\w+) \[[^\]]*color=\"{ORANGE}\"", dot_source, re.M))
    assert expected and page.highlighted_edges() == expected


def test_clicking_w1_shows_its_two_paths_summing_to_its_gradient(browser, article):
    from selenium.webdriver.common.by import By

    model, loss, path = article
    loss.zero_grad()
    loss.backward()
    page = Page(browser, path)
    page.click_value("w1")
    details = browser.find_element(By.ID, "details")
    products = [float(e.text) for e in details.find_elements(By.CLASS_NAME, "product")]
    assert len(products) == 2
    assert sum(products) == pytest.approx(model.params["w1"].grad, rel=1e-9)
    page.press("\ue00c")  # Escape clears the selection
    assert page.highlighted_edges() == Counter()
    # The keyboard way: focus a value (as Tab does) and press Enter.
    browser.execute_script(
        "Array.from(document.querySelectorAll('#graph g.value'))"
        ".find(g => g.querySelector('text').textContent === 'w1').focus()")
    page.press("\ue007")  # Enter
    assert details.find_element(By.CLASS_NAME, "value-name").text == "w1"
    assert len(details.find_elements(By.CLASS_NAME, "product")) == 2


def test_a_hostile_label_renders_as_text(browser, tmp_path):
    from selenium.common.exceptions import NoAlertPresentException
    from selenium.webdriver.common.by import By

    x = Value(2.0, label=HOSTILE)
    y = (x * x).tanh()
    page = Page(browser, viz.explorer(y, title=HOSTILE).save(tmp_path / "hostile.html"))
    with pytest.raises(NoAlertPresentException):
        _ = browser.switch_to.alert.text
    assert browser.find_element(By.TAG_NAME, "h1").text == HOSTILE
    assert browser.find_elements(By.CSS_SELECTOR, "img") == []
    page.click_value(HOSTILE)
    assert browser.find_element(By.CLASS_NAME, "value-name").text == HOSTILE
    assert page.console_errors() == []
    assert page.requests() == []


def test_buttons_and_play_walk_to_the_end(browser, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    x = Value(0.5, label="x")
    # Three ops, so three steps after step 0 (a leaf has none).
    page = Page(browser, viz.explorer(x.exp() * x + x, tmp_path / "small.html").save(tmp_path / "small.html"))
    browser.find_element(By.ID, "next").click()
    browser.find_element(By.ID, "next").click()
    assert page.step() == 2
    browser.find_element(By.ID, "prev").click()
    assert page.step() == 1
    browser.find_element(By.ID, "last").click()
    assert page.step() == 3
    browser.find_element(By.ID, "first").click()
    assert page.step() == 0
    browser.find_element(By.ID, "play").click()
    WebDriverWait(browser, 15).until(lambda d: page.step() == 3)
    WebDriverWait(browser, 5).until(lambda d: d.find_element(By.ID, "play").text == "Play")
    assert page.console_errors() == []


def test_the_jupyter_frame_runs_the_page(browser, tmp_path):
    # What a notebook does with _repr_html_: put the HTML in an output area of its own page.
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    x = Value(0.5, label="x")
    notebook = tmp_path / "notebook.html"
    notebook.write_text("<!DOCTYPE html><html><body><div class='output'>"
                        f"{viz.explorer(x.exp() * x)._repr_html_()}</div></body></html>", encoding="utf-8")
    browser.get_log("browser")
    browser.get(notebook.as_uri())
    browser.switch_to.frame(browser.find_element(By.TAG_NAME, "iframe"))
    try:
        WebDriverWait(browser, 20).until(lambda d: d.execute_script(
            "return document.body && document.body.getAttribute('data-ready') === '1'"))
        browser.find_element(By.ID, "last").click()
        assert browser.execute_script("return document.body.getAttribute('data-step')") == "2"  # exp, then *
    finally:
        browser.switch_to.default_content()
    assert [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"] == []


# ---- Every size: a phone, a notebook's frame, a desktop; and a 300-value MLP. Each test sets
# the window's size exactly (Chromium's own window has a minimum width) and puts it back.

MIN_LABEL_PX = 10  # explorer.js: a value's name is never drawn smaller unless the reader zooms out
READABLE = MIN_LABEL_PX - 0.01  # the browser's arithmetic on the transform rounds

# The drawing's geometry as the browser lays it out, in CSS pixels of the window.
GEOMETRY = """
const graph = document.getElementById('graph'), aside = document.querySelector('aside');
const g = graph.getBoundingClientRect(), a = aside.getBoundingClientRect();
const label = document.querySelector('#graph g.value text, #graph g.box text');
return {
  window: [window.innerWidth, window.innerHeight],
  page: [document.documentElement.scrollWidth, document.documentElement.scrollHeight],
  graph: {left: g.left, top: g.top, right: g.left + graph.clientWidth, bottom: g.top + graph.clientHeight,
          width: graph.clientWidth, height: graph.clientHeight},
  aside: {left: a.left, top: a.top, right: a.right, bottom: a.bottom},
  label_px: parseFloat(label.getAttribute('font-size')) * label.getScreenCTM().a,
  drawn: document.querySelectorAll('#graph g.value, #graph g.box').length,
};
"""

# Steps through every step with the arrow key; after each, the box of the value being
# worked on (at step 0, the output) must lie inside the drawing's window and the window's.
ACTIVE_IN_VIEW = """
const graph = document.getElementById('graph');
function active() {
  const current = document.querySelector('#graph g.value.st-c, #graph g.box.st-c');
  if (current) { return current; }
  const values = document.querySelectorAll('#graph g.value');
  return Array.from(values).find(g => g.getAttribute('data-index') === String(arguments[0]))
;
}
const last = Number(document.getElementById('slider').max);
const outside = [];
for (let step = 0; step <= last; step++) {
  if (step > 0) {
    document.dispatchEvent(new KeyboardEvent('keydown', {key: 'ArrowRight', bubbles: true}));
  }
  const box = active.apply(null, arguments).getBoundingClientRect();
  const frame = graph.getBoundingClientRect();
  const right = Math.min(frame.left + graph.clientWidth, window.innerWidth);
  const bottom = Math.min(frame.top + graph.clientHeight, window.innerHeight);
  const inside = box.width > 0 && box.left >= frame.left - 0.5 && box.top >= frame.top - 0.5
      && Math.min(box.right, box.left + graph.clientWidth) <= right + 0.5 && box.bottom <= bottom + 0.5;
  if (!inside || Number(document.body.getAttribute('data-step')) !== step) {
    outside.push([step, box.left, box.top, box.right, box.bottom, frame.left, frame.top, right, bottom]);
  }
}
return {last: last, outside: outside};
"""


class Viewport:
    """The page's window set to exactly ``width`` x ``height`` CSS pixels for a ``with`` block."""

    def __init__(self, driver, width: int, height: int) -> None:
        self.driver, self.size = driver, (width, height)

    def __enter__(self):
        width, height = self.size
        self.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
            "width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})
        return self

    def __exit__(self, *exc) -> None:
        self.driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def geometry(driver) -> dict:
    return driver.execute_script(GEOMETRY)


def assert_the_active_value_stays_in_view(driver, root_index: int) -> int:
    result = driver.execute_script(ACTIVE_IN_VIEW, root_index)
    assert result["outside"] == [], result["outside"][:5]
    return result["last"]


@pytest.fixture(scope="module")
def mlp(tmp_path_factory):
    """A 2-8-8-1 tanh MLP's squared error on one example: 305 values."""
    model = MLP(2, [8, 8, 1], seed=3)
    loss = squared_error(model([0.5, -0.2]), 0.3)
    path = tmp_path_factory.mktemp("explorer") / "mlp.html"
    viz.explorer(loss, path)
    return model, loss, path


def test_at_400_px_the_panel_goes_under_a_full_width_readable_drawing(browser, article):
    _, loss, path = article
    with Viewport(browser, 400, 800):
        Page(browser, path)
        shape = geometry(browser)
        assert shape["window"] == [400, 800]
        assert shape["graph"]["width"] >= 380  # was 16 px beside a 370 px panel
        assert shape["graph"]["height"] >= 250
        assert shape["aside"]["top"] >= shape["graph"]["bottom"] - 1  # the panel is under the drawing
        assert shape["page"][0] <= 400  # nothing sticks out sideways
        assert shape["label_px"] >= READABLE
        assert assert_the_active_value_stays_in_view(browser, len(topological_order(loss)) - 1) == 28


def test_in_a_notebook_frame_980_px_wide_the_page_is_usable(browser, article, tmp_path):
    # What Jupyter does with _repr_html_: the frame sits in an output area as wide as the notebook's.
    from selenium.webdriver.common.by import By

    model, loss, _ = article
    notebook = tmp_path / "notebook.html"
    notebook.write_text("<!DOCTYPE html><html><body style='margin: 0'><div class='output' style='width: 980px'>"
                        f"{viz.explorer(loss, rankdir='TB')._repr_html_()}</div></body></html>", encoding="utf-8")
    with Viewport(browser, 1200, 900):
        browser.get(notebook.as_uri())
        frame = browser.find_element(By.TAG_NAME, "iframe")
        assert frame.size["width"] == 980 and frame.size["height"] >= 700
        browser.switch_to.frame(frame)
        try:
            from selenium.webdriver.support.ui import WebDriverWait

            WebDriverWait(browser, 20).until(lambda d: d.execute_script(
                "return document.body && document.body.getAttribute('data-ready') === '1'"))
            shape = geometry(browser)
            assert shape["window"][0] == 978  # inside its 1 px border
            assert shape["graph"]["width"] >= 600
            assert shape["aside"]["left"] >= shape["graph"]["right"] - 1  # the panel beside the drawing
            assert shape["label_px"] >= READABLE  # was about 4 px, shrunk to fit the width
            assert assert_the_active_value_stays_in_view(browser, len(topological_order(loss)) - 1) == 28
        finally:
            browser.switch_to.default_content()


def test_at_desktop_width_the_drawing_is_readable_and_follows_the_steps(browser, article):
    _, loss, path = article
    with Viewport(browser, 1400, 900):
        Page(browser, path)
        shape = geometry(browser)
        assert shape["graph"]["width"] >= 1000
        assert shape["aside"]["left"] >= shape["graph"]["right"] - 1
        assert shape["label_px"] >= READABLE
        assert assert_the_active_value_stays_in_view(browser, len(topological_order(loss)) - 1) == 28


def test_zoom_buttons_and_fit_keep_or_give_up_the_readable_size_as_asked(browser, article):
    from selenium.webdriver.common.by import By

    _, _, path = article
    with Viewport(browser, 980, 800):
        Page(browser, path)
        fitted = geometry(browser)["label_px"]
        browser.find_element(By.ID, "zoom-in").click()
        assert geometry(browser)["label_px"] == pytest.approx(fitted * 1.25, rel=1e-3)
        for _ in range(4):
            browser.find_element(By.ID, "zoom-out").click()
        assert geometry(browser)["label_px"] < MIN_LABEL_PX  # the reader may zoom out to an overview...
        assert "labels small" in browser.find_element(By.ID, "zoom-level").text
        browser.find_element(By.ID, "zoom-fit").click()
        assert geometry(browser)["label_px"] == pytest.approx(fitted, rel=1e-3)  # ...and Fit brings it back
        # Dragging with the mouse pans the drawing.
        from selenium.webdriver.common.action_chains import ActionChains

        graph = browser.find_element(By.ID, "graph")
        before = browser.execute_script("return [arguments[0].scrollLeft, arguments[0].scrollTop]", graph)
        ActionChains(browser).move_to_element_with_offset(graph, 0, 0).click_and_hold().move_by_offset(
            60, 80).release().perform()
        after = browser.execute_script("return [arguments[0].scrollLeft, arguments[0].scrollTop]", graph)
        assert after != before


def test_a_300_value_mlp_opens_folded_into_neurons_and_unfolds(browser, mlp):
    from selenium.webdriver.common.by import By

    _, loss, path = mlp
    n_values = len(topological_order(loss))
    n_steps = sum(1 for node in topological_order(loss) if node.parents)  # one per op node
    assert n_values >= 300
    with Viewport(browser, 1400, 900):
        page = Page(browser, path)
        folded = geometry(browser)
        # 17 neurons drawn as one box each: x1, x2, the target, the ½, the loss's three values
        # and the 17 boxes, instead of 305 values.
        assert folded["drawn"] == 24
        assert len(browser.find_elements(By.CSS_SELECTOR, "#graph g.box")) == 17
        assert folded["label_px"] >= READABLE
        assert assert_the_active_value_stays_in_view(browser, n_values - 1) == n_steps
        assert page.console_errors() == []
        # Unfolded: every value drawn, still at a readable size, still followed step by step.
        browser.find_element(By.ID, "fold").click()
        assert geometry(browser)["drawn"] == n_values
        assert geometry(browser)["label_px"] >= READABLE
        browser.find_element(By.ID, "first").click()
        assert assert_the_active_value_stays_in_view(browser, n_values - 1) == n_steps
        browser.find_element(By.ID, "fold").click()
        assert geometry(browser)["drawn"] == 24


def test_clicking_a_folded_neuron_opens_it_and_its_frame_folds_it(browser, mlp):
    from selenium.webdriver.common.by import By

    model, loss, path = mlp
    loss.zero_grad()
    loss.backward()
    with Viewport(browser, 980, 800):
        Page(browser, path)
        box = [g for g in browser.find_elements(By.CSS_SELECTOR, "#graph g.box")
               if g.find_element(By.TAG_NAME, "text").text == "layer1.neuron3"][0]
        browser.execute_script("arguments[0].dispatchEvent(new MouseEvent('click', {bubbles: true}))", box)
        shape = geometry(browser)
        # The neuron's 26 values (8 weights, 8 products, 7 partial sums, the bias, z, a) replace its box.
        assert shape["drawn"] == 24 - 1 + 26
        assert browser.find_elements(By.CSS_SELECTOR, "#graph g.cluster text.fold-label")
        details = browser.find_element(By.ID, "details")
        assert details.find_element(By.CLASS_NAME, "value-name").text == "layer1.neuron3.a"
        out = model.layers[1].neurons[3]
        assert out.b.label == "layer1.neuron3.b"
        total = float(details.find_element(By.CLASS_NAME, "total").text)
        a = [node for node in topological_order(loss) if reader_names(topological_order(loss))[node]
             == "layer1.neuron3.a"][0]
        assert total == pytest.approx(a.grad, rel=1e-9)
        assert "6 factors equal to 1 folded" in details.text
        # The selected value, and its path to the loss, are drawn in the path colour.
        assert browser.find_elements(By.CSS_SELECTOR, "#graph g.value.selected")
        assert browser.find_elements(By.CSS_SELECTOR, "#graph g.edge.on-path")
        label = browser.find_element(By.CSS_SELECTOR, "#graph text.fold-label")
        browser.execute_script("arguments[0].dispatchEvent(new MouseEvent('click', {bubbles: true}))", label)
        assert geometry(browser)["drawn"] == 24
        # Its box is on the selected value's path now.
        assert browser.find_elements(By.CSS_SELECTOR, "#graph g.box.on-path")
