"""The metrics of this run and of the base revision, read from the files and from git."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from cmlreport.ci import CiContext
from cmlreport.errors import GitError, InputError
from cmlreport.files import decode_text
from cmlreport.metrics.load import (
    clashing_keys,
    detect_format,
    merge_metric_sets,
    parse_metrics,
    read_metric_files,
    run_folder_files,
    size_limit,
)
from cmlreport.metrics.logs import LogValues, describe
from cmlreport.metrics.mlflow import parse_run
from cmlreport.metrics.model import MetricSet
from cmlreport.report.footer import Revisions

if TYPE_CHECKING:
    from cmlreport.report.discover import DvcProject
    from cmlreport.report.history import History

Warn = Callable[[str], None]


NO_BASE_NOTE = "--no-base: every metric is shown as new."


def with_uncommitted(runs: Runs, paths: Sequence[Path], cwd: Path) -> Runs:
    """The footer names head as uncommitted when another file the report read from the work
    tree (--predictions, --drift) differs from the commit it names."""
    from cmlreport import baseline

    rev = runs.revisions
    if rev.head_dirty or rev.head_sha is None or not baseline.uncommitted(paths, cwd):
        return runs
    return replace(runs, revisions=replace(rev, head_dirty=True))


@dataclass(frozen=True)
class Runs:
    """Head and base metrics with where they came from."""

    head: MetricSet
    base: MetricSet | None
    revisions: Revisions
    notes: tuple[str, ...] = ()
    history: History | None = None  # --history: the base branch's recent commits


def load_runs(
    paths: Sequence[str],
    base: str | None,
    no_base: bool,
    ci: CiContext,
    cwd: Path,
    warn: Warn,
    label_column: str | None = None,
    log_values: LogValues | None = None,
    dvc: DvcProject | None = None,
) -> Runs:
    """The metrics files at head and at the base revision (``base``, else the CI's target).

    ``label_column`` names the label column of per-class tables (``--label-column``);
    ``log_values`` says which value of a training log's column is its metric (default: last);
    with ``dvc`` (no file named, dvc.yaml declares them), also the files dvc.yaml declares at
    either revision that are not here: read at base only and shown as removed, as dvc does.
    """
    values = log_values or LogValues()
    head_sets = read_metric_files(paths, label_column=label_column, log_values=values)
    head = merge_metric_sets(head_sets)
    _check_label_column(label_column, head)
    logs = tuple(describe(log, values) for log in head.logs.values())
    reading = _Reading(label_column, values, dvc)
    runs = _with_base(head_sets, head, base, no_base, ci, cwd, warn, reading)
    return Runs(runs.head, runs.base, runs.revisions, logs + runs.notes)


@dataclass(frozen=True)
class _Reading:
    """How the files are read at both revisions."""

    label_column: str | None
    values: LogValues
    dvc: DvcProject | None = None


def _with_base(
    head_sets: list[tuple[str, MetricSet]],
    head: MetricSet,
    base: str | None,
    no_base: bool,
    ci: CiContext,
    cwd: Path,
    warn: Warn,
    reading: _Reading,
) -> Runs:
    from cmlreport import baseline

    try:
        head_sha: str | None = baseline.head_sha(cwd)
    except GitError:
        head_sha = None
    dirty = head_sha is not None and baseline.uncommitted([Path(n) for n, _ in head_sets], cwd)
    alone = Revisions(head_sha=head_sha, run_url=ci.run_url, head_dirty=dirty)
    if no_base:
        return Runs(head, None, alone, (NO_BASE_NOTE,))
    try:
        base_rev = baseline.resolve_base(base, ci, cwd)
    except GitError as exc:
        if base is not None:
            raise
        warn(f"no base revision, every metric is shown as new: {exc.message}")
        return Runs(head, None, alone, (f"No base revision to compare with: {exc.message}",))
    sets, removed, notes = _base_sets(base_rev.sha, head_sets, cwd, reading)
    base_set: MetricSet | None = None
    if sets:
        # A key that clashes at one revision only must still get the same name at both.
        both = clashing_keys(head_sets) | clashing_keys(sets)
        # A removed file's key that a file here holds is two metrics, as dvc shows them.
        both |= clashing_keys([*head_sets, *removed])
        base_set = merge_metric_sets(sets, prefix_keys=both)
        head = merge_metric_sets(head_sets, prefix_keys=both)
    revisions = Revisions(
        base_sha=base_rev.sha,
        base_ref=base_rev.ref,
        base_how=base_rev.how,
        head_sha=head_sha,
        run_url=ci.run_url,
        head_dirty=dirty,
    )
    return Runs(head, base_set, revisions, tuple(notes))


def _check_label_column(wanted: str | None, head: MetricSet) -> None:
    used = {table.label_column.lower() for table in head.tables.values()}
    if wanted and wanted.lower() not in used:
        found = ", ".join(f"{t.name!r} by {t.label_column!r}" for t in head.tables.values())
        raise InputError(
            f"--label-column {wanted!r}: no per-class table has that column"
            + (f" (labelled: {found})" if found else " (no metrics file holds a table)")
        )


def _base_sets(
    sha: str,
    head_sets: Sequence[tuple[str, MetricSet]],
    cwd: Path,
    reading: _Reading,
) -> tuple[list[tuple[str, MetricSet]], list[tuple[str, MetricSet]], list[str]]:
    """The files at base (the same paths; in a DVC project, what dvc.yaml declared there, as
    dvc reads it), the ones of them gone at head, and notes."""
    paths = [path for path, _ in head_sets]
    gone: list[str] = []
    if reading.dvc is not None:
        paths, gone = reading.dvc.files_at_base(sha, cwd)
    sets, notes = _read_at(sha, paths, cwd, reading)
    notes += [
        f"{path} is not declared by dvc.yaml at base {sha[:7]}: its metrics are new."
        for path, _ in head_sets
        if path not in paths
    ]
    removed, _ = _read_at(sha, gone, cwd, reading)  # not at base either: nothing to say
    notes += [
        f"{path} is gone at head: its metrics at base are shown as removed." for path, _ in removed
    ]
    return sets + removed, removed, notes


def _read_at(
    sha: str, paths: Sequence[str], cwd: Path, reading: _Reading
) -> tuple[list[tuple[str, MetricSet]], list[str]]:
    """The metrics files at ``sha``, under the names they have at head, and a note for each
    one missing or unreadable there."""
    from cmlreport import baseline

    sets: list[tuple[str, MetricSet]] = []
    notes: list[str] = []
    for path in paths:
        try:
            if (cwd / path).is_dir():
                found = _run_folder_at(sha, path, cwd, reading.values)
                if found is None:
                    notes.append(f"{path} does not exist at base {sha[:7]}: its metrics are new.")
                else:
                    sets.append((path, found))
                continue
            blob = baseline.read_file_at(sha, path, cwd, limit=size_limit(detect_format(path)))
            if blob is None:
                notes.append(f"{path} does not exist at base {sha[:7]}: its metrics are new.")
                continue
            text = decode_text(blob, path)
            parsed = parse_metrics(
                path, text, label_column=reading.label_column, log_values=reading.values
            )
            sets.append((path, parsed))
        except InputError as exc:
            # A base that main broke must not block the pull request that fixes it.
            reason = exc.message.removeprefix(f"{path}: ")
            notes.append(f"{path} at base {sha[:7]} cannot be read ({reason}): treated as missing.")
    return sets, notes


def _run_folder_at(sha: str, path: str, cwd: Path, values: LogValues) -> MetricSet | None:
    """An MLflow run folder at ``sha``: the files it has at head, those that exist there."""
    from cmlreport import baseline
    from cmlreport.files import MAX_INPUT_BYTES

    files: dict[str, str] = {}
    for rel in run_folder_files(cwd / path):
        blob = baseline.read_file_at(sha, f"{path}/{rel}", cwd, limit=MAX_INPUT_BYTES)
        if blob is not None:
            files[rel] = decode_text(blob, f"{path}/{rel}")
    return parse_run(path, files, values) if files else None
