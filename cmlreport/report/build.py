"""Reads the runs, builds the report and writes it: what `cmlreport report` and `demo` run."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from cmlreport.ci import CiContext
from cmlreport.errors import InputError
from cmlreport.metrics.diff import MetricDiff, diff_metrics
from cmlreport.metrics.direction import Directions
from cmlreport.metrics.gates import GateResult, evaluate_gates, parse_gates
from cmlreport.metrics.logs import LogValues
from cmlreport.metrics.slices import SliceSummary, pick_metric_column, summarize_slices
from cmlreport.metrics.table_diff import diff_tables
from cmlreport.output import append_text, write_text
from cmlreport.report.budget import (
    GITHUB_COMMENT_LIMIT,
    GITLAB_NOTE_LIMIT,
    STEP_SUMMARY_LIMIT,
    cut_markdown,
)
from cmlreport.report.charts import draw_charts, plot_images
from cmlreport.report.drift import drift_directions, drift_sections, drift_verdicts
from cmlreport.report.history import history_sections, with_history
from cmlreport.report.jsonview import ReportFacts, report_json_beside
from cmlreport.report.logcurves import draw_log_curves
from cmlreport.report.markdown import ReportData, choose_headline, render_report
from cmlreport.report.predictions import (
    check_prediction_flags,
    column_flags,
    prediction_files,
    prediction_sections,
    significance_of,
)
from cmlreport.report.runs import Runs, Warn, load_runs
from cmlreport.settings import Settings

if TYPE_CHECKING:
    from cmlreport.metrics.drift import DriftComparison
    from cmlreport.metrics.significance import PredictionResults
    from cmlreport.report.discover import DvcProject


@dataclass(frozen=True)
class ReportOptions:
    metrics: tuple[str, ...]
    plots: tuple[str, ...] = ()
    base: str | None = None
    no_base: bool = False
    label_column: str | None = None
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
    budget: int = GITHUB_COMMENT_LIMIT
    charts: str = "png"  # png | mermaid | none
    log_values: tuple[str, ...] = ()  # --log-value: which value of a logged column is its metric
    dvc: DvcProject | None = None  # where the metrics came from when no file was named
    predictions: str | None = None  # --predictions: per-example labels, evaluated here
    base_predictions: str | None = None  # else the same file at the base revision
    true_column: str | None = None
    pred_column: str | None = None
    score_column: str | None = None
    id_column: str | None = None
    resamples: int = 1000  # bootstrap resamples; 0: no intervals from predictions
    seed: int = 0
    significant: bool = False  # --significant: regression gates fail on significant drops only
    json_path: Path | None = None  # --json: the report as data
    name: str | None = None  # --name: the matrix leg, recorded in the JSON for `merge`
    history: int = 0  # --history N: the base branch's last N first-parent commits
    slice_by: tuple[str, ...] = ()  # --slice-by: group columns of the predictions file
    drift: tuple[str, ...] = ()  # --drift [NAME=]REFERENCE:CURRENT

    def with_settings(self, s: Settings) -> ReportOptions:
        """Flags win; settings fill in what the flags left at their defaults."""
        d = ReportOptions(metrics=self.metrics)
        return replace(
            self,
            title=self.title if self.title != d.title else (s.title or d.title),
            fail_if=self.fail_if + s.fail_if,
            fail_on_regression=self.fail_on_regression + s.fail_on_regression,
            directions=self.directions.then(
                Directions.from_patterns(s.higher_is_better, s.lower_is_better)
            ),
            headline=self.headline or s.headline,
            log_values=self.log_values + s.log_value,  # rules in order: flags first
            slice_metric=self.slice_metric or s.slice_metric,
            min_support=_pick(self.min_support, d.min_support, s.min_support),
            slice_threshold=_pick(self.slice_threshold, d.slice_threshold, s.slice_threshold),
            top=int(_pick(self.top, d.top, s.top)),
            precision=int(_pick(self.precision, d.precision, s.precision)),
        )


def _pick(flag: float, default: float, setting: float | None) -> float:
    return setting if flag == default and setting is not None else flag


@dataclass
class BuiltReport:
    markdown: str
    full_markdown: str
    diffs: list[MetricDiff]
    gates: list[GateResult]
    files: list[Path] = field(default_factory=list)
    full_path: Path | None = None  # where the uncut report was written, when it was cut
    facts: ReportFacts | None = None  # what --json writes

    @property
    def gates_failed(self) -> list[GateResult]:
        return [g for g in self.gates if not g.passed]

    @property
    def was_cut(self) -> bool:
        return self.markdown != self.full_markdown


def write_report(opts: ReportOptions, ci: CiContext, cwd: Path, warn: Warn) -> BuiltReport:
    """Read the runs, build the report and write it: the report file, the uncut copy when the
    report was cut, and the CI's job summary when there is one."""
    parse_gates(opts.fail_if, opts.fail_on_regression)  # bad gate text fails before any git work
    check_prediction_flags(opts)
    values = LogValues.parse(opts.log_values, opts.directions)
    runs = load_runs(
        opts.metrics,
        opts.base,
        opts.no_base,
        ci,
        cwd,
        warn,
        label_column=opts.label_column,
        log_values=values,
        dvc=opts.dvc,
    )
    predicted = None
    if opts.predictions is not None:
        predicted, runs = _with_predictions(opts, runs, cwd)
    # After the predictions: their metrics are head's too, and have a history.
    runs = with_history(runs, opts, values, ci, cwd)
    drift: list[DriftComparison] = []
    if opts.drift:
        from cmlreport.report.drift import join_drift, read_drift, with_drift_files

        drift = read_drift(opts.drift, cwd)
        runs = with_drift_files(join_drift(runs, drift), drift, cwd)
    output = opts.output
    full_path = output.with_name(f"{output.stem}.full{output.suffix or '.md'}")
    hint = full_path.name
    if ci.step_summary_path:
        hint = f"the job summary{f' of {ci.run_url}' if ci.run_url else ''} and {full_path.name}"
    built = build_report(runs, opts, full_report_hint=hint, predictions=predicted, drift=drift)
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        write_text(output, built.markdown)
        if built.was_cut:
            write_text(full_path, built.full_markdown)
            built.full_path = full_path
        elif full_path.exists():
            full_path.unlink()  # a stale uncut copy from an earlier run would mislead
        if ci.step_summary_path:
            where = (built.full_path or output).name
            summary = cut_markdown(built.full_markdown, STEP_SUMMARY_LIMIT, where)
            append_text(ci.step_summary_path, summary + "\n")
        if opts.json_path is not None and built.facts is not None:
            write_text(opts.json_path, report_json_beside(built.facts, output, name=opts.name))
            built.files.append(opts.json_path)
    except OSError as exc:
        raise InputError(
            f"cannot write the report to {exc.filename or output}: {exc.strerror}"
        ) from exc
    return built


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


def _with_predictions(opts: ReportOptions, runs: Runs, cwd: Path) -> tuple[PredictionResults, Runs]:
    from cmlreport.report.predictions import (
        PredictionOptions,
        evaluate_files,
        join_runs,
        with_prediction_files,
    )

    assert opts.predictions is not None
    columns = column_flags(opts)
    popts = PredictionOptions(
        opts.predictions, opts.base_predictions, columns, opts.resamples, opts.seed
    )
    results, notes = evaluate_files(popts, runs, cwd)
    return results, join_runs(with_prediction_files(runs, popts, cwd), results, notes)


def build_report(
    runs: Runs,
    opts: ReportOptions,
    full_report_hint: str | None = None,
    predictions: PredictionResults | None = None,
    drift: Sequence[DriftComparison] = (),
) -> BuiltReport:
    sections, drift_files = drift_sections(drift, opts.charts, opts.output)
    directions = opts.directions.then(drift_directions(drift))
    gates = parse_gates(opts.fail_if, opts.fail_on_regression)  # before any work: fail fast
    base_scalars = runs.base.scalars if runs.base is not None else {}
    diffs = diff_metrics(base_scalars, runs.head.scalars, directions)
    significance = significance_of(runs, predictions)
    from cmlreport.metrics.uncomputed import not_computed

    history = runs.history.metrics if runs.history else None
    results = evaluate_gates(gates, diffs, history, not_computed(predictions, drift))
    if opts.significant:
        from cmlreport.metrics.noise_gates import apply_significance

        results = apply_significance(results, diffs, significance)
    slices = _slice_summaries(runs, opts, directions)
    images = plot_images(opts.plots, opts.output)
    headline = choose_headline(diffs, opts.headline, [r.key for r in results])
    charts, slice_charts, files = draw_charts(headline, slices, opts.charts, opts.output)
    curve_images, curve_charts, curve_files = draw_log_curves(
        runs.head, runs.base, opts.charts, opts.output
    )
    data = ReportData(
        title=opts.title,
        diffs=diffs,
        headline=opts.headline,
        gates=results,
        slices=slices,
        tables=diff_tables(runs.base.tables, runs.head.tables) if runs.base is not None else (),
        slice_charts=slice_charts,
        charts=charts + curve_charts,
        images=curve_images + images,
        revisions=runs.revisions,
        notes=runs.notes,
        precision=opts.precision,
        full_report_hint=full_report_hint,
        significance=significance,
        verdicts=drift_verdicts(drift),
        sections=prediction_sections(predictions, opts.charts, opts.output, files)
        + history_sections(runs.history, headline, opts, files)
        + sections,
    )
    markdown = render_report(data, opts.budget)
    full = render_report(data, max(opts.budget, GITLAB_NOTE_LIMIT))
    facts = ReportFacts(
        *(diffs, results, runs.revisions, significance, predictions),
        *(prediction_files(predictions), runs.notes, runs.history, runs.head.sources, drift),
        *(slices, data.tables),
    )
    every_file = files + curve_files + drift_files
    return BuiltReport(markdown, full, diffs, results, every_file, facts=facts)
