"""Fitting a report into a size budget, cutting only at section boundaries."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from cmlreport.report.escape import md_prose


@dataclass(frozen=True)
class Section:
    name: str  # how the cut notice refers to it, as markdown (escaped by whoever builds it)
    text: str
    required: bool = False
    # Shorter renderings, tried in order before the section is dropped altogether.
    shorter: tuple[tuple[str, str], ...] = ()  # (text, what the shortening left out)


# The notice names this many left-out parts, each cut to NAME_CHARS, then counts the rest: a
# report of 20,000 headings must not need a notice longer than the budget.
NAMED_IN_NOTICE = 8
NAME_CHARS = 80


def _notice(cut: Sequence[str], total: int, budget: int, hint: str | None) -> str:
    """The line saying what was left out: ``cut`` holds the first names, ``total`` counts all."""
    names = [n if len(n) <= NAME_CHARS else f"{n[: NAME_CHARS - 1]}…" for n in cut]
    rest = total - len(names)
    listed = ", ".join(names) + (f" and {rest:,} more sections" if rest > 0 else "")
    # The hint names files and URLs that may come from flags: plain text, escaped here.
    where = f" The full report is in {md_prose(hint)}." if hint else ""
    return f"> ✂️ Cut to fit the {budget:,}-character limit: left out {listed}.{where}"


def fit(sections: Sequence[Section], footer: str, budget: int, hint: str | None) -> str:
    """Join sections within ``budget`` characters, shortening then dropping optional sections
    from the end first. Order is kept, and a notice names what was left out.

    Linear in the number of sections: the candidate cuts are tried in that order (the last
    optional section shortened, then dropped, then the one before it...) and each is measured
    from prefix sums, without rendering; only the chosen one is joined.
    """
    n = len(sections)
    lengths = [len(s.text) for s in sections]
    before = [0] * (n + 1)  # before[i]: characters of sections[:i]
    for i, length in enumerate(lengths):
        before[i + 1] = before[i] + length
    # required_after[i]: (characters, count) of the required sections after index i.
    required_after = [(0, 0)] * (n + 1)
    for i in range(n - 1, -1, -1):
        chars, count = required_after[i + 1]
        s = sections[i]
        required_after[i] = (chars + lengths[i], count + 1) if s.required else (chars, count)
    optional = [i for i, s in enumerate(sections) if not s.required]

    def size(parts: int, chars: int, notice: str) -> int:
        # "\n\n".join([*body, notice, footer]) + "\n"
        pieces = parts + (1 if notice else 0) + 1
        return chars + len(notice) + len(footer) + 2 * (pieces - 1) + 1

    def measure(j: int, level: int | None) -> tuple[int, str]:
        """Size of: optional[:j] and required sections full, optional[j] at ``level``
        (None = dropped), optional[j + 1:] dropped; and its notice."""
        p = optional[j]
        req_chars, req_count = required_after[p]
        chars, parts = before[p] + req_chars, p + req_count
        dropped_after = len(optional) - j - 1
        cut: list[str] = []
        if level is None:
            cut.append(sections[p].name)
        elif level == 0:
            chars, parts = chars + lengths[p], parts + 1
        else:
            text, what = sections[p].shorter[level - 1]
            chars, parts = chars + len(text), parts + 1
            cut.append(f"{what} (from {sections[p].name})")
        total = len(cut) + dropped_after
        for q in optional[j + 1 :][: NAMED_IN_NOTICE - len(cut)]:
            cut.append(sections[q].name)
        notice = _notice(cut, total, budget, hint) if total else ""
        return size(parts, chars, notice), notice

    chosen: tuple[int, int | None] | None = None  # None: every section at full length
    if size(n, before[n], "") > budget:
        candidates = (
            (j, level)
            for j in range(len(optional) - 1, -1, -1)
            for level in (*range(1, len(sections[optional[j]].shorter) + 1), None)
        )
        last: tuple[int, int | None] | None = None
        for candidate in candidates:
            last = candidate
            if measure(*candidate)[0] <= budget:
                chosen = candidate
                break
        else:
            chosen = last  # every optional section dropped, and still too long: hard cut below

    if chosen is None:
        body = [s.text for s in sections]
        notice = ""
    else:
        j, level = chosen
        p = optional[j]
        kept = [] if level is None else [sections[p].text]
        if level:
            kept = [sections[p].shorter[level - 1][0]]
        after = [s.text for s in sections[p + 1 :] if s.required]
        body = [*(s.text for s in sections[:p]), *kept, *after]
        notice = measure(j, level)[1]
    text = "\n\n".join([*body, *([notice] if notice else []), footer]) + "\n"
    if len(text) > budget:
        # Even the required sections overflow (a huge headline selection): cut at a line.
        notice = f"\n\n> ✂️ Cut at {budget:,} characters.\n"
        room = max(budget - len(notice), 0)
        text = text[:room].rsplit("\n", 1)[0] + notice
    return text


# Where an existing report may be cut: before a heading or a collapsible block.
_BOUNDARY = re.compile(r"^(?=#{1,6} |<details>)", re.MULTILINE)
_FOOTER = re.compile(r"^---\n<sub>.*\Z", re.MULTILINE | re.DOTALL)


def cut_markdown(md: str, budget: int, hint: str | None) -> str:
    """Fit an already rendered report (a file given to send-comment) into ``budget``.

    The first section and the footer are kept; later sections are left out from the end and
    named in the notice, as ``fit`` does for a report being built.
    """
    if len(md) <= budget:
        return md
    footer_match = _FOOTER.search(md)
    footer = footer_match.group(0).rstrip() if footer_match else ""
    body = md[: footer_match.start()] if footer_match else md
    chunks = [c.strip("\n") for c in _BOUNDARY.split(body) if c.strip()]
    if len(chunks) > 1 and not _BOUNDARY.search(chunks[0]):
        # Hidden markers above the title belong with it: the title section is what stays.
        chunks[:2] = [f"{chunks[0]}\n{chunks[1]}"]
    sections = [Section(_chunk_name(c), c, required=(i == 0)) for i, c in enumerate(chunks)]
    return fit(sections, footer, budget, hint)


def _chunk_name(chunk: str) -> str:
    first = chunk.splitlines()[0]
    if first.startswith("<details>"):
        # The first lines only: a hostile chunk of unclosed tags would be searched quadratically.
        summary = re.search(r"<summary>(.*?)</summary>", chunk[:2000])
        return summary[1] if summary else "details"
    return first.lstrip("#").strip() or "a section"
