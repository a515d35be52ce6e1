"""What `cmlreport pr create` proposes: files of the work tree, on a branch, as a pull request.

The files are read here, at the edge, under the same rules as published images: a path counts
where it really leads (symlinks followed), so neither ``../``, an absolute path nor a link out
of the work tree gets in, git's own folder is out of bounds, and only regular files of a sane
size are read (a FIFO never blocks). Each file keeps the path the user named, relative to the
top of the work tree, which is where it lands in the repository.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from cmlreport.errors import GitError, InputError
from cmlreport.files import MIB, size_text

# GitHub refuses blobs over 100 MB; a model file that large belongs in DVC or LFS, not here.
MAX_FILE_BYTES = 50 * MIB
MAX_TOTAL_BYTES = 100 * MIB
MAX_FILES = 1000
DEFAULT_BRANCH = "cmlreport/retrain"
DEFAULT_TITLE = "cmlreport: retrained model"
# git check-ref-format's refusals, plus what no forge branch holds (whitespace, control bytes).
_BAD_REF = re.compile(r"\.\.|@\{|//|[\x00-\x20\x7f~^:?*\[\\]|^[/.-]|[/.]$|\.lock(/|$)|/\.")


@dataclass(frozen=True)
class ProposedFile:
    path: str  # posix, relative to the top of the work tree
    data: bytes
    executable: bool = False

    @property
    def mode(self) -> str:
        return "100755" if self.executable else "100644"


@dataclass(frozen=True)
class Proposal:
    """One branch, one commit on top of ``base``, one pull/merge request."""

    branch: str
    base: str | None  # None: the repository's default branch
    title: str
    body: str
    files: tuple[ProposedFile, ...]


@dataclass(frozen=True)
class ProposalResult:
    number: int
    url: str
    opened: bool  # a new pull/merge request (else the branch's open one, updated)
    committed: bool  # a new commit on the branch (else its files were already these)
    branch: str


class Proposals(Protocol):
    """A forge's branches and pull/merge requests: RemoteError (exit 3) after bounded retries,
    InputError for what the user must fix."""

    def propose(self, proposal: Proposal) -> ProposalResult | None:
        """``proposal.files`` as one commit on ``proposal.base`` at ``proposal.branch``, and
        the branch's open pull/merge request with that title and body (opened if none); None
        when the files are the base's already (nothing to propose, nothing written)."""
        ...


def check_branch(name: str, flag: str = "--branch") -> str:
    """A branch name git and both forges accept; InputError naming ``flag`` otherwise."""
    if not name or len(name) > 200 or _BAD_REF.search(name) or name == "@" or not name.isascii():
        raise InputError(
            f"{flag} {name!r} is not a usable branch name (no spaces, '..', '~^:?*[\\', "
            "leading or trailing '/' or '.'); e.g. cmlreport/retrain"
        )
    return name


def collect_files(paths: Sequence[str], cwd: Path) -> tuple[ProposedFile, ...]:
    """The files named by ``paths`` (files, or folders taken whole), each once, in path order."""
    from cmlreport import baseline

    if not paths:
        raise InputError("pr create: name the files to commit, e.g. metrics.json dvc.lock")
    try:
        root = Path(os.path.realpath(baseline.repo_root(cwd)))
    except GitError as exc:
        raise InputError(f"pr create: {exc.message}") from None
    found: dict[str, ProposedFile] = {}
    total = 0
    for named in paths:
        for path, where in _expand(named, cwd, root):
            if path in found:
                continue
            if len(found) >= MAX_FILES:
                raise InputError(f"pr create: more than {MAX_FILES} files; name fewer")
            item = _read(where, path, root)
            total += len(item.data)
            if total > MAX_TOTAL_BYTES:
                raise InputError(
                    f"pr create: the files add up to over {size_text(MAX_TOTAL_BYTES)}; "
                    "keep large artifacts in DVC or Git LFS and commit their pointers"
                )
            found[path] = item
    return tuple(found[p] for p in sorted(found))


def _repo_path(named: str, cwd: Path, root: Path) -> str:
    """``named`` as a path from the top of the work tree, checked to stay inside it."""
    if "\0" in named:
        raise InputError(f"{named!r}: not a usable file path (it holds a NUL byte)")
    lexical = Path(os.path.abspath(Path(os.path.realpath(cwd)) / named))
    real = Path(os.path.realpath(lexical))
    for where in (lexical, real):
        if not where.is_relative_to(root) or where == root:
            via = " (through a symlink)" if where is real and lexical.is_relative_to(root) else ""
            raise InputError(
                f"{named}: outside the work tree {root}{via}; pr create commits only files of "
                "this repository"
            )
        if any(part.lower() == ".git" for part in where.relative_to(root).parts):
            raise InputError(f"{named}: inside a .git folder; git's own files are never committed")
    return lexical.relative_to(root).as_posix()


def _expand(named: str, cwd: Path, root: Path) -> list[tuple[str, str]]:
    """The repository paths ``named`` stands for (itself, or the files under a folder), each
    with how an error names it."""
    path = _repo_path(named, cwd, root)
    full = root / path
    if not full.is_dir():
        return [(path, named)]
    out: list[tuple[str, str]] = []
    for folder, dirs, files in os.walk(full):
        # Not into git folders (a submodule's), nor through links to folders (os.walk default).
        dirs[:] = sorted(d for d in dirs if d.lower() != ".git")
        for name in sorted(files):
            inner = Path(folder, name).relative_to(root).as_posix()
            out.append((inner, f"{inner} (in {named})"))
    if not out:
        raise InputError(f"{named}: an empty folder; name the files to commit")
    return out


def _read(where: str, path: str, root: Path) -> ProposedFile:
    from cmlreport.publishable.confine import open_beneath

    real = Path(os.path.realpath(root / path))
    if not real.is_relative_to(root) or ".git" in real.relative_to(root).parts:
        raise InputError(f"{where}: leads outside the work tree {root} (a symlink)")
    try:
        fd = open_beneath(root, real.relative_to(root).parts)
    except FileNotFoundError:
        raise InputError(f"{where}: file not found (relative to the current directory)") from None
    except OSError as exc:
        raise InputError(f"{where}: cannot be read ({exc.strerror or exc})") from None
    with os.fdopen(fd, "rb") as f:
        info = os.fstat(f.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise InputError(f"{where}: not a regular file (a FIFO, device or socket)")
        if info.st_size > MAX_FILE_BYTES:
            raise InputError(
                f"{where}: {size_text(info.st_size)}, over the {size_text(MAX_FILE_BYTES)} "
                "limit per file; keep it in DVC or Git LFS and commit the pointer"
            )
        data = f.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise InputError(f"{where}: grew over {size_text(MAX_FILE_BYTES)} while read")
    return ProposedFile(path, data, executable=bool(info.st_mode & stat.S_IXUSR))
