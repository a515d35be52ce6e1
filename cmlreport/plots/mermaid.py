"""Mermaid ``xychart-beta`` charts: plots that GitHub and GitLab draw with nothing to host."""

# Pure text in, text out. The syntax follows mermaid's xychart grammar (``xychart.jison``): quoted
# strings end at the next ``"`` with no escape, numbers are ``[+-]?digits[.digits]`` (no exponent,
# no NaN), and every series is spread evenly over the x axis, so the data are resampled here.

from __future__ import annotations

import bisect
import math
import re
from collections.abc import Mapping, Sequence
from decimal import Decimal

from cmlreport.textsafe import one_line

MAX_POINTS = 100


def line_chart(
    title: str,
    x: Sequence[float],
    series: Mapping[str, Sequence[float | None]],
    x_label: str = "step",
    y_label: str | None = None,
) -> str:
    """A fenced mermaid line chart; series names go in the title since xychart has no legend.

    Missing values (``None``, NaN) are bridged linearly; a series shorter than the x range holds
    its first/last value, because mermaid cannot draw gaps.
    """
    for name, values in series.items():
        if len(values) != len(x):
            raise ValueError(f"series {name!r} has {len(values)} values for {len(x)} x values")
    grid = _grid([v for v in x if _finite(v)])
    drawn: list[str] = []
    empty: list[str] = []
    body: list[str] = []
    for name, values in series.items():
        points = sorted(
            (float(xv), float(yv))
            for xv, yv in zip(x, values, strict=True)
            if _finite(xv) and yv is not None and _finite(yv)
        )
        if not points:
            empty.append(name)
            continue
        drawn.append(name)
        body.append(f"    line [{', '.join(_number(v) for v in _resample(points, grid))}]")
    if not body:
        raise ValueError("line_chart needs at least one series with a finite value")
    names = f"lines in order: {', '.join(drawn)}" if len(drawn) > 1 else drawn[0]
    suffix = f"; no data: {', '.join(empty)}" if empty else ""
    lo, hi = grid[0], grid[-1]
    x_range = f"{_number(lo)} --> {_number(hi if hi > lo else lo + 1)}"
    head = [
        "xychart-beta",
        f"    title {mermaid_label(f'{title} ({names}{suffix})')}",
        f"    x-axis {mermaid_label(x_label)} {x_range}",
    ]
    if y_label is not None:
        head.append(f"    y-axis {mermaid_label(y_label)}")
    return _fence([*head, *body])


def bar_chart(
    title: str, categories: Sequence[str], values: Sequence[float], y_label: str = "value"
) -> str:
    """A fenced mermaid bar chart, one bar per category, the y axis starting at zero.

    Non-finite values cannot be drawn; they are left out and counted in the title.
    """
    if len(categories) != len(values):
        raise ValueError(f"{len(categories)} categories but {len(values)} values")
    kept = [(c, float(v)) for c, v in zip(categories, values, strict=True) if _finite(v)]
    if not kept:
        raise ValueError("bar_chart needs at least one finite value")
    dropped = len(categories) - len(kept)
    if dropped:
        title = f"{title} ({dropped} not finite, left out)"
    numbers = [v for _, v in kept]
    # Bars grow from the bottom of the axis: an axis starting at the smallest value would make
    # 0.91 vs 0.93 look like a factor of ten.
    lo, hi = min(0.0, *numbers), max(0.0, *numbers)
    y_range = f"{_number(lo)} --> {_number(hi if hi > lo else lo + 1)}"
    return _fence(
        [
            "xychart-beta",
            f"    title {mermaid_label(title)}",
            f"    x-axis [{', '.join(mermaid_label(c) for c, _ in kept)}]",
            f"    y-axis {mermaid_label(y_label)} {y_range}",
            f"    bar [{', '.join(_number(v) for v in numbers)}]",
        ]
    )


def _grid(xs: Sequence[float]) -> list[float]:
    """Evenly spaced x positions over the data's range, at most MAX_POINTS of them."""
    if not xs:
        raise ValueError("line_chart needs at least one finite x value")
    lo, hi = float(min(xs)), float(max(xs))
    n = max(2, min(len(xs), MAX_POINTS))
    if hi == lo:
        return [lo] * n
    return [lo + (hi - lo) * i / (n - 1) for i in range(n)]


def _resample(points: Sequence[tuple[float, float]], grid: Sequence[float]) -> list[float]:
    """The series' values at the grid: linear between neighbours, held flat past its ends."""
    xs = [p[0] for p in points]
    out = []
    for x in grid:
        i = bisect.bisect_left(xs, x)
        if i == 0:
            out.append(points[0][1])
        elif i == len(points):
            out.append(points[-1][1])
        else:
            (x0, y0), (x1, y1) = points[i - 1], points[i]
            out.append(y1 if x1 == x0 else y0 + (y1 - y0) * (x - x0) / (x1 - x0))
    return out


def _number(value: float) -> str:
    # Four significant digits are plenty for a chart and keep the comment small; written out
    # positionally because the grammar has no exponent notation.
    text = format(Decimal(f"{value:.4g}"), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def _finite(value: float | None) -> bool:
    return value is not None and math.isfinite(value)


def _fence(lines: list[str]) -> str:
    return "\n".join(["```mermaid", *lines, "```"]) + "\n"


def mermaid_label(text: object) -> str:
    """A quoted mermaid string that cannot end early, span lines or turn into markdown."""
    # A quoted string ends at the first '"' (there is no escape); '"`' opens a markdown string.
    s = one_line(str(text)).replace('"', "'").replace("`", "'")
    # Mermaid decodes "#name;" as an HTML entity everywhere; "#35;" is its escape for "#".
    s = re.sub(r"#(?=\w+;)", "#35;", s)
    # "%%" starts a comment (or a "%%{...}%%" directive) wherever the lexer meets it.
    s = re.sub(r"%(?=%)", "% ", s)
    # The fenced block is raw text in the comment body: "<!--" there would be one more
    # HTML-comment look-alike for whatever reads the body. Mermaid's own entities draw the same.
    s = s.replace("<", "#lt;").replace(">", "#gt;")
    return f'"{s or "-"}"'
