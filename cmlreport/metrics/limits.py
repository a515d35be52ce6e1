"""Bounds on what one decoded metrics file may hold, checked while it is flattened."""

# Pure. A size limit on the file (``cmlreport.files``) is not enough on its own: a YAML alias bomb
# is a few hundred bytes that expand to billions of values once flattened (PyYAML shares the
# references, the flattening walks them), and a key nested thousands deep overflows a recursive
# walk. So the walks count every value they visit and stop at a bound with one line.

from __future__ import annotations

from dataclasses import dataclass

from cmlreport.errors import InputError

MAX_DEPTH = 64  # levels of nested keys; dotted metric names are a handful deep
# Values one JSON, CSV or JSON-lines file may hold: a million metrics at each of two revisions
# (dvc diffs them), or 400,000 labels x 5 columns.
MAX_VALUES = 2_000_000
# ... and a YAML or TOML file: YAML aliases expand a few hundred bytes into billions of values
# (4,000 classes x 50 columns is plenty for a hand-written file).
MAX_MARKUP_VALUES = 200_000
# Lists and mappings in one JSON document, counted before it is decoded (see cmlreport.files).
MAX_CONTAINERS = 1_000_000
# Integers must fit a float (1.8e308) with room for a delta, or every comparison, delta and
# format of them fails; Python itself refuses to parse more than 4,300 digits.
MAX_INT_DIGITS = 300


@dataclass(frozen=True)
class OversizedInt:
    """Stands in for an integer literal too long to convert, so the walk can name its key."""

    text: str

    @property
    def digits(self) -> int:
        return len(self.text.lstrip("+-"))


def too_many_digits(path: str, where: str, digits: int) -> InputError:
    return InputError(
        f"{path}: {where} is an integer of {digits:,} digits; metrics are numbers of at most "
        f"{MAX_INT_DIGITS} digits"
    )


def check_number(path: str, where: str, value: object) -> None:
    """InputError when ``value`` is an integer out of a metric's range (``where`` names it)."""
    if isinstance(value, OversizedInt):
        raise too_many_digits(path, where, value.digits)
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= _INT_BOUND:
        raise too_many_digits(path, where, decimal_digits(value))


def decimal_digits(value: int) -> int:
    """How many decimal digits ``value`` has, about, without str(): Python refuses to convert
    an integer of over 4,300 digits (hexadecimal, octal and binary literals read fine)."""
    value = abs(value)
    digits = int(value.bit_length() * 0.30103) + 1  # log10(2): exact or one too many
    return digits - 1 if digits > 1 and value < 10 ** (digits - 1) else digits


_INT_BOUND = 10**MAX_INT_DIGITS


def int_from_text(digits: str, base: int = 10) -> int | OversizedInt:
    """``int(digits, base)``, or an OversizedInt when the text is too long to be a metric.

    Decimal text is checked first: Python's int() is quadratic in decimal digits and refuses
    more than 4,300 of them with a ValueError (other bases are linear; ``check_number`` bounds
    their value).
    """
    if base == 10 and len(digits.lstrip("+-0")) > MAX_INT_DIGITS:
        return OversizedInt(digits)
    return int(digits, base)


def shown_key(key: str) -> str:
    """A key for a message: a key built by a hostile file can be megabytes long."""
    return key if len(key) <= 120 else f"{key[:100]}…({len(key):,} characters)"


class ValueCount:
    """Values visited while flattening one file; InputError past ``limit`` or ``MAX_DEPTH``."""

    def __init__(self, path: str, limit: int = MAX_VALUES) -> None:
        self.path = path
        self.limit = limit
        self.count = 0

    def add(self, n: int = 1) -> None:
        self.count += n
        if self.count > self.limit:
            raise InputError(
                f"{self.path}: holds more than {self.limit:,} values once nested keys and YAML "
                "aliases are expanded; split the file or drop what the report does not need"
            )

    def enter(self, depth: int, key: str) -> None:
        if depth > MAX_DEPTH:
            raise InputError(
                f"{self.path}: key '{shown_key(key)}' is nested more than {MAX_DEPTH} levels "
                "deep; flatten the file"
            )
