"""``--predictions``: the files read at head and at base, evaluated, joined to the runs' metrics.

The base run's file is ``--base-predictions`` when given, else the same path at the base
revision (as the metrics files are read, see :mod:`cmlreport.report.runs`). A base file that is
missing or unreadable there is a note, not an error: a base that main broke must not block the
pull request that fixes it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from cmlreport.errors import GitError, InputError
from cmlreport.files import MAX_INPUT_BYTES, decode_text, read_bytes
from cmlreport.metrics.model import MetricSet, Significance
from cmlreport.report.budget import Section
from cmlreport.report.runs import NO_BASE_NOTE, Runs, with_uncommitted

if TYPE_CHECKING:
    from cmlreport.metrics.predictions import ColumnFlags, Predictions
    from cmlreport.metrics.significance import PredictionResults
    from cmlreport.report.build import ReportOptions


@dataclass(frozen=True)
class PredictionOptions:
    path: str
    base_path: str | None
    columns: ColumnFlags
    resamples: int = 1000
    seed: int = 0


def evaluate_files(
    opts: PredictionOptions, runs: Runs, cwd: Path
) -> tuple[PredictionResults, list[str]]:
    """The predictions at head and base, evaluated, and notes on how the base was found."""
    from cmlreport.metrics.groups import check_slice_flags
    from cmlreport.metrics.prediction_rows import predictions_format
    from cmlreport.metrics.predictions import parse_predictions
    from cmlreport.metrics.significance import evaluate_predictions

    predictions_format(opts.path)  # a wrong extension fails before the file is read
    check_slice_flags(opts.columns.slice_by)
    head = parse_predictions(opts.path, read_rows_file(cwd, opts.path), opts.columns)
    notes: list[str] = []
    if opts.base_path is not None:
        base_text = read_rows_file(cwd, opts.base_path)
        base: Predictions | None = parse_predictions(opts.base_path, base_text, opts.columns)
    else:
        base = _at_base(opts, runs, cwd, notes)
    results = evaluate_predictions(
        head, base, resamples=opts.resamples, seed=opts.seed, slice_by=opts.columns.slice_by
    )
    return results, [*notes, *results.notes]


def read_rows_file(cwd: Path, path: str) -> str | bytes:
    """A predictions or drift file: its text, or a Parquet file's bytes."""
    return rows_data(path, read_bytes(cwd / path, path, limit=MAX_INPUT_BYTES))


def rows_data(path: str, data: bytes) -> str | bytes:
    from cmlreport.metrics.prediction_rows import is_binary

    return data if is_binary(path) else decode_text(data, path)


def _at_base(
    opts: PredictionOptions, runs: Runs, cwd: Path, notes: list[str]
) -> Predictions | None:
    from cmlreport import baseline
    from cmlreport.metrics.predictions import parse_predictions

    sha = runs.revisions.base_sha
    if sha is None:
        return None
    try:
        blob = baseline.read_file_at(sha, opts.path, cwd, limit=MAX_INPUT_BYTES)
        if blob is None:
            notes.append(
                f"{opts.path} does not exist at base {sha[:7]}: its metrics are new "
                "(give --base-predictions FILE to compare with another file)."
            )
            return None
        return parse_predictions(opts.path, rows_data(opts.path, blob), opts.columns)
    except (InputError, GitError) as exc:
        reason = exc.message.removeprefix(f"{opts.path}: ")
        notes.append(
            f"{opts.path} at base {sha[:7]} cannot be read ({reason}): treated as missing."
        )
        return None


def join_runs(runs: Runs, results: PredictionResults, notes: list[str]) -> Runs:
    """The runs with the ``predictions.*`` metrics and the per-class table added."""
    from cmlreport.metrics.significance import TABLE

    taken = [k for k in runs.head.scalars if k.startswith(("predictions.", "groups."))]
    if TABLE in runs.head.tables:
        taken.append(TABLE)
    if taken:
        where = runs.head.sources.get(taken[0], "a metrics file")
        raise InputError(
            f"{where}: key '{taken[0]}' is also a metric computed from --predictions; "
            "rename it in the metrics file"
        )
    head = _join(runs.head, results.head)
    base = runs.base
    kept = runs.notes
    if results.base is not None:
        if base is None:  # --no-base with --base-predictions: only the predictions have a base
            source = results.base.sources.get("predictions", "the base predictions")
            said = (
                "--no-base: the metrics files' values are new; the predictions are compared "
                f"with {source}."
            )
            kept = tuple(said if n == NO_BASE_NOTE else n for n in kept)
        base = _join(base, results.base) if base is not None else results.base
    return replace(runs, head=head, base=base, notes=(*kept, *notes))


def _join(metrics: MetricSet, extra: MetricSet) -> MetricSet:
    return MetricSet(
        scalars={**metrics.scalars, **extra.scalars},
        tables={**metrics.tables, **extra.tables},
        sources={**metrics.sources, **extra.sources},
        logs=metrics.logs,
    )


def significance_of(runs: Runs, predicted: PredictionResults | None) -> dict[str, Significance]:
    """Intervals from the predictions, and Wilson's for accuracies given with a count."""
    from cmlreport.metrics.proportions import wilson_intervals

    from_predictions = predicted.significance if predicted is not None else {}
    base = runs.base.scalars if runs.base is not None else None
    skip = frozenset(predicted.head.scalars) if predicted is not None else frozenset()
    return {**wilson_intervals(runs.head.scalars, base, skip=skip), **from_predictions}


def prediction_files(predicted: PredictionResults | None) -> tuple[str, str | None]:
    """The head and base predictions files (None: no base compared)."""
    if predicted is None:
        return "", None
    base = predicted.base.sources.get("predictions") if predicted.base else None
    return predicted.head.sources.get("predictions", ""), base


def prediction_sections(
    predicted: PredictionResults | None, charts: str, output: Path, files: list[Path]
) -> list[Section]:
    """The predictions, calibration, grown confusions and groups sections; the charts they
    draw are added to ``files``."""
    if predicted is None:
        return []
    from cmlreport.report.calibration_view import calibration_section, confusion_section
    from cmlreport.report.groups_view import group_section
    from cmlreport.report.noise import predictions_section

    sections = [predictions_section(predicted, *prediction_files(predicted))]
    sections += [
        s
        for s in (
            calibration_section(predicted, charts, output, files),
            confusion_section(predicted, charts, output, files),
        )
        if s is not None
    ]
    sections += [group_section(g, predicted.significance) for g in predicted.derived.groups]
    return sections


def with_prediction_files(runs: Runs, opts: PredictionOptions, cwd: Path) -> Runs:
    """The footer names a base read from a file, and a predictions file not committed."""
    runs = with_uncommitted(runs, [Path(opts.path)], cwd)
    files = (opts.base_path,) if opts.base_path else ()
    return replace(runs, revisions=replace(runs.revisions, base_files=files))


def column_flags(opts: ReportOptions) -> ColumnFlags:
    """The --predictions column flags of ``opts``."""
    from cmlreport.metrics.predictions import ColumnFlags

    return ColumnFlags(
        opts.true_column, opts.pred_column, opts.score_column, opts.id_column, opts.slice_by
    )


def check_prediction_flags(opts: ReportOptions) -> None:
    """Column flags without --predictions are refused: they would do nothing."""
    if opts.predictions is not None:
        return
    named = {
        "--base-predictions": opts.base_predictions,
        "--true-column": opts.true_column,
        "--pred-column": opts.pred_column,
        "--score-column": opts.score_column,
        "--id-column": opts.id_column,
        "--slice-by": ", ".join(opts.slice_by) or None,
    }
    for flag, value in named.items():
        if value is not None:
            raise InputError(f"{flag}: give --predictions FILE too (the head run's predictions)")
