"""What predictions give beyond the class scores: calibration, the grown confusions, groups.

Pure. Gathers :mod:`calibration`, :mod:`confusion_delta` and :mod:`groups` for one pair of runs,
as the metrics they add (``predictions.ece``, ``predictions.brier``,
``groups.<column>.<metric>.gap``) and as statistics the seeded bootstrap evaluates on the very
resamples it scores the classes on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cmlreport.metrics.calibration import Calibration, calibrate
from cmlreport.metrics.confusion_delta import ConfusionDelta, confusion_delta
from cmlreport.metrics.groups import MIN_GROUP_EXAMPLES, GroupSlice, RunGroups, slice_groups
from cmlreport.metrics.pairing import PredictionPair
from cmlreport.metrics.predictions import Predictions
from cmlreport.stats import calibration as calibration_stats
from cmlreport.stats.bootstrap import Statistic
from cmlreport.stats.calibration import CalibrationInput
from cmlreport.stats.classification import FloatArray
from cmlreport.stats.groups import resampled_gap

PREFIX = "predictions"


@dataclass(frozen=True)
class Derived:
    calibration: Calibration | None = None
    confusion: ConfusionDelta | None = None
    groups: tuple[GroupSlice, ...] = ()

    def _calibration_run(self, side: str) -> CalibrationInput | None:
        if self.calibration is None:
            return None
        return self.calibration.head if side == "head" else self.calibration.base

    def _group_runs(self, side: str) -> list[tuple[GroupSlice, RunGroups]]:
        runs = [(s, s.head if side == "head" else s.base) for s in self.groups]
        return [(s, r) for s, r in runs if r is not None]

    def scalars(self, side: str) -> dict[str, float]:
        """The metrics of ``side`` ("head" or "base")."""
        out: dict[str, float] = {}
        run = self._calibration_run(side)
        if run is not None and self.calibration is not None:
            out |= {f"{PREFIX}.{k}": v for k, v in self.calibration.scalars(run).items()}
        for s, groups in self._group_runs(side):
            out |= s.gaps(groups)
        return out

    def statistics(self, side: str) -> list[Statistic]:
        """Bootstrap statistics of ``side``: every value keyed by its metric."""
        out: list[Statistic] = []
        run = self._calibration_run(side)
        if run is not None:
            out.append(_prefixed(calibration_stats.resampled(run)))
        for s, groups in self._group_runs(side):
            out.append(
                resampled_gap(
                    groups.codes,
                    groups.correct,
                    len(s.names),
                    MIN_GROUP_EXAMPLES,
                    s.key("accuracy"),
                )
            )
        return out


def _prefixed(statistic: Statistic) -> Statistic:
    def named(idx: calibration_stats.Codes) -> dict[str, FloatArray]:
        return {f"{PREFIX}.{k}": v for k, v in statistic(idx).items()}

    return named


def derive(
    head: Predictions,
    base: Predictions | None,
    pair: PredictionPair,
    slice_by: Sequence[str],
    confidence: float,
) -> Derived:
    confusion = None
    if pair.base is not None:
        confusion = confusion_delta(pair.head, pair.base, pair.classes)
    groups = tuple(slice_groups(slice_by, head, base, pair, confidence))
    return Derived(calibrate(head, base, pair), confusion, groups)
