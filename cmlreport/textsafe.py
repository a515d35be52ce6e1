"""Text from input, made safe to print on a terminal and in a CI log.

Two things a line of input can do when printed, and what is done about them:

- Drive the terminal: ANSI/OSC escape sequences (colours, cursor moves, ``ESC]8;;URL`` links,
  window titles), carriage returns that overwrite a line, bidi overrides and zero-width
  characters that make text read differently from what it is. Every control (Unicode
  categories Cc, Cf, Zl, Zp) and lone surrogate is shown escaped (``\\x1b``, ``\\u202e``).
- Drive the CI: the GitHub Actions runner reads every line of a step's stdout and stderr
  (``StreamReader.ReadLine``: ``\\n``, ``\\r`` and ``\\r\\n`` all end a line) as a workflow
  command when, after ``TrimStart()``, it starts with ``::`` (``ActionCommand.TryParseV2``),
  or when it holds ``##[`` *anywhere* (the legacy ``ActionCommand.TryParse`` uses
  ``IndexOf``). Such lines get a backslash before the command (``\\::set-output``,
  ``#\\#[``): no longer a command, and markdown still renders it as written.

Pure: str in, str out. ``neutralise`` is for one line.
"""

from __future__ import annotations

import re
import unicodedata

_ESCAPED_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs"})
_KEPT = frozenset({"\t"})
_LEGACY_COMMAND = re.compile(r"(?<=#)#\[")
# Everything Python or .NET would trim before looking for "::" (both treat Unicode spaces so).
_LEADING_SPACE = re.compile(r"^\s*")


def _needs_escape(char: str) -> bool:
    return char not in _KEPT and unicodedata.category(char) in _ESCAPED_CATEGORIES


def escape_char(char: str) -> str:
    # Also valid inside a JSON string (`diff --format json` lets C0 through escaped already):
    # \xNN only for C0, \uNNNN for the rest, a surrogate pair past the BMP.
    code = ord(char)
    if code < 0x20:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    high, low = divmod(code - 0x10000, 0x400)
    return f"\\u{0xD800 + high:04x}\\u{0xDC00 + low:04x}"


def escape_controls(text: str) -> str:
    """Every control, format, line/paragraph separator and surrogate character escaped."""
    if text.isprintable():
        return text  # the common case, without a per-character loop
    return "".join(escape_char(c) if _needs_escape(c) else c for c in text)


def neutralise_workflow_command(line: str) -> str:
    """``line`` as the Actions runner would read it, made into plain text."""
    line = _LEGACY_COMMAND.sub(r"\\#[", line)
    indent = _LEADING_SPACE.match(line)
    start = indent.end() if indent else 0
    if line.startswith("::", start):
        line = f"{line[:start]}\\{line[start:]}"
    return line


def neutralise(line: str) -> str:
    """One printed line (without its newline): no control character, no workflow command."""
    return neutralise_workflow_command(escape_controls(line))


def json_safe(text: str) -> str:
    """JSON text whose strings hold ``##[``: spelt ``#\\u0023[``, the same string to a JSON
    reader, so ``neutralise`` has nothing to change (its backslash would break the JSON)."""
    return text.replace("##[", "#\\u0023[")


# -- shown in markdown: what draws nothing is written out, the way repr shows it -------------

# Categories that draw nothing (or redraw what follows): C0/C1 controls, format characters
# (bidi embeddings, overrides and isolates, zero-width space/joiners, BOM, soft hyphen),
# lone surrogates (which cannot even be written as UTF-8), line and paragraph separators.
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
# Letters that render as blank space (Hangul fillers): used to fake empty or equal names.
_INVISIBLE_LETTERS = frozenset("\u115f\u1160\u3164\uffa0")
_LINE_SPACE = " \t\n\r\f\v"


def visible(text: str) -> str:
    """``text`` with every control or invisible character written out as ``\\uXXXX``
    (``\\xXX`` below U+0100), the way Python's ``repr`` shows them; blanks stay blanks."""
    if text.isascii() and text.isprintable():
        return text  # nothing invisible: the common case, without a loop per character
    return "".join(
        _escape_char(ch)
        if ch not in _LINE_SPACE
        and (unicodedata.category(ch) in _INVISIBLE_CATEGORIES or ch in _INVISIBLE_LETTERS)
        else ch
        for ch in text
    )


def _escape_char(ch: str) -> str:
    n = ord(ch)
    if n < 0x100:
        return f"\\x{n:02x}"
    return f"\\u{n:04x}" if n < 0x10000 else f"\\U{n:08x}"


def one_line(text: str) -> str:
    """``visible`` text on one line: every run of blanks and line breaks is one space."""
    if text.isascii() and text.isprintable() and "  " not in text:
        return text.strip(" ")  # no line break, no tab, no run of spaces: nothing to join
    return re.sub(r"[ \t\n\r\f\v]+", " ", visible(text)).strip()
