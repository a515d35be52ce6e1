"""Metrics files, training logs and MLflow runs into one ``MetricSet``, keys named as dvc does."""

# Flattening follows ``dvc metrics show/diff`` so that both tools name and read keys alike
# (``documents``: ``{"eval": {"f1": 0.9}}`` is ``eval.f1``; lists of scalars are skipped as dvc
# drops them; unlike dvc, ``null`` is kept so the report can show it).
#
# CSV/TSV/JSON-lines rows are scalars, a table or a training log (``tabular``); ``.log`` is CSV or
# TSV (Keras); trainer_state.json adds its log_history (``huggingface``); a folder is an MLflow run.
#
# Across several files, a key (scalar key or table name) found in more than one file is written
# ``<path>:<key>`` in every file it appears in, with the path as given and ``/`` separators
# (``train/metrics.json:acc``). Keys found in one file only keep their plain name.

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import replace
from pathlib import Path, PurePath

from cmlreport.errors import InputError
from cmlreport.files import MAX_INPUT_BYTES, MAX_MARKUP_BYTES, read_text
from cmlreport.metrics import mlflow
from cmlreport.metrics.delimited import decode_delimited
from cmlreport.metrics.documents import from_document
from cmlreport.metrics.formats import FORMATS, decode_json, decode_toml, decode_yaml
from cmlreport.metrics.limits import MAX_MARKUP_VALUES, MAX_VALUES, ValueCount
from cmlreport.metrics.logs import LogValues
from cmlreport.metrics.model import MetricSet, OneSource, Scalar, SliceTable, TrainingLog
from cmlreport.metrics.tabular import from_rows, from_table, is_json_lines, json_lines_rows

_EXTENSIONS = {
    ".json": "json",
    ".yaml": "yaml",
    ".yml": "yaml",
    ".toml": "toml",
    ".csv": "csv",
    ".tsv": "tsv",
    ".log": "log",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
}
_SUPPORTED = ".json, .yaml/.yml, .toml, .csv, .tsv, .log or .jsonl file, or an MLflow run folder"
_DECODERS = {"json": decode_json, "yaml": decode_yaml, "toml": decode_toml}


def detect_format(path: str) -> str:
    """The metrics format ("json", "yaml", "toml", "csv", "tsv") named by the file extension."""
    suffix = PurePath(path).suffix.lower()
    if suffix in _EXTENSIONS:
        return _EXTENSIONS[suffix]
    what = f"extension '{suffix}'" if suffix else "no extension"
    raise InputError(f"{path}: {what} is not a metrics format; give a {_SUPPORTED}")


def size_limit(fmt: str) -> int:
    """The largest metrics file of this format cmlreport reads (see ``cmlreport.files``)."""
    return MAX_MARKUP_BYTES if fmt in ("yaml", "toml") else MAX_INPUT_BYTES


def parse_metrics(
    path: str,
    text: str,
    fmt: str | None = None,
    *,
    label_column: str | None = None,
    log_values: LogValues | None = None,
) -> MetricSet:
    """One file's text as a MetricSet; ``path`` names the file in messages and table names;
    ``label_column`` (``--label-column``) names the label column of per-class tables;
    ``log_values`` says which value of a training log's column is its metric (default: last).
    """
    values = log_values or LogValues()
    if fmt is None:
        fmt = detect_format(path)
    elif fmt not in FORMATS:
        raise InputError(f"{path}: unknown metrics format '{fmt}'; use one of {', '.join(FORMATS)}")
    if not text.strip():
        raise InputError(f"{path}: file is empty; write the metrics before running cmlreport")
    if fmt == "jsonl" or (fmt == "json" and is_json_lines(text)):  # detectron2's metrics.json
        rows, refs = json_lines_rows(path, text, ValueCount(path))
        return from_rows(path, rows, refs, values, label_column)
    if fmt in ("csv", "tsv", "log"):
        return _from_delimited(path, text, _delimiter(fmt, text), label_column, values)
    limit = MAX_MARKUP_VALUES if fmt in ("yaml", "toml") else MAX_VALUES
    return from_document(path, _DECODERS[fmt](path, text), label_column, values, limit)


def _delimiter(fmt: str, text: str) -> str:
    if fmt == "log":  # Keras' CSVLogger writes commas unless told otherwise (separator="\t")
        header = text.lstrip().partition("\n")[0]
        return "\t" if "\t" in header and "," not in header else ","
    return "\t" if fmt == "tsv" else ","


def clashing_keys(sets: Sequence[tuple[str, MetricSet]]) -> frozenset[str]:
    """Keys (scalar keys or table names) that more than one of the files holds."""
    if len(sets) < 2:
        return frozenset()
    counts = Counter(key for _, metrics in sets for key in {*metrics.scalars, *metrics.tables})
    return frozenset(key for key, count in counts.items() if count > 1)


def _alone(path: str, metrics: MetricSet) -> MetricSet:
    """One file's MetricSet as ``merge_metric_sets`` would make it, without copying a million
    keys one by one: every name is the file's own."""
    clash = next((key for key in metrics.tables if key in metrics.scalars), None)
    if clash is not None:
        raise InputError(f"{path}: key '{clash}' is also in {path}; rename one of them")
    sources = OneSource(path, metrics.scalars, metrics.tables)
    return MetricSet(metrics.scalars, metrics.tables, sources, metrics.logs)


def merge_metric_sets(
    sets: Sequence[tuple[str, MetricSet]], *, prefix_keys: Collection[str] = ()
) -> MetricSet:
    """Several files' MetricSets as one; keys held by two files become ``<path>:<key>``.

    ``prefix_keys`` prefixes more keys: pass the keys that clash at the other revision so that
    base and head name a metric the same way even when only one of them has the clash.
    """
    _reject_repeated_paths(sets)
    prefixed = clashing_keys(sets) | frozenset(prefix_keys)
    if len(sets) == 1:
        alone = sets[0][1]
        if not any(key in alone.scalars or key in alone.tables for key in prefixed):
            return _alone(*sets[0])
    scalars: dict[str, Scalar] = {}
    tables: dict[str, SliceTable] = {}
    sources: dict[str, str] = {}
    logs: dict[str, TrainingLog] = {}

    def claim(path: str, key: str) -> str:
        name = f"{path}:{key}" if key in prefixed else key
        if name in sources:
            raise InputError(f"{path}: key '{name}' is also in {sources[name]}; rename one of them")
        sources[name] = path
        return name

    for path, metrics in sets:
        for key, value in metrics.scalars.items():
            scalars[claim(path, key)] = value
        for key, table in metrics.tables.items():
            name = claim(path, key)
            tables[name] = table if name == table.name else replace(table, name=name)
        logs.update(metrics.logs)
    return MetricSet(scalars=scalars, tables=tables, sources=sources, logs=logs)


def metrics_file_name(path: str | Path) -> str:
    """How a metrics file is named in keys, sources and messages: as given, ``/``-separated."""
    return PurePath(path).as_posix()


def read_metric_files(
    paths: Sequence[str | Path],
    *,
    label_column: str | None = None,
    log_values: LogValues | None = None,
) -> list[tuple[str, MetricSet]]:
    """Read and parse each file (the I/O edge); a path given twice is read once.

    Keeps the files apart so a caller can merge base and head with the same ``prefix_keys``.
    """
    sets: list[tuple[str, MetricSet]] = []
    seen: set[Path] = set()
    for given in paths:
        path = Path(given)
        identity = path.resolve()
        if identity in seen:
            continue
        seen.add(identity)
        name = metrics_file_name(path)
        if path.is_dir() and mlflow.is_run_folder({p.name for p in path.iterdir()}):
            files = {
                rel: read_text(path / rel, f"{name}/{rel}", limit=MAX_INPUT_BYTES)
                for rel in run_folder_files(path)
            }
            sets.append((name, mlflow.parse_run(name, files, log_values or LogValues())))
            continue
        fmt = detect_format(name)  # before reading: a wrong extension is the clearer message
        text = read_text(path, name, inside="metrics files", limit=size_limit(fmt))
        parsed = parse_metrics(name, text, fmt, label_column=label_column, log_values=log_values)
        sets.append((name, parsed))
    return sets


def run_folder_files(folder: Path) -> list[str]:
    """The files of an MLflow run that hold metrics, params and tags, relative to the run."""
    return sorted(
        f.relative_to(folder).as_posix()
        for sub in mlflow.FOLDERS
        if (folder / sub).is_dir()
        for f in (folder / sub).rglob("*")
        if f.is_file()
    )


def _reject_repeated_paths(sets: Sequence[tuple[str, MetricSet]]) -> None:
    repeated = [path for path, count in Counter(path for path, _ in sets).items() if count > 1]
    if repeated:
        raise InputError(f"{repeated[0]}: given more than once; pass each metrics file once")


def _from_delimited(
    path: str, text: str, delimiter: str, wanted: str | None, values: LogValues
) -> MetricSet:
    return from_table(path, decode_delimited(path, text, delimiter), values, wanted)
