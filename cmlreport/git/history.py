"""The base branch's recent history: its first-parent commits and files there, in bulk.

A hundred revisions of a metrics file are read by two git processes, not a hundred: one
``cat-file --batch-check`` for every object's size, one ``cat-file --batch`` for the contents of
those within the limit, each distinct blob once. Nothing is checked out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cmlreport.errors import GitError
from cmlreport.git.command import FETCH_TIMEOUT, REMOTE, Clone, failure_reason

# The contents read in one go are bounded whatever the number of commits.
MAX_TOTAL_BYTES = 256 * 1024 * 1024


def first_parent(clone: Clone, start: str, count: int) -> list[str]:
    """Up to ``count`` shas of ``start``'s first-parent line, ``start`` first."""
    proc = clone.run(
        ["log", "--first-parent", "--format=%H", f"--max-count={count}", "--end-of-options", start]
    )
    if proc.returncode != 0:
        raise GitError(f"cannot read the history of {start[:12]}: {failure_reason(proc)}")
    return proc.stdout.decode("ascii", errors="replace").split()


def deepen(clone: Clone, start: str, by: int) -> bool:
    """Fetch ``by`` more commits of a shallow clone's history behind ``start``; True if done."""
    if not clone.has_remote or not clone.is_shallow():
        return False
    args = ["fetch", "--no-tags", f"--deepen={by}", REMOTE, start]
    return clone.run(args, FETCH_TIMEOUT).returncode == 0


@dataclass(frozen=True)
class Blob:
    """What ``rev:path`` is: missing (``kind`` "missing"), too big, or its bytes."""

    kind: str  # "blob", "tree", "missing", ...
    size: int = 0
    oid: str = ""
    data: bytes | None = None  # None: not read (not a blob, or over the limit)


def read_files(clone: Clone, names: Sequence[str], limit: int) -> dict[str, Blob]:
    """``rev:path`` for each of ``names``: blobs up to ``limit`` bytes are read."""
    found = _sizes(clone, names)
    wanted: dict[str, int] = {}
    for blob in found.values():
        if blob.kind == "blob" and blob.size <= limit:
            wanted.setdefault(blob.oid, blob.size)
    if sum(wanted.values()) > MAX_TOTAL_BYTES:
        raise GitError(
            f"the history's metrics files hold over {MAX_TOTAL_BYTES // 2**20} MiB; "
            "ask for fewer commits with --history"
        )
    contents = _contents(clone, list(wanted)) if wanted else {}
    return {
        name: Blob(b.kind, b.size, b.oid, contents.get(b.oid)) if b.oid in contents else b
        for name, b in found.items()
    }


def _batch(clone: Clone, mode: str, lines: Sequence[str]) -> bytes:
    data = "".join(f"{line}\n" for line in lines).encode("utf-8", errors="surrogateescape")
    proc = clone.run(["cat-file", mode], input=data)
    if proc.returncode != 0:
        raise GitError(f"git cat-file {mode} failed: {failure_reason(proc)}")
    return proc.stdout


def _sizes(clone: Clone, names: Sequence[str]) -> dict[str, Blob]:
    out = _batch(clone, "--batch-check", names).decode("utf-8", errors="replace").splitlines()
    if len(out) != len(names):
        raise GitError(f"git cat-file answered {len(out)} lines for {len(names)} objects")
    found: dict[str, Blob] = {}
    for name, line in zip(names, out, strict=True):
        parts = line.rsplit(" ", 2)
        if len(parts) == 3 and parts[2].isdigit():
            found[name] = Blob(parts[1], int(parts[2]), parts[0])
        else:  # "<name> missing", "<name> ambiguous"
            found[name] = Blob("missing")
    return found


def _contents(clone: Clone, oids: Sequence[str]) -> dict[str, bytes]:
    """Each object's bytes: the batch output is ``<oid> <type> <size>\\n<bytes>\\n`` each."""
    raw = _batch(clone, "--batch", oids)
    contents: dict[str, bytes] = {}
    at = 0
    for oid in oids:
        end = raw.index(b"\n", at)
        header = raw[at:end].split()
        size = int(header[2])
        contents[oid] = raw[end + 1 : end + 1 + size]
        at = end + 1 + size + 1
    return contents
