"""``report --json FILE``: what the markdown report shows, as data (the shape is in the README).

Pure: values in, JSON text out. Numbers that JSON cannot hold (NaN, ±inf) are the strings
``"NaN"``, ``"Infinity"``, ``"-Infinity"``, as ``cmlreport diff --format json`` writes them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cmlreport.metrics.diff import MetricDiff, Status, Verdict
from cmlreport.metrics.gates import GateResult
from cmlreport.metrics.model import CONFIDENCE, Significance
from cmlreport.report.derived_json import calibration_json, confusion_json, groups_json
from cmlreport.report.diffview import json_number
from cmlreport.report.footer import Revisions
from cmlreport.report.noise import judged_changes
from cmlreport.report.slices_json import slices_json

if TYPE_CHECKING:
    from cmlreport.metrics.drift import DriftComparison
    from cmlreport.metrics.significance import PredictionResults
    from cmlreport.metrics.slices import SliceSummary
    from cmlreport.metrics.table_diff import TableDiff
    from cmlreport.report.history import History

JSON_VERSION = 1


@dataclass(frozen=True)
class ReportFacts:
    """Everything the JSON holds."""

    diffs: Sequence[MetricDiff]
    gates: Sequence[GateResult]
    revisions: Revisions
    significance: Mapping[str, Significance] = field(default_factory=dict)
    predictions: PredictionResults | None = None
    prediction_files: tuple[str, str | None] = ("", None)  # head, base (None: not compared)
    notes: Sequence[str] = ()  # the report's notes: a base file missing, how the base was found
    history: History | None = None  # --history: each metric's points at the base branch
    sources: Mapping[str, str] = field(default_factory=dict)  # key -> its metrics file at head
    drift: Sequence[DriftComparison] = ()  # --drift
    slices: Sequence[SliceSummary] = ()  # each per-class table's section
    tables: Sequence[TableDiff] = ()  # what moved in each per-class table, every column


def _metric(d: MetricDiff, s: Significance | None) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "key": d.key,
        "base": json_number(d.old) if d.has_old else None,
        "head": json_number(d.new) if d.has_new else None,
        "delta": json_number(d.delta) if d.delta is not None else None,
        "rel_delta": json_number(d.rel_delta) if d.rel_delta is not None else None,
        "direction": d.direction.value,
        "status": d.status.value,
        "verdict": d.verdict.value,
    }
    if s is not None:
        numbers = {
            "ci_low": s.ci_low,
            "ci_high": s.ci_high,
            "delta_ci_low": s.delta_ci_low,
            "delta_ci_high": s.delta_ci_high,
            "p_value": s.p_value,
        }
        entry["interval_method"] = s.method
        if s.basis is not None:
            entry["interval_basis"] = s.basis
        entry |= {k: json_number(v) if v is not None else None for k, v in numbers.items()}
        entry["significant"] = s.significant
    return entry


def _predictions(facts: ReportFacts) -> dict[str, Any] | None:
    r = facts.predictions
    if r is None:
        return None
    head_file, base_file = facts.prediction_files
    head_n, base_n = r.examples
    out: dict[str, Any] = {
        "head": {"file": head_file, "examples": head_n},
        "base": {"file": base_file, "examples": base_n} if base_n is not None else None,
        "classes": r.classes,
        "pairing": r.pairing,
        "resamples": r.resamples,
        "seed": r.seed,
        "confidence": CONFIDENCE,
        "mcnemar": None,
    }
    if r.discordant is not None:
        s = r.significance.get("predictions.accuracy")
        fixed, broken = r.discordant
        p = s.p_value if s is not None else None
        out["mcnemar"] = {"fixed": fixed, "broken": broken, "p_value": p}
    return out


def _drift(facts: ReportFacts) -> dict[str, Any] | None:
    from cmlreport.report.drift import drift_json

    return drift_json(facts.drift) if facts.drift else None


def report_json_beside(facts: ReportFacts, written: Path, name: str | None = None) -> str:
    """The JSON of the markdown report just ``written``, naming it with its sha256."""
    digest = hashlib.sha256(written.read_bytes()).hexdigest()
    return report_json(facts, name=name, report=(written.name, digest))


def report_json(
    facts: ReportFacts, name: str | None = None, report: tuple[str, str] | None = None
) -> str:
    """The JSON; ``name`` (``report --name``) names the matrix leg for ``cmlreport merge``;
    ``report`` is the markdown file written with it and its sha256, so ``check`` can tell the
    JSON of this very report from any other beside it."""
    diffs, gates, sig = facts.diffs, facts.gates, facts.significance
    judged = judged_changes(diffs, sig)
    failed = sum(1 for g in gates if not g.passed)
    rev = facts.revisions
    doc = {
        "version": JSON_VERSION,
        "summary": {
            "gates_passed": len(gates) - failed,
            "gates_failed": failed,
            "changed": sum(1 for d in diffs if d.status is Status.CHANGED),
            "better": sum(1 for d in diffs if d.verdict is Verdict.BETTER),
            "worse": sum(1 for d in diffs if d.verdict is Verdict.WORSE),
            "significant": sum(1 for s in judged if s.significant),
            "within_noise": sum(1 for s in judged if not s.significant),
        },
        "revisions": {
            "base": rev.base_sha,
            "base_ref": rev.base_ref,
            "base_files": list(rev.base_files),
            "head": rev.head_sha,
            "head_dirty": rev.head_dirty,
        },
        "notes": list(facts.notes),
        "metrics": [_metric(d, sig.get(d.key)) for d in diffs],
        "gates": [
            {
                "gate": g.gate.text,
                "key": g.key,
                "passed": g.passed,
                "detail": g.detail,
                # Where the metric is written: `check --json` annotates that file.
                "file": facts.sources.get(g.key),
            }
            for g in gates
        ],
        "predictions": _predictions(facts),
        "calibration": calibration_json(facts.predictions),
        "confusion_delta": confusion_json(facts.predictions),
        "groups": groups_json(facts.predictions),
        "slices": slices_json(facts.slices, facts.tables),
        "drift": _drift(facts),
    }
    if name is not None:
        doc = {"version": JSON_VERSION, "name": name} | doc
    if report is not None:
        doc["report"] = {"file": report[0], "sha256": report[1]}
    if facts.history is not None:
        from cmlreport.report.historyview import add_history

        add_history(doc, facts.history)
    return json.dumps(doc, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
