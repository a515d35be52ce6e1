"""The calibration and confusion-delta sections of the report, with their charts.

Markdown from values; the PNG charts (``--charts png``) are written next to the report as the
other automatic charts are, a mermaid line chart stands in with ``--charts mermaid``, and the
per-bin table (in ``<details>``) is the text every mode keeps.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from cmlreport.metrics.model import Significance
from cmlreport.report.budget import Section
from cmlreport.report.charts import Image, image_markdown, relative_link
from cmlreport.report.escape import md_text

if TYPE_CHECKING:
    from cmlreport.metrics.calibration import Reliability
    from cmlreport.metrics.confusion_delta import ConfusionDelta
    from cmlreport.metrics.significance import PredictionResults


def plot_path(output: Path, name: str) -> Path:
    folder = output.parent / f"{output.stem}-plots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / name


def _value(key: str, head: float, base: float | None, s: Significance | None) -> str:
    text = f"head {head:.4f}"
    if s is not None and s.ci_low is not None and s.ci_high is not None:
        text += f" [{s.ci_low:.4f}, {s.ci_high:.4f}]"
    if base is not None:
        text = f"base {base:.4f} → {text}, Δ {head - base:+.4f}"
        if s is not None and s.delta_ci_low is not None and s.delta_ci_high is not None:
            verdict = "**significant**" if s.significant else "within noise"
            text += f" [{s.delta_ci_low:+.4f}, {s.delta_ci_high:+.4f}], {verdict}"
    return text


def calibration_section(
    results: PredictionResults, charts: str, output: Path, files: list[Path]
) -> Section | None:
    from cmlreport.metrics.calibration import BINNING, BRIER

    cal = results.derived.calibration
    if cal is None:
        return None
    head, base = cal.scalars(cal.head), cal.scalars(cal.base) if cal.base is not None else None
    lines = ["### Calibration", ""]
    for name, label in (("ece", "Expected calibration error"), ("brier", "Brier score")):
        key = f"predictions.{name}"
        old = base[name] if base is not None else None
        lines.append(f"- {label}: {_value(key, head[name], old, results.significance.get(key))}")
    lines += [
        "",
        f"ECE: {BINNING}; Brier score ({cal.definition}): {BRIER[cal.definition]}. "
        "Lower is better for both.",
    ]
    if cal.note:
        lines += ["", md_text(cal.note)]
    reliability = cal.reliability()
    if chart := _reliability_chart(reliability, charts, output, files):
        lines += ["", chart]
    lines += ["", _bins_table(*reliability)]
    return Section("calibration", "\n".join(lines))


def _reliability_chart(
    runs: tuple[Reliability, Reliability | None], charts: str, output: Path, files: list[Path]
) -> str | None:
    head, base = runs
    named = [("base", base), ("head", head)] if base is not None else [("head", head)]
    if charts == "mermaid":
        from cmlreport.plots import mermaid

        bins = len(head.counts)
        centers = [(i + 0.5) / bins for i in range(bins)]
        series = {name: [float(a) for a in r.accuracy] for name, r in named if r is not None}
        return mermaid.line_chart(
            "Reliability: accuracy per confidence bin", centers, series, "confidence", "accuracy"
        )
    if charts != "png":
        return None
    from cmlreport.plots.calibration import reliability_diagram

    lines = [
        (n, list(map(float, r.confidence)), list(map(float, r.accuracy))) for n, r in named if r
    ]
    path = plot_path(output, "reliability.png")
    path.write_bytes(reliability_diagram(len(head.counts), lines))
    files.append(path)
    alt = "Reliability diagram: base vs head"
    return image_markdown(Image(alt, relative_link(path, output.parent)))


def _bins_table(head: Reliability, base: Reliability | None) -> str:
    bins = len(head.counts)
    rows = [
        "| confidence bin | base n | base conf. | base acc. | head n | head conf. | head acc. |"
    ]
    rows.append("|:--|--:|--:|--:|--:|--:|--:|")

    def cells(r: Reliability | None, i: int) -> str:
        if r is None or r.counts[i] == 0:
            return f"{0 if r is not None else '—'} | — | —"
        return f"{int(r.counts[i]):,} | {r.confidence[i]:.3f} | {r.accuracy[i]:.3f}"

    for i in range(bins):
        rows.append(
            f"| ({i / bins:.3f}, {(i + 1) / bins:.3f}] | {cells(base, i)} | {cells(head, i)} |"
        )
    body = "\n".join(rows)
    return f"<details><summary>Reliability per bin</summary>\n\n{body}\n\n</details>"


def confusion_section(
    results: PredictionResults, charts: str, output: Path, files: list[Path]
) -> Section | None:
    delta = results.derived.confusion
    if delta is None:
        return None
    lines = ["### Confusions that grew", ""]
    if not delta.top:
        lines.append("No (true → predicted) confusion grew from base to head.")
        return Section("confusions that grew", "\n".join(lines))
    if delta.scale != 1.0:
        lines += [
            f"The runs have different numbers of examples: base's counts are scaled by "
            f"{delta.scale:.3g} to head's before the difference.",
            "",
        ]
    lines += ["| true | predicted | base | head | Δ |", "|:--|:--|--:|--:|--:|"]
    for c in delta.top:
        d = f"+{c.delta:,.0f}" if delta.scale == 1.0 else f"{c.delta:+,.1f}"
        lines.append(f"| {md_text(c.true)} | {md_text(c.pred)} | {c.base:,} | {c.head:,} | {d} |")
    if charts == "png":
        lines += ["", _heatmap(delta, output, files)]
    return Section("confusions that grew", "\n".join(lines))


def _heatmap(delta: ConfusionDelta, output: Path, files: list[Path]) -> str:
    from cmlreport.plots.calibration import confusion_delta_heatmap

    labels = list(delta.heatmap_classes)
    path = plot_path(output, "confusion-delta.png")
    path.write_bytes(confusion_delta_heatmap(labels, delta.heatmap.tolist()))
    files.append(path)
    alt = f"Confusion matrix, head minus base ({len(labels)} classes of the grown confusions)"
    return image_markdown(Image(alt, relative_link(path, output.parent)))
