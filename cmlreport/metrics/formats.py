"""Decode a metrics file's text into plain Python values, one function per format."""

# Pure: text in, values out. Every syntax error becomes an ``InputError`` that names the file and
# the line (and column when the parser knows it).

from __future__ import annotations

import json
import re
import sys
from typing import TYPE_CHECKING, Any

import yaml

from cmlreport.errors import InputError
from cmlreport.metrics.limits import (
    MAX_CONTAINERS,
    MAX_INT_DIGITS,
    OversizedInt,
    int_from_text,
)

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

FORMATS = ("json", "yaml", "toml", "csv", "tsv", "jsonl", "log")  # log: CSV or TSV (Keras)


def json_value(text: str) -> Any:
    """``json.loads``, with integers too long to be metrics left as ``OversizedInt``.

    Raises json.JSONDecodeError, and RecursionError past about 1,000 levels of nesting.
    """
    # json accepts NaN/Infinity/-Infinity by default, which is what training scripts write.
    return json.loads(text, parse_int=int_from_text)


def decode_json(path: str, text: str, first_line: int = 1) -> Any:
    """``first_line``: where ``text`` starts in the file (one line of a JSON-lines log)."""
    # Brackets inside strings count too: an overestimate, in two C-speed passes.
    if text.count("[") + text.count("{") > MAX_CONTAINERS:
        raise InputError(
            f"{path}: holds more than {MAX_CONTAINERS:,} lists and mappings; split the file or "
            "drop what the report does not need"
        )
    try:
        return json_value(text)
    except json.JSONDecodeError as exc:
        line = exc.lineno + first_line - 1
        raise InputError(
            f"{path}: not valid JSON at line {line}, column {exc.colno}: {exc.msg}"
        ) from None
    except RecursionError:
        raise too_deep(path, "JSON") from None


def too_deep(path: str, what: str) -> InputError:
    # The parsers recurse per level and stop near Python's recursion limit (about 1,000).
    return InputError(
        f"{path}: {what} nested too deeply to read (about 1,000 levels or more); flatten the file"
    )


def decode_toml(path: str, text: str) -> Any:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path}: not valid TOML {_toml_where(str(exc))}") from None
    except RecursionError:
        raise too_deep(path, "TOML") from None
    except ValueError:
        # tomllib has no parse_int hook; its int() refuses integers of more than 4,300 digits.
        long_number = _LONG_NUMBER.search(text)
        where = f" at line {text.count(chr(10), 0, long_number.start()) + 1}" if long_number else ""
        digits = len(long_number[0].replace("_", "")) if long_number else 0
        raise InputError(
            f"{path}: not valid TOML{where}: an integer of {digits:,} digits; metrics are "
            f"numbers of at most {MAX_INT_DIGITS} digits"
        ) from None


def _toml_where(message: str) -> str:
    # tomllib/tomli put the position at the end of the message: "... (at line 3, column 5)".
    found = re.fullmatch(r"(?s)(.*) \(at line (\d+), column (\d+)\)", message)
    if found:
        return f"at line {found[2]}, column {found[3]}: {found[1]}"
    found = re.fullmatch(r"(?s)(.*) \(at end of document\)", message)
    if found:
        return f"at the end of the file: {found[1]}"
    return f": {message}"


_LONG_NUMBER = re.compile(rf"[0-9][0-9_]{{{MAX_INT_DIGITS},}}")


if TYPE_CHECKING:
    _SafeLoader = yaml.SafeLoader
else:
    # libyaml's parser where it is installed: about 5 times faster, and it stops nesting at
    # 1,000 levels by itself. The constructor and resolvers are the same Python classes.
    _SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Yaml12Loader(_SafeLoader):
    """yaml.SafeLoader that reads numbers and booleans the way YAML 1.2 (and dvc) does.

    PyYAML follows YAML 1.1, where ``lr: 1e-3`` is the *string* "1e-3", ``010`` is octal 8 and
    ``yes``/``on`` are booleans. dvc reads metrics with ruamel.yaml (YAML 1.2): ``1e-3`` is
    0.001, ``010`` is 10 and ``yes`` is a string. We follow dvc so both tools see the same
    values. The regular expressions are ruamel.yaml's YAML 1.2 resolvers.
    """

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep)
        except yaml.YAMLError:
            raise
        except (ValueError, TypeError, AttributeError, KeyError, OverflowError) as exc:
            # An explicit tag on a value it cannot hold (``!!timestamp foo``, ``!!bool maybe``)
            # fails inside PyYAML's constructors with a plain Python error.
            raise yaml.constructor.ConstructorError(
                None, None, f"cannot read the value tagged {node.tag}: {exc}", node.start_mark
            ) from None


_YAML_TAG = "tag:yaml.org,2002:"
_REPLACED_TAGS = {_YAML_TAG + "bool", _YAML_TAG + "int", _YAML_TAG + "float"}
_Yaml12Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag not in _REPLACED_TAGS]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Yaml12Loader.add_implicit_resolver(
    _YAML_TAG + "bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)
_Yaml12Loader.add_implicit_resolver(
    _YAML_TAG + "float",
    re.compile(
        r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
        |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
        |[-+]?\.[0-9_]+(?:[eE][-+][0-9]+)?
        |[-+]?\.(?:inf|Inf|INF)
        |\.(?:nan|NaN|NAN))$""",
        re.X,
    ),
    list("-+0123456789."),
)
_Yaml12Loader.add_implicit_resolver(
    _YAML_TAG + "int",
    re.compile(
        r"""^(?:[-+]?0b[0-1_]+
        |[-+]?0o?[0-7_]+
        |[-+]?[0-9_]+
        |[-+]?0x[0-9a-fA-F_]+)$""",
        re.X,
    ),
    list("-+0123456789"),
)


def _construct_yaml12_int(loader: yaml.SafeLoader, node: yaml.Node) -> int | OversizedInt | str:
    text = str(loader.construct_scalar(node))  # type: ignore[arg-type]
    digits = text.replace("_", "")
    sign = -1 if digits.startswith("-") else 1
    digits = digits.lstrip("+-")
    base = {"0b": 2, "0o": 8, "0x": 16}.get(digits[:2].lower(), 10)
    if base != 10:
        digits = digits[2:]
    try:
        number = int_from_text(digits, base)  # YAML 1.2: a leading 0 is decimal, not octal
        return sign * number if isinstance(number, int) else OversizedInt(text)
    except ValueError:  # e.g. "-_": matched the pattern but holds no digit
        return text


_Yaml12Loader.add_constructor(_YAML_TAG + "int", _construct_yaml12_int)


def decode_yaml(path: str, text: str) -> Any:
    try:
        # Safe: _Yaml12Loader is a SafeLoader, it builds plain values only, never objects.
        return yaml.load(text, Loader=_Yaml12Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = exc.problem or exc.context or "syntax error"
        raise InputError(f"{path}: not valid YAML{where}: {problem}") from None
    except yaml.YAMLError as exc:
        raise InputError(f"{path}: not valid YAML: {exc}") from None
    except RecursionError:  # the pure-Python parser, where libyaml is not installed
        raise too_deep(path, "YAML") from None
