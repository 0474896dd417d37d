"""The package's metadata as PyPI shows it: licence, URLs, extras, the packages and the one command.

scripts/test_wheel.sh (run by CI) builds the sdist and wheel and runs this whole suite against the
installed wheel; these tests check what the installed distribution says about itself.
"""

from __future__ import annotations

import re
from importlib import metadata
from pathlib import Path

import pytest

import autograd_core

ROOT = Path(__file__).resolve().parent.parent


def project_urls() -> dict[str, str]:
    urls = metadata.metadata("autograd-core").get_all("Project-URL") or []
    return dict(entry.split(", ", 1) for entry in urls)


def test_the_distribution_says_mit_with_the_licence_text():
    info = metadata.metadata("autograd-core")
    assert info["License-Expression"] == "MIT"
    licence = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert licence.startswith("MIT License") and "WITHOUT WARRANTY OF ANY KIND" in licence
    assert info["Version"] == autograd_core.__version__
    assert info["Author"] or info["Author-email"]


def test_the_distribution_names_its_urls_and_classifiers():
    urls = project_urls()
    assert {"Homepage", "Source", "Issues"} <= set(urls)
    assert all(url.startswith("https://") for url in urls.values())
    classifiers = metadata.metadata("autograd-core").get_all("Classifier")
    assert "Typing :: Typed" in classifiers
    assert "Programming Language :: Python :: 3.11" in classifiers  # the version CI runs
    assert not [c for c in classifiers if c.startswith("License ::")]  # the SPDX expression says it


def test_the_wheel_installs_our_four_packages_and_one_command():
    # The command line is one package of ours (autograd_core_cli), registered in one way (its main
    # module calls each subcommand's register()): no entry-point groups, and no top-level package
    # with a generic name such as "commands" that another distribution could also install.
    distribution = metadata.distribution("autograd-core")
    top_level = (distribution.read_text("top_level.txt") or "").split()
    assert sorted(top_level) == ["autograd_core", "autograd_core_cli", "nn", "viz"]
    assert [(e.group, e.name, e.value) for e in distribution.entry_points] == [
        ("console_scripts", "autograd-core", "autograd_core_cli.main:main")]
    import importlib.util

    assert importlib.util.find_spec("commands") is None


def test_the_get_started_page_says_how_to_install_with_each_extra():
    text = (ROOT / "docs" / "get-started.md").read_text(encoding="utf-8")
    install = text[text.index("## Install with pip"):]
    assert "pip install autograd-core" in install
    extras = metadata.metadata("autograd-core").get_all("Provides-Extra")
    for extra in extras:
        assert f"`{extra}`" in install or f"[{extra}]" in install, f"docs/get-started.md's Install section skips {extra}"


@pytest.mark.parametrize("module, files", [("viz", ["explorer.js", "explorer.css"])])
def test_package_data_is_installed(module, files):
    from importlib import resources

    for name in files:
        assert resources.files(module).joinpath(name).is_file(), f"{module}/{name} is not installed"


def test_the_readme_renders_as_pypi_renders_it():
    # readme_renderer is what PyPI itself renders a long description with. Its links are relative
    # (so they work in a clone, on the repository's page and offline); PyPI would show the text.
    markdown = pytest.importorskip("readme_renderer.markdown")
    info = metadata.metadata("autograd-core")
    assert info["Description-Content-Type"].startswith("text/markdown")
    page = markdown.render(info["Description"] or info.get_payload(), variant="GFM")
    assert page is not None
    assert re.search(r"<h2[^>]*>Try it<", page)
    assert "bash scripts/demo.sh" in page
