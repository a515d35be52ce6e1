"""The markdown report: sections in a fixed order, cut at a section boundary to fit a budget."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from cmlreport.metrics.diff import MetricDiff, Status, Verdict
from cmlreport.metrics.direction import Direction
from cmlreport.metrics.gates import GateResult
from cmlreport.metrics.model import Scalar, Significance
from cmlreport.metrics.slices import SliceSummary
from cmlreport.metrics.table_diff import TableDiff
from cmlreport.report.budget import GITHUB_COMMENT_LIMIT, Section, fit
from cmlreport.report.charts import Chart, Image, chart_markdown, image_markdown
from cmlreport.report.columns import Column, column
from cmlreport.report.escape import html_attr, md_code, md_text
from cmlreport.report.footer import Revisions, footer
from cmlreport.report.format import (
    direction_hint,
    fmt_percent,
    mark,
    plural,
    short_sha,
)
from cmlreport.report.noise import (
    NOISE_HEADER,
    NOISE_RULE,
    interval_note,
    noise_cells,
    noise_fact,
)
from cmlreport.report.slices import slice_section, tables_fact

HEADLINE_LIMIT = 15
OWN_SECTION = ("drift.",)  # prefixes of metrics a section of their own shows


@dataclass(frozen=True)
class ReportData:
    title: str
    diffs: Sequence[MetricDiff]
    headline: Sequence[str] = ()  # patterns picking headline keys; empty = automatic
    gates: Sequence[GateResult] = ()
    slices: Sequence[SliceSummary] = ()
    tables: Sequence[TableDiff] = ()  # what moved inside each per-class table
    slice_charts: dict[str, Chart] = field(default_factory=dict)  # table name -> histogram
    charts: Sequence[Chart] = ()  # headline chart(s)
    images: Sequence[Image] = ()  # --plot files
    revisions: Revisions = field(default_factory=Revisions)
    notes: Sequence[str] = ()  # one-line facts: "no base revision: every metric is new"
    precision: int = 4
    full_report_hint: str | None = None  # where the uncut report lives, for the cut notice
    significance: Mapping[str, Significance] = field(default_factory=dict)  # key -> intervals
    sections: Sequence[Section] = ()  # more sections after the headline (predictions)
    verdicts: Sequence[str] = ()  # one-line verdicts for the first line ("drift: no drift")


def choose_headline(
    diffs: Sequence[MetricDiff], patterns: Sequence[str], gate_keys: Sequence[str]
) -> list[MetricDiff]:
    """Named patterns if given; else everything when small; else gate keys then biggest moves."""
    if patterns:
        return [
            d for d in diffs if any(d.key == p or fnmatch.fnmatchcase(d.key, p) for p in patterns)
        ]
    gate_set = set(gate_keys)
    # Drift statistics have their own section, and an unchanged row or a text value (a model
    # name) is no news: in the headline only when a gate names them; all are in the details.
    diffs = [
        d
        for d in diffs
        if d.key in gate_set
        or (not d.key.startswith(OWN_SECTION) and d.status is not Status.UNCHANGED and d.numeric)
    ]
    if len(diffs) <= HEADLINE_LIMIT:
        return list(diffs)
    chosen = [d for d in diffs if d.key in gate_set]
    others = [d for d in diffs if d.key not in gate_set]
    # A counter that moved (more samples, a later epoch) is not news: it waits with the rest.
    counter = Direction.COUNTER
    moved = [d for d in others if d.status is not Status.UNCHANGED and d.direction is not counter]
    moved.sort(key=lambda d: -abs(d.rel_delta if d.rel_delta is not None else (d.delta or 0.0)))
    picked = {id(d) for d in moved}
    rest = [d for d in others if id(d) not in picked]
    return (chosen + moved + rest)[: max(HEADLINE_LIMIT, len(chosen))]


def metrics_table(
    diffs: Sequence[MetricDiff],
    precision: int,
    significance: Mapping[str, Significance] | None = None,
) -> str:
    """The metrics as a table; with ``significance`` for some of them, three more columns:
    head's 95 % interval, the delta's, and whether the delta is noise."""
    return "\n".join(metrics_table_lines(diffs, precision, significance))


def metrics_table_lines(
    diffs: Sequence[MetricDiff],
    precision: int,
    significance: Mapping[str, Significance] | None = None,
) -> Iterator[str]:
    """``metrics_table`` line by line, so a million-row diff is printed as it is written."""
    noise = significance if significance and any(d.key in significance for d in diffs) else {}
    yield "| metric | base | head | Δ | Δ % | |" + (NOISE_HEADER if noise else "")
    yield "|:--|--:|--:|--:|--:|:--|" + (NOISE_RULE if noise else "")
    values = column((v for d in diffs for v in (d.old, d.new)), precision)
    deltas = column((d.delta for d in diffs), precision)
    for d in diffs:
        row = _metric_row(d, values, deltas)
        yield row + noise_cells(noise.get(d.key), values, deltas) if noise else row


def _value_cell(value: Scalar, values: Column) -> str:
    # A number is written in digits, sign, point and "e": nothing to escape (a third of the
    # time of a 300,000-row table was escaping them).
    text = values.value(value)
    return md_text(text) if isinstance(value, str) else text


def _metric_row(d: MetricDiff, values: Column, deltas: Column) -> str:
    base = _value_cell(d.old, values) if d.has_old else "—"
    head = _value_cell(d.new, values) if d.has_new else "—"
    name = md_text(d.key)
    if d.numeric:
        # Hovering the name tells which way is better; text values have no direction.
        name = f'<span title="{html_attr(direction_hint(d.direction))}">{name}</span>'
    return (
        f"| {name} | {base} | {head} | "
        f"{deltas.delta(d.delta)} | {fmt_percent(d.rel_delta)} | {mark(d)} |"
    )


def _summary_line(data: ReportData) -> str:
    parts: list[str] = []
    if data.gates:
        failed = [g for g in data.gates if not g.passed]
        parts.append(
            f"❌ **{len(failed)} of {plural(len(data.gates), 'gate')} failed**: {_named(failed)}"
            if failed
            else f"✅ {plural(len(data.gates), 'gate')} passed"
        )
    better = sum(1 for d in data.diffs if d.verdict is Verdict.BETTER)
    worse = sum(1 for d in data.diffs if d.verdict is Verdict.WORSE)
    changed = sum(1 for d in data.diffs if d.status is Status.CHANGED)
    # Drift statistics are computed at head only: "new" every time, so not counted as news.
    added = sum(
        1 for d in data.diffs if d.status is Status.ADDED and not d.key.startswith(OWN_SECTION)
    )
    parts.append(f"{plural(changed, 'metric')} changed ({better} better, {worse} worse)")
    if added:
        parts.append(f"{added} new")
    if fact := tables_fact(data.tables):
        parts.append(fact)
    if noise := noise_fact(data.diffs, data.significance):
        parts.append(noise)
    parts += [md_text(v) for v in data.verdicts]
    rev = data.revisions
    if rev.base_sha:
        ref = f" {md_text(rev.base_ref)}" if rev.base_ref else ""
        parts.append(f"vs base{ref} `{short_sha(rev.base_sha)}`")
    return " · ".join(parts)


def _named(failed: Sequence[GateResult], most: int = 3) -> str:
    """The first failed gates by name, so the first line says why the job is red."""
    texts = [g.gate.text if len(g.gate.text) <= 60 else g.gate.text[:59] + "…" for g in failed]
    names = [md_code(text) for text in texts[:most]]
    more = f" and {len(failed) - most} more" if len(failed) > most else ""
    return ", ".join(names) + more


def _gates_section(gates: Sequence[GateResult]) -> Section:
    failed = [g for g in gates if not g.passed]
    head = (
        f"### ❌ Gates: {len(failed)} of {len(gates)} failed"
        if failed
        else f"### ✅ Gates: all {len(gates)} passed"
    )
    lines = [head, "", "| | gate | result |", "|:-:|:--|:--|"]
    # Failures first: they are why the job is red.
    for g in sorted(gates, key=lambda g: g.passed):
        icon = "✅" if g.passed else "❌"
        lines.append(f"| {icon} | {md_code(g.gate.text)} | {md_text(g.detail)} |")
    return Section("gates", "\n".join(lines), required=True)


def _headline_section(data: ReportData, chosen: Sequence[MetricDiff]) -> Section:
    lines = ["### Headline metrics", ""]
    if not chosen and not data.headline and data.diffs:
        lines.append("_No metric changed; every metric is in the details below._")
    elif not chosen:
        lines.append("_No metrics matched the headline selection._")
    else:
        lines.append(metrics_table(chosen, data.precision, data.significance))
        if note := interval_note(chosen, data.significance):
            lines += ["", note]
        if len(chosen) < len(data.diffs):
            lines += ["", f"_{len(chosen)} of {len(data.diffs):,} metrics shown; all are below._"]
    for chart in data.charts:
        lines += ["", chart_markdown(chart)]
    return Section("headline", "\n".join(lines), required=True)


def _images_section(images: Sequence[Image]) -> Section:
    first, *rest = images
    lines = ["### Plots", "", f"**{md_text(first.alt)}**", "", image_markdown(first), ""]
    if rest:
        # The first plot stays open; the others are one click away, so the comment stays short.
        names = ", ".join(md_text(img.alt) for img in rest)
        lines += [f"<details><summary>{len(rest)} more: {names}</summary>", ""]
        for img in rest:
            lines += [f"**{md_text(img.alt)}**", "", image_markdown(img), ""]
        lines.append("</details>")
    return Section("plots", "\n".join(lines).rstrip())


# The shortest a metrics table row can be (every cell empty) plus its newline: a table of n rows
# holds at least n times this, so one that cannot fit the budget need not be formatted.
_MIN_ROW_CHARS = len("|  |  |  |  |  |  |\n")


def _all_metrics_sections(data: ReportData, budget: int) -> list[Section]:
    moved = [d for d in data.diffs if d.status is not Status.UNCHANGED]
    total = len(data.diffs)

    def details(rows: Sequence[MetricDiff], label: str) -> str:
        if len(rows) * _MIN_ROW_CHARS > budget:
            # Too long whatever the values: the cut only compares its length with the budget.
            return "x" * (budget + 1)
        body = metrics_table(rows, data.precision, data.significance)
        return f"<details><summary>{label}</summary>\n\n{body}\n\n</details>"

    full = details(data.diffs, f"All metrics ({total:,}; {len(moved):,} changed or new)")
    shorter: list[tuple[str, str]] = []
    if len(moved) < total:
        label = f"Changed metrics ({len(moved):,} of {total:,})"
        shorter.append((details(moved, label), f"{total - len(moved):,} unchanged metrics"))
    for n in (1000, 200, 50):
        if n < len(moved):
            label = f"Changed metrics (first {n:,} of {len(moved):,} changed; {total:,} in all)"
            shorter.append((details(moved[:n], label), f"{total - n:,} rows of all metrics"))
    return [Section("all metrics", full, shorter=tuple(shorter))]


# A line of its own, as written: text quoted mid-line (in a hand-edited report) never counts.
# ASCII digits, at most 9: int() refuses over 4,300 digits; a longer count is no marker of ours.
_GATES_MARKER = re.compile(
    r"^<!-- cmlreport-gates: passed=([0-9]{1,9}) failed=([0-9]{1,9}) -->$", re.MULTILINE
)


def gates_marker(gates: Sequence[GateResult]) -> str:
    """Hidden in the report so `cmlreport check` can set its conclusion from the file alone."""
    failed = sum(1 for g in gates if not g.passed)
    return f"<!-- cmlreport-gates: passed={len(gates) - failed} failed={failed} -->"


def read_gates_marker(md: str) -> tuple[int, int] | None:
    """(passed, failed) as recorded by ``gates_marker``, or None for a report without gates."""
    m = _GATES_MARKER.search(md)
    return (int(m[1]), int(m[2])) if m else None


def build_sections(data: ReportData, budget: int = GITHUB_COMMENT_LIMIT) -> list[Section]:
    title = f"## {md_text(data.title)}\n\n{_summary_line(data)}"
    if data.gates:
        title = f"{gates_marker(data.gates)}\n{title}"
    sections = [Section("title", title, required=True)]
    if data.notes:
        notes = "\n".join(f"> {md_text(n)}" for n in data.notes)
        sections.append(Section("notes", notes, required=True))
    if data.gates:
        sections.append(_gates_section(data.gates))
    chosen = choose_headline(data.diffs, data.headline, [g.key for g in data.gates])
    sections.append(_headline_section(data, chosen))
    sections += data.sections
    for s in data.slices:
        changes = next((t for t in data.tables if t.name == s.table), None)
        sections.append(slice_section(s, data.slice_charts.get(s.table), data.precision, changes))
    if data.images:
        sections.append(_images_section(data.images))
    if len(chosen) < len(data.diffs):  # else the details would only repeat the headline
        sections += _all_metrics_sections(data, budget)
    return sections


def render_report(data: ReportData, budget: int = GITHUB_COMMENT_LIMIT) -> str:
    return fit(build_sections(data, budget), footer(data.revisions), budget, data.full_report_hint)
