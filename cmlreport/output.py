"""The one way out: every byte cmlreport prints or writes passes through here.

``guarded_streams`` replaces ``sys.stdout`` and ``sys.stderr`` for the whole run (click's
messages, ours, warnings, logging, tracebacks): each line is masked (``redact.mask``) and
neutralised (``textsafe.neutralise``) before it reaches the terminal, pipe or file behind
them. Lines are held until their newline, so neither a secret nor a ``::`` written in two
pieces slips through. ``write_text``/``append_text`` mask the files cmlreport writes
(the report, the job summary, step outputs, env files).
"""

from __future__ import annotations

import io
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol, TextIO, cast

from cmlreport.redact import mask
from cmlreport.textsafe import escape_controls, neutralise

# A line longer than this is passed on in pieces rather than held in memory.
_MAX_HELD = 8 << 20
# The guarded stdout's writer while a run lasts: ``annotate_error`` writes past it.
_guarded_stdout: list[_SafeWriter] = []


def safe_line(line: str) -> str:
    return neutralise(mask(line))


# Newline and printable ASCII: what a plain block is made of.
_PLAIN = bytes([0x0A, *range(0x20, 0x7F)])


def _suspect(text: str) -> bool:
    # Whether ``neutralise`` may change a line of ``text``: "::" (a workflow command), "##[" (its
    # legacy form), a non-ASCII character (escaped, or a Unicode space before "::") or a control
    # character (what is left once the plain bytes are deleted). C-speed steps: a regex
    # alternation at each position of a 4 MB block was most of the time it took.
    if "::" in text or "##[" in text or not text.isascii():
        return True
    return bool(text.encode("ascii").translate(None, _PLAIN))


def safe_lines(text: str) -> str:
    """``safe_line`` of each line of ``text`` (lines joined by "\\n", a trailing "\\r" dropped
    from each): one pass over a plain block, as a 100k-line JSON diff is, line by line only
    where a line needs it. Masking a block masks what masking each line would: no secret form
    or token shape spans a newline."""
    text = mask(text)
    if not _suspect(text):
        return text
    return "\n".join(
        neutralise(line.removesuffix("\r")) if _suspect(line) else line for line in text.split("\n")
    )


class _ByteSink(Protocol):
    def write(self, data: bytes, /) -> Any: ...

    def flush(self) -> Any: ...


class _SafeWriter(io.RawIOBase):
    """Bytes in, masked and neutralised lines out, to the original stream's buffer."""

    def __init__(self, target: _ByteSink, tty: bool) -> None:
        super().__init__()
        self._target = target
        self._tty = tty
        self._held = b""

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return self._tty

    def write(self, data: bytes | bytearray | memoryview) -> int:  # type: ignore[override]
        chunk = bytes(data)
        self._held += chunk
        out = []
        cut = self._held.rfind(b"\n")
        if cut >= 0:  # every complete line at once
            out.append(self._safe(self._held[:cut]) + b"\n")
            self._held = self._held[cut + 1 :]
        if len(self._held) > _MAX_HELD:
            out.append(self._safe(self._held))
            self._held = b""
        if out:
            self._target.write(b"".join(out))
            self._target.flush()
        return len(chunk)

    def write_unguarded(self, line: bytes) -> None:
        """``line`` as it is, on a line of its own."""
        if self._held:
            self.write(b"\n")
        self._target.write(line)
        self._target.flush()

    def finish(self) -> None:
        """The last line, when it has no newline."""
        if self._held:
            self._target.write(self._safe(self._held))
            self._held = b""
        self._target.flush()

    @staticmethod
    def _safe(lines: bytes) -> bytes:
        text = lines.decode("utf-8", errors="surrogateescape")
        return safe_lines(text).encode("utf-8")


def _guard(stream: TextIO) -> tuple[TextIO, _SafeWriter]:
    target: _ByteSink | None = getattr(stream, "buffer", None)
    if target is None:  # already a plain text stream (a test harness): write text through
        target = _TextTarget(stream)
    raw = _SafeWriter(target, tty=stream.isatty())
    text = io.TextIOWrapper(
        io.BufferedWriter(cast(Any, raw)),
        encoding="utf-8",
        errors="surrogateescape",
        line_buffering=True,
        write_through=True,
    )
    return text, raw


class _TextTarget(io.RawIOBase):
    def __init__(self, stream: TextIO) -> None:
        super().__init__()
        self._stream = stream

    def writable(self) -> bool:
        return True

    def write(self, data: bytes | bytearray | memoryview) -> int:  # type: ignore[override]
        self._stream.write(bytes(data).decode("utf-8", errors="replace"))
        return len(data)

    def flush(self) -> None:
        self._stream.flush()


@contextmanager
def guarded_streams() -> Iterator[None]:
    """sys.stdout and sys.stderr masked and neutralised until the block ends (SystemExit too)."""
    saved = sys.stdout, sys.stderr
    out, out_raw = _guard(sys.stdout)
    err, err_raw = _guard(sys.stderr)
    sys.stdout, sys.stderr = out, err
    _guarded_stdout.append(out_raw)
    try:
        yield
    finally:
        _guarded_stdout.remove(out_raw)
        for stream, raw in ((out, out_raw), (err, err_raw)):
            try:
                stream.flush()
                raw.finish()
            except (OSError, ValueError):
                pass  # a closed pipe (`| head`): nothing more can be said there
        sys.stdout, sys.stderr = saved


def write_text(path: Path | str, text: str) -> None:
    """A file cmlreport writes, with every secret masked."""
    Path(path).write_text(mask(text), encoding="utf-8")


def append_text(path: Path | str, text: str) -> None:
    with open(path, "a", encoding="utf-8") as out:
        out.write(mask(text))


def annotate_error(title: str, message: str) -> None:
    """GitHub Actions' ``::error title=TITLE::MESSAGE``: the one workflow command cmlreport
    writes itself, past the guard that neutralises every other. MESSAGE is masked and escaped
    the way the runner unescapes it (``%``, CR, LF), so it stays one line of data."""
    data = mask(message).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    prop = title.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    prop = prop.replace(":", "%3A").replace(",", "%2C")
    line = f"::error title={escape_controls(prop)}::{escape_controls(data)}\n"
    sys.stdout.flush()
    if _guarded_stdout:
        _guarded_stdout[-1].write_unguarded(line.encode())
    else:
        sys.stdout.write(line)
        sys.stdout.flush()
