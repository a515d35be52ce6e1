"""The "did you mean …?" of a gate or flag that names no metric. Pure."""

from __future__ import annotations

import difflib
from collections.abc import Sequence

from cmlreport.errors import InputError


def unknown_key(flag: str, key: str, known: Sequence[str]) -> InputError:
    return InputError(f"{flag}: metric {key!r} is not in the head metrics{suggest(key, known)}")


def suggest(key: str, known: Sequence[str]) -> str:
    """ "; did you mean …?" naming the key as written in the report: a key held by two files is
    ``path:key``, so ``dice_multi`` suggests ``results/train/metrics.json:dice_multi``."""
    by_tail: dict[str, list[str]] = {}
    for name in known:
        by_tail.setdefault(name, []).append(name)
        for at, ch in enumerate(name):
            if ch == ":":
                by_tail.setdefault(name[at + 1 :], []).append(name)
    close = difflib.get_close_matches(key, list(by_tail), n=1)
    if not close:
        return ""
    names = list(dict.fromkeys(by_tail[close[0]]))
    if len(names) == 1:
        return f"; did you mean {names[0]!r}?"
    shown = " or ".join(repr(n) for n in names[:3])
    return f"; {len(names)} files hold {close[0]!r}: name one, e.g. {shown}"
