"""The explorer's figures for the README: the article page's size, how long it takes to open, a screenshot.

Run: .venv/bin/python -m benchmarks.explorer_figures [--loads 7] [--png docs/explorer_article.png]

Needs Debian's chromium and chromium-driver and selenium (the dev extra). The open time is
from the start of navigation to the end of the page's own script (its ``explorer-ready``
mark: SVG parsed, steps replayed, step 0 drawn), the median of ``--loads`` fresh loads.
The browser tests start Chromium with :func:`chromium_driver` too.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
from pathlib import Path

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"


def chromium_driver(width: int = 1400, height: int = 900):
    """Headless Debian Chromium under selenium, offline: nothing is downloaded, nothing phones home.

    The profile is a fresh temporary directory, removed by the returned driver's ``quit()``.
    """
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    os.environ["SE_OFFLINE"] = "true"  # selenium-manager must not try to download a driver
    profile = tempfile.mkdtemp(prefix="explorer-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--no-first-run", "--hide-scrollbars", "--force-device-scale-factor=1",
                     f"--window-size={width},{height}", f"--user-data-dir={profile}"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    quit_driver = driver.quit

    def quit_and_clean() -> None:
        try:
            quit_driver()
        finally:
            shutil.rmtree(profile, ignore_errors=True)

    driver.quit = quit_and_clean
    return driver


def open_time_ms(driver, url: str) -> float:
    """Milliseconds from navigation start to the page's 'explorer-ready' mark, one fresh load."""
    driver.get("about:blank")
    driver.get(url)
    return float(driver.execute_script(
        "return performance.getEntriesByName('explorer-ready')[0].startTime"))


def article_page(directory: Path) -> Path:
    """The article network's training-step graph as an explorer page, as `article --html` writes it."""
    import viz
    from nn.article import DEFAULT_INPUTS, DEFAULT_TARGET, article_network

    loss, _ = article_network().loss(DEFAULT_INPUTS, DEFAULT_TARGET)
    return viz.explorer(loss, directory / "article.html", rankdir="TB").save(directory / "article.html")


def screenshot(driver, url: str, png: Path, step: int, select: str) -> None:
    """The page at ``step`` with the value named ``select`` clicked, saved as a PNG."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    driver.get(url)
    ActionChains(driver).send_keys(Keys.ARROW_RIGHT * step).perform()
    for group in driver.find_elements(By.CSS_SELECTOR, "#graph g.value"):
        if group.find_element(By.TAG_NAME, "text").text == select:
            group.find_element(By.TAG_NAME, "text").click()
            break
    driver.save_screenshot(str(png))
    try:  # a 256-colour palette keeps the README's picture small (Pillow comes with matplotlib)
        from PIL import Image
    except ImportError:
        return
    with Image.open(png) as picture:
        reduced = picture.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT)
    reduced.save(png, optimize=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loads", type=int, default=7, help="fresh loads to time (median)")
    parser.add_argument("--png", type=Path, help="also save a screenshot there")
    parser.add_argument("--step", type=int, default=16, help="backward step shown in the screenshot")
    parser.add_argument("--select", default="w1", help="value clicked in the screenshot")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        page = article_page(Path(directory))
        url = page.resolve().as_uri()
        driver = chromium_driver(height=1000)
        try:
            times = [open_time_ms(driver, url) for _ in range(args.loads)]
            if args.png:
                screenshot(driver, url, args.png, args.step, args.select)
        finally:
            driver.quit()
        print(f"article page: {page.stat().st_size} bytes; opens in {statistics.median(times):.0f} ms "
              f"(median of {args.loads}: {', '.join(f'{t:.0f}' for t in times)})")


if __name__ == "__main__":
    main()
