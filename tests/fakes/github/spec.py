"""The vendored, pruned GitHub REST description (see ``spec/README.md``) and its examples."""

from __future__ import annotations

import copy
import functools
import json
from pathlib import Path
from typing import Any

SPEC_PATH = Path(__file__).resolve().parent / "spec" / "rest-api.pruned.json"


@functools.cache
def description() -> dict[str, Any]:
    """The parsed description, read once per process; callers must not mutate it."""
    loaded: dict[str, Any] = json.loads(SPEC_PATH.read_text(encoding="utf-8"))
    return loaded


def example(name: str) -> Any:
    """A fresh copy of ``components/examples/<name>``'s value, free to modify."""
    return copy.deepcopy(description()["components"]["examples"][name]["value"])


def schema(name: str) -> dict[str, Any]:
    found: dict[str, Any] = description()["components"]["schemas"][name]
    return found


def operation(template: str, method: str) -> dict[str, Any] | None:
    found: dict[str, Any] | None = description()["paths"].get(template, {}).get(method.lower())
    return found


def with_server(api_url: str) -> dict[str, Any]:
    """The description with ``servers`` replaced by the fake's base (``http://127.0.0.1:PORT``)."""
    return {**description(), "servers": [{"url": api_url}]}
