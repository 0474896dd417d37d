"""MkDocs hook: the notebooks under ``notebooks/`` become pages of the site.

They live beside the code (where Jupyter opens them and CI runs them), not under ``docs/``;
this hook adds each one to the site's files as ``notebooks/NAME.ipynb`` before mkdocs-jupyter
looks for notebooks, which then renders it with its saved outputs (nothing is executed).
"""

from __future__ import annotations

from pathlib import Path

from mkdocs.plugins import event_priority
from mkdocs.structure.files import File

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"


@event_priority(100)  # before mkdocs-jupyter's own on_files, which picks up the .ipynb files
def on_files(files, config):
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        # Relative to the repository's root, so the page's path is notebooks/NAME.ipynb.
        files.append(File(f"notebooks/{path.name}", src_dir=str(ROOT), dest_dir=config.site_dir,
                          use_directory_urls=config.use_directory_urls))
    return files


def on_serve(server, config, builder):
    server.watch(str(NOTEBOOKS))
    return server
