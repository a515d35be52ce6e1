"""The per-class (slice) section of the report: counts, a delta histogram and the top movers."""

from __future__ import annotations

from collections.abc import Sequence

from cmlreport.metrics.slices import Histogram, SliceDelta, SliceSummary
from cmlreport.metrics.table_diff import TableDiff
from cmlreport.report.budget import Section
from cmlreport.report.charts import Chart, chart_markdown
from cmlreport.report.columns import column
from cmlreport.report.escape import md_text
from cmlreport.report.format import direction_hint, fmt_delta, fmt_value, plural

_BLOCKS = "▁▂▃▄▅▆▇█"


def sparkline_histogram(hist: Histogram, precision: int) -> str:
    """The delta histogram as one line of text: readable without any image hosting."""
    peak = max(hist.counts)
    bars = "".join(
        " " if c == 0 else _BLOCKS[min(len(_BLOCKS) - 1, (c * len(_BLOCKS) - 1) // peak)]
        for c in hist.counts
    )
    lo, hi = fmt_delta(hist.edges[0], precision), fmt_delta(hist.edges[-1], precision)
    return f"Δ histogram: `{lo} {bars} {hi}` (peak {peak:,} labels per bin)"


def table_change(t: TableDiff) -> str:
    """What moved in a per-class table, in words: "24 values changed in 12 of 80 labels"."""
    if not t.n_labels:
        return f"removed ({plural(t.labels_removed, 'label')} at base)"
    parts = [f"{plural(t.cells_changed, 'value')} changed in {t.labels_changed:,} of "]
    parts[0] += plural(t.n_labels, "label")
    if t.labels_added or t.labels_removed:
        parts.append(f"{t.labels_added:,} new, {t.labels_removed:,} removed labels")
    if t.columns_added:
        parts.append(f"new columns: {', '.join(t.columns_added)}")
    if t.columns_removed:
        parts.append(f"removed columns: {', '.join(t.columns_removed)}")
    return "; ".join(parts)


def tables_fact(tables: Sequence[TableDiff]) -> str | None:
    """The per-class part of the report's summary line, or None when no table moved."""
    moved = [t for t in tables if t.changed]
    if not moved:
        return None
    cells = sum(t.cells_changed for t in moved)
    added = sum(t.labels_added for t in moved)
    removed = sum(t.labels_removed for t in moved)
    bits = []
    if cells:
        labels = sum(t.labels_changed for t in moved)
        bits.append(f"{plural(cells, 'per-class value')} changed in {plural(labels, 'label')}")
    if added or removed:
        bits.append(f"{added:,} new and {removed:,} removed per-class labels")
    where = f" ({plural(len(moved), 'table')})" if len(moved) > 1 else ""
    return (", ".join(bits) or "per-class columns changed") + where


def _slice_rows(rows: Sequence[SliceDelta], precision: int, has_support: bool) -> list[str]:
    head = "| label | support | base | head | Δ |" if has_support else "| label | base | head | Δ |"
    sep = "|:--|--:|--:|--:|--:|" if has_support else "|:--|--:|--:|--:|"
    out = [head, sep]
    values = column([v for r in rows for v in (r.old, r.new)], precision)
    deltas = column([r.delta for r in rows], precision)
    for r in rows:
        cells = [md_text(r.label)]
        if has_support:
            cells.append(fmt_value(r.support, 0) if r.support is not None else "")
        cells += [
            values.value(r.old) if r.old is not None else "—",
            values.value(r.new),
            deltas.delta(r.delta),
        ]
        out.append("| " + " | ".join(cells) + " |")
    return out


def slice_section(
    s: SliceSummary, chart: Chart | None, precision: int, changes: TableDiff | None = None
) -> Section:
    """``changes`` counts every column's moves, where the rankings follow one column."""
    title = f"### Slices: {md_text(s.table)} · {md_text(s.metric)}"
    lines = [title, ""]
    if not s.has_base:
        lines.append(
            f"{plural(s.n_labels, 'label')} at head; no base table to compare with "
            "(new in this branch)."
        )
        return Section(f"slices {md_text(s.table)}", "\n".join(lines))
    facts = [f"{plural(s.n_labels, 'label')}", f"{s.n_compared:,} compared"]
    if s.n_low_support:
        facts.append(f"{s.n_low_support:,} below support {fmt_value(s.min_support, 2)} left out")
    thr = fmt_value(s.threshold, precision)
    facts.append(
        f"**{s.n_regressed:,} worse** and {s.n_improved:,} better by more than {thr} "
        f"({direction_hint(s.direction)})"
    )
    if s.mean_delta is not None and s.median_delta is not None:
        facts.append(
            f"mean Δ {fmt_delta(s.mean_delta, precision)}, "
            f"median Δ {fmt_delta(s.median_delta, precision)}"
        )
    if changes is not None and changes.cells_changed:
        facts.append(f"{plural(changes.cells_changed, 'value')} changed across all columns")
    if s.n_new or s.n_removed:
        facts.append(f"{s.n_new:,} new, {s.n_removed:,} removed labels")
    lines.append(" · ".join(facts))
    if s.histogram.counts:
        lines += ["", sparkline_histogram(s.histogram, precision)]
    if chart is not None:
        lines += ["", chart_markdown(chart)]
    has_support = s.support_column is not None
    if s.regressions:
        lines += ["", f"**Top {len(s.regressions)} regressions**", ""]
        lines += _slice_rows(s.regressions, precision, has_support)
    if s.improvements:
        # Secondary to the regressions a reviewer must see: folded, one click away.
        lines += ["", f"<details><summary>Top {len(s.improvements)} improvements</summary>", ""]
        lines += [*_slice_rows(s.improvements, precision, has_support), "", "</details>"]
    return Section(f"slices {md_text(s.table)}", "\n".join(lines))
