"""The three renderings of `cmlreport diff`: markdown, JSON (machine-readable), terminal table."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Sequence

from cmlreport.metrics.diff import MetricDiff, Status, Verdict
from cmlreport.metrics.direction import Direction
from cmlreport.metrics.model import Scalar
from cmlreport.metrics.table_diff import TableDiff
from cmlreport.report.columns import column
from cmlreport.report.escape import md_text
from cmlreport.report.format import fmt_percent, mark
from cmlreport.report.markdown import metrics_table_lines
from cmlreport.report.slices import table_change

# Lines printed at a time: a million-row diff is never held as one string.
_BATCH = 10_000


def visible(diffs: Sequence[MetricDiff], show_all: bool) -> list[MetricDiff]:
    """Like `dvc metrics diff`: unchanged metrics only with --all."""
    return [d for d in diffs if show_all or d.status is not Status.UNCHANGED]


def json_number(value: Scalar | float) -> Scalar | str:
    """A number JSON can hold: NaN and infinities become strings (the information kept, the
    document valid)."""
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    return value


def to_json(diffs: Sequence[MetricDiff]) -> str:
    return "".join(json_chunks(diffs))


def json_chunks(diffs: Sequence[MetricDiff], size: int = 10_000) -> Iterator[str]:
    """``to_json`` in pieces of ``size`` keys, to print as they come: a million keys are 64 MB
    of text, not to be held twice. The text is ``json.dumps(entries, indent=2)``'s, byte for
    byte (a test holds it to that), written directly: ``indent`` selects the pure-Python
    encoder, and a dict per key costs more memory than the key itself."""
    if not diffs:
        yield "{}"
        return
    for start in range(0, len(diffs), size):
        lead = "{\n" if start == 0 else ",\n"
        yield lead + ",\n".join(map(_entry, diffs[start : start + size]))
    yield "\n}"


def _entry(d: MetricDiff) -> str:
    old, new, delta, rel = d.old, d.new, d.delta, d.rel_delta
    if (
        type(old) is float
        and type(new) is float
        and type(delta) is float
        and type(rel) is float
        and _finite(old + new + delta + rel)
    ):  # a changed number, most keys of a large diff: float repr is what json writes
        ends = _DIRECTION[d.direction], _VERDICT[d.verdict]
        return _CHANGED_ENTRY % (_key(d.key), old, new, delta, rel, *ends)
    text = f'  {_string(d.key)}: {{\n    "status": {_STATUS[d.status]}'
    if d.has_old:
        text += f',\n    "old": {_value(d.old)}'
    if d.has_new:
        text += f',\n    "new": {_value(d.new)}'
    if d.delta is not None:
        text += f',\n    "diff": {_value(d.delta)}'
    if d.rel_delta is not None:
        text += f',\n    "rel_diff": {_value(d.rel_delta)}'
    text += f',\n    "direction": {_DIRECTION[d.direction]}'
    return f'{text},\n    "verdict": {_VERDICT[d.verdict]}\n  }}'


_finite = math.isfinite
_string = json.JSONEncoder(ensure_ascii=False).encode
_key = json.encoder.encode_basestring  # _string of a str, without its Python-level call
# One % format: cheaper than joining f-strings, 300,000 times (%r of a float is its repr).
_CHANGED_ENTRY = (
    '  %s: {\n    "status": "changed",\n    "old": %r,\n    "new": %r,\n    "diff": %r,\n'
    '    "rel_diff": %r,\n    "direction": %s,\n    "verdict": %s\n  }'
)
_STATUS = {s: _string(s.value) for s in Status}
_DIRECTION = {d: _string(d.value) for d in Direction}
_VERDICT = {v: _string(v.value) for v in Verdict}


def _value(value: Scalar | float) -> str:
    """One scalar as JSON (float and int by their repr, as json writes them)."""
    return _string(json_number(value))


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
    return "".join(markdown_chunks(diffs, precision, tables)).removesuffix("\n")


def markdown_chunks(
    diffs: Sequence[MetricDiff], precision: int, tables: Sequence[TableDiff] = ()
) -> Iterator[str]:
    """The markdown table in pieces of whole lines, each ending in a newline."""
    if not diffs:
        nothing = "_No scalar metric changed._" if any(t.changed for t in tables) else None
        yield _with_tables(nothing or "_No metric changed._", tables, markdown=True) + "\n"
        return
    batch: list[str] = []
    for line in metrics_table_lines(diffs, precision):
        batch.append(line)
        if len(batch) == _BATCH:
            yield "\n".join(batch) + "\n"
            batch.clear()
    if batch:
        yield "\n".join(batch) + "\n"
    if moved := _with_tables("", tables, markdown=True):
        yield moved.removeprefix("\n") + "\n"


def to_table(diffs: Sequence[MetricDiff], precision: int, tables: Sequence[TableDiff] = ()) -> str:
    return "".join(table_chunks(diffs, precision, tables)).removesuffix("\n")


def table_chunks(
    diffs: Sequence[MetricDiff], precision: int, tables: Sequence[TableDiff] = ()
) -> Iterator[str]:
    """The terminal table in pieces of whole lines (each ending in a newline), printed as they
    come: a million changed keys are never one string."""
    if not diffs:
        nothing = "No scalar metric changed." if any(t.changed for t in tables) else None
        yield _with_tables(nothing or "No metric changed.", tables, markdown=False) + "\n"
        return
    yield from _terminal_table(diffs, precision)
    if moved := _with_tables("", tables, markdown=False):
        yield moved.removeprefix("\n") + "\n"


def _terminal_table(diffs: Sequence[MetricDiff], precision: int) -> Iterator[str]:
    from cmlreport.report.textgrid import text_table_chunks

    values = column((v for d in diffs for v in (d.old, d.new)), precision)
    deltas = column((d.delta for d in diffs), precision)
    columns = [
        [d.key for d in diffs],
        [values.value(d.old) if d.has_old else "-" for d in diffs],
        [values.value(d.new) if d.has_new else "-" for d in diffs],
        [deltas.delta(d.delta) for d in diffs],
        [fmt_percent(d.rel_delta) for d in diffs],
        [mark(d) for d in diffs],
    ]
    headers = ["Metric", "Base", "Head", "Change", "Change %", ""]
    return text_table_chunks(headers, columns, (False, True, True, True, True, False))
