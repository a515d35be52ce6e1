"""Value formatting shared by every renderer; escaping text from input is ``escape``'s."""

from __future__ import annotations

import math
import re

from cmlreport.metrics.diff import MetricDiff, Status, Verdict, is_number
from cmlreport.metrics.direction import Direction
from cmlreport.metrics.model import Scalar

_SHA = re.compile(r"[0-9a-fA-F]{4,64}")


def fmt_value(value: Scalar, precision: int = 4) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "∞" if value > 0 else "-∞"
        if value != 0 and abs(value) >= 10**precision:
            return f"{value:.0f}"
        text = f"{value:.{precision}f}".rstrip("0").rstrip(".")
        if value != 0 and text.lstrip("-") == "0":
            # Too small for the decimals shown: scientific, rather than a misleading 0. A value
            # that rounds to 0.0001 (float noise in 0.7135 - 0.7136) stays fixed-point.
            mantissa, exponent = f"{value:.{max(precision - 1, 1)}e}".split("e")
            return f"{mantissa.rstrip('0').rstrip('.')}e{exponent}"  # mantissa has a point
        return text if text not in ("", "-0") else "0"
    return str(value)


def fmt_delta(delta: float | None, precision: int = 4) -> str:
    if delta is None:
        return ""
    if delta == 0:
        return "0"
    text = fmt_value(delta, precision)
    return text if text.startswith("-") else f"+{text}"


def fmt_percent(rel: float | None) -> str:
    if rel is None or math.isnan(rel):
        return ""
    if math.isinf(rel):
        return "+∞%" if rel > 0 else "-∞%"
    pct = rel * 100
    if pct == 0:
        return "0%"
    text = f"{pct:+.1f}%" if abs(pct) >= 0.05 else ("+<0.1%" if pct > 0 else "-<0.1%")
    return text


def mark(diff: MetricDiff) -> str:
    """Arrow for the movement, colour for whether it is good given the metric's direction."""
    if diff.status is Status.ADDED:
        return "🆕 new"
    if diff.status is Status.REMOVED:
        return "➖ removed"
    if diff.verdict is Verdict.SAME or diff.status is Status.UNCHANGED:
        return "⚪ ="
    if diff.direction is Direction.COUNTER and diff.delta:
        return "▲" if diff.delta > 0 else "▼"  # a count moved: no colour, no verdict
    if diff.verdict is Verdict.UNKNOWN or diff.delta is None:
        return "🔄 changed" if not is_number(diff.new) else "❔"
    arrow = "▲" if diff.delta > 0 else "▼"
    return f"🟢 {arrow}" if diff.verdict is Verdict.BETTER else f"🔴 {arrow}"


def direction_hint(direction: Direction) -> str:
    if direction is Direction.COUNTER:
        return "a count or index: neither better nor worse"
    return "higher is better" if direction is Direction.HIGHER else "lower is better"


def short_sha(sha: str | None) -> str:
    # Shown inside code spans, where nothing can be escaped: only a hex id gets there.
    return sha[:7] if sha and _SHA.fullmatch(sha) else "?"


def plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n:,} {word if n == 1 else (many or word + 's')}"
