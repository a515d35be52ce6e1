"""Value formatting shared by every renderer; escaping text from input is ``escape``'s."""

from __future__ import annotations

import math
import re

from cmlreport.metrics.diff import MetricDiff, Status, Verdict, is_number
from cmlreport.metrics.direction import Direction
from cmlreport.metrics.model import Scalar

_SHA = re.compile(r"[0-9a-fA-F]{4,64}")


# At the default precision (4), numbers with up to 15 digits before the point are written in full
# (counts are exact); longer ones (FLOP counts) read by magnitude, e.g. 2.29e17. Each decimal
# of precision asked for past 4 allows one more digit: --precision 7 writes 228828186264109056.
FULL_DIGITS = 15
DEFAULT_PRECISION = 4


def fmt_value(value: Scalar, precision: int = 4, decimals: int | None = None) -> str:
    """One value: ``precision`` decimals at most, trailing zeros dropped.

    ``decimals`` (from ``columns.column_format``) pads fixed-point numbers to that many decimals
    so every cell of a column reads alike.
    """
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value) if not _too_long(value, precision) else _scientific(value, precision)
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "∞" if value > 0 else "-∞"
        if _too_long(value, precision):
            return _scientific(value, precision)
        if not fixed_point(value, precision):
            # Too small for the decimals shown: scientific, rather than a misleading 0. A value
            # that rounds to 0.0001 (float noise in 0.7135 - 0.7136) stays fixed-point.
            mantissa, exponent = f"{value:.{max(precision - 1, 1)}e}".split("e")
            return f"{_trim(mantissa)}e{exponent}"  # mantissa has a point
        shown = needed_decimals(value, precision)
        text = f"{value:.{shown}f}"
        if decimals is not None and decimals > shown:
            # Padded with zeros, not printed with more decimals: those would be float noise.
            text += ("" if shown else ".") + "0" * (decimals - shown)
        return text.lstrip("-") if not text.strip("-0.") else text
    return str(value)


def fixed_point(value: float, precision: int) -> bool:
    """Whether a finite float is written with decimals (not too big, nor rounded away to 0)."""
    return not _too_long(value, precision) and (
        value == 0 or f"{value:.{precision}f}".strip("-0.") != ""
    )


def needed_decimals(value: float, precision: int) -> int:
    """Decimals ``value`` needs: at most ``precision``, none past its shortest repr (28624.551)."""
    rounded = f"{value:.{precision}f}".rstrip("0")
    at_precision = len(rounded) - rounded.index(".") - 1 if "." in rounded else 0
    return min(at_precision, _repr_decimals(value))


def _repr_decimals(value: float) -> int:
    # The decimals of the shortest text that reads back as the same float: 28624.551 has 3.
    mantissa, _, exponent = repr(value).partition("e")
    point = mantissa.find(".")
    decimals = len(mantissa) - point - 1 if point >= 0 else 0
    return max(0, decimals - int(exponent or 0))


def _too_long(value: float, precision: int) -> bool:
    return abs(value) >= 10.0 ** (FULL_DIGITS + max(0, precision - DEFAULT_PRECISION))


def _scientific(value: float, precision: int) -> str:
    # Three significant digits at the default precision of 4 (2.29e17), one more per extra decimal.
    mantissa, exponent = f"{value:.{max(precision - 2, 1)}e}".split("e")
    return f"{_trim(mantissa)}e{int(exponent)}"


def _trim(mantissa: str) -> str:
    return mantissa.rstrip("0").rstrip(".")


def fmt_delta(delta: float | None, precision: int = 4, decimals: int | None = None) -> str:
    if delta is None:
        return ""
    if delta == 0 and decimals is None:
        return "0"
    text = fmt_value(delta, precision, decimals)
    return text if text.startswith("-") or delta == 0 else f"+{text}"


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
    if diff.verdict is Verdict.UNKNOWN or diff.delta is None:
        return "🔄 changed" if not is_number(diff.new) else "❔"
    arrow = "▲" if diff.delta > 0 else "▼"
    return f"🟢 {arrow}" if diff.verdict is Verdict.BETTER else f"🔴 {arrow}"


def direction_hint(direction: Direction) -> str:
    return "higher is better" if direction is Direction.HIGHER else "lower is better"


def short_sha(sha: str | None) -> str:
    # Shown inside code spans, where nothing can be escaped: only a hex id gets there.
    return sha[:7] if sha and _SHA.fullmatch(sha) else "?"


def plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n:,} {word if n == 1 else (many or word + 's')}"
