"""Quality gates: absolute thresholds and allowed regressions vs base, parsed without eval."""

from __future__ import annotations

import fnmatch
import math
import operator
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from cmlreport.errors import InputError
from cmlreport.metrics.diff import MetricDiff, is_number
from cmlreport.metrics.direction import Direction
from cmlreport.metrics.history import MetricHistory, SigmaGate, check_sigma, parse_sigma
from cmlreport.metrics.suggest import suggest, unknown_key

_OPS: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
}
# Longest operators first so "<=" is not read as "<" followed by "=0.9".
_THRESHOLD = re.compile(r"^\s*(?P<key>\S(?:.*?\S)?)\s*(?P<op><=|>=|==|!=|<|>)\s*(?P<value>\S+)\s*$")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


@dataclass(frozen=True)
class ThresholdGate:
    """``--fail-if "eval.accuracy < 0.9"``: fail when the condition holds at head."""

    key: str
    op: str
    value: float
    text: str


@dataclass(frozen=True)
class RegressionGate:
    """``--fail-on-regression "eval.f1@0.01"``: fail when head is worse than base by more than
    ``tolerance`` (absolute, or a fraction of |base| when ``relative``). ``key`` may be a glob.

    ``readings`` are the other ways to read the text, tried in order when ``key`` names no
    metric: the whole text as a key (``ndcg@10``, ``results/train/metrics.json:step``), then
    ``KEY@DROP``, then the older ``KEY:DROP``. ``key`` is the reading messages speak of.
    """

    key: str
    tolerance: float
    relative: bool
    text: str
    readings: tuple[tuple[str, float, bool], ...] = ()


Gate = ThresholdGate | RegressionGate | SigmaGate


@dataclass(frozen=True)
class GateResult:
    gate: Gate
    key: str
    passed: bool
    detail: str  # one human sentence: the value, the limit and the margin


def _parse_number(text: str, flag: str, expr: str) -> float:
    # float() has no digit limit, unlike int(): 5,000 digits is simply inf.
    value = float(text) if _NUMBER.match(text) else None
    if value is None or not math.isfinite(value):
        problem = (
            "is not a number (write e.g. 0.9 or 1e-3)"
            if value is None
            else "is out of range; a gate needs a finite number"
        )
        raise InputError(f"{flag} {_short(expr)}: the target {_short(text)} {problem}")
    return value


def _short(text: str) -> str:
    # A gate text is echoed in its error; one of 5,000 digits would drown the line.
    return repr(text) if len(text) <= 80 else f"'{text[:40]}…' ({len(text):,} characters)"


def parse_threshold(expr: str) -> ThresholdGate:
    m = _THRESHOLD.match(expr)
    if not m:
        raise InputError(
            f"--fail-if {expr!r}: expected 'KEY OP NUMBER' with OP one of "
            f"< <= > >= == != (e.g. 'eval.accuracy < 0.9')"
        )
    value = _parse_number(m["value"], "--fail-if", expr)
    return ThresholdGate(m["key"], m["op"], value, expr.strip())


def parse_regression(expr: str) -> RegressionGate:
    text = expr.strip()
    if not text or text[0] in "@:":
        raise InputError(
            f"--fail-on-regression {expr!r}: expected 'KEY[@ALLOWED_DROP]' "
            "(e.g. 'eval.f1@0.01' or 'eval.f1@2%')"
        )
    readings = [(text, 0.0, False)]
    for sep in "@:":
        key, found, drop = text.rpartition(sep)
        reading = _drop_reading(key.strip(), drop.strip(), expr) if found else None
        if reading is not None:
            readings.append(reading)
    # Messages speak of the split reading when there is one: 'eval.f1@0.01' is about eval.f1.
    key, tolerance, relative = readings[1] if len(readings) > 1 else readings[0]
    return RegressionGate(key, tolerance, relative, text, tuple(readings))


def _drop_reading(key: str, drop: str, expr: str) -> tuple[str, float, bool] | None:
    """``KEY`` and ``DROP`` as a reading, or None when ``DROP`` is no number (part of a key)."""
    relative = drop.endswith("%")
    number = drop[:-1].strip() if relative else drop
    if not key or not _NUMBER.match(number):
        return None
    tol = _parse_number(number, "--fail-on-regression", expr)
    if tol < 0:
        raise InputError(f"--fail-on-regression {expr!r}: the allowed drop must not be negative")
    return key, tol / 100 if relative else tol, relative


def parse_gates(fail_if: Sequence[str], fail_on_regression: Sequence[str]) -> list[Gate]:
    gates: list[Gate] = [parse_threshold(e) for e in fail_if]
    gates += [parse_sigma(e) or parse_regression(e) for e in fail_on_regression]
    return gates


def _fmt(value: float) -> str:
    return f"{value:.6g}"


def _check_threshold(gate: ThresholdGate, d: MetricDiff) -> GateResult:
    if not d.has_new:
        return GateResult(gate, d.key, False, f"{d.key} is missing at head")
    if not is_number(d.new):
        raise InputError(f"--fail-if {gate.text!r}: metric {d.key!r} is {d.new!r}, not a number")
    assert isinstance(d.new, (int, float))
    value = float(d.new)
    if math.isnan(value):
        return GateResult(gate, d.key, False, f"{d.key} is NaN")
    failed = _OPS[gate.op](value, gate.value)
    margin = abs(value - gate.value)
    if failed:
        detail = f"{d.key} = {_fmt(value)} {gate.op} {_fmt(gate.value)} (off by {_fmt(margin)})"
    else:
        detail = f"{d.key} = {_fmt(value)} (limit: fail if {gate.op} {_fmt(gate.value)})"
    return GateResult(gate, d.key, not failed, detail)


def _check_regression(gate: RegressionGate, d: MetricDiff) -> GateResult:
    if d.direction is Direction.COUNTER:
        raise InputError(
            f"--fail-on-regression {gate.text!r}: {d.key!r} is a count or an index, neither "
            "better nor worse; give its direction with --higher-is-better or --lower-is-better"
        )
    if not d.has_new:
        return GateResult(gate, d.key, False, f"{d.key} is missing at head (was {d.old!r})")
    if not d.has_old or not is_number(d.old):
        return GateResult(
            gate, d.key, True, f"{d.key} has no numeric base value: nothing to compare"
        )
    if not is_number(d.new):
        raise InputError(
            f"--fail-on-regression {gate.text!r}: metric {d.key!r} is {d.new!r}, not a number"
        )
    assert isinstance(d.old, (int, float)) and isinstance(d.new, (int, float))
    old, new = float(d.old), float(d.new)
    if math.isnan(new):
        return GateResult(gate, d.key, False, f"{d.key} is NaN at head (base {_fmt(old)})")
    if math.isnan(old):
        return GateResult(gate, d.key, True, f"{d.key} was NaN at base: nothing to compare")
    worse_by = (old - new) if d.direction is Direction.HIGHER else (new - old)
    allowed = gate.tolerance * abs(old) if gate.relative else gate.tolerance
    allowed_text = (
        f"{gate.tolerance * 100:g}% = {_fmt(allowed)}" if gate.relative else _fmt(allowed)
    )
    # A relative float tolerance should not fail on the last bit of rounding.
    failed = worse_by > allowed + 1e-12 * max(1.0, abs(old))
    if failed:
        detail = (
            f"{d.key} {_fmt(old)} → {_fmt(new)}: worse by {_fmt(worse_by)}, "
            f"allowed {allowed_text} (over by {_fmt(worse_by - allowed)})"
        )
    elif worse_by > 0:
        detail = (
            f"{d.key} {_fmt(old)} → {_fmt(new)}: worse by {_fmt(worse_by)}, within {allowed_text}"
        )
    else:
        detail = f"{d.key} {_fmt(old)} → {_fmt(new)}: not worse"
    return GateResult(gate, d.key, not failed, detail)


def evaluate_gates(
    gates: Sequence[Gate],
    diffs: Sequence[MetricDiff],
    history: Mapping[str, MetricHistory] | None = None,
    not_computed: Mapping[str, str] | None = None,
) -> list[GateResult]:
    """One result per (gate, matching key). A gate naming an unknown key is an input error;
    ``history`` (``--history``) is what the N-sigma gates judge head against.

    ``not_computed`` holds the metrics the run would have had but could not compute, each with
    why (a gap of one group, the PSI of a constant reference). A gate on one fails, saying why:
    a gate that cannot judge must not pass, and the report is still written."""
    by_key: Mapping[str, MetricDiff] = {d.key: d for d in diffs}
    known = [d.key for d in diffs if d.has_new]
    missing = not_computed or {}
    results: list[GateResult] = []
    for gate in gates:
        if isinstance(gate, ThresholdGate):
            if gate.key not in by_key:
                if gate.key not in missing:
                    raise unknown_key("--fail-if", gate.key, known, list(missing))
                results.append(_not_computed(gate, gate.key, missing))
                continue
            results.append(_check_threshold(gate, by_key[gate.key]))
            continue
        regression = (
            RegressionGate(gate.key, 0.0, False, gate.text) if isinstance(gate, SigmaGate) else gate
        )
        try:
            resolved, keys = _resolve(regression, by_key, known)
        except InputError:
            unjudged = _matching(regression, missing)
            if not unjudged:
                raise
            results.extend(_not_computed(gate, k, missing) for k in unjudged)
            continue
        if isinstance(gate, SigmaGate):
            for k in keys:
                passed, detail = check_sigma(gate, k, by_key[k].direction, (history or {}).get(k))
                results.append(GateResult(gate, k, passed, detail))
            continue
        results.extend(_check_regression(resolved, by_key[k]) for k in keys)
    return results


def _matching(gate: RegressionGate, missing: Mapping[str, str]) -> list[str]:
    """The metrics not computed that ``gate`` names, by its first reading that names any."""
    for key, _, _ in gate.readings or ((gate.key, gate.tolerance, gate.relative),):
        if key in missing:
            return [key]
        if any(ch in key for ch in "*?["):
            found = [k for k in missing if fnmatch.fnmatchcase(k, key)]
            if found:
                return found
    return []


def _not_computed(gate: Gate, key: str, missing: Mapping[str, str]) -> GateResult:
    return GateResult(gate, key, False, f"{key} was not computed: {missing[key]}")


def _resolve(
    gate: RegressionGate, by_key: Mapping[str, MetricDiff], known: Sequence[str]
) -> tuple[RegressionGate, list[str]]:
    """The first reading of the gate's text that names metrics, and the keys it names."""
    for key, tolerance, relative in gate.readings or ((gate.key, gate.tolerance, gate.relative),):
        if key in by_key:
            keys = [key]
        elif any(ch in key for ch in "*?["):
            # A ratchet over a glob only concerns metrics with a direction: text and counts
            # (support, epoch) are never "worse".
            keys = [k for k in by_key if fnmatch.fnmatchcase(k, key) and _ranked(by_key[k])]
        else:
            continue
        if keys:
            return RegressionGate(key, tolerance, relative, gate.text), keys
    if any(ch in gate.key for ch in "*?["):
        raise InputError(
            f"--fail-on-regression {gate.text!r}: no numeric metric with a better and a worse "
            f"direction matches {gate.key!r}"
        )
    if gate.key == gate.text and any(sep in gate.text for sep in "@:"):
        hint = " (write KEY@DROP with DROP a number or a percentage, e.g. 'eval.f1@0.01')"
        raise InputError(
            f"--fail-on-regression {gate.text!r}: no metric is named {gate.key!r}, and the part "
            f"after the last '@' or ':' is not a number{hint}{suggest(gate.key, known)}"
        )
    raise unknown_key("--fail-on-regression", gate.key, known)


def _ranked(d: MetricDiff) -> bool:
    numeric = is_number(d.new) or is_number(d.old)
    return numeric and d.direction is not Direction.COUNTER
