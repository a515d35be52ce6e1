"""The base branch's history of one metric, with head, as PNG bytes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from cmlreport.plots.render import BASE_COLOR, HEAD_COLOR, render
from cmlreport.textsafe import one_line

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def history_figure(
    key: str, values: Sequence[float], head: float | None, fmt: str = "png"
) -> bytes:
    """The history's values oldest first, its mean, and head as the last, marked point."""
    n = len(values)
    mean = sum(values) / n if n else 0.0

    def draw(fig: Figure) -> None:
        ax = fig.subplots()
        ax.plot(
            range(n), list(values), color=BASE_COLOR, marker="o", markersize=3, label="base branch"
        )
        ax.axhline(mean, color=BASE_COLOR, linestyle="--", linewidth=0.8, label="mean")
        if head is not None:
            ax.plot(
                [n], [head], color=HEAD_COLOR, marker="D", markersize=7, linestyle="", label="head"
            )
        ax.set_xlabel("commits, oldest first (head last)")
        ax.set_title(one_line(key)[:80])
        ax.legend(fontsize=8)

    return render(draw, (6.0, 2.6), fmt)
