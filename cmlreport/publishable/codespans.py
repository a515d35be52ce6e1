"""Where a report's markdown is code or an HTML comment: text a forge shows, never renders."""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator

_FENCE_OPEN = re.compile(r"[ \t>]*(`{3,}|~{3,})(.*)")
BLANK_LINE = re.compile(r"\n[ \t]*\r?\n")
_BLANK_AHEAD = re.compile(r"(?=\n[ \t]*\r?\n)")


def _fenced_blocks(md: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    fence: str | None = None
    opened = 0
    offset = 0
    for line in md.split("\n"):
        end = offset + len(line) + 1
        text = line.rstrip("\r")
        if fence is None:
            m = _FENCE_OPEN.fullmatch(text)
            # A backtick fence's info string cannot hold a backtick (```x``` is inline code).
            if m and not (m[1][0] == "`" and "`" in m[2]):
                fence, opened = m[1], offset
        else:
            stripped = text.lstrip(" \t>").rstrip()
            if stripped.startswith(fence) and set(stripped) == {fence[0]}:
                spans.append((opened, min(end, len(md))))
                fence = None
        offset = end
    if fence is not None:  # an unclosed fence runs to the end of the document
        spans.append((opened, len(md)))
    return spans


def escaped(md: str, i: int) -> bool:
    backslashes = 0
    while i - backslashes > 0 and md[i - backslashes - 1] == "\\":
        backslashes += 1
    return backslashes % 2 == 1


class _Runs:
    """Every maximal run of backticks in ``md`` by length, and where paragraphs end, so that
    the closer of each opening run is a lookup: scanning ahead from every unmatched run would
    be quadratic in a paragraph full of them."""

    def __init__(self, md: str, start: int, end: int) -> None:
        self.by_length: dict[int, list[int]] = {}
        for m in re.finditer(r"`+", md[start:end]):
            self.by_length.setdefault(len(m[0]), []).append(start + m.start())
        # Every place a blank line starts, overlapping ones too ("\n\n\n" has two).
        self.blanks = [start + m.start() for m in _BLANK_AHEAD.finditer(md[start:end])]
        self.end = end

    def closer(self, after: int, length: int) -> int | None:
        """The start of the next run of exactly ``length`` backticks after ``after``, in the
        same paragraph; None when there is none."""
        at = bisect.bisect_left(self.blanks, after)
        limit = self.blanks[at] if at < len(self.blanks) else self.end
        starts = self.by_length.get(length, [])
        k = bisect.bisect_left(starts, after)
        return starts[k] if k < len(starts) and starts[k] < limit else None


def _inline_skips(md: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    """Code spans and HTML comments between ``start`` and ``end`` (outside fenced blocks)."""
    opener = re.compile(r"`+|<!--")
    runs = _Runs(md, start, end)
    i = start
    while (m := opener.search(md, i, end)) is not None:
        if m[0] == "<!--":
            close = md.find("-->", m.end(), end)
            stop = end if close < 0 else close + 3
            yield m.start(), stop
            i = stop
            continue
        if escaped(md, m.start()):
            i = m.start() + 1
            continue
        # A code span closes at the next run of exactly as many backticks in its paragraph.
        closer = runs.closer(m.end(), len(m[0]))
        if closer is None:
            i = m.end()  # unmatched backticks are literal text
            continue
        stop = closer + len(m[0])
        yield m.start(), stop
        i = stop


def skipped(md: str) -> list[tuple[int, int]]:
    """The spans of fenced blocks, code spans and HTML comments, in order."""
    spans: list[tuple[int, int]] = []
    done = 0
    for start, end in _fenced_blocks(md):
        spans += _inline_skips(md, done, start)
        spans.append((start, end))
        done = end
    spans += _inline_skips(md, done, len(md))
    return spans
