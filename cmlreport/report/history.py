"""``report --history N``: the metrics files at the base branch's last N first-parent commits.

With ``--predictions``, the predictions file at each commit is evaluated too (the point metrics,
no bootstrap), so ``predictions.*`` and ``groups.*`` keys have a history like any other.

The history starts at the base commit (the merge base with HEAD, so a branch is compared with
main as it was when the branch left it) and follows first parents, so a merged branch's own
commits are not main's history. A shallow clone is deepened from origin when it can be, else
the report says how many points it found and how to get more.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from cmlreport.ci import CiContext
from cmlreport.errors import InputError
from cmlreport.files import MAX_INPUT_BYTES, decode_text
from cmlreport.metrics.diff import is_number
from cmlreport.metrics.gates import parse_gates
from cmlreport.metrics.history import MetricHistory, SigmaGate, summarize_all
from cmlreport.metrics.load import detect_format, merge_metric_sets, parse_metrics, size_limit
from cmlreport.metrics.logs import LogValues
from cmlreport.metrics.model import Scalar
from cmlreport.report.format import plural
from cmlreport.report.historyview import history_sections as history_sections

if TYPE_CHECKING:
    from cmlreport.git.command import Clone
    from cmlreport.git.history import Blob
    from cmlreport.metrics.predictions import ColumnFlags
    from cmlreport.report.build import ReportOptions
    from cmlreport.report.runs import Runs

MAX_HISTORY = 500
SIGMA_DEFAULT = 20  # commits read for an N-sigma gate when --history is not given
_FIXES = {"github": "actions/checkout with fetch-depth: 0", "gitlab": "GIT_DEPTH: 0"}


@dataclass(frozen=True)
class History:
    """What the base branch's history says of each numeric head metric."""

    ref: str  # the base branch as the report names it ("origin/main")
    requested: int
    commits: tuple[str, ...] = ()  # shas read, oldest first
    metrics: Mapping[str, MetricHistory] = field(default_factory=dict)
    notes: tuple[str, ...] = ()


def history_depth(opts: ReportOptions) -> int:
    """--history N, else ``SIGMA_DEFAULT`` when an N-sigma gate needs a history, else 0."""
    if opts.history:
        return opts.history
    gates = parse_gates((), opts.fail_on_regression)
    return SIGMA_DEFAULT if any(isinstance(g, SigmaGate) for g in gates) else 0


def with_history(
    runs: Runs,
    opts: ReportOptions,
    values: LogValues,
    ci: CiContext,
    cwd: Path,
) -> Runs:
    """``runs`` with the history the options ask for (none: unchanged); a ``--predictions``
    file is read at every commit too."""
    depth = history_depth(opts)
    if depth == 0:
        return runs
    if not 0 < depth <= MAX_HISTORY:
        raise InputError(f"--history {depth}: give a number of commits from 1 to {MAX_HISTORY}")
    rev = runs.revisions
    if rev.base_sha is None:
        note = "History: no base revision, so no history of the base branch to compare with."
        return replace(runs, history=History("", depth, notes=(note,)))
    from cmlreport.report.predictions import column_flags

    evaluated = (opts.predictions, column_flags(opts)) if opts.predictions else None
    reading = _Reading(opts.metrics, opts.label_column, values, runs.head.scalars, evaluated)
    history = read_history(rev.base_sha, rev.base_ref or rev.base_sha[:7], depth, reading, ci, cwd)
    return replace(runs, history=history)


@dataclass(frozen=True)
class _Reading:
    paths: Sequence[str]
    label_column: str | None
    values: LogValues
    head: Mapping[str, Scalar]
    predictions: tuple[str, ColumnFlags] | None = None  # the file and its columns

    def all_paths(self) -> list[str]:
        return [*self.paths, *(self.predictions[:1] if self.predictions else ())]

    def columns_of(self, path: str) -> ColumnFlags | None:
        """The predictions columns when ``path`` is the predictions file, else None."""
        if self.predictions is not None and path == self.predictions[0]:
            return self.predictions[1]
        return None

    def limit(self, path: str) -> int:
        """The largest version of ``path`` read: a predictions file may be larger."""
        if self.columns_of(path) is not None:
            return MAX_INPUT_BYTES
        return size_limit(detect_format(path))


def read_history(
    start: str, ref: str, depth: int, reading: _Reading, ci: CiContext, cwd: Path
) -> History:
    from cmlreport import baseline
    from cmlreport.git.command import Clone
    from cmlreport.git.history import read_files

    clone = Clone(baseline.repo_root(cwd), provider=ci.provider)
    shas, notes = _commits(clone, start, ref, depth, ci.provider)
    paths, rels, skipped = _paths(reading.all_paths(), clone.root, cwd)
    notes += skipped
    limit = max((reading.limit(p) for p in paths), default=0)
    names = [f"{sha}:{rel}" for sha in shas for rel in rels]
    blobs = read_files(clone, names, limit) if names else {}
    _say_evaluating(reading, paths, rels, blobs)
    per_commit, file_notes = _parse_all(shas, paths, rels, blobs, reading)
    notes += file_notes
    metrics = _metrics(per_commit, reading.head)
    partial = [k for k, h in metrics.items() if len(h.values) < len(per_commit)]
    if partial:
        notes.append(
            f"History: {plural(len(partial), 'metric')} missing at some commits (new or renamed "
            f"keys), e.g. {partial[0]!r}: only the commits that hold them count."
        )
    return History(ref, depth, tuple(reversed(shas)), metrics, tuple(notes))


PROGRESS_BYTES = 1 << 20  # predictions to evaluate from this size on: say so before the wait


def _say_evaluating(
    reading: _Reading, paths: Sequence[str], rels: Sequence[str], blobs: Mapping[str, Blob]
) -> None:
    """A line on stderr before the predictions' versions are evaluated (~0.3 s per 100k rows)."""
    wanted = reading.predictions[0] if reading.predictions else ""
    rel = dict(zip(paths, rels, strict=True)).get(wanted)
    versions = {b.oid: b.size for name, b in blobs.items() if name.endswith(f":{rel}") and b.data}
    size = sum(versions.values())
    if rel is not None and len(versions) > 1 and size >= PROGRESS_BYTES:
        import click  # a long wait is no silent one

        mib = size / (1 << 20)
        line = f"--history: evaluating {len(versions)} versions of {wanted} ({mib:,.1f} MiB)..."
        click.echo(f"cmlreport: {line}", err=True)


def _commits(
    clone: Clone, start: str, ref: str, depth: int, provider: str
) -> tuple[list[str], list[str]]:
    from cmlreport.git.history import deepen, first_parent

    shas = first_parent(clone, start, depth)
    if len(shas) < depth and deepen(clone, start, depth - len(shas)):
        shas = first_parent(clone, start, depth)
    if len(shas) >= depth:
        return shas, []
    if clone.is_shallow():
        fix = _FIXES.get(provider, "a full clone (git fetch --unshallow)")
        why = "" if clone.has_remote else " and there is no origin remote to deepen it from"
        line = (
            f"History: {len(shas)} of {depth} commits of {ref} found: the clone is shallow{why}; "
            f"use {fix} for more points."
        )
    else:
        line = f"History: {ref} has {plural(len(shas), 'commit')} up to the base, not {depth}."
    return shas, [line]


def _paths(given: Sequence[str], root: Path, cwd: Path) -> tuple[list[str], list[str], list[str]]:
    """The metrics files as named at head and relative to the root; notes for those left out."""
    paths: list[str] = []
    rels: list[str] = []
    notes: list[str] = []
    for path in given:
        full = Path(os.path.realpath(cwd / path))
        if full.is_dir() or "\n" in path or "\r" in path:
            notes.append(f"History: {path!r} is not a single file: not read in the history.")
            continue
        try:
            rels.append(full.relative_to(Path(os.path.realpath(root))).as_posix())
        except ValueError:
            notes.append(f"History: {path!r} is outside the repository: not read.")
            continue
        paths.append(path)
    return paths, rels, notes


def _parse_all(
    shas: Sequence[str],
    paths: Sequence[str],
    rels: Sequence[str],
    blobs: Mapping[str, Blob],
    reading: _Reading,
) -> tuple[list[Mapping[str, Scalar]], list[str]]:
    """Each commit's merged scalars, oldest first (commits without the files left out)."""
    parsed: dict[str, Mapping[str, Scalar] | None] = {}  # by blob id: each version read once
    merged: dict[tuple[str, ...], Mapping[str, Scalar] | None] = {}
    missing: Counter[str] = Counter()
    broken: Counter[str] = Counter()
    out: list[Mapping[str, Scalar]] = []
    prefix = _prefixed(reading.head, paths)
    for sha in reversed(shas):
        found: list[tuple[str, str]] = []
        for path, rel in zip(paths, rels, strict=True):
            blob = blobs[f"{sha}:{rel}"]
            if blob.kind == "missing":
                missing[path] += 1
            elif blob.data is None or reading.limit(path) < blob.size:
                broken[path] += 1
            else:
                if blob.oid not in parsed:
                    parsed[blob.oid] = _parse(path, blob.data, reading)
                if parsed[blob.oid] is None:
                    broken[path] += 1
                else:
                    found.append((path, blob.oid))
        key = tuple(oid for _, oid in found)
        if key not in merged:
            merged[key] = _merge(found, parsed, prefix)
        if merged[key]:
            out.append(merged[key] or {})
    notes = [f"History: {p} is missing at {plural(n, 'commit')}." for p, n in missing.items()]
    notes += [f"History: {p} cannot be read at {plural(n, 'commit')}." for p, n in broken.items()]
    return out, notes


def _parse(path: str, data: bytes, reading: _Reading) -> Mapping[str, Scalar] | None:
    columns = reading.columns_of(path)
    if columns is not None:
        return _evaluate(path, data, columns)
    try:
        text = decode_text(data, path)
        m = parse_metrics(path, text, label_column=reading.label_column, log_values=reading.values)
    except InputError:  # an old commit's broken file is one point less, not a failed report
        return None
    return m.scalars


def _evaluate(path: str, data: bytes, columns: ColumnFlags) -> Mapping[str, Scalar] | None:
    """An old commit's predictions file as its point metrics (no intervals: a history point
    is a value, and a bootstrap per commit would cost seconds each)."""
    from cmlreport.metrics.predictions import parse_predictions
    from cmlreport.metrics.significance import evaluate_predictions
    from cmlreport.report.predictions import rows_data

    try:
        parsed = parse_predictions(path, rows_data(path, data), columns)
        # A group column added later is no reason to lose the commit's accuracy.
        slices = [f for f in columns.slice_by if f.lower() in parsed.groups]
        results = evaluate_predictions(parsed, None, resamples=0, slice_by=slices)
    except InputError:
        return None
    return results.head.scalars


def _prefixed(head: Mapping[str, Scalar], paths: Sequence[str]) -> frozenset[str]:
    """Keys head names ``path:key`` (two files hold them): named the same way here."""
    if len(paths) < 2:
        return frozenset()
    starts = tuple(f"{p}:" for p in paths)
    return frozenset(k.split(":", 1)[1] for k in head if ":" in k and k.startswith(starts))


def _merge(
    found: Sequence[tuple[str, str]],
    parsed: Mapping[str, Mapping[str, Scalar] | None],
    prefix: frozenset[str],
) -> Mapping[str, Scalar] | None:
    from cmlreport.metrics.model import MetricSet

    if not found:
        return None
    if len(found) == 1 and not prefix:
        return parsed[found[0][1]]
    sets = [(path, MetricSet(scalars=parsed[oid] or {})) for path, oid in found]
    try:
        return merge_metric_sets(sets, prefix_keys=prefix).scalars
    except InputError:
        return None


def _metrics(
    per_commit: Sequence[Mapping[str, Scalar]], head: Mapping[str, Scalar]
) -> dict[str, MetricHistory]:
    heads = {k: float(v) for k, v in head.items() if is_number(v)}  # type: ignore[arg-type]
    return summarize_all(heads, per_commit)
