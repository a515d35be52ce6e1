"""The report's metrics as GitLab's metrics report: ``name value`` lines for the MR widget.

GitLab reads a job's ``artifacts:reports:metrics`` file (OpenMetrics text) and shows each
metric of the merge request beside the target branch's. A metric's name is hostile text, so
it is rewritten to what the format allows (``[a-zA-Z_:][a-zA-Z0-9_:]*``, every other
character ``_``, at most 200 characters): no name can start a line, a comment or a label.
Two keys that read the same afterwards keep apart by a suffix (``_2``). Values are the head's
numbers only (booleans and text are not metrics there); the gates' counts come last.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

from cmlreport.metrics.diff import MetricDiff, is_number
from cmlreport.metrics.gates import GateResult

NAME_LIMIT = 200
_NOT_NAME = re.compile(r"[^a-zA-Z0-9_:]")


def metric_name(key: str) -> str:
    """``eval/f1@0.5`` -> ``eval_f1_0_5``: a name GitLab's metrics report takes."""
    name = _NOT_NAME.sub("_", key)[:NAME_LIMIT] or "_"
    return name if not name[0].isdigit() else "_" + name[: NAME_LIMIT - 1]


def metrics_text(diffs: Sequence[MetricDiff], gates: Sequence[GateResult]) -> str:
    """One ``name value`` line per numeric metric at head, then the gates passed and failed."""
    lines: list[str] = []
    taken: set[str] = set()
    suffixes: dict[str, int] = {}  # the next suffix to try per name: 10,000 clashes stay linear

    def add(key: str, value: float) -> None:
        name = metric_name(key)
        if name in taken:
            number = suffixes.get(name, 2)
            while f"{name}_{number}" in taken:
                number += 1
            suffixes[name] = number + 1
            name = f"{name}_{number}"
        taken.add(name)
        lines.append(f"{name} {_value(value)}")

    for diff in diffs:
        if diff.has_new and is_number(diff.new):
            add(diff.key, float(diff.new))  # type: ignore[arg-type]
    if gates:
        failed = sum(1 for g in gates if not g.passed)
        add("cmlreport_gates_passed", float(len(gates) - failed))
        add("cmlreport_gates_failed", float(failed))
    return "\n".join(lines) + "\n" if lines else ""


def _value(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
