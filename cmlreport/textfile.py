"""Reading a user's text file at the edge, with one-line errors that name it."""

from __future__ import annotations

from pathlib import Path


def read_text(path: str | Path, name: str | None = None, inside: str = "data files") -> str:
    """The file's text; ``name`` is how messages call it, ``inside`` what a folder should hold.

    Raises InputError for a missing file, a folder, no permission or text that is not UTF-8.
    """
    from cmlreport.errors import InputError

    name = name or Path(path).as_posix()
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise InputError(
            f"{name}: file not found; check the path (relative to the current directory)"
        ) from None
    except IsADirectoryError:
        raise InputError(f"{name}: is a directory; pass the {inside} inside it") from None
    except PermissionError:
        raise InputError(f"{name}: permission denied; make the file readable") from None
    except OSError as exc:
        raise InputError(f"{name}: cannot read the file: {exc.strerror or exc}") from None
    try:
        # utf-8-sig: editors and spreadsheet exports on Windows add a byte-order mark.
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{name}: not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
            "save the file as UTF-8"
        ) from None
