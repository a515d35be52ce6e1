"""Reading a user's file at the edge: regular files only, bounded in size, strict UTF-8.

Every file cmlreport parses (metrics, logs, settings, reports, and their versions at the base
revision) goes through here, so one set of checks holds everywhere: a FIFO, a device, a socket
or a directory (or a symlink to one) is refused before anything blocks or reads without end, a
file over the size limit is refused before it is read, and bytes that are not UTF-8 text are
refused with the offset of the first bad byte. Each refusal is one ``InputError`` naming the file.
"""

from __future__ import annotations

import codecs
import errno
import os
import stat
from pathlib import Path

from cmlreport.errors import InputError

MIB = 1024 * 1024
# Real metrics files are kilobytes: a per-class table of 4,000 labels is well under 1 MiB, a
# log of 100k steps or a list of a million scores about 10 MiB, a million metrics (dvc handles
# them, so must we) about 25 MiB. Decoding JSON costs up to ~25 bytes of memory per byte of
# ``[[],[],...]``, so the JSON reader refuses more than MAX_CONTAINERS lists and mappings before
# it decodes; what is left (``["ab","ab",...]``) stays under ~500 MB, a few seconds.
MAX_INPUT_BYTES = 32 * MIB
# YAML and TOML decoders build up to ~250 bytes of objects per byte and read about 1 MiB a
# second in the worst case; settings files and YAML/TOML metrics are kilobytes.
MAX_MARKUP_BYTES = 1 * MIB

_BOMS = (
    (codecs.BOM_UTF32_LE, "UTF-32"),  # before UTF-16 LE: it starts with the same two bytes
    (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF16_LE, "UTF-16"),
    (codecs.BOM_UTF16_BE, "UTF-16"),
)


def describe_mode(mode: int) -> str | None:
    """What a non-regular file is, in a user's words; None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


def size_text(size: int) -> str:
    if size >= MIB:
        return f"{size / MIB:,.1f} MiB"
    return f"{size:,} bytes"


def too_big(name: str, size: int | None, limit: int) -> InputError:
    what = f"is {size_text(size)}" if size is not None else "is larger than that"
    return InputError(
        f"{name}: {what}, over the {size_text(limit)} limit for input files; "
        "metrics, logs and settings are far smaller; give the file the report needs"
    )


def read_bytes(
    path: str | Path, name: str | None = None, inside: str = "data files", *, limit: int
) -> bytes:
    """The file's bytes, at most ``limit`` of them; InputError for anything but a regular file.

    The file is opened without blocking (a FIFO with no writer would otherwise wait forever) and
    checked with fstat on the open descriptor, so a path swapped after a check cannot slip by.
    """
    name = name or Path(path).as_posix()
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise _open_error(name, inside, exc) from None
    try:
        info = os.fstat(fd)
        what = describe_mode(info.st_mode)
        if what == "a directory":
            raise InputError(f"{name}: is a directory; pass the {inside} inside it")
        if what is not None:
            raise InputError(f"{name}: is {what}, not a regular file; give the path of a file")
        if info.st_size > limit:
            raise too_big(name, info.st_size, limit)
        # Blocking again for the read itself; a regular file never waits, but a read of the
        # limit + 1 bytes catches a file that grew after fstat.
        os.set_blocking(fd, True)
        chunks: list[bytes] = []
        total = 0
        while total <= limit:
            chunk = os.read(fd, min(limit + 1 - total, 8 * MIB))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
        if total > limit:
            raise too_big(name, None, limit)
        return b"".join(chunks)
    except OSError as exc:
        raise _open_error(name, inside, exc) from None
    finally:
        os.close(fd)


def _open_error(name: str, inside: str, exc: OSError) -> InputError:
    if exc.errno == errno.ENOENT:
        return InputError(
            f"{name}: file not found; check the path (relative to the current directory)"
        )
    if exc.errno == errno.EISDIR:
        return InputError(f"{name}: is a directory; pass the {inside} inside it")
    if exc.errno in (errno.EACCES, errno.EPERM):
        return InputError(f"{name}: permission denied; make the file readable")
    if exc.errno == errno.ENXIO:  # open() of a UNIX socket
        return InputError(f"{name}: is a socket, not a regular file; give the path of a file")
    if exc.errno == errno.ELOOP:
        return InputError(f"{name}: too many levels of symbolic links")
    return InputError(f"{name}: cannot read the file: {exc.strerror or exc}")


def decode_text(data: bytes, name: str) -> str:
    """UTF-8 text, with or without a byte-order mark; anything else is refused with where."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            raise InputError(
                f"{name}: is {encoding} text (it starts with a {encoding} byte-order mark); "
                "save the file as UTF-8"
            )
    try:
        # utf-8-sig: editors and spreadsheet exports on Windows add a byte-order mark.
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{name}: not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
            "save the file as UTF-8"
        ) from None
    nul = text.find("\0")
    if nul >= 0:
        # No text format cmlreport reads allows NUL; it is a binary file or a corrupt one.
        line = text.count("\n", 0, nul) + 1
        raise InputError(
            f"{name}: holds a NUL byte (line {line}), so it is binary, not text; give a text file"
        )
    return text


def read_text(
    path: str | Path,
    name: str | None = None,
    inside: str = "data files",
    *,
    limit: int = MAX_INPUT_BYTES,
) -> str:
    """The file's text; ``name`` is how messages call it, ``inside`` what a folder should hold.

    Raises InputError for a missing file, a folder, a FIFO, device or socket, a file over
    ``limit`` bytes, no permission, or text that is not UTF-8.
    """
    name = name or Path(path).as_posix()
    return decode_text(read_bytes(path, name, inside, limit=limit), name)
