"""How results show themselves in Jupyter: HTML tables, and figures that display inline.

Jupyter shows the last value of a cell by asking it for ``_repr_html_``, ``_repr_png_``
or ``_repr_svg_``. The results of :func:`~autograd_core.explain`,
:func:`~autograd_core.gradcheck` and ``nn.fit`` build their tables with
:func:`html_table`; every picture of ``viz`` and ``nn`` is a :class:`Figure` made by
:func:`new_figure`: a matplotlib ``Figure`` that hands Jupyter its own PNG. (A plain
matplotlib Figure made without pyplot, as ours are, shows only ``<Figure size ...>``
unless ``%matplotlib inline`` ran first; ours need no magic command and keep no global
pyplot state, and a script saves one with ``figure.savefig(path)`` as usual.)

This is the one home of these helpers for every layer (the engine, ``nn`` and ``viz``);
matplotlib is imported only when a figure is made, so the engine does not need it.

>>> print(html_table(["x", "f(x)"], [[1, 2.5], ["<a>", "b"]], caption="two rows"))
<table>
<caption>two rows</caption>
<thead><tr><th>x</th><th>f(x)</th></tr></thead>
<tbody>
<tr><td style="text-align: right">1</td><td style="text-align: right">2.5</td></tr>
<tr><td>&lt;a&gt;</td><td>b</td></tr>
</tbody>
</table>
"""

from __future__ import annotations

import functools
import html
import io
from collections.abc import Iterable, Sequence
from typing import Any

# Figure is made on first use by __getattr__ below.
__all__ = ["html_table", "new_figure", "figure_bytes", "plain_log_scale", "PNG_SIGNATURE", "Figure"]  # noqa: F822

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
"""The eight bytes every PNG file starts with."""


def _reads_as_number(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float)):
        return True
    try:
        float(str(value).replace("−", "-"))
    except ValueError:
        return False
    return True


def _cell(value: Any, tag: str) -> str:
    if _reads_as_number(value):
        return f'<{tag} style="text-align: right">{html.escape(str(value))}</{tag}>'
    return f"<{tag}>{html.escape(str(value))}</{tag}>"


def html_table(header: Sequence[Any] | None, rows: Iterable[Sequence[Any]], caption: str | None = None) -> str:
    """An HTML table: one header row (none when ``header`` is None), then ``rows``; every
    cell and the caption HTML-escaped.

    Numbers, and strings that read as numbers, are right-aligned; format numbers first
    (``f"{x:.4g}"``) to choose their digits.
    """
    lines = ["<table>"]
    if caption is not None:
        lines.append(f"<caption>{html.escape(caption)}</caption>")
    if header is not None:
        lines.append("<thead><tr>" + "".join(_cell(name, "th") for name in header) + "</tr></thead>")
    lines.append("<tbody>")
    lines += ["<tr>" + "".join(_cell(value, "td") for value in row) + "</tr>" for row in rows]
    lines += ["</tbody>", "</table>"]
    return "\n".join(lines)


def _require_matplotlib() -> None:
    try:
        import matplotlib.figure  # noqa: F401  (the object-oriented API: no global pyplot state)
    except ImportError as error:
        raise ImportError(
            "drawing pictures needs matplotlib: install the plot extra with "
            "pip install 'autograd-core[plot]' (or pip install matplotlib)") from error


def figure_bytes(figure: Any, format: str = "png", **savefig_options: Any) -> bytes:
    """The picture of a matplotlib ``figure`` as bytes, without the PNG software or SVG date
    stamps (so that the same figure always gives the same bytes)."""
    metadata = {"Date": None} if format == "svg" else ({"Software": None} if format == "png" else None)
    buffer = io.BytesIO()
    figure.savefig(buffer, format=format, metadata=metadata, **savefig_options)
    return buffer.getvalue()


@functools.cache
def _figure_class() -> type:
    """matplotlib's Figure plus ``_repr_png_``, defined on first use so that importing this
    module never imports matplotlib."""
    _require_matplotlib()
    from matplotlib.figure import Figure as MatplotlibFigure

    class Figure(MatplotlibFigure):
        """A matplotlib Figure that Jupyter shows inline (as PNG) with no magic command.

        Everything else is matplotlib's: ``figure.axes``, ``figure.savefig("x.svg")``...
        """

        def _repr_png_(self) -> bytes:
            return figure_bytes(self, "png")

    Figure.__module__, Figure.__qualname__ = __name__, "Figure"
    return Figure


def __getattr__(name: str) -> Any:
    # ``Figure`` is made on first use (it needs matplotlib); ``autograd_core.helpers.display.Figure``
    # then works for isinstance checks and pickling like any module attribute.
    if name == "Figure":
        return _figure_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def new_figure(width: float = 6.4, height: float = 4.8, dpi: int = 100) -> Any:
    """A :class:`Figure` (``width`` × ``height`` inches, constrained layout), not attached to pyplot.

    >>> figure = new_figure(4, 3)
    >>> figure.add_subplot().plot([0, 1], [1, 0])[0].get_xdata().tolist()
    [0, 1]
    >>> figure._repr_png_()[:8] == PNG_SIGNATURE
    True
    """
    return _figure_class()(figsize=(width, height), dpi=dpi, layout="constrained")


def plain_log_scale(ax: Any, which: str = "y") -> None:
    """Put the ``which`` ("x" or "y") axis of a matplotlib Axes, after plotting, on a log scale
    with ticks written as plain numbers (0.05, not 5×10⁻²): at 1, 2 and 5 times powers of ten
    when the data span at most three decades, else at powers of ten."""
    import math

    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    if which not in ("x", "y"):
        raise ValueError(f"which must be 'x' or 'y', got {which!r}")
    (ax.set_yscale if which == "y" else ax.set_xscale)("log")
    low, high = ax.dataLim.intervaly if which == "y" else ax.dataLim.intervalx
    positive = low > 0 and math.isfinite(low) and math.isfinite(high)
    few_decades = positive and math.log10(high / low) <= 3
    axis = ax.yaxis if which == "y" else ax.xaxis
    axis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)) if few_decades else LogLocator())
    axis.set_major_formatter(FuncFormatter(lambda value, _position: f"{value:g}"))
    axis.set_minor_formatter(NullFormatter())
