"""A plain-text table for the terminal, laid out as tabulate's "simple" format.

tabulate guesses a type for every cell and measures each one through several regexes; at 300,000
changed metrics that was 13 of the 20 seconds of `cmlreport diff`. Our cells are already text, so
this measures each column once (a C-speed ``len`` when the column is ASCII, display width
otherwise) and pads.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

# Two spaces between columns, and each column at least two wider than its header: tabulate's.
_GAP = "  "
_HEADER_PADDING = 2
# Lines laid out and handed on at a time: a million-row table is never one string.
_BATCH = 10_000


def _display_width() -> Callable[[str], int]:
    from wcwidth import wcswidth

    def width(text: str) -> int:
        # -1 for a non-printable character: those are escaped later, when the line is printed.
        n = wcswidth(text)
        return n if n >= 0 else len(text)

    return width


def _measured(cells: Sequence[str]) -> tuple[Callable[[str], int], int]:
    if "".join(cells).isascii():
        return len, max(map(len, cells), default=0)
    width = _display_width()
    return width, max(map(width, cells), default=0)


def _padded(
    cells: Sequence[str], width: int, measure: Callable[[str], int], right: bool
) -> list[str]:
    if measure is len:
        return [c.rjust(width) for c in cells] if right else [c.ljust(width) for c in cells]
    if right:
        return [" " * (width - measure(c)) + c for c in cells]
    return [c + " " * (width - measure(c)) for c in cells]


def text_table(
    headers: Sequence[str], columns: Sequence[Sequence[str]], right: Sequence[bool]
) -> str:
    """``columns`` of text cells under ``headers``; ``right[i]`` right-aligns column i."""
    return "".join(text_table_chunks(headers, columns, right)).removesuffix("\n")


def text_table_chunks(
    headers: Sequence[str], columns: Sequence[Sequence[str]], right: Sequence[bool]
) -> Iterator[str]:
    """``text_table`` as pieces of whole lines, each ending in a newline, to print as they come."""
    layout = []
    for header, cells, to_right in zip(headers, columns, right, strict=True):
        measure, widest = _measured([header, *cells])
        layout.append((max(widest, measure(header) + _HEADER_PADDING), measure, to_right))
    rule = _GAP.join("-" * width for width, _, _ in layout)
    yield _lines([[h] for h in headers], layout, 0, 1)[0] + "\n" + rule + "\n"
    rows = len(columns[0]) if columns else 0
    for start in range(0, rows, _BATCH):
        yield "".join(line + "\n" for line in _lines(columns, layout, start, start + _BATCH))


def _lines(
    columns: Sequence[Sequence[str]],
    layout: Sequence[tuple[int, Callable[[str], int], bool]],
    start: int,
    end: int,
) -> list[str]:
    padded = [
        _padded(cells[start:end], width, measure, to_right)
        for cells, (width, measure, to_right) in zip(columns, layout, strict=True)
    ]
    return [_GAP.join(line).rstrip() for line in zip(*padded, strict=True)]
