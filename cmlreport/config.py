"""Project settings from ``[tool.cmlreport]`` in pyproject.toml or ``.cmlreport.yaml``.

Parsed once, at the edge, into a typed value; unknown keys are errors so typos do not pass
silently.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cmlreport.errors import InputError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib


@dataclass(frozen=True)
class Settings:
    source: str = ""
    higher_is_better: tuple[str, ...] = ()
    lower_is_better: tuple[str, ...] = ()
    fail_if: tuple[str, ...] = ()
    fail_on_regression: tuple[str, ...] = ()
    headline: tuple[str, ...] = ()
    slice_metric: str | None = None
    min_support: float | None = None
    slice_threshold: float | None = None
    top: int | None = None
    precision: int | None = None
    title: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)


_LISTS = ("higher_is_better", "lower_is_better", "fail_if", "fail_on_regression", "headline")
_NUMBERS: dict[str, type] = {
    "min_support": float,
    "slice_threshold": float,
    "top": int,
    "precision": int,
}
_STRINGS = ("slice_metric", "title")


def parse_settings(data: Mapping[str, Any], source: str) -> Settings:
    values: dict[str, Any] = {"source": source}
    for raw_key, value in data.items():
        key = str(raw_key).replace("-", "_")
        where = f"{source}: key {raw_key!r}"
        if key in _LISTS:
            if isinstance(value, str):
                value = [value]
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise InputError(f"{where} must be a list of strings")
            values[key] = tuple(value)
        elif key in _NUMBERS:
            kind = _NUMBERS[key]
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise InputError(f"{where} must be a number")
            if kind is int and not float(value).is_integer():
                raise InputError(f"{where} must be a whole number")
            values[key] = kind(value)
        elif key in _STRINGS:
            if not isinstance(value, str):
                raise InputError(f"{where} must be a string")
            values[key] = value
        else:
            known = ", ".join(k.replace("_", "-") for k in (*_LISTS, *_NUMBERS, *_STRINGS))
            raise InputError(f"{where} is not a cmlreport setting (known: {known})")
    return Settings(**values)


def load_settings(root: Path) -> Settings:
    """``.cmlreport.yaml`` wins over pyproject.toml when both exist (it is the more specific)."""
    yaml_path = next(
        (p for p in (root / ".cmlreport.yaml", root / ".cmlreport.yml") if p.is_file()), None
    )
    if yaml_path is not None:
        import yaml

        try:
            data = yaml.safe_load(yaml_path.read_text(encoding="utf-8")) or {}
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            raise InputError(f"{yaml_path.name}: cannot read settings: {_first_line(exc)}") from exc
        if not isinstance(data, dict):
            raise InputError(f"{yaml_path.name}: expected a mapping of settings at the top level")
        return parse_settings(data, yaml_path.name)
    pyproject = root / "pyproject.toml"
    if pyproject.is_file():
        try:
            doc = tomllib.loads(pyproject.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise InputError(f"pyproject.toml: cannot read settings: {_first_line(exc)}") from exc
        table = doc.get("tool", {}).get("cmlreport")
        if table is None:
            return Settings()
        if not isinstance(table, dict):
            raise InputError("pyproject.toml: [tool.cmlreport] must be a table")
        return parse_settings(table, "pyproject.toml [tool.cmlreport]")
    return Settings()


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
