"""Sticky comments: one comment per report key, found by a hidden marker and edited in place.

A comment is ours only when its body *starts* with our marker line and this token's user
wrote it (each forge checks the author; ``opens_with`` is the one rule for the body). A marker
quoted anywhere else, or under another key, is someone else's text.

A retry never posts twice: after a write that may have reached the server (a timeout, a 502
from a proxy), the comment is looked up again before the next try. Two jobs posting the same
key at once converge: after creating, each looks again, and the oldest of our comments with the
key keeps the content while the newer ones are deleted, so both jobs pick the same survivor.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from cmlreport.errors import InputError, NoWriteAccess, RemoteError
from cmlreport.forges.base import Comment, Forge, Target

_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/:@+ -]{0,99}$")
# Our markers (sticky and per-post) wherever they appear in a body: on a line of their own the
# line goes, inside a line only the marker does.
_MARKER_LINE = re.compile(r"^[ \t]*<!-- cmlreport(?:-post)?:[^>]*-->[ \t]*(?:\r?\n|\Z)", re.M)
_MARKER = re.compile(r"<!-- cmlreport(?:-post)?:[^>]*-->")
# What is left of a marker that the two patterns above do not take whole (``--!>`` or a ``>``
# inside, any case): its opening is written as text, so the body never holds the prefix.
_MARKER_START = re.compile(r"<!--(?=\s*cmlreport(?:-post)?\s*:)", re.IGNORECASE)
CREATE_ATTEMPTS = 3


def check_key(key: str) -> str:
    key = key.strip()
    if not _KEY.match(key):
        raise InputError(
            f"--key {key!r}: use up to 100 letters, digits, spaces and . _ / : @ + - "
            "(it becomes a hidden HTML comment)"
        )
    return key


def marker(key: str) -> str:
    return f"<!-- cmlreport:{check_key(key)} -->"


def opens_with(body: str, head: str) -> bool:
    """Whether ``body`` starts with the lines ``head``, the last one ending there (a newline
    or the end of the body): ``<!-- cmlreport:a -->`` does not open ``<!-- cmlreport:ab -->``
    nor ``<!-- cmlreport:a --> and more``."""
    # Forges may store a body edited in the browser with CRLF line ends.
    start = body[: 2 * len(head) + 2].replace("\r\n", "\n")  # room for every CR
    return start.startswith(head) and start[len(head) : len(head) + 1] in ("", "\n")


def strip_markers(body: str) -> str:
    """``body`` without any cmlreport marker, including ones that removing another would
    join together (``<!-- cmlrep<!-- cmlreport:x -->ort:y -->``)."""
    while True:
        stripped = _MARKER.sub("", _MARKER_LINE.sub("", body))
        if stripped == body:
            return _MARKER_START.sub("&lt;!--", body)
        body = stripped


def with_marker(body: str, key: str, *, nonce: str | None = None) -> str:
    """The body as posted: our marker first, any marker already in the body removed.

    ``nonce`` tags a non-sticky post so a retry can recognise its own earlier attempt.
    """
    return _head(key, nonce) + "\n" + strip_markers(body)


def _head(key: str, nonce: str | None = None) -> str:
    lines = [marker(key)]
    if nonce:
        lines.append(f"<!-- cmlreport-post:{nonce} -->")
    return "\n".join(lines)


def _same(a: str, b: str) -> bool:
    # Forges normalise line endings and trailing whitespace of comment bodies.
    def norm(text: str) -> str:
        return "\n".join(line.rstrip() for line in text.replace("\r\n", "\n").split("\n")).strip()

    return norm(a) == norm(b)


@dataclass(frozen=True)
class PostOutcome:
    action: str  # "created" | "updated" | "unchanged"
    comment: Comment


def post_sticky(
    forge: Forge, target: Target, body: str, key: str, *, sticky: bool = True
) -> PostOutcome:
    """Create, update, or leave alone the comment for ``key`` on ``target``."""
    if not sticky:
        nonce = uuid.uuid4().hex
        full = with_marker(body, key, nonce=nonce)
        return PostOutcome("created", _create(forge, target, full, _head(key, nonce)))
    mark = marker(key)
    full = with_marker(body, key)
    existing = forge.find_comment(target, mark)
    if existing is not None:
        if _same(existing.body, full):
            return PostOutcome("unchanged", existing)
        return PostOutcome("updated", forge.update_comment(target, existing, full))
    return _converge(forge, target, mark, full, _create(forge, target, full, mark))


def _create(forge: Forge, target: Target, full: str, head: str) -> Comment:
    for attempt in range(1, CREATE_ATTEMPTS + 1):
        try:
            return forge.create_comment(target, full)
        except NoWriteAccess:
            raise
        except RemoteError as exc:
            if not exc.transient:
                raise
            # The POST may have landed before the error: look before trying again.
            landed = forge.find_comment(target, head)
            if landed is not None and _same(landed.body, full):
                return landed
            if attempt == CREATE_ATTEMPTS:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def _converge(forge: Forge, target: Target, mark: str, full: str, created: Comment) -> PostOutcome:
    """Another job may have created its comment for this key while we created ours: the oldest
    one (the lowest id, which every job sees alike) stays, holding our content, and the others go.

    The survivor is written before anything is deleted, so the report never vanishes; a job that
    finds its own comment already deleted by the other one just writes into the survivor.
    """
    ours = forge.find_comments(target, mark)
    if not ours:
        return PostOutcome("created", created)
    keep = min(ours, key=lambda comment: comment.id)
    if keep.id == created.id:
        kept, action = created, "created"
    else:
        action = "updated"
        kept = keep if _same(keep.body, full) else forge.update_comment(target, keep, full)
    for other in ours:
        if other.id != keep.id:
            forge.delete_comment(target, other)
    return PostOutcome(action, kept)
