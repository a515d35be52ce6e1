"""The report's drift section: each column's move in words, its figures, overlaid histograms.

Column names, file names and categories come from the files: escaped as markdown here
(``md_text``, ``md_code``) and in mermaid by ``mermaid_label``. PNG charts are written next to
the report (with the mermaid version beside them, as ``report.charts`` does); mermaid blocks
need no hosting.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from cmlreport.output import write_text
from cmlreport.report.budget import Section
from cmlreport.report.charts import Chart, Image, chart_markdown, relative_link
from cmlreport.report.escape import md_code, md_text
from cmlreport.report.format import plural

if TYPE_CHECKING:
    from cmlreport.metrics.drift import ColumnDrift, DriftComparison

MAX_CHARTS = 6  # overlaid histograms drawn; the figures of every column are in the table
MERMAID_BINS = 20
LABEL_CHARS = 60


def drift_section(
    comparisons: Sequence[DriftComparison], kind: str, report_path: Path
) -> tuple[Section, list[Path]]:
    """The section, and the chart files written (``kind``: png, mermaid or none)."""
    from cmlreport.metrics.drift import EPSILON, MAJOR_PSI, MODERATE_PSI, PSI_BINS

    lines = ["### Drift", ""]
    for comp in comparisons:
        lines += [
            f"**{md_text(comp.name)}**: {md_code(comp.reference)} (reference) → "
            f"{md_code(comp.current)} (current)",
            "",
            *(f"- {column_sentence(col)}" for col in comp.columns),
            "",
        ]
        if comp.unshared:
            shown = ", ".join(md_code(c) for c in comp.unshared[:10])
            more = f" and {len(comp.unshared) - 10:,} more" if len(comp.unshared) > 10 else ""
            lines += [f"Not compared (in one file only): {shown}{more}.", ""]
    charts, files = _charts(comparisons, kind, report_path)
    for chart in charts:
        lines += [chart_markdown(chart), ""]
    lines += [
        f"Verdict from PSI: below {MODERATE_PSI} no drift, {MODERATE_PSI} to {MAJOR_PSI} "
        f"moderate, above {MAJOR_PSI} major. PSI over {PSI_BINS} bins at the reference's "
        f"quantiles (an empty bin counts as {EPSILON:g}); JS: Jensen-Shannon distance (base 2) "
        "on the same bins, or on the categories; KS: two-sample Kolmogorov-Smirnov; χ²: "
        "test of the category counts.",
        "",
        "<details><summary>Drift figures</summary>",
        "",
        _table(comparisons),
        "",
        "</details>",
    ]
    return Section("drift", "\n".join(lines)), files


def column_sentence(col: ColumnDrift) -> str:
    """E.g. "`score`: mean 0.549 → 0.531, PSI 0.03, KS p = 0.21: no drift"."""
    head = md_code(col.column)
    missing = sum(col.missing)
    left_out = f" ({plural(missing, 'empty cell')} left out)" if missing else ""
    if col.why_not:
        return f"{head}: not compared: {md_text(col.why_not)}{left_out}"
    parts: list[str] = []
    if col.numeric is not None:
        n = col.numeric
        parts.append(f"mean {_num(n.reference_mean)} → {_num(n.current_mean)}")
        if n.binned is not None:
            parts.append(f"PSI {n.binned.psi:.2f}")
        parts.append(f"KS {n.ks:.2f} (p = {n.ks_p:.2g})")
    elif col.categorical is not None:
        c = col.categorical
        assert c.binned is not None
        moves = abs(c.binned.current - c.binned.reference)
        i = int(moves.argmax())
        parts.append(
            f"{md_code(c.categories[i])} {100 * c.binned.reference[i]:.1f} % → "
            f"{100 * c.binned.current[i]:.1f} % of rows "
            f"({plural(len(c.categories), 'category', 'categories')})"
        )
        parts.append(f"PSI {c.binned.psi:.2f}, χ² p = {c.chi2_p:.2g}")
    verdict = col.verdict
    if verdict is None:
        assert col.numeric is not None
        said = f": no PSI ({md_text(col.numeric.why_not_binned)})"
    else:
        said = f": **{verdict}**" if verdict != "no drift" else f": {verdict}"
    if col.drift_within_noise and col.psi_noise is not None:
        said += (
            f", but only {col.counts[0]:,} → {col.counts[1]:,} rows: sampling alone gives PSI up "
            f"to {col.psi_noise:.2g} (95 %), so this is no evidence of drift"
        )
    return f"{head}: {', '.join(parts)}{said}{left_out}"


def _num(value: float) -> str:
    if value != 0 and not 1e-3 <= abs(value) < 1e4:
        return f"{value:.3g}"
    return f"{value:.3f}"


def _table(comparisons: Sequence[DriftComparison]) -> str:
    from cmlreport.metrics.drift import figures

    stats = ("psi", "ks", "ks_p", "wasserstein", "js", "chi2", "chi2_p")
    lines = [
        "| drift | column | kind | rows | PSI | KS | KS p | Wasserstein | JS | χ² | χ² p |",
        "|:--|:--|:--|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for comp in comparisons:
        for col in comp.columns:
            values = figures(col)
            cells = [f"{values[s]:.4g}" if s in values else "" for s in stats]
            rows = f"{col.counts[0]:,} → {col.counts[1]:,}"
            lines.append(
                f"| {md_text(comp.name)} | {md_text(col.column)} | {col.kind} | {rows} | "
                + " | ".join(cells)
                + " |"
            )
    return "\n".join(lines)


def _charts(
    comparisons: Sequence[DriftComparison], kind: str, report_path: Path
) -> tuple[list[Chart], list[Path]]:
    drawn = [
        (comp, col) for comp in comparisons for col in comp.columns if col.samples is not None
    ][:MAX_CHARTS]
    if kind == "none" or not drawn:
        return [], []
    charts: list[Chart] = []
    files: list[Path] = []
    plot_dir = report_path.parent / f"{report_path.stem}-plots"
    for number, (comp, col) in enumerate(drawn, start=1):
        title = f"{_short(comp.name)}: {_short(col.column)}, reference vs current"
        block = _mermaid(col, title)
        if kind == "mermaid":
            charts.append(Chart(title, mermaid=block))
            continue
        from cmlreport.plots import figures

        assert col.samples is not None
        plot_dir.mkdir(parents=True, exist_ok=True)
        path = plot_dir / f"drift-{number}.png"
        label = title.replace("$", r"\$")  # a '$' pair would be matplotlib mathtext
        path.write_bytes(
            figures.score_overlay(
                col.samples[0].tolist(), col.samples[1].tolist(), "reference", "current", label
            )
        )
        sidecar = path.with_suffix(".mmd")
        write_text(sidecar, block.rstrip() + "\n")
        files += [path, sidecar]
        alt = f"Drift of {title}"
        charts.append(Chart(title, image=Image(alt, relative_link(path, report_path.parent))))
    return charts, files


def _mermaid(col: ColumnDrift, title: str) -> str:
    import numpy as np

    from cmlreport.plots import mermaid

    assert col.samples is not None
    reference, current = col.samples
    lo = min(float(reference.min()), float(current.min()))
    hi = max(float(reference.max()), float(current.max()))
    edges = np.linspace(lo, hi if hi > lo else lo + 1.0, MERMAID_BINS + 1)
    series = {
        name: [float(v) for v in np.histogram(values, edges, density=True)[0]]
        for name, values in (("reference", reference), ("current", current))
    }
    centers = [float(v) for v in (edges[:-1] + edges[1:]) / 2]
    return mermaid.line_chart(
        f"{title}, density", centers, series, x_label="value", y_label="density"
    )


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= LABEL_CHARS else text[: LABEL_CHARS - 1] + "…"
