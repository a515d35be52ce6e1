"""Mermaid ``xychart-beta`` charts: plots that GitHub and GitLab draw with nothing to host."""

# Pure text in, text out. The syntax follows mermaid's xychart grammar (``xychart.jison``): quoted
# strings end at the next ``"`` with no escape, numbers are ``[+-]?digits[.digits]`` (no exponent,
# no NaN), and every series is spread evenly over the whole x axis.

from __future__ import annotations

import bisect
import math
import re
from collections.abc import Mapping, Sequence
from decimal import Decimal

from cmlreport.textsafe import one_line

MAX_POINTS = 100
# A numeric x axis only while no point is drawn further than this share of the range from its
# step (a pixel or two at mermaid's width); past that the steps are named one by one.
MISPLACED = 0.01


def line_chart(
    title: str,
    x: Sequence[float],
    series: Mapping[str, Sequence[float | None]],
    x_label: str = "step",
    y_label: str | None = None,
) -> str:
    """Fenced mermaid line charts of the logged points only; series names go in the title.

    Mermaid cannot draw a gap and spreads every line over the whole x axis, so a point that was
    not logged could only be invented. Series logged on the same steps share a chart; a series
    logged on other steps (validation every epoch, a run that stopped earlier) gets its own.
    Missing values (``None``, NaN) are left out.
    """
    for name, values in series.items():
        if len(values) != len(x):
            raise ValueError(f"series {name!r} has {len(values)} values for {len(x)} x values")
    groups: dict[tuple[float, ...], dict[str, list[float]]] = {}
    empty: list[str] = []
    for name, values in series.items():
        points = sorted(
            (float(xv), float(yv))
            for xv, yv in zip(x, values, strict=True)
            if _finite(xv) and yv is not None and _finite(yv)
        )
        if not points:
            empty.append(name)
            continue
        steps = tuple(p[0] for p in points)
        groups.setdefault(steps, {})[name] = [p[1] for p in points]
    if not groups:
        raise ValueError("line_chart needs at least one series with a finite value")
    suffix = f"; no data: {', '.join(empty)}" if empty else ""
    charts = []
    for steps, lines in groups.items():
        names = f"lines in order: {', '.join(lines)}" if len(lines) > 1 else next(iter(lines))
        head = ["xychart-beta", f"    title {mermaid_label(f'{title} ({names}{suffix})')}"]
        charts.append(_fence(head + _lines(steps, lines, x_label, y_label)))
        suffix = ""
    return "\n".join(charts)


def _lines(
    steps: Sequence[float],
    lines: Mapping[str, Sequence[float]],
    x_label: str,
    y_label: str | None,
) -> list[str]:
    """The axes and ``line`` statements of one chart: its points, thinned to MAX_POINTS."""
    keep = _thin(steps)
    xs = [steps[i] for i in keep]
    axis = f"    x-axis {mermaid_label(x_label)} "
    if len(xs) > 1 and _evenly_spaced(xs):
        lo, hi = xs[0], xs[-1]
        axis += f"{_number(lo)} --> {_number(hi if hi > lo else lo + 1)}"
    else:
        # Mermaid places points evenly: uneven steps are named one by one so none is misplaced.
        axis += f"[{', '.join(mermaid_label(_number(v)) for v in xs)}]"
    out = [axis]
    if y_label is not None:
        out.append(f"    y-axis {mermaid_label(y_label)}")
    # A line through one point draws nothing: a value logged once (test_loss) is a bar.
    kind = "bar" if len(xs) == 1 and len(lines) == 1 else "line"
    out += [f"    {kind} [{', '.join(_number(v[i]) for i in keep)}]" for v in lines.values()]
    return out


def _thin(steps: Sequence[float]) -> list[int]:
    """At most MAX_POINTS of the logged points: for each even x position, the nearest one."""
    n = len(steps)
    if n <= MAX_POINTS:
        return list(range(n))
    lo, hi = steps[0], steps[-1]
    if hi == lo:
        return [round(k * (n - 1) / (MAX_POINTS - 1)) for k in range(MAX_POINTS)]
    keep = set()
    for k in range(MAX_POINTS):
        target = lo + (hi - lo) * k / (MAX_POINTS - 1)
        i = bisect.bisect_left(steps, target)
        if i == n or (i > 0 and target - steps[i - 1] <= steps[i] - target):
            i -= 1
        keep.add(i)
    return sorted(keep)


def _evenly_spaced(xs: Sequence[float]) -> bool:
    """Whether mermaid, spacing the points evenly, draws each within MISPLACED of its x."""
    if len(xs) < 3:
        return True
    step = (xs[-1] - xs[0]) / (len(xs) - 1)
    tolerance = (xs[-1] - xs[0]) * MISPLACED
    return all(abs(v - (xs[0] + i * step)) <= tolerance for i, v in enumerate(xs))


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
