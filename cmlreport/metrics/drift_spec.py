"""``--drift [NAME=]REFERENCE:CURRENT``: the flag's text split into a name and file pairs. Pure."""

from __future__ import annotations

from cmlreport.errors import InputError
from cmlreport.metrics.limits import shown_key


def parse_spec(text: str) -> tuple[str | None, list[tuple[str, str]]]:
    """``[NAME=]REFERENCE:CURRENT`` as the NAME (None: not given) and every (reference,
    current) split at a ``:``.

    NAME is what comes before the first ``=`` when that is only letters, digits and ``_.-``
    (``./a=b.csv`` keeps an ``=`` in a path). A path may hold ``:``: the caller keeps the one
    split whose both sides are files.
    """
    name: str | None = None
    head, eq, rest = text.partition("=")
    if eq and head and all(ch.isalnum() or ch in "_.-" for ch in head) and head.isascii():
        name, text = head, rest
    splits = [
        (text[:i], text[i + 1 :])
        for i, ch in enumerate(text)
        if ch == ":" and 0 < i < len(text) - 1
    ]
    if not splits:
        raise InputError(
            f"--drift {shown_key(text)!r}: give two files as REFERENCE:CURRENT "
            "(e.g. --drift confidence=test_scores.csv:live_scores.csv)"
        )
    return name, splits
