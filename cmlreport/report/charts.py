"""The report's automatic charts: PNG files written next to it, or mermaid blocks."""

# PNG files (matplotlib, imported only here and only when drawing) or mermaid blocks that need no
# image hosting at all.

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cmlreport.errors import InputError
from cmlreport.metrics.diff import MetricDiff, Verdict, is_number
from cmlreport.metrics.slices import SliceSummary
from cmlreport.output import write_text
from cmlreport.report.escape import md_link_target, md_text

MAX_HEADLINE_BARS = 12
IMAGE_SUFFIXES = (".png", ".svg", ".jpg", ".jpeg", ".gif", ".webp")


@dataclass(frozen=True)
class Image:
    alt: str
    src: str  # a path relative to the report file, or a URL


@dataclass(frozen=True)
class Chart:
    """A picture for a section: an image reference or a ready mermaid block."""

    title: str
    image: Image | None = None
    mermaid: str | None = None


def chart_markdown(chart: Chart) -> str:
    if chart.mermaid:
        return chart.mermaid
    assert chart.image is not None
    return image_markdown(chart.image)


def image_markdown(image: Image) -> str:
    return f"![{md_text(image.alt)}]({md_link_target(image.src)})"


def relative_link(target: Path, report_dir: Path) -> str:
    """How the report links a file: relative to the report, so it renders locally too."""
    return Path(os.path.relpath(target.resolve(), report_dir.resolve())).as_posix()


def find_images(paths: Sequence[str]) -> list[Path]:
    found: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            found += sorted(
                f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in IMAGE_SUFFIXES
            )
        elif p.is_file():
            if p.suffix.lower() not in IMAGE_SUFFIXES:
                raise InputError(
                    f"--plot {raw}: not an image ({', '.join(IMAGE_SUFFIXES)}); "
                    "draw one with `cmlreport plot`"
                )
            found.append(p)
        else:
            raise InputError(f"--plot {raw}: no such file or directory")
    return list(dict.fromkeys(found))


def _good(d: MetricDiff) -> bool | None:
    if d.verdict is Verdict.BETTER:
        return True
    return False if d.verdict is Verdict.WORSE else None


def _safe_name(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in name)[:80] or "table"


def _moved(headline: Sequence[MetricDiff]) -> list[MetricDiff]:
    """Numeric headline metrics with a finite relative change: what a change chart can show."""
    numeric = [d for d in headline if is_number(d.new)][:MAX_HEADLINE_BARS]
    return [d for d in numeric if d.rel_delta is not None and math.isfinite(d.rel_delta)]


def draw_charts(
    headline: Sequence[MetricDiff],
    slices: Sequence[SliceSummary],
    kind: str,
    report_path: Path,
) -> tuple[list[Chart], dict[str, Chart], list[Path]]:
    """Headline change chart and one delta histogram per slice table.

    ``kind`` is png, mermaid or none. Returns the headline charts, the slice charts by table
    name, and the files written.
    """
    if kind == "none":
        return [], {}, []
    moved = _moved(headline)
    percents = [100 * (d.rel_delta or 0.0) for d in moved]
    if kind == "mermaid":
        return (*_mermaid(moved, percents, slices), [])
    from cmlreport.plots import figures

    report_dir = report_path.parent
    plot_dir = report_dir / f"{report_path.stem}-plots"
    plot_dir.mkdir(parents=True, exist_ok=True)
    headline_charts: list[Chart] = []
    slice_charts: dict[str, Chart] = {}
    files: list[Path] = []
    mermaid_headline, mermaid_slices = _mermaid(moved, percents, slices)
    if moved:
        path = plot_dir / "headline.png"
        path.write_bytes(
            figures.headline_changes([d.key for d in moved], percents, [_good(d) for d in moved])
        )
        files += [path, _sidecar(path, mermaid_headline[0])]
        alt = "Headline metrics: change vs base"
        headline_charts.append(Chart("headline", image=Image(alt, relative_link(path, report_dir))))
    for s in slices:
        if not s.deltas:
            continue
        path = plot_dir / f"slices-{_safe_name(s.table)}.png"
        path.write_bytes(figures.delta_histogram(s.deltas, s.metric, threshold=s.threshold))
        files.append(path)
        if s.table in mermaid_slices:
            files.append(_sidecar(path, mermaid_slices[s.table]))
        alt = f"Per-class {s.metric} deltas ({s.table})"
        slice_charts[s.table] = Chart(s.table, image=Image(alt, relative_link(path, report_dir)))
    return headline_charts, slice_charts, files


def _sidecar(png: Path, chart: Chart) -> Path:
    """X.mmd next to X.png: `send-comment --images mermaid` swaps the picture for it."""
    path = png.with_suffix(".mmd")
    write_text(path, (chart.mermaid or "").rstrip() + "\n")
    return path


def _mermaid(
    moved: Sequence[MetricDiff], percents: Sequence[float], slices: Sequence[SliceSummary]
) -> tuple[list[Chart], dict[str, Chart]]:
    from cmlreport.plots import mermaid

    headline_charts: list[Chart] = []
    if moved:
        block = mermaid.bar_chart(
            "Headline metrics: change vs base (%)", [d.key for d in moved], percents, y_label="%"
        )
        headline_charts.append(Chart("headline", mermaid=block))
    slice_charts: dict[str, Chart] = {}
    for s in slices:
        if s.histogram.counts:
            block = mermaid.bar_chart(
                f"Per-class {s.metric} delta (labels per bin)",
                [f"{e:+.2f}" for e in s.histogram.edges[:-1]],
                [float(c) for c in s.histogram.counts],
                y_label="labels",
            )
            slice_charts[s.table] = Chart(s.table, mermaid=block)
    return headline_charts, slice_charts


def plot_images(plots: Sequence[str], output: Path) -> list[Image]:
    """The --plot images, titled by their file names, linked from the report's folder."""
    return [
        Image(p.stem.replace("_", " ").replace("-", " "), relative_link(p, output.parent))
        for p in find_images(plots)
    ]
