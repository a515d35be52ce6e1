"""Fitting a report into a size budget, cutting only at section boundaries."""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from cmlreport.report.escape import md_prose

# What each place a report goes holds, in characters: every cut is made to one of these.
GITHUB_COMMENT_LIMIT = 65_536  # a pull request, issue or commit comment
GITHUB_CHECK_SUMMARY_LIMIT = 65_535  # the summary of a check run
STEP_SUMMARY_LIMIT = 1_000_000  # GitHub's job summary takes up to 1 MiB a step
GITLAB_NOTE_LIMIT = 1_000_000  # a merge request, issue or commit note


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

    The one cutter: every size limit a report meets goes through here.
    """
    plan = _Plan(sections, footer, budget, hint)
    cut = plan.choose()
    body, notice = plan.body(cut), plan.measure(cut)[1] if cut else ""
    text = "\n\n".join([*body, *([notice] if notice else []), footer]) + "\n"
    if len(text) > budget:
        # Even the required sections overflow (a huge headline selection): cut at a line.
        notice = f"\n\n> ✂️ Cut at {budget:,} characters.\n"
        room = max(budget - len(notice), 0)
        text = text[:room].rsplit("\n", 1)[0] + notice
    return text


# A cut: the optional section at this index of the optional ones, at this shorter rendering
# (1 = the first; None = left out), the optional sections after it left out.
_Cut = tuple[int, int | None]


class _Plan:
    """The candidate cuts of one report, each measured from prefix sums without rendering: the
    last optional section shortened, then dropped, then the one before it... Linear in the
    number of sections."""

    def __init__(self, sections: Sequence[Section], footer: str, budget: int, hint: str | None):
        self.sections, self.footer, self.budget, self.hint = sections, footer, budget, hint
        self.lengths = [len(s.text) for s in sections]
        self.before = [0, *itertools.accumulate(self.lengths)]  # characters of sections[:i]
        # required_after[i]: (characters, count) of the required sections from index i on.
        self.required_after = [(0, 0)] * (len(sections) + 1)
        for i in range(len(sections) - 1, -1, -1):
            chars, count = self.required_after[i + 1]
            if sections[i].required:
                chars, count = chars + self.lengths[i], count + 1
            self.required_after[i] = (chars, count)
        self.optional = [i for i, s in enumerate(sections) if not s.required]

    def size(self, parts: int, chars: int, notice: str) -> int:
        # len("\n\n".join([*body, notice, footer]) + "\n")
        pieces = parts + (1 if notice else 0) + 1
        return chars + len(notice) + len(self.footer) + 2 * (pieces - 1) + 1

    def choose(self) -> _Cut | None:
        """The first cut that fits (None: nothing to cut); the last one when none does."""
        if self.size(len(self.sections), self.before[-1], "") <= self.budget:
            return None
        last: _Cut | None = None
        for j in range(len(self.optional) - 1, -1, -1):
            for level in (*range(1, len(self.sections[self.optional[j]].shorter) + 1), None):
                last = (j, level)
                if self.measure(last)[0] <= self.budget:
                    return last
        return last  # every optional section dropped, and still too long: fit cuts at a line

    def measure(self, cut: _Cut) -> tuple[int, str]:
        """The size of the report with ``cut``, and its notice."""
        j, level = cut
        p = self.optional[j]
        section = self.sections[p]
        req_chars, req_count = self.required_after[p]
        chars, parts = self.before[p] + req_chars, p + req_count
        if level is None:
            named = [section.name]
        else:
            text, what = section.shorter[level - 1]
            chars, parts = chars + len(text), parts + 1
            named = [f"{what} (from {section.name})"]
        total = len(named) + len(self.optional) - j - 1
        named += [self.sections[q].name for q in self.optional[j + 1 :][: NAMED_IN_NOTICE - 1]]
        notice = _notice(named, total, self.budget, self.hint) if total else ""
        return self.size(parts, chars, notice), notice

    def body(self, cut: _Cut | None) -> list[str]:
        if cut is None:
            return [s.text for s in self.sections]
        j, level = cut
        p = self.optional[j]
        kept = [] if level is None else [self.sections[p].shorter[level - 1][0]]
        after = [s.text for s in self.sections[p + 1 :] if s.required]
        return [*(s.text for s in self.sections[:p]), *kept, *after]


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
