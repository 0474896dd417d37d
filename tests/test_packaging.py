"""The package's metadata and README as PyPI shows them: licence, URLs, absolute picture links.

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
README = ROOT / "README.md"


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


def test_every_readme_picture_is_an_absolute_link_to_a_file_in_the_repository():
    # PyPI shows the README without the repository's files: a relative link is a broken picture.
    source = project_urls()["Source"]
    owner_repo = re.fullmatch(r"https://github\.com/([^/]+/[^/]+)", source).group(1)
    base = f"https://raw.githubusercontent.com/{owner_repo}/main/"
    text = README.read_text(encoding="utf-8")
    pictures = re.findall(r"!\[[^\]]*\]\(([^)\s]+)", text) + re.findall(r'<img[^>]+src="([^"]+)"', text)
    assert pictures
    for link in pictures:
        assert link.startswith(base), f"README picture {link!r} must be an absolute link under {base}"
        assert (ROOT / link[len(base):]).is_file(), f"README picture {link!r}: no such file in the repository"


def test_the_readme_says_how_to_install_with_each_extra():
    text = README.read_text(encoding="utf-8")
    install = text[text.index("## Install"):]
    install = install[:install.index("\n## ", 1)]
    assert "pip install autograd-core" in install
    extras = metadata.metadata("autograd-core").get_all("Provides-Extra")
    for extra in extras:
        assert f"`{extra}`" in install or f"[{extra}]" in install, f"the README's Install section skips {extra}"


@pytest.mark.parametrize("module, files", [("viz", ["explorer.js", "explorer.css"])])
def test_package_data_is_installed(module, files):
    from importlib import resources

    for name in files:
        assert resources.files(module).joinpath(name).is_file(), f"{module}/{name} is not installed"


def test_the_readme_renders_as_pypi_renders_it():
    # readme_renderer is what PyPI itself renders a long description with.
    markdown = pytest.importorskip("readme_renderer.markdown")
    info = metadata.metadata("autograd-core")
    assert info["Description-Content-Type"].startswith("text/markdown")
    page = markdown.render(info["Description"] or info.get_payload(), variant="GFM")
    assert page is not None
    assert re.search(r"<h2[^>]*>Install<", page)
    sources = re.findall(r'<img[^>]*src="([^"]+)"', page)
    assert sources and all(src.startswith("https://") for src in sources)
