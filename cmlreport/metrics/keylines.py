"""Which line of a metrics file holds a metric's key: where a check run's annotation points.

A flat key (``eval.accuracy``) is looked up as the nesting it came from: ``eval`` first, then
``accuracy`` after it, each as a JSON member name (``"accuracy":``) or a YAML mapping key
(``accuracy:``). A name with dots of its own (``top.5``) is tried as one piece too. A key that
is not found this way (a table cell, a log column) points at line 1. Pure: text in, a number out.
"""

from __future__ import annotations

import json
import re

# A key segment joined with the next ones, at most this many; a key of more segments than
# _DEEPEST is no nesting a file holds. Each step takes the first reading found (no going back),
# so the cost is a few scans of the text per segment, whatever the key.
_JOINS = 4
_DEEPEST = 64


def key_line(text: str, key: str, *, file: str = "") -> int:
    """The 1-based line where ``key`` (flattened with ``.``) is written in ``text``, else 1.
    ``file`` is the file's name as the report prefixes clashing keys (``FILE:KEY``)."""
    if file and key.startswith(file + ":"):
        key = key[len(file) + 1 :]
    segments = key.split(".")
    if len(segments) > _DEEPEST:
        return 1
    at, first = 0, 0
    while first < len(segments):
        for end in range(first + 1, min(first + _JOINS, len(segments)) + 1):
            found = _name_at(text, ".".join(segments[first:end]), at)
            if found is not None:
                at, first = found, end
                break
        else:
            return 1
    return text.count("\n", 0, at) + 1


def _name_at(text: str, name: str, start: int) -> int | None:
    """The first place at or after ``start`` where ``name`` is written as a mapping key."""
    if not name:
        return None
    quoted = re.escape(json.dumps(name, ensure_ascii=False))
    single = re.escape("'" + name.replace("'", "''") + "'")
    bare = re.escape(name)
    pattern = rf"{quoted}\s*:|{single}\s*:|^[ \t]*(?:-[ \t]+)?{bare}[ \t]*:"
    match = re.compile(pattern, re.MULTILINE).search(text, start)
    return match.start() if match else None
