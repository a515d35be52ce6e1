"""Where head falls against the base branch's history, and the N-sigma ratchet. Pure.

``--fail-on-regression "eval.f1:3sigma"`` (or ``eval.f1@3sigma``, any positive N such as
``2.5sigma``) fails when head is worse than the history's mean by more than N sample standard
deviations, in the metric's direction. With fewer than ``MIN_POINTS`` points the gate passes
and says so: three commits say nothing about a metric's spread.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from cmlreport.errors import InputError
from cmlreport.metrics.direction import Direction
from cmlreport.metrics.model import Scalar

MIN_POINTS = 5
_SIGMA = re.compile(r"^(?P<key>.+?)\s*[@:]\s*(?P<n>\d+(?:\.\d*)?|\.\d+)\s*sigma\s*$", re.I)


@dataclass(frozen=True)
class SigmaGate:
    """``KEY@Nsigma``: head no worse than the history's mean by more than N deviations."""

    key: str
    sigmas: float
    text: str


@dataclass(frozen=True)
class MetricHistory:
    """One metric's values at the history's commits (oldest first) and head against them."""

    key: str
    values: tuple[float, ...]
    head: float | None
    mean: float
    std: float | None  # sample standard deviation; None below two points
    low: float
    high: float

    @property
    def z(self) -> float | None:
        """How many deviations head is above the mean (None: no head, or no spread)."""
        if self.head is None or self.std is None or self.std == 0 or math.isnan(self.head):
            return None
        return (self.head - self.mean) / self.std


def parse_sigma(expr: str) -> SigmaGate | None:
    """The gate when ``expr`` is ``KEY@Nsigma`` or ``KEY:Nsigma``, else None."""
    m = _SIGMA.match(expr.strip())
    if m is None:
        return None
    sigmas = float(m["n"])
    if not math.isfinite(sigmas) or sigmas <= 0:
        raise InputError(f"--fail-on-regression {expr!r}: the number of sigmas must be above 0")
    return SigmaGate(m["key"].strip(), sigmas, expr.strip())


def summarize_all(
    heads: Mapping[str, float], per_commit: Sequence[Mapping[str, Scalar]]
) -> dict[str, MetricHistory]:
    """:func:`summarize` for every key of ``heads`` at once: one keys x commits array, so ten
    thousand metrics over a hundred commits are a few numpy passes, not a million steps."""
    import numpy as np

    keys = list(heads)
    if not keys or not per_commit:
        return {}
    nan = math.nan
    grid = np.array([[_as_float(s.get(k, nan)) for k in keys] for s in per_commit], dtype=float).T
    finite = np.isfinite(grid)
    counts = finite.sum(axis=1)
    # Measured from each key's first point: a constant history is then exactly zero apart, so
    # its σ is 0, not the 1e-16 that summing 0.8 five times leaves (and a z of -8e13 with it).
    first = np.where(finite, grid, 0.0)[np.arange(len(keys)), finite.argmax(axis=1)]
    apart = np.where(finite, grid - first[:, None], 0.0)
    shifts = apart.sum(axis=1) / np.maximum(counts, 1)
    means = first + shifts
    squares = np.where(finite, (apart - shifts[:, None]) ** 2, 0.0).sum(axis=1)
    stds = np.sqrt(squares / np.maximum(counts - 1, 1))
    lows = np.where(finite, grid, np.inf).min(axis=1)
    highs = np.where(finite, grid, -np.inf).max(axis=1)
    out: dict[str, MetricHistory] = {}
    for i, key in enumerate(keys):
        n = int(counts[i])
        if n == 0:
            continue
        values = tuple(grid[i][finite[i]].tolist())
        std = float(stds[i]) if n > 1 else None
        out[key] = MetricHistory(
            key, values, heads[key], float(means[i]), std, float(lows[i]), float(highs[i])
        )
    return out


def _as_float(value: Scalar) -> float:
    # bools are no numbers here (as in the diff); text is a point missing.
    return float(value) if type(value) in (int, float) else math.nan  # type: ignore[arg-type]


def _fmt(value: float) -> str:
    return f"{value:.6g}"


def _apart(a: float, b: float) -> tuple[str, str]:
    """``a`` and ``b`` with the fewest digits (6 at least) that tell them apart, so a head
    that fails against a constant history is never written as equal to its mean."""
    for digits in (6, 9, 12, 17):
        shown = f"{a:.{digits}g}", f"{b:.{digits}g}"
        if shown[0] != shown[1]:
            return shown
    return shown


def check_sigma(
    gate: SigmaGate, key: str, direction: Direction, h: MetricHistory | None
) -> tuple[bool, str]:
    """(passed, one sentence) for ``key`` under ``gate``."""
    if direction is Direction.COUNTER:
        raise InputError(
            f"--fail-on-regression {gate.text!r}: {key!r} is a count or an index, neither "
            "better nor worse; give its direction with --higher-is-better or --lower-is-better"
        )
    if h is None and key.startswith("drift."):
        return True, (
            f"{key}: no history (--history reads the metrics and --predictions files at each "
            f"commit, not --drift files): not judged; cap it with --fail-if"
        )
    if h is None or len(h.values) < MIN_POINTS:
        n = 0 if h is None else len(h.values)
        return True, (
            f"{key}: {n} point{'s' if n != 1 else ''} of history, {MIN_POINTS} needed for a "
            f"{gate.sigmas:g}σ ratchet: not judged (read more with --history N)"
        )
    if h.head is None or math.isnan(h.head):
        return False, f"{key} is missing or NaN at head"
    sign = -1.0 if direction is Direction.HIGHER else 1.0
    worse_by = sign * (h.head - h.mean)
    std = h.std or 0.0
    allowed = gate.sigmas * std
    failed = worse_by > allowed + 1e-12 * max(1.0, abs(h.mean))
    head, mean = _apart(h.head, h.mean)
    where = f"{key} = {head} vs mean {mean} of {len(h.values)} commits"
    spread = f"σ {_fmt(std)}" if std > 0 else "constant history"
    z = h.z
    ztext = f", z = {z:+.2f}" if z is not None else ""
    if failed:
        return False, f"{where} ({spread}{ztext}): worse by more than {gate.sigmas:g}σ"
    return True, f"{where} ({spread}{ztext}): within {gate.sigmas:g}σ"
