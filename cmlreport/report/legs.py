"""One leg of a matrix: the ``report --json`` file a job wrote, read back for ``cmlreport merge``.

Pure: JSON text in, a typed ``Leg`` out. The file comes from another job's artifact, so every
field is checked for its type before it is used; anything else is an InputError naming the
file and the field. Strings stay hostile: whoever renders them escapes them.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cmlreport.errors import InputError
from cmlreport.metrics.diff import MetricDiff, Status, Verdict
from cmlreport.metrics.direction import Direction
from cmlreport.metrics.model import Scalar

JSON_VERSION = 1  # the version ``report --json`` writes (report/jsonview.py)
NAME_CHARS = 100
_NON_FINITE = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


@dataclass(frozen=True)
class LegGate:
    gate: str
    key: str
    passed: bool
    detail: str
    file: str | None = None  # the metrics file the leg read the key from (check annotates it)


@dataclass(frozen=True)
class Leg:
    name: str
    diffs: Sequence[MetricDiff]
    gates: Sequence[LegGate]
    base_sha: str | None
    base_ref: str | None
    head_sha: str | None
    notes: Sequence[str]

    @property
    def failed(self) -> list[LegGate]:
        return [g for g in self.gates if not g.passed]


def check_name(name: str, where: str) -> str:
    """A leg's name: one line, not empty, at most NAME_CHARS characters."""
    name = name.strip()
    if not name or len(name) > NAME_CHARS or any(ch in name for ch in "\r\n\x00"):
        raise InputError(f"{where}: a leg's name is one line of 1 to {NAME_CHARS} characters")
    return name


def parse_leg(text: str, file: str, name: str | None = None) -> Leg:
    """The leg in ``text`` (the JSON ``report --json`` wrote); ``name`` (from ``NAME=PATH``)
    wins over the name recorded by ``report --name``."""
    try:
        doc = json.loads(text)
    except (ValueError, RecursionError):
        raise InputError(
            f"{file}: not JSON; give the file `cmlreport report --json FILE` wrote"
        ) from None
    if not isinstance(doc, dict) or "metrics" not in doc or "version" not in doc:
        raise InputError(f"{file}: not a `cmlreport report --json` file (no version, metrics)")
    if doc["version"] != JSON_VERSION:
        raise InputError(
            f"{file}: version {_shown(doc['version'])} of the report JSON; this cmlreport reads "
            f"version {JSON_VERSION}"
        )
    recorded = doc.get("name")
    if name is None:
        if not isinstance(recorded, str):
            raise InputError(
                f"{file}: the leg has no name; write it with `cmlreport report --name LEG "
                "--json FILE`, or give NAME=FILE to merge"
            )
        name = recorded
    revisions = _field(doc, "revisions", dict, file, {})
    metrics, gates = _list(doc, "metrics", file), _list(doc, "gates", file)
    return Leg(
        name=check_name(name, file),
        diffs=[_diff(m, f"{file}: metrics[{i}]") for i, m in enumerate(metrics)],
        gates=[_gate(g, f"{file}: gates[{i}]") for i, g in enumerate(gates)],
        base_sha=_optional_text(revisions, "base", file),
        base_ref=_optional_text(revisions, "base_ref", file),
        head_sha=_optional_text(revisions, "head", file),
        notes=[_text(n, f"{file}: notes") for n in _list(doc, "notes", file)],
    )


def _shown(value: object) -> str:
    return repr(value)[:40]


def _field(doc: Mapping[str, Any], key: str, kind: type, where: str, default: Any = None) -> Any:
    value = doc.get(key, default)
    if value is None and default is None:
        return None
    if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
        raise InputError(f"{where}: {key!r} should be {kind.__name__}, not {_shown(value)}")
    return value


def _list(doc: Mapping[str, Any], key: str, where: str) -> list[Any]:
    value: list[Any] = _field(doc, key, list, where, [])
    return value


def _text(value: object, where: str) -> str:
    if not isinstance(value, str):
        raise InputError(f"{where}: should be text, not {_shown(value)}")
    return value


def _optional_text(doc: Mapping[str, Any], key: str, where: str) -> str | None:
    value: str | None = _field(doc, key, str, where)
    return value


def _scalar(value: object, where: str) -> Scalar:
    if isinstance(value, str) and value in _NON_FINITE:
        return _NON_FINITE[value]
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    raise InputError(f"{where}: a metric value should be a number or text, not {_shown(value)}")


def _number(value: object, where: str) -> float | None:
    scalar = _scalar(value, where)
    if scalar is None:
        return None
    if isinstance(scalar, bool) or not isinstance(scalar, (int, float)):
        raise InputError(f"{where}: should be a number, not {_shown(value)}")
    return float(scalar)


def _enum(kind: type[Status] | type[Verdict] | type[Direction], value: object, where: str) -> Any:
    try:
        return kind(value)
    except ValueError:
        allowed = ", ".join(member.value for member in kind)
        raise InputError(f"{where}: {_shown(value)} is not one of {allowed}") from None


def _diff(entry: object, where: str) -> MetricDiff:
    if not isinstance(entry, dict):
        raise InputError(f"{where}: should be an object with key, base, head")
    key = _text(entry.get("key"), f"{where}: key")
    where = f"{where} ({key[:60]!r})"
    status = _enum(Status, entry.get("status"), f"{where}: status")
    return MetricDiff(
        key=key,
        old=_scalar(entry.get("base"), f"{where}: base"),
        new=_scalar(entry.get("head"), f"{where}: head"),
        has_old=status is not Status.ADDED,
        has_new=status is not Status.REMOVED,
        status=status,
        delta=_number(entry.get("delta"), f"{where}: delta"),
        rel_delta=_number(entry.get("rel_delta"), f"{where}: rel_delta"),
        direction=_enum(Direction, entry.get("direction"), f"{where}: direction"),
        verdict=_enum(Verdict, entry.get("verdict"), f"{where}: verdict"),
    )


def _gate(entry: object, where: str) -> LegGate:
    if not isinstance(entry, dict):
        raise InputError(f"{where}: should be an object with gate, passed, detail")
    passed = entry.get("passed")
    if not isinstance(passed, bool):
        raise InputError(f"{where}: 'passed' should be true or false, not {_shown(passed)}")
    return LegGate(
        gate=_text(entry.get("gate"), f"{where}: gate"),
        key=_text(entry.get("key", ""), f"{where}: key"),
        passed=passed,
        detail=_text(entry.get("detail", ""), f"{where}: detail"),
        file=_text(entry["file"], f"{where}: file") if entry.get("file") is not None else None,
    )
