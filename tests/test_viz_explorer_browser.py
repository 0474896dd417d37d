"""The explorer page in a real browser: headless Chromium (Debian's chromium + chromium-driver) via selenium.

Selenium with Debian's chromedriver, because Debian ships the driver built from the same
source as its browser (their versions always match), and selenium is a small pure-Python
package; selenium-manager is never asked to download anything (the driver's path is given
and SE_OFFLINE is set). Off CI, a machine without them skips these tests; on CI (which
installs both: scripts/setup.sh) a missing browser fails. The browser is started as
``python -m benchmarks.explorer_figures`` starts it for the README's figures.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections import Counter
from pathlib import Path

import pytest

import viz
from autograd_core import Value, node_names, topological_order
from benchmarks.explorer_figures import CHROMEDRIVER, CHROMIUM, chromium_driver
from nn.article import DEFAULT_INPUTS, DEFAULT_TARGET, article_network

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

    def current_names(self) -> list:
        """The names shown in the value records marked as passing their gradient now."""
        return self.driver.execute_script(
            "return Array.from(document.querySelectorAll('#graph g.value.st-c'))"
            ".map(g => g.querySelector('text').textContent)")

    def shown_grads(self) -> dict:
        """name -> the number after 'grad ' in each value's record, as the page shows it now."""
        pairs = self.driver.execute_script(
            "return Array.from(document.querySelectorAll('#graph g.value')).map(g => {"
            "  const texts = Array.from(g.querySelectorAll('text')).map(t => t.textContent);"
            "  return [texts[0], texts.find(t => t.startsWith('grad '))]; })")
        return {name: grad[len("grad "):] for name, grad in pairs}

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


def backward_frames_current_names(loss, directory: Path) -> list:
    """The node named in the title of each backward_frames picture ('... step k/N: NAME passes ...')."""
    paths = viz.backward_frames(loss, directory, format="canon")  # DOT text: no layout, quick
    names = []
    for path in paths:
        title = re.search(r"<B>backward step \d+/\d+: (\S+) ", path.read_text(encoding="utf-8"))
        names.append(title.group(1))
    return names


def test_each_step_marks_the_node_that_backward_frames_marks(browser, article, tmp_path):
    _, loss, path = article
    expected = backward_frames_current_names(loss, tmp_path)
    page = Page(browser, path)
    assert page.step() == 0 and page.current_names() == []
    for k, name in enumerate(expected, start=1):
        page.press("\ue014")  # arrow right
        assert page.step() == k
        assert page.current_names() == [name], f"step {k}"
    page.press("\ue014")  # past the end: stays on the last step
    assert page.step() == len(expected)
    page.press("\ue012", 3)  # arrow left
    assert page.step() == len(expected) - 3
    assert page.current_names() == [expected[-4]]


def test_after_the_last_step_every_shown_gradient_is_backwards(browser, article):
    _, loss, path = article
    loss.zero_grad()
    loss.backward()
    names = node_names(topological_order(loss))
    page = Page(browser, path)
    assert Counter(page.shown_grads().values()) == Counter({"·": len(names) - 1, "1": 1})  # the seed
    page.press("\ue010")  # End
    shown = page.shown_grads()
    assert sorted(shown) == sorted(names.values())
    for node, name in names.items():
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
    page = Page(browser, viz.explorer(x.exp() * x, tmp_path / "small.html").save(tmp_path / "small.html"))
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
        assert browser.execute_script("return document.body.getAttribute('data-step')") == "3"
    finally:
        browser.switch_to.default_content()
    assert [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"] == []
