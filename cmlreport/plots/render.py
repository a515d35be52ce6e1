"""What every plot shares: the palette, the style and turning a figure into PNG or SVG bytes."""

# Same input, same bytes: fixed sizes and dpi, no date or software version in the file's metadata,
# and a fixed salt for the ids that SVG output derives from hashes. Figures are built with
# ``matplotlib.figure.Figure`` directly, so no pyplot state is created or left behind. matplotlib
# is imported only inside ``render``, when a plot is actually drawn.

from __future__ import annotations

import io
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from cmlreport.errors import InputError

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

FORMATS = ("png", "svg")
DPI = 100
# Okabe-Ito colours: distinguishable with the common colour-vision deficiencies.
HEAD_COLOR = "#0072B2"
OTHER_COLOR = "#E69F00"
BASE_COLOR = "#6e6e6e"
MARK_COLOR = "#D55E00"

# Typed loosely: matplotlib types the keys as a Literal of every rcParam name.
_STYLE: dict[Any, Any] = {
    "figure.facecolor": "white",
    "axes.facecolor": "white",
    "axes.edgecolor": "#444444",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.axisbelow": True,
    "grid.color": "#e0e0e0",
    "grid.linewidth": 0.8,
    "axes.titlesize": 11,
    "axes.titleweight": "bold",
    "axes.labelsize": 10,
    "xtick.labelsize": 9,
    "ytick.labelsize": 9,
    "legend.fontsize": 9,
    "legend.frameon": False,
    "font.family": "DejaVu Sans",  # ships with matplotlib: the same glyphs on every machine
    "svg.hashsalt": "cmlreport",
}
# None removes the entry: the version and the date would make every file differ.
_METADATA: dict[str, dict[str, str | None]] = {
    "png": {"Software": None},
    "svg": {"Date": None, "Creator": None},
}


def render(draw: Callable[[Figure], None], figsize: tuple[float, float], fmt: str) -> bytes:
    """The bytes of a ``figsize`` figure that ``draw`` fills in, as ``fmt`` (png or svg)."""
    if fmt not in FORMATS:
        raise InputError(f"unknown plot format {fmt!r}; use one of {', '.join(FORMATS)}")
    import matplotlib

    # CI machines have no display: never let matplotlib probe for a GUI backend, unless the
    # host program already chose one through pyplot.
    if "matplotlib.pyplot" not in sys.modules:
        matplotlib.use("Agg")
    from matplotlib.figure import Figure

    buffer = io.BytesIO()
    with matplotlib.rc_context(_STYLE):
        fig = Figure(figsize=figsize, dpi=DPI, layout="constrained")
        draw(fig)
        fig.savefig(buffer, format=fmt, dpi=DPI, metadata=_METADATA[fmt])
    return buffer.getvalue()


def no_data(ax: Axes) -> None:
    """Say so in the middle of an axes that has nothing to show."""
    ax.text(0.5, 0.5, "no values", transform=ax.transAxes, ha="center", va="center")
