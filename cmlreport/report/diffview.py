"""The three renderings of `cmlreport diff`: markdown, JSON (machine-readable), terminal table."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any

from cmlreport.metrics.diff import MetricDiff, Status
from cmlreport.metrics.model import Scalar
from cmlreport.metrics.table_diff import TableDiff
from cmlreport.report.columns import column
from cmlreport.report.escape import md_text
from cmlreport.report.format import fmt_percent, mark
from cmlreport.report.markdown import metrics_table
from cmlreport.report.slices import table_change


def visible(diffs: Sequence[MetricDiff], show_all: bool) -> list[MetricDiff]:
    """Like `dvc metrics diff`: unchanged metrics only with --all."""
    return [d for d in diffs if show_all or d.status is not Status.UNCHANGED]


def json_number(value: Scalar | float) -> Scalar | str:
    # JSON has no NaN/Infinity; strings keep the information and the document valid.
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    return value


def to_json(diffs: Sequence[MetricDiff]) -> str:
    out: dict[str, dict[str, Any]] = {}
    for d in diffs:
        entry: dict[str, Any] = {"status": d.status.value}
        if d.has_old:
            entry["old"] = json_number(d.old)
        if d.has_new:
            entry["new"] = json_number(d.new)
        if d.delta is not None:
            entry["diff"] = json_number(d.delta)
        if d.rel_delta is not None:
            entry["rel_diff"] = json_number(d.rel_delta)
        entry["direction"] = d.direction.value
        entry["verdict"] = d.verdict.value
        out[d.key] = entry
    return _indented(out)


def _indented(out: dict[str, dict[str, Any]]) -> str:
    """``json.dumps(out, indent=2)``, byte for byte, at the C encoder's speed: ``indent``
    selects the pure-Python encoder, 1 s for 100k keys. The entries hold scalars only, so
    the separators are the indentation."""
    if not out:
        return "{}"
    entry = json.JSONEncoder(
        ensure_ascii=False, allow_nan=False, separators=(",\n    ", ": ")
    ).encode
    key = json.JSONEncoder(ensure_ascii=False).encode
    lines = ",\n".join(
        f"  {key(k)}: {{\n    {entry(v)[1:-1]}\n  }}" if v else f"  {key(k)}: {{}}"
        for k, v in out.items()
    )
    return "{\n" + lines + "\n}"


def _with_tables(text: str, tables: Sequence[TableDiff], markdown: bool) -> str:
    """The per-class tables that moved, below the metrics: a changed cell is a change too."""
    moved = [t for t in tables if t.changed]
    if not moved:
        return text
    if markdown:
        lines = [f"- {md_text(t.name)}: {md_text(table_change(t))}" for t in moved]
    else:
        lines = [f"  {t.name}: {table_change(t)}" for t in moved]
    return "\n".join([text, "", "Per-class tables:", *lines])


def to_markdown(
    diffs: Sequence[MetricDiff], precision: int, tables: Sequence[TableDiff] = ()
) -> str:
    if not diffs:
        nothing = "_No scalar metric changed._" if any(t.changed for t in tables) else None
        return _with_tables(nothing or "_No metric changed._", tables, markdown=True)
    return _with_tables(metrics_table(diffs, precision), tables, markdown=True)


def to_table(diffs: Sequence[MetricDiff], precision: int, tables: Sequence[TableDiff] = ()) -> str:
    if not diffs:
        nothing = "No scalar metric changed." if any(t.changed for t in tables) else None
        return _with_tables(nothing or "No metric changed.", tables, markdown=False)
    return _with_tables(_terminal_table(diffs, precision), tables, markdown=False)


def _terminal_table(diffs: Sequence[MetricDiff], precision: int) -> str:
    from tabulate import tabulate

    values = column([v for d in diffs for v in (d.old, d.new)], precision)
    deltas = column([d.delta for d in diffs], precision)
    rows = [
        [
            d.key,
            values.value(d.old) if d.has_old else "-",
            values.value(d.new) if d.has_new else "-",
            deltas.delta(d.delta),
            fmt_percent(d.rel_delta),
            mark(d),
        ]
        for d in diffs
    ]
    return tabulate(
        rows,
        headers=["Metric", "Base", "Head", "Change", "Change %", ""],
        disable_numparse=True,
        colalign=("left", "right", "right", "right", "right", "left"),
    )
