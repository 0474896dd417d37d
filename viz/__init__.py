"""viz: computation graphs as Graphviz SVG, and loss-landscape plots.

:func:`draw_graph`, :func:`render` and :func:`backward_frames` draw a recorded graph
with Graphviz; :mod:`viz.landscape` (needs the ``plot`` extra, matplotlib) draws loss
surfaces, gradient arrows, optimizer paths and critical points.
"""

from . import landscape  # imports matplotlib only when drawing
from .graph import DEFAULT_MAX_NODES, DOT_TIMEOUT, DotNotFoundError, backward_frames, draw_graph, render

__all__ = ["draw_graph", "render", "backward_frames", "DotNotFoundError", "DEFAULT_MAX_NODES", "DOT_TIMEOUT",
           "landscape"]
