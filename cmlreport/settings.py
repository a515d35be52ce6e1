"""Project settings from ``[tool.cmlreport]`` in pyproject.toml or ``.cmlreport.yaml``.

Parsed once, at the edge, into a typed value; unknown keys are errors so typos do not pass
silently.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cmlreport.errors import InputError
from cmlreport.metrics.limits import check_number


@dataclass(frozen=True)
class Settings:
    source: str = ""
    higher_is_better: tuple[str, ...] = ()
    lower_is_better: tuple[str, ...] = ()
    fail_if: tuple[str, ...] = ()
    fail_on_regression: tuple[str, ...] = ()
    headline: tuple[str, ...] = ()
    log_value: tuple[str, ...] = ()  # "[PATTERN=]last|best|min|max", as --log-value
    slice_metric: str | None = None
    min_support: float | None = None
    slice_threshold: float | None = None
    top: int | None = None
    precision: int | None = None
    title: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)


_LISTS = (
    "higher_is_better",
    "lower_is_better",
    "fail_if",
    "fail_on_regression",
    "headline",
    "log_value",
)
_NUMBERS: dict[str, type] = {
    "min_support": float,
    "slice_threshold": float,
    "top": int,
    "precision": int,
}
# The same ranges as the flags: a precision of a million digits would format forever.
_RANGES: dict[str, tuple[float, float]] = {
    "min_support": (0, 1e300),
    "slice_threshold": (0, 1e300),
    "top": (1, 200),
    "precision": (1, 12),
}
_STRINGS = ("slice_metric", "title")


def parse_settings(data: Mapping[str, Any], source: str) -> Settings:
    values: dict[str, Any] = {"source": source}
    for raw_key, value in data.items():
        key = str(raw_key).replace("-", "_")
        where = f"{source}: key {raw_key!r}"
        check_number(source, f"key {raw_key!r}", value)
        if key in _LISTS:
            if isinstance(value, str):
                value = [value]
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise InputError(f"{where} must be a list of strings")
            values[key] = tuple(value)
            if key == "log_value":
                from cmlreport.metrics.logs import LogValues

                LogValues.parse(value, where=where)  # a bad rule fails here, naming the file
        elif key in _NUMBERS:
            kind = _NUMBERS[key]
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise InputError(f"{where} must be a number")
            low, high = _RANGES[key]
            try:
                number = float(value)
            except OverflowError:  # a TOML integer of hundreds of digits
                number = math.inf
            if not low <= number <= high:  # NaN fails both comparisons
                raise InputError(f"{where} must be between {low:g} and {high:g}, as the flag")
            if kind is int and not number.is_integer():
                raise InputError(f"{where} must be a whole number")
            values[key] = kind(number)
        elif key in _STRINGS:
            if not isinstance(value, str):
                raise InputError(f"{where} must be a string")
            values[key] = value
        else:
            known = ", ".join(k.replace("_", "-") for k in (*_LISTS, *_NUMBERS, *_STRINGS))
            raise InputError(f"{where} is not a cmlreport setting (known: {known})")
    return Settings(**values)


def load_settings(root: Path) -> Settings:
    """``.cmlreport.yaml`` wins over pyproject.toml when both exist (it is the more specific).

    Read like a metrics file (the same safe reader and YAML 1.2 / TOML decoders), so a FIFO, a
    device, a huge or deeply nested settings file is one line naming it, never a hang.
    """
    from cmlreport.files import MAX_MARKUP_BYTES, read_text
    from cmlreport.metrics.formats import decode_toml, decode_yaml

    def read(path: Path, decode: Callable[[str, str], Any]) -> Any:
        name = path.name
        try:
            return decode(name, read_text(path, name, limit=MAX_MARKUP_BYTES))
        except InputError as exc:
            raise InputError(
                f"{name}: cannot read settings: {exc.message.removeprefix(f'{name}: ')}"
            ) from None

    # lexists, not is_file: a settings path that is a FIFO or a dangling link is an error to
    # report, not a reason to fall back silently to other settings.
    yaml_path = next(
        (p for p in (root / ".cmlreport.yaml", root / ".cmlreport.yml") if os.path.lexists(p)),
        None,
    )
    if yaml_path is not None:
        data = read(yaml_path, decode_yaml) or {}
        if not isinstance(data, dict):
            raise InputError(f"{yaml_path.name}: expected a mapping of settings at the top level")
        return parse_settings(data, yaml_path.name)
    pyproject = root / "pyproject.toml"
    if os.path.lexists(pyproject):
        doc = read(pyproject, decode_toml)
        tool = doc.get("tool", {})
        table = tool.get("cmlreport") if isinstance(tool, dict) else None
        if table is None:
            return Settings()
        if not isinstance(table, dict):
            raise InputError("pyproject.toml: [tool.cmlreport] must be a table")
        return parse_settings(table, "pyproject.toml [tool.cmlreport]")
    return Settings()
