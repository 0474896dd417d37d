"""The ``autograd-core`` subcommands that need both ``nn`` and ``viz``: the layer above both.

The layers, each importing only those below it::

    commands          article (nn's walkthrough + viz's --svg), landscape (+ its gallery)
    nn      viz       nn never imports viz, viz never imports nn (viz/cli.py: the graph command)
    autograd_core     imports nothing of ours

Each command is a ``register(subparsers)`` function listed under the
``autograd_core.commands`` entry points in ``pyproject.toml``; ``autograd_core.cli``
finds them there, so nothing imports upward.
"""
