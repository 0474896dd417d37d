"""viz: computation graphs as Graphviz SVG, and loss-landscape plots.

:func:`draw_graph`, :func:`render` and :func:`backward_frames` draw a recorded graph
with Graphviz; :func:`explorer` makes one offline HTML page that walks the backward pass
node by node and spells out each gradient as a sum over paths; :mod:`viz.landscape` (needs the ``plot`` extra, matplotlib) draws loss
surfaces, gradient arrows, optimizer paths and critical points.
"""

from . import landscape  # imports matplotlib only when drawing
from .explorer_page import Explorer, explorer
from .graph import DEFAULT_MAX_NODES, DOT_TIMEOUT, DotNotFoundError, backward_frames, draw_graph, render

__all__ = ["draw_graph", "render", "backward_frames", "explorer", "Explorer", "DotNotFoundError",
           "DEFAULT_MAX_NODES", "DOT_TIMEOUT", "landscape"]
