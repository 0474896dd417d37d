"""The ``autograd-core`` command line and the picture gallery: the layer above ``nn`` and ``viz``.

The layers, each importing only those below it::

    autograd_core_cli   the command line (main, article, gpt, graph, landscape) and the gallery
    nn      viz         nn never imports viz, viz never imports nn
    autograd_core       imports nothing of ours

``autograd-core`` (or ``python -m autograd_core_cli``) runs :func:`autograd_core_cli.main.main`.
"""

from .main import main

__all__ = ["main"]
