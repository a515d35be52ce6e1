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
SIGNIFICANT = 15  # decimal digits every float64 holds exactly


def fmt_value(value: Scalar, precision: int = 4, decimals: int | None = None) -> str:
    """One value: ``precision`` decimals at most, trailing zeros dropped.

    ``decimals`` (from ``columns.column``) pads fixed-point numbers to that many decimals so
    every cell of a column reads alike.
    """
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value) if not _too_long(value, precision) else _scientific(value, precision)
    if isinstance(value, float):
        if not math.isfinite(value):
            return "NaN" if math.isnan(value) else ("∞" if value > 0 else "-∞")
        text = fixed_text(value, precision)
        if text is None:
            return _scientific(value, precision)
        shown = text_decimals(text)
        if decimals is not None and decimals > shown:
            # Padded with zeros, not printed with more decimals: those would be float noise.
            text += ("" if shown else ".") + "0" * (decimals - shown)
        return text
    return str(value)


def fixed_text(value: float, precision: int) -> str | None:
    """A finite float in fixed point with the decimals it needs, or None when e-notation is due.

    At most ``precision`` decimals and none past its shortest repr (28624.551, not
    28624.5510); None when it is too long (2.29e17) or would round away to a misleading 0.
    """
    if _too_long(value, precision):
        return None
    text = f"{value:.{precision}f}"
    if text.find(".") + precision > SIGNIFICANT:
        # Past the digits a float holds, the text would print its binary noise (28624.550999...).
        shortest = repr(value)
        if "e" not in shortest and len(shortest) - shortest.index(".") - 1 < precision:
            text = shortest
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if value != 0 and not text.strip("-0"):
        return None
    return "0" if text == "-0" else text


def text_decimals(text: str) -> int:
    point = text.find(".")
    return 0 if point < 0 else len(text) - point - 1


def _too_long(value: float, precision: int) -> bool:
    return abs(value) >= 10.0 ** (FULL_DIGITS + max(0, precision - DEFAULT_PRECISION))


def _scientific(value: float, precision: int) -> str:
    if abs(value) < 1:
        # Too small for the decimals shown: scientific, rather than a misleading 0. A value
        # that rounds to 0.0001 (float noise in 0.7135 - 0.7136) stays fixed-point.
        mantissa, exponent = f"{value:.{max(precision - 1, 1)}e}".split("e")
        return f"{_trim(mantissa)}e{exponent}"
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
