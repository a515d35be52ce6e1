"""Fitting a report into a size budget, cutting only at section boundaries."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Section:
    name: str  # how the cut notice refers to it
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
            where = f" The full report is in {hint}." if hint else ""
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
