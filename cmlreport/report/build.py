"""Wires the pure pieces to files, git and plots: what `cmlreport report` and `demo` run.

This is the one place that reads metrics at head and at base, resolves the base revision and
draws the automatic charts; the CLI only parses flags and maps errors to exit codes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from cmlreport.ci import CiContext
from cmlreport.errors import GitError, InputError
from cmlreport.files import decode_text
from cmlreport.metrics.diff import MetricDiff, diff_metrics
from cmlreport.metrics.direction import Directions
from cmlreport.metrics.gates import GateResult, evaluate_gates, parse_gates
from cmlreport.metrics.load import (
    clashing_keys,
    detect_format,
    merge_metric_sets,
    parse_metrics,
    read_metric_files,
    size_limit,
)
from cmlreport.metrics.model import MetricSet
from cmlreport.metrics.slices import SliceSummary, pick_metric_column, summarize_slices
from cmlreport.report.charts import draw_charts, relative_link
from cmlreport.report.markdown import (
    GITLAB_NOTE_LIMIT,
    Image,
    ReportData,
    Revisions,
    choose_headline,
    render_report,
)
from cmlreport.settings import Settings

IMAGE_SUFFIXES = (".png", ".svg", ".jpg", ".jpeg", ".gif", ".webp")
Warn = Callable[[str], None]


@dataclass(frozen=True)
class ReportOptions:
    metrics: tuple[str, ...]
    plots: tuple[str, ...] = ()
    base: str | None = None
    no_base: bool = False
    output: Path = Path("report.md")
    title: str = "Metrics report"
    fail_if: tuple[str, ...] = ()
    fail_on_regression: tuple[str, ...] = ()
    directions: Directions = field(default_factory=Directions)
    headline: tuple[str, ...] = ()
    slice_metric: str | None = None
    min_support: float = 0.0
    slice_threshold: float = 0.05
    top: int = 10
    precision: int = 4
    budget: int = 65_536
    charts: str = "png"  # png | mermaid | none

    def with_settings(self, s: Settings) -> ReportOptions:
        """Flags win; settings fill in what the flags left at their defaults."""
        d = ReportOptions(metrics=self.metrics)
        return ReportOptions(
            metrics=self.metrics,
            plots=self.plots,
            base=self.base,
            no_base=self.no_base,
            output=self.output,
            title=self.title if self.title != d.title else (s.title or d.title),
            fail_if=self.fail_if + s.fail_if,
            fail_on_regression=self.fail_on_regression + s.fail_on_regression,
            directions=self.directions.then(
                Directions.from_patterns(s.higher_is_better, s.lower_is_better)
            ),
            headline=self.headline or s.headline,
            slice_metric=self.slice_metric or s.slice_metric,
            min_support=_pick(self.min_support, d.min_support, s.min_support),
            slice_threshold=_pick(self.slice_threshold, d.slice_threshold, s.slice_threshold),
            top=int(_pick(self.top, d.top, s.top)),
            precision=int(_pick(self.precision, d.precision, s.precision)),
            budget=self.budget,
            charts=self.charts,
        )


def _pick(flag: float, default: float, setting: float | None) -> float:
    return setting if flag == default and setting is not None else flag


@dataclass(frozen=True)
class Runs:
    """Head and base metrics with where they came from."""

    head: MetricSet
    base: MetricSet | None
    revisions: Revisions
    notes: tuple[str, ...] = ()


@dataclass
class BuiltReport:
    markdown: str
    full_markdown: str
    diffs: list[MetricDiff]
    gates: list[GateResult]
    files: list[Path] = field(default_factory=list)

    @property
    def gates_failed(self) -> list[GateResult]:
        return [g for g in self.gates if not g.passed]

    @property
    def was_cut(self) -> bool:
        return self.markdown != self.full_markdown


def load_runs(opts: ReportOptions, ci: CiContext, cwd: Path, warn: Warn) -> Runs:
    from cmlreport import baseline

    head_sets = read_metric_files(opts.metrics)
    head = merge_metric_sets(head_sets)
    run_url = ci.run_url
    try:
        head_sha: str | None = baseline.head_sha(cwd)
    except GitError:
        head_sha = None
    if opts.no_base:
        return Runs(
            head,
            None,
            Revisions(head_sha=head_sha, run_url=run_url),
            ("--no-base: every metric is shown as new.",),
        )
    try:
        base_rev = baseline.resolve_base(opts.base, ci, cwd)
    except GitError as exc:
        if opts.base is not None:
            raise
        warn(f"no base revision, every metric is shown as new: {exc.message}")
        note = f"No base revision to compare with: {exc.message}"
        return Runs(head, None, Revisions(head_sha=head_sha, run_url=run_url), (note,))
    notes: list[str] = []
    sets: list[tuple[str, MetricSet]] = []
    # Same names as head (read_metric_files already dropped duplicates and normalised paths).
    for path, _ in head_sets:
        try:
            blob = baseline.read_file_at(
                base_rev.sha, path, cwd, limit=size_limit(detect_format(path))
            )
            if blob is None:
                notes.append(
                    f"{path} does not exist at base {base_rev.sha[:7]}: its metrics are new."
                )
                continue
            sets.append((path, parse_metrics(path, decode_text(blob, path))))
        except InputError as exc:
            # A base that main broke must not block the pull request that fixes it.
            reason = exc.message.removeprefix(f"{path}: ")
            notes.append(
                f"{path} at base {base_rev.sha[:7]} cannot be read ({reason}): treated as missing."
            )
    base: MetricSet | None = None
    if sets:
        # A key that clashes at one revision only must still get the same name at both.
        both = clashing_keys(head_sets) | clashing_keys(sets)
        base = merge_metric_sets(sets, prefix_keys=both)
        head = merge_metric_sets(head_sets, prefix_keys=both)
    revisions = Revisions(
        base_sha=base_rev.sha,
        base_ref=base_rev.ref,
        base_how=base_rev.how,
        head_sha=head_sha,
        run_url=run_url,
    )
    return Runs(head, base, revisions, tuple(notes))


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


def _slice_summaries(runs: Runs, opts: ReportOptions, directions: Directions) -> list[SliceSummary]:
    out: list[SliceSummary] = []
    wanted = opts.slice_metric
    if (
        wanted
        and runs.head.tables
        and not any(wanted in t.columns for t in runs.head.tables.values())
    ):
        raise InputError(f"--slice-metric {wanted!r}: no per-class table has that column")
    for name, table in runs.head.tables.items():
        base_table = runs.base.tables.get(name) if runs.base is not None else None
        metric = wanted if wanted and wanted in table.columns else None
        column = pick_metric_column(table, metric)
        out.append(
            summarize_slices(
                table,
                base_table,
                metric=column,
                direction=directions.of(f"{name}.{column}"),
                top_n=opts.top,
                min_support=opts.min_support,
                threshold=opts.slice_threshold,
            )
        )
    return out


def build_report(
    runs: Runs, opts: ReportOptions, full_report_hint: str | None = None
) -> BuiltReport:
    directions = opts.directions
    gates = parse_gates(opts.fail_if, opts.fail_on_regression)  # before any work: fail fast
    base_scalars = runs.base.scalars if runs.base is not None else {}
    diffs = diff_metrics(base_scalars, runs.head.scalars, directions)
    results = evaluate_gates(gates, diffs)
    slices = _slice_summaries(runs, opts, directions)
    images = [
        Image(p.stem.replace("_", " ").replace("-", " "), relative_link(p, opts.output.parent))
        for p in find_images(opts.plots)
    ]
    headline = choose_headline(diffs, opts.headline, [r.key for r in results])
    charts, slice_charts, files = draw_charts(headline, slices, opts.charts, opts.output)
    data = ReportData(
        title=opts.title,
        diffs=diffs,
        headline=opts.headline,
        gates=results,
        slices=slices,
        slice_charts=slice_charts,
        charts=charts,
        images=images,
        revisions=runs.revisions,
        notes=runs.notes,
        precision=opts.precision,
        full_report_hint=full_report_hint,
    )
    markdown = render_report(data, opts.budget)
    full = render_report(data, max(opts.budget, GITLAB_NOTE_LIMIT))
    return BuiltReport(markdown, full, diffs, results, files)
