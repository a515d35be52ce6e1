"""Which metrics and plots a DVC project's dvc.yaml declares: its text in, repository paths out."""

# Pure: no file is read here and dvc is never imported. The caller reads dvc.yaml (and the
# params.yaml next to it, which dvc's ``${...}`` templating reads first) and checks that every
# path leads to a file inside the repository.

from __future__ import annotations

import itertools
import posixpath
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from cmlreport.errors import InputError
from cmlreport.metrics.formats import decode_yaml

# A real dvc.yaml declares a few dozen outputs; a foreach or matrix that expands to more than
# this is a mistake or an attack, and would only flood the report.
MAX_DECLARED = 10_000
_TEMPLATE = re.compile(r"\$\{\s*([^}]*?)\s*\}")
_PART = re.compile(r"([^.\[\]]+)|\[([^\]]*)\]")


@dataclass(frozen=True)
class Declared:
    """Paths from the repository root: metrics files or folders, plots files or folders, and
    dvclive folders that a stage writes (dvclive puts its own dvc.yaml or metrics.json there)."""

    metrics: tuple[str, ...] = ()
    plots: tuple[str, ...] = ()
    live_dirs: tuple[str, ...] = ()


def declared_outputs(text: str, name: str, folder: str = "", params: Any = None) -> Declared:
    """The metrics and plots ``text`` (a dvc.yaml named ``name`` in the repository folder
    ``folder``) declares: every stage's ``metrics:``/``plots:``, ``foreach``/``matrix`` stages
    expanded, and the top-level ``metrics:``/``plots:`` lists; ``params`` (params.yaml's
    values) and the top-level ``vars`` fill ``${...}``. InputError names the key of a path
    that is absolute, leaves the repository or needs a value cmlreport does not read."""
    doc = decode_yaml(name, text)
    if doc is None:
        return Declared()
    where = _Where(name, folder)
    top = _mapping(doc, where, "")
    context = _context(top.get("vars"), params, where)
    found = _Found(where)
    for path, key in _entries(top.get("metrics"), where, "metrics"):
        found.add(found.metrics, path, key, context, folder)
    for path, key in _plot_entries(top.get("plots"), where):
        found.add(found.plots, path, key, context, folder)
    stages = _mapping(top.get("stages") or {}, where, "stages")
    for stage, key, values in _expanded(stages, where, context):
        wdir = found.resolve(stage.get("wdir", "."), f"{key}.wdir", values, folder)
        for kind, into in (("metrics", found.metrics), ("plots", found.plots)):
            for path, at in _entries(stage.get(kind), where, f"{key}.{kind}"):
                found.add(into, path, at, values, wdir)
        for path, at in _entries(stage.get("outs"), where, f"{key}.outs"):
            if posixpath.basename(str(path).rstrip("/")) == "dvclive":
                found.add(found.live, path, at, values, wdir)
    return Declared(tuple(found.metrics), tuple(found.plots), tuple(found.live))


@dataclass(frozen=True)
class _Where:
    name: str
    folder: str

    def error(self, key: str, message: str) -> InputError:
        return InputError(f"{self.name}: {key + ': ' if key else ''}{message}")


@dataclass
class _Found:
    """The paths found so far, in the order dvc.yaml gives them, each once."""

    where: _Where
    metrics: dict[str, None] = field(default_factory=dict)
    plots: dict[str, None] = field(default_factory=dict)
    live: dict[str, None] = field(default_factory=dict)

    def resolve(self, raw: Any, key: str, values: Mapping[str, Any], wdir: str) -> str:
        """``raw`` filled in and joined to ``wdir`` (the stage's folder, from the repository
        root) as a path from the root; InputError when it is not a path inside the repository."""
        if not isinstance(raw, str) or not raw.strip():
            raise self.where.error(key, f"expected a path, got {_kind(raw)}")
        path = _fill(raw, values, self.where, key)
        if "://" in path:
            raise self.where.error(key, f"{path!r} is a remote location, not a file in the project")
        if path.startswith(("/", "\\", "~")) or re.match(r"[A-Za-z]:[\\/]", path):
            raise self.where.error(
                key, f"{path!r} is an absolute path; dvc.yaml paths are relative"
            )
        joined = posixpath.normpath(posixpath.join(wdir, path.replace("\\", "/")))
        if joined == ".." or joined.startswith("../"):
            raise self.where.error(key, f"{path!r} leads outside the repository")
        return "" if joined == "." else joined

    def add(
        self, into: dict[str, None], raw: Any, key: str, values: Mapping[str, Any], wdir: str
    ) -> None:
        into[self.resolve(raw, key, values, wdir)] = None
        if len(self.metrics) + len(self.plots) + len(self.live) > MAX_DECLARED:
            raise self.where.error(key, f"declares more than {MAX_DECLARED:,} outputs")


def _mapping(value: Any, where: _Where, key: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        what = f"{key}: " if key else ""
        raise where.error("", f"{what}expected a mapping, got {_kind(value)}")
    return value


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    return {dict: "a mapping", list: "a list", str: "text", bool: "true/false"}.get(
        type(value), "a number"
    )


def _entries(value: Any, where: _Where, key: str) -> Iterator[tuple[Any, str]]:
    """The paths of an output list: ``- path`` or ``- path: {cache: false, ...}``."""
    if value is None:
        return
    if not isinstance(value, list):
        raise where.error(key, f"expected a list of paths, got {_kind(value)}")
    for i, entry in enumerate(value):
        if isinstance(entry, Mapping):
            yield from ((path, f"{key}[{i}]") for path in entry)
        else:
            yield entry, f"{key}[{i}]"


def _plot_entries(value: Any, where: _Where) -> Iterator[tuple[Any, str]]:
    """Top-level plots: a path, or an id whose ``x``/``y`` mappings name the files (the id is
    then only a title), else the id is the path."""
    if value is not None and not isinstance(value, list):
        raise where.error("plots", f"expected a list of plots, got {_kind(value)}")
    for i, entry in enumerate(value or ()):
        if not isinstance(entry, Mapping):
            yield entry, f"plots[{i}]"
            continue
        for plot_id, spec in entry.items():
            files = [
                f
                for axis in ("x", "y")
                if isinstance(spec, Mapping) and isinstance(spec.get(axis), Mapping)
                for f in spec[axis]
            ]
            yield from ((f, f"plots[{i}].{plot_id}") for f in files or [plot_id])


def _context(vars_: Any, params: Any, where: _Where) -> dict[str, Any]:
    """What ``${...}`` reads: params.yaml, then the inline ``vars`` (files in ``vars`` are
    not read: a path that needs one is refused where it is used)."""
    context: dict[str, Any] = dict(params) if isinstance(params, Mapping) else {}
    if vars_ is None:
        return context
    for entry in vars_ if isinstance(vars_, list) else [vars_]:
        if isinstance(entry, Mapping):
            context.update(entry)
        elif not isinstance(entry, str):
            raise where.error("vars", f"expected files or mappings, got {_kind(entry)}")
    return context


def _expanded(
    stages: Mapping[str, Any], where: _Where, context: Mapping[str, Any]
) -> Iterator[tuple[Mapping[str, Any], str, Mapping[str, Any]]]:
    """Every stage with the values its templates see; ``foreach`` and ``matrix`` stages once
    per item, as dvc expands them."""
    count = 0
    for name, stage in stages.items():
        key = f"stages.{name}"
        stage = _mapping(stage, where, key)
        local = _context(stage.get("vars"), context, where)  # a stage's own vars
        for values in _items(stage, where, key, local):
            count += 1
            if count > MAX_DECLARED:
                raise where.error(key, f"expands to more than {MAX_DECLARED:,} stages")
            body = stage.get("do") if "foreach" in stage else stage
            yield _mapping(body, where, f"{key}.do"), key, values


def _items(
    stage: Mapping[str, Any], where: _Where, key: str, context: Mapping[str, Any]
) -> Iterator[Mapping[str, Any]]:
    if "foreach" in stage:
        items = stage["foreach"]
        if isinstance(items, str):
            items = _lookup(_whole_template(items, where, f"{key}.foreach"), context, where, key)
        if isinstance(items, Mapping):
            yield from ({**context, "key": k, "item": v} for k, v in items.items())
        elif isinstance(items, list):
            yield from ({**context, "item": v} for v in items)
        else:
            raise where.error(f"{key}.foreach", f"expected a list or mapping, got {_kind(items)}")
    elif "matrix" in stage:
        matrix = _mapping(stage["matrix"], where, f"{key}.matrix")
        axes = []
        for axis, values in matrix.items():
            if isinstance(values, str):
                values = _lookup(_whole_template(values, where, key), context, where, key)
            if not isinstance(values, list):
                raise where.error(f"{key}.matrix.{axis}", f"expected a list, got {_kind(values)}")
            axes.append([(axis, v) for v in values])
        size = 1
        for axis_values in axes:
            size *= len(axis_values)
        if size > MAX_DECLARED:
            raise where.error(f"{key}.matrix", f"expands to more than {MAX_DECLARED:,} stages")
        yield from ({**context, "item": dict(combo)} for combo in itertools.product(*axes))
    else:
        yield context


def _whole_template(text: str, where: _Where, key: str) -> str:
    match = _TEMPLATE.fullmatch(text.strip())
    if match is None:
        raise where.error(key, f"expected a list, a mapping or ${{...}}, got {text!r}")
    return match[1]


def _fill(text: str, values: Mapping[str, Any], where: _Where, key: str) -> str:
    def one(match: re.Match[str]) -> str:
        value = _lookup(match[1], values, where, key)
        if isinstance(value, (Mapping, list)) or value is None:
            raise where.error(key, f"${{{match[1]}}} is {_kind(value)}, not part of a path")
        return str(value).lower() if isinstance(value, bool) else str(value)

    return _TEMPLATE.sub(one, text)


def _lookup(expr: str, values: Mapping[str, Any], where: _Where, key: str) -> Any:
    """``a.b[0]`` in ``values``; InputError when it is not there (it may come from a vars
    file or an expression dvc evaluates and cmlreport does not)."""
    value: Any = values if _NAME.fullmatch(expr) else _MISSING
    for name, index in _PART.findall(expr) if value is not _MISSING else ():
        part = name or index.strip().strip("'\"")
        if isinstance(value, Mapping) and part in value:
            value = value[part]
        elif isinstance(value, list) and re.fullmatch(r"-?\d+", part):
            value = value[int(part)] if -len(value) <= int(part) < len(value) else _MISSING
        else:
            value = _MISSING
        if value is _MISSING:
            break
    if value is _MISSING:
        raise where.error(
            key,
            f"${{{expr}}} is not in params.yaml, the inline vars or the foreach/matrix item "
            "(cmlreport does not read vars files); write the path out or pass the files with -m",
        )
    return value


_MISSING = object()
_NAME = re.compile(r"[A-Za-z_][\w-]*(?:\.[\w-]+|\[[^\]]+\])*")
