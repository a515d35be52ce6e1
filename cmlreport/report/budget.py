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


def fit(sections: Sequence[Section], footer: str, budget: int, hint: str | None) -> str:
    """Join sections within ``budget`` characters, shortening then dropping optional sections
    from the end first. Order is kept, and a notice names what was left out."""
    # level per section: 0 = full text, k = shorter[k - 1], None = dropped.
    levels: list[int | None] = [0] * len(sections)

    def render() -> str:
        body: list[str] = []
        cut: list[str] = []
        for section, level in zip(sections, levels, strict=True):
            if level is None:
                cut.append(section.name)
            elif level == 0:
                body.append(section.text)
            else:
                text, what = section.shorter[level - 1]
                body.append(text)
                cut.append(f"{what} (from {section.name})")
        if cut:
            # The hint names files and URLs that may come from flags: plain text, escaped here.
            where = f" The full report is in {md_prose(hint)}." if hint else ""
            body.append(
                f"> ✂️ Cut to fit the {budget:,}-character limit: left out {', '.join(cut)}.{where}"
            )
        return "\n\n".join([*body, footer]) + "\n"

    text = render()
    while len(text) > budget:
        optional = [i for i, s in enumerate(sections) if not s.required and levels[i] is not None]
        if not optional:
            break
        i = optional[-1]
        level = levels[i]
        assert level is not None
        levels[i] = level + 1 if level < len(sections[i].shorter) else None
        text = render()
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
        summary = re.search(r"<summary>(.*?)</summary>", chunk)
        return summary[1] if summary else "details"
    return first.lstrip("#").strip() or "a section"
