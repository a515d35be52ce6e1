"""Which files a report may make public: regular files inside one folder, read without surprises.

The root is the git work tree holding the report (outside git, the report's folder), or a
folder inside it named by ``--image-root``. A path counts where it really leads: ``%2F`` is
decoded by whoever parsed the markdown, and here symlinks are followed (realpath) before the
test, so neither ``../``, an absolute path nor a link out of the tree escapes; git's own
folder is out of bounds too. A file is read only once it is known to be a regular file of a
sane size, so a FIFO or a device never blocks.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from cmlreport.errors import GitError, InputError

# GitHub refuses blobs over 100 MB and GitLab uploads default to 10 MB; a report image that big
# is a mistake anyway (a raw screenshot, the wrong file).
MAX_IMAGE_BYTES = 10 * 1024 * 1024

_OPEN_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NONBLOCK", 0)  # a FIFO swapped in after the check cannot block the open
    | getattr(os, "O_NOFOLLOW", 0)  # nor can a symlink swapped in for the file
    | getattr(os, "O_CLOEXEC", 0)
)


def image_root(report: Path, narrowed: Path | None = None) -> Path:
    """The real folder every image of ``report`` must be inside; ``narrowed`` (``--image-root``)
    must be a folder inside the default root, which it replaces."""
    from cmlreport import baseline

    folder = Path(os.path.realpath(report.parent))
    try:
        default = Path(os.path.realpath(baseline.repo_root(folder)))
    except GitError:
        # Not in git (or git cannot say): the report's own folder, never anything wider.
        default = folder
    if narrowed is None:
        return default
    real = Path(os.path.realpath(narrowed))
    if not real.is_dir():
        raise InputError(f"--image-root {narrowed}: no such folder")
    if not real.is_relative_to(default):
        raise InputError(
            f"--image-root {narrowed} is outside {default}, the "
            f"{'work tree' if default != folder else 'folder'} of {report}; it can only narrow "
            "where images come from"
        )
    return real


def read_confined(path: Path, root: Path, where: str, hint: str) -> bytes:
    """The bytes of ``path`` if it really is a regular file inside ``root`` (real, absolute)
    and at most MAX_IMAGE_BYTES; else InputError starting with ``where``. ``hint`` ends the
    not-found message."""
    try:
        real = Path(os.path.realpath(path))
    except ValueError:  # a NUL byte, from %00
        raise InputError(f"{where} is not a usable file path (it holds a NUL byte)") from None
    if not real.is_relative_to(root):
        via = " (through a symlink)" if _has_link(path) else ""
        raise InputError(
            f"{where} is outside {root}{via}: only files inside the work tree (or "
            "--image-root) are published; copy the image into it"
        )
    if ".git" in real.relative_to(root).parts:
        # Git's own files (actions/checkout leaves the job's token in .git/config) are never
        # report images, whatever they decode as.
        raise InputError(f"{where} is inside a .git folder: git's files are never published")
    try:
        info = os.stat(real)
    except FileNotFoundError:
        raise InputError(f"{where} not found: no file {path} ({hint})") from None
    except OSError as exc:
        raise InputError(f"{where} cannot be read ({path}: {exc.strerror or exc})") from None
    _check_kind(info, where, path)
    try:
        fd = open_beneath(root, real.relative_to(root).parts)
        with os.fdopen(fd, "rb") as f:
            _check_kind(os.fstat(f.fileno()), where, path)  # what was opened, not what was named
            data = f.read(MAX_IMAGE_BYTES + 1)
    except OSError as exc:
        raise InputError(f"{where} cannot be read ({path}: {exc.strerror or exc})") from None
    if len(data) > MAX_IMAGE_BYTES:
        raise InputError(f"{where} {too_big(len(data))}")
    return data


_DIR_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_DIRECTORY", 0)
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_CLOEXEC", 0)
)


def open_beneath(root: Path, parts: tuple[str, ...]) -> int:
    """Open ``root/parts...`` one folder at a time, refusing a symlink at every step.

    ``parts`` come from a realpath, so they hold no symlink when checked; a folder swapped for
    a link between that check and the open (a race by another process of the job) would be
    followed by a plain open of the whole path, and O_NOFOLLOW guards only the last component.
    Opening each step relative to the one before, without following links, makes such a swap
    fail instead (ELOOP / ENOTDIR)."""
    if not parts:
        raise IsADirectoryError(21, "Is a directory")
    folder = os.open(root, _DIR_FLAGS)
    try:
        for part in parts[:-1]:
            inner = os.open(part, _DIR_FLAGS, dir_fd=folder)
            os.close(folder)
            folder = inner
        return os.open(parts[-1], _OPEN_FLAGS, dir_fd=folder)
    finally:
        os.close(folder)


def _check_kind(info: os.stat_result, where: str, path: Path) -> None:
    if stat.S_ISDIR(info.st_mode):
        raise InputError(f"{where} is a folder ({path}), not an image file")
    if not stat.S_ISREG(info.st_mode):
        raise InputError(
            f"{where} is not a regular file ({path} is a FIFO, device or socket); "
            "only image files are published"
        )
    if info.st_size > MAX_IMAGE_BYTES:
        raise InputError(f"{where} {too_big(info.st_size)}")


def _has_link(path: Path) -> bool:
    return any(p.is_symlink() for p in [path, *path.parents] if p != Path(p.anchor))


def too_big(size: int) -> str:
    limit = f"{MAX_IMAGE_BYTES:,} bytes ({MAX_IMAGE_BYTES // (1024 * 1024)} MB)"
    return f"is {size:,} bytes, over the limit of {limit}; save it smaller (e.g. a lower dpi)"
