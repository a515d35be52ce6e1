"""The failed gates of a report, each where its metric is written: what `check` annotates.

``report --json`` records each gate's metrics file (``file``, as the report was given it);
this reads that JSON back, makes the file's path relative to the repository root (an
annotation must name a file of the repository) and finds the key's line in it
(``metrics.keylines``). A file outside the repository, or gone, keeps its gate at line 1 of
no file: ``path`` None, and the gate is still listed in the check's text. Without ``--json``,
``check`` takes the JSON beside the report when it records this report's digest
(``sibling_json``).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cmlreport.errors import CmlReportError, InputError
from cmlreport.files import read_text
from cmlreport.metrics.keylines import key_line


@dataclass(frozen=True)
class FailedGate:
    gate: str  # the gate as written: "eval.accuracy < 0.9"
    key: str
    detail: str  # the report's sentence: the value, the limit and the margin
    path: str | None  # relative to the repository root, with "/"; None: no file to point at
    line: int = 1


def read_failed_gates(json_path: Path, *, cwd: Path, root: Path) -> list[FailedGate]:
    """The failed gates in the JSON ``report --json`` wrote, located (each file read once)."""
    doc = _load(json_path)
    gates = doc.get("gates") if isinstance(doc, dict) else None
    if not isinstance(gates, list):
        raise InputError(f"--json {json_path}: no 'gates' list; is it what `report --json` wrote?")
    texts: dict[str, str | None] = {}
    found = []
    for entry in gates:
        if not isinstance(entry, dict) or entry.get("passed") is not False:
            continue
        gate, key = _text(entry, "gate", json_path), _text(entry, "key", json_path)
        detail = str(entry.get("detail") or "")
        file = entry.get("file")
        path = _in_repo(Path(file), cwd, root) if isinstance(file, str) and file else None
        if path is None:
            found.append(FailedGate(gate, key, detail, None))
            continue
        if path not in texts:
            texts[path] = _read(root / path)
        text = texts[path]
        line = key_line(text, key, file=str(file)) if text is not None else 1
        found.append(FailedGate(gate, key, detail, path, line))
    return found


def _load(json_path: Path) -> Any:
    text = read_text(json_path, f"--json {json_path}")
    try:
        return json.loads(text)
    except ValueError as exc:
        raise InputError(f"--json {json_path}: not JSON ({exc.args[0]})") from None


def _text(entry: dict[str, Any], field: str, json_path: Path) -> str:
    value = entry.get(field)
    if not isinstance(value, str):
        raise InputError(f"--json {json_path}: a gate's {field!r} is not text")
    return value


def _in_repo(file: Path, cwd: Path, root: Path) -> str | None:
    """``file`` relative to the repository root, symlinks resolved; None outside it."""
    try:
        resolved = (cwd / file).resolve()
        return resolved.relative_to(root.resolve()).as_posix()
    except (OSError, ValueError, RuntimeError):
        return None


def _read(path: Path) -> str | None:
    """The file's text, or None when it cannot be read now (the gate points at line 1)."""
    try:
        return read_text(path)
    except CmlReportError:
        return None


def sibling_json(report: Path, report_bytes: bytes, *, cwd: Path, root: Path) -> Path | None:
    """The JSON ``report --json`` wrote with this very report, for ``check`` without ``--json``:
    ``<stem>.json`` in the report's folder, inside the work tree, recording the sha256 of
    ``report_bytes`` (a JSON left by another run, or anyone else's file, does not count)."""
    candidate = report.with_suffix(".json")
    if candidate.name == report.name or _in_repo(candidate, cwd, root) is None:
        return None
    try:
        doc = json.loads(read_text(cwd / candidate))
    except (CmlReportError, ValueError):
        return None  # none there, or not ours: the check goes on without annotations
    recorded = (doc.get("report") or {}).get("sha256") if isinstance(doc, dict) else None
    digest = hashlib.sha256(report_bytes).hexdigest()
    return candidate if isinstance(recorded, str) and recorded == digest else None
