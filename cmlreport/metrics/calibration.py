"""Calibration from a predictions file's scores: ``predictions.ece`` and ``predictions.brier``.

Pure. A run is scored from its ``proba_<class>`` columns when it has them, else from its top-1
``score`` column (see :mod:`cmlreport.stats.calibration` for the binning and both Brier
definitions). Base and head are compared on one definition: the multiclass Brier score when
both runs have probability columns, else the top-1 one for both. Base's rows are aligned with
head's when the pair is paired by id, so a paired bootstrap resamples the same examples.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cmlreport.metrics.pairing import PredictionPair
from cmlreport.metrics.predictions import Predictions
from cmlreport.stats import calibration
from cmlreport.stats.calibration import BINS as BINS
from cmlreport.stats.calibration import CalibrationInput
from cmlreport.stats.calibration import Reliability as Reliability

MULTICLASS = "multiclass"
SCALARS = ("ece", "brier")  # the metrics calibration adds, under predictions.
TOP1 = "top-1"
BINNING = (
    f"{BINS} equal-width bins of the top-1 confidence over [0, 1], each closed on the right "
    "(Guo et al., 2017)"
)
BRIER = {
    MULTICLASS: "mean over examples of the sum over classes of (p − y)², 0 to 2",
    TOP1: "mean of (top-1 confidence − correct)², 0 to 1",
}


@dataclass(frozen=True)
class Calibration:
    """Both runs' calibration on one definition (``base`` None: head alone)."""

    definition: str  # MULTICLASS or TOP1 (the Brier score's)
    head: CalibrationInput
    base: CalibrationInput | None
    note: str | None = None  # why base has no calibration, when it has none

    def reliability(self) -> tuple[Reliability, Reliability | None]:
        base = calibration.reliability(self.base) if self.base is not None else None
        return calibration.reliability(self.head), base

    def scalars(self, run: CalibrationInput) -> dict[str, float]:
        """One value for each of ``SCALARS``."""
        return {"ece": calibration.ece(run), "brier": calibration.brier(run)}


def has_scores(p: Predictions) -> bool:
    return p.proba is not None or p.scores is not None


def _input(p: Predictions, definition: str) -> CalibrationInput:
    if p.proba is not None:
        column = {c: i for i, c in enumerate(p.proba_classes)}
        to_column = np.array([column[c] for c in p.classes], dtype=np.int64)
        true, pred = to_column[p.true], to_column[p.pred]
        run = calibration.proba_input(p.proba, true, pred)
        if definition == MULTICLASS:
            return run
        return calibration.top1_input(run.confidence, run.correct > 0)
    assert p.scores is not None
    return calibration.top1_input(p.scores, p.true == p.pred)


def calibrate(
    head: Predictions, base: Predictions | None, pair: PredictionPair
) -> Calibration | None:
    """Head's and base's calibration inputs, or None when head has no scores."""
    if not has_scores(head):
        return None
    both_proba = head.proba is not None and (base is None or base.proba is not None)
    definition = MULTICLASS if both_proba else TOP1
    head_run = _input(head, definition)
    if base is None:
        return Calibration(definition, head_run, None)
    if not has_scores(base):
        note = f"{base.source} has no score or proba_ columns: calibration of head alone."
        return Calibration(definition, head_run, None, note)
    base_run = _input(base, definition)
    if pair.base_order is not None:
        order = pair.base_order
        base_run = CalibrationInput(
            base_run.confidence[order], base_run.correct[order], base_run.brier[order]
        )
    return Calibration(definition, head_run, base_run)
