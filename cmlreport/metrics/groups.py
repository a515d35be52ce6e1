"""``--slice-by COLUMN``: the predictions' metrics per group, and the gap between groups.

Pure. Each group column of the predictions files splits the examples into groups; every group
gets its accuracy (with a Wilson 95 % interval) and macro F1 at head and base, and each metric's
gap (the best group minus the worst, over groups of at least ``MIN_GROUP_EXAMPLES`` examples)
becomes a metric, ``groups.<column>.<metric>.gap`` (lower is better), so a gate can cap it. What
cannot be computed (a column one file lacks, one group only, small groups) is a note for the
report, not an error; a flag no file answers is one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from cmlreport.errors import InputError
from cmlreport.metrics.limits import shown_key
from cmlreport.metrics.pairing import Labelled, PredictionPair
from cmlreport.metrics.predictions import Predictions
from cmlreport.stats import groups as group_stats
from cmlreport.stats.groups import GroupScores

PREFIX = "groups"
MIN_GROUP_EXAMPLES = 10  # a group of 3 examples swings by a third: not a gap anyone can act on
GAP_METRICS = ("accuracy", "f1_macro")
Codes = npt.NDArray[np.int32]


@dataclass(frozen=True)
class RunGroups:
    """One run's examples by group: codes into the slice's ``names``, and the scores."""

    codes: Codes
    correct: npt.NDArray[np.bool_]
    scores: GroupScores
    ci: tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]  # accuracy, Wilson 95 %

    def eligible(self) -> npt.NDArray[np.bool_]:
        return np.asarray(self.scores.examples >= MIN_GROUP_EXAMPLES)

    def gap(self, metric: str) -> float:
        return group_stats.gap(getattr(self.scores, metric), self.eligible())


@dataclass(frozen=True)
class GroupSlice:
    flag: str
    column: str  # as head's file names it (base's when head lacks it)
    names: tuple[str, ...]  # the groups, sorted
    head: RunGroups | None
    base: RunGroups | None
    notes: tuple[str, ...] = field(default=())

    def key(self, metric: str) -> str:
        return f"{PREFIX}.{self.column}.{metric}.gap"

    def gaps(self, run: RunGroups | None) -> dict[str, float]:
        if run is None:
            return {}
        found = {self.key(m): run.gap(m) for m in GAP_METRICS}
        return {k: v for k, v in found.items() if not np.isnan(v)}

    def one_group(self) -> str:
        """The phrase "'c' holds one group only ('g')", for the notes and the gates."""
        only = shown_key(self.names[0]) if self.names else ""
        return f"'{shown_key(self.column)}' holds one group only ('{only}')"

    def why_no_gap(self) -> str:
        """Why head has no gap for this column (meaningful when :meth:`gaps` lacks one)."""
        if self.head is None:
            return f"the head predictions have no column '{shown_key(self.flag)}'"
        if len(self.names) < 2:
            return f"column {self.one_group()}"
        large = int(np.sum(self.head.eligible()))
        return (
            f"column '{shown_key(self.column)}' has {large:,} group{'s' if large != 1 else ''} "
            f"of at least {MIN_GROUP_EXAMPLES} examples at head; a gap needs two"
        )

    def lost_most(self) -> int | None:
        """The group whose accuracy fell most, among groups large enough at both runs."""
        if self.head is None or self.base is None:
            return None
        both = self.head.eligible() & self.base.eligible()
        if not both.any():
            return None
        delta = np.where(both, self.head.scores.accuracy - self.base.scores.accuracy, np.inf)
        worst = int(np.argmin(delta))
        return worst if delta[worst] < 0 else None


def check_slice_flags(flags: Sequence[str]) -> None:
    """Each --slice-by names a column, once (names are matched ignoring case)."""
    seen: set[str] = set()
    for flag in flags:
        if not flag.strip():
            raise InputError("--slice-by: give a column name (the group column of the predictions)")
        if flag.lower() in seen:
            raise InputError(f"--slice-by '{shown_key(flag)}' is given twice (names ignore case)")
        seen.add(flag.lower())


def _run(
    values: Sequence[str], labels: Labelled, index: dict[str, int], classes: int, conf: float
) -> RunGroups:
    codes = np.fromiter(map(index.__getitem__, values), dtype=np.int32, count=len(values))
    scores = group_stats.group_scores(codes, labels.true, labels.pred, len(index), classes)
    ci = group_stats.wilson(scores.correct, scores.examples, conf)
    return RunGroups(codes, labels.true == labels.pred, scores, ci)


def slice_groups(
    flags: Sequence[str],
    head: Predictions,
    base: Predictions | None,
    pair: PredictionPair,
    confidence: float,
) -> list[GroupSlice]:
    """One slice per ``--slice-by`` flag, in the order given."""
    return [_slice(flag, head, base, pair, confidence) for flag in flags]


def _slice(
    flag: str, head: Predictions, base: Predictions | None, pair: PredictionPair, conf: float
) -> GroupSlice:
    key = flag.lower()
    at_head = head.groups.get(key)
    at_base = base.groups.get(key) if base is not None else None
    if at_head is None and at_base is None:
        files = head.source + (f" and {base.source}" if base is not None else "")
        raise InputError(
            f"--slice-by '{shown_key(flag)}': no such column in {files} (names are matched "
            "ignoring case)"
        )
    notes: list[str] = []
    base_values = None
    if at_base is not None:
        base_values = at_base[1]
        if pair.base_order is not None:
            base_values = [base_values[i] for i in pair.base_order]
    elif base is not None:
        notes.append(f"{base.source} has no column '{flag}': groups of head alone, no Δ.")
    if at_head is None:
        assert base is not None
        notes.append(f"{head.source} has no column '{flag}': no groups at head.")
    names = tuple(sorted(set(at_head[1] if at_head else ()) | set(base_values or ())))
    index = {name: code for code, name in enumerate(names)}
    k = len(pair.classes)
    head_run = _run(at_head[1], pair.head, index, k, conf) if at_head else None
    base_run = None
    if base_values is not None and pair.base is not None:
        base_run = _run(base_values, pair.base, index, k, conf)
    column = (at_head or at_base or (flag, []))[0]
    group_slice = GroupSlice(flag, column, names, head_run, base_run)
    notes += _facts(group_slice)
    return GroupSlice(flag, column, names, head_run, base_run, tuple(notes))


def _facts(s: GroupSlice) -> list[str]:
    """What the reader must know to trust the gap: too few groups, small or empty ones."""
    notes: list[str] = []
    if len(s.names) < 2:
        notes.append(f"Column {s.one_group()}: no gap between groups.")
    for side, run in (("head", s.head), ("base", s.base)):
        if run is None:
            continue
        empty = int(np.sum(run.scores.examples == 0))
        small = int(np.sum((run.scores.examples > 0) & ~run.eligible()))
        if empty:
            notes.append(f"{empty:,} groups have no examples at {side}.")
        if small:
            notes.append(
                f"{small:,} groups have fewer than {MIN_GROUP_EXAMPLES} examples at {side}: "
                "left out of the gap."
            )
    return notes
