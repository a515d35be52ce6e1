"""The subset of GitHub Actions' expression language an action's metadata needs, for
scripts/run_action.py: literals, ``==``/``!=`` (strings compared ignoring case, mixed types as
numbers), ``!``, ``&&``/``||`` (returning an operand, as GitHub does), parentheses, the status
functions, and lookups in the contexts the simulation provides. Anything else is an error.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any


class ActionError(Exception):
    """The action uses something this simulation does not implement, or is malformed."""


Value = Any  # str | float | bool | None, or a context object (a dict)
TOKEN = re.compile(
    r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<num>\d+(?:\.\d+)?)"
    r"|(?P<op>==|!=|&&|\|\||[!()\[\].])|(?P<name>[A-Za-z_][A-Za-z0-9_-]*))"
)
INTERPOLATION = re.compile(r"\$\{\{(.*?)\}\}", re.DOTALL)
CONTEXTS = ("inputs", "github", "runner", "steps", "env")


def interpolate(text: str, contexts: Mapping[str, Any]) -> str:
    """``text`` with every ``${{ expr }}`` replaced by its value, as GitHub renders it."""
    return INTERPOLATION.sub(lambda m: render(evaluate(m.group(1), contexts)), text)


def render(value: Value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else str(value)
    if isinstance(value, str):
        return value
    raise ActionError(f"cannot render {type(value).__name__} as a string")


def evaluate(text: str, contexts: Mapping[str, Any]) -> Value:
    tokens: list[tuple[str, str]] = []
    pos, text = 0, text.strip()
    while pos < len(text):
        match = TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            raise ActionError(f"expression {text!r}: cannot read {text[pos:]!r}")
        kind = match.lastgroup
        assert kind is not None
        tokens.append((kind, match.group(kind)))
        pos = match.end()
    parser = _Parser(text, tokens, contexts)
    value = parser.either()
    if parser.pos != len(tokens):
        raise ActionError(f"expression {text!r}: unexpected {tokens[parser.pos][1]!r}")
    return value


def _number(value: Value) -> float:
    if value is None or isinstance(value, bool | float):
        return float(value or 0)
    if isinstance(value, str):
        try:
            return float(value.strip() or 0)
        except ValueError:
            return math.nan
    raise ActionError(f"cannot compare a {type(value).__name__}")


def _truthy(value: Value) -> bool:
    return value not in (None, False, "", 0.0)


class _Parser:
    def __init__(self, text: str, tokens: list[tuple[str, str]], contexts: Mapping[str, Any]):
        self.text, self.tokens, self.contexts, self.pos = text, tokens, contexts, 0

    def peek(self) -> str | None:
        return self.tokens[self.pos][1] if self.pos < len(self.tokens) else None

    def take(self, expected: str | None = None) -> tuple[str, str]:
        if self.pos >= len(self.tokens) or (expected and self.peek() != expected):
            raise ActionError(f"expression {self.text!r}: expected {expected or 'more'}")
        self.pos += 1
        return self.tokens[self.pos - 1]

    def either(self) -> Value:  # a || b returns the first truthy operand, like GitHub
        value = self.both()
        while self.peek() == "||":
            self.take()
            right = self.both()
            value = value if _truthy(value) else right
        return value

    def both(self) -> Value:
        value = self.compare()
        while self.peek() == "&&":
            self.take()
            right = self.compare()
            value = right if _truthy(value) else value
        return value

    def compare(self) -> Value:
        left = self.unary()
        if self.peek() not in ("==", "!="):
            return left
        negate = self.take()[1] == "!="
        right = self.unary()
        if isinstance(left, str) and isinstance(right, str):
            equal = left.casefold() == right.casefold()  # GitHub compares strings ignoring case
        elif type(left) is type(right):
            equal = left == right
        else:
            equal = _number(left) == _number(right)  # GitHub's rule for mixed types
        return equal != negate

    def unary(self) -> Value:
        if self.peek() == "!":
            self.take()
            return not _truthy(self.unary())
        return self.primary()

    def primary(self) -> Value:
        kind, token = self.take()
        if kind == "str":
            return token[1:-1].replace("''", "'")
        if kind == "num":
            return float(token)
        if token == "(":
            value = self.either()
            self.take(")")
            return value
        if kind != "name":
            raise ActionError(f"expression {self.text!r}: unexpected {token!r}")
        if token in ("true", "false", "null"):
            return {"true": True, "false": False, "null": None}[token]
        if self.peek() == "(":
            return self.status_function(token)
        return self.lookup(token)

    def status_function(self, name: str) -> bool:
        self.take("(")
        self.take(")")
        failed = bool(self.contexts.get("__failed__", False))
        if name == "success":
            return not failed
        if name == "failure":
            return failed
        if name == "always":
            return True
        raise ActionError(f"expression {self.text!r}: function {name}() is not simulated")

    def lookup(self, root: str) -> Value:
        if root not in CONTEXTS:
            raise ActionError(f"expression {self.text!r}: context {root!r} is not simulated")
        path, value = [root], self.contexts[root]
        while self.peek() in (".", "["):
            if self.take()[1] == ".":
                key = self.take()[1]
            else:
                key = self.take()[1][1:-1]
                self.take("]")
            path.append(key)
            value = self.child(path, value, key)
        return value

    def child(self, path: list[str], value: Value, key: str) -> Value:
        if isinstance(value, Mapping) and key in value:
            return value[key]
        if path[0] == "env" and len(path) == 2:
            return None  # an unset variable
        known_step = path[0] == "steps" and path[1] in self.contexts["declared"]
        if known_step and (len(path) == 2 or path[2] in ("outputs", "outcome", "conclusion")):
            return None  # GitHub's null: a step not run (yet), an output it did not set
        raise ActionError(f"expression {self.text!r}: {'.'.join(path)} is not simulated")
