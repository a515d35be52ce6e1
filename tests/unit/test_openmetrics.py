"""GitLab's metrics report: `name value` lines the MR widget compares, whatever the names."""

from __future__ import annotations

import re

from cmlreport.metrics.diff import diff_metrics
from cmlreport.metrics.direction import Directions
from cmlreport.metrics.gates import evaluate_gates, parse_gates
from cmlreport.report.openmetrics import metric_name, metrics_text

LINE = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]* (?:-?[0-9.e+-]+|NaN|[+-]Inf)$")


def text_of(head: dict[str, object], *gates: str) -> str:
    diffs = diff_metrics({}, head, Directions.from_patterns((), ()))  # type: ignore[arg-type]
    return metrics_text(diffs, evaluate_gates(parse_gates(list(gates), []), diffs))


def test_the_heads_numbers_and_the_gate_counts_one_line_each() -> None:
    text = text_of({"eval.f1": 0.8, "eval.loss": 0.25, "epochs": 15, "note": "text", "ok": True},
                   "eval.f1 < 0.9")  # fmt: skip
    assert text.splitlines() == [
        "eval_f1 0.8",
        "eval_loss 0.25",
        "epochs 15",
        "cmlreport_gates_passed 0",
        "cmlreport_gates_failed 1",
    ]


def test_hostile_names_cannot_add_lines_comments_or_labels() -> None:
    hostile = {
        "x 1\nevil 999": 1.0,
        '# TYPE a counter\nb{le="1"}': 2.0,
        "9lives": 3.0,
        "ünï/cödé": float("nan"),
        "": float("inf"),
    }
    lines = text_of(hostile).splitlines()
    assert len(lines) == len(hostile)
    assert all(LINE.match(line) for line in lines), lines
    assert metric_name("9lives") == "_9lives"


def test_names_that_read_the_same_are_kept_apart() -> None:
    lines = text_of({"a/b": 1, "a.b": 2, "a b": 3}).splitlines()
    assert lines == ["a_b 1", "a_b_2 2", "a_b_3 3"]
