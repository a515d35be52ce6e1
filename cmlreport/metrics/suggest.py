"""The "did you mean …?" of a gate or flag that names no metric. Pure."""

from __future__ import annotations

import difflib
from collections.abc import Sequence

from cmlreport.errors import InputError

# Metrics a run computes from a flag: a gate on one without the flag says which flag.
FAMILIES = {
    "predictions.": "predictions.* metrics come from --predictions FILE",
    "groups.": "groups.* metrics come from --predictions FILE with --slice-by COLUMN",
    "drift.": "drift.* metrics come from --drift REFERENCE:CURRENT",
}


def unknown_key(flag: str, key: str, known: Sequence[str], also: Sequence[str] = ()) -> InputError:
    """``also``: names the run knows but could not compute, good suggestions all the same."""
    family = next((hint for prefix, hint in FAMILIES.items() if key.startswith(prefix)), None)
    if family is not None and not any(k.startswith(key.split(".", 1)[0] + ".") for k in known):
        return InputError(f"{flag}: metric {key!r} is not in the head metrics ({family})")
    hint = suggest(key, [*known, *also])
    return InputError(f"{flag}: metric {key!r} is not in the head metrics{hint}")


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
