"""Sticky comments: one comment per report key, found by a hidden marker and edited in place
(or, as ``--mode`` says, posted anew at the bottom, posted every time, or posted once).

A comment is ours only when its body *starts* with our marker line and this token's user
wrote it (each forge checks the author; ``opens_with`` is the one rule for the body). A marker
quoted anywhere else, or under another key, is someone else's text.

A retry never posts twice: after a write that may have reached the server (a timeout, a 502
from a proxy), the comment is looked up again before the next try. Two jobs posting the same
key at once converge: after creating, each looks again, and the oldest of our comments with the
key keeps the content while the newer ones are deleted, so both jobs pick the same survivor.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from dataclasses import dataclass, replace

from cmlreport.errors import InputError, NoWriteAccess, RemoteError
from cmlreport.forges.base import Comment, Forge, Target, TargetKind

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


# The commit status that says where our comment for a key is (``Forge.remember_comment``).
PLACE_DESCRIPTION = "Where the report comment is: Details opens it"


def place_context(mark: str, where: str) -> str:
    """The status's name for the key of ``mark`` on pull/merge request ``where`` ("#7",
    "!3"): two pull requests may share a head commit. Status names are case-insensitive
    on GitHub, keys are not: a key with capitals gets a digest of its exact spelling."""
    key = key_of(mark)
    digest = f" {hashlib.sha256(key.encode()).hexdigest()[:8]}" if key != key.lower() else ""
    return f"cmlreport comment {where}: {key}{digest}"


@dataclass(frozen=True)
class Kept:
    """What a forge's latest lookup said of where our comment is kept."""

    stored: int | None  # the comment a status of ours names, if any
    oldest: frozenset[int]  # among the first comments: every first query sees them
    read_on: bool  # the lookup read past both ends of the thread (it cost more)
    head: str | None = None  # where a GitHub status goes (the pull request's head)
    readable: bool = True  # the token may read statuses (GitHub: statuses: read)
    pipelines: frozenset[int] = frozenset()  # GitLab: the pipelines the merge request lists

    def needed(self, comment_id: int) -> bool:
        """Whether ``comment_id`` needs a status for the next lookup to find it at once."""
        return self.stored != comment_id and comment_id not in self.oldest

    def after(self, before: Kept | None) -> Kept:
        """This lookup's word, with ``before`` (an earlier lookup of the run, for the same
        comment): a run that read on once (the lookup before posting) counts as reading on."""
        return replace(self, read_on=self.read_on or bool(before and before.read_on))

    def note(self, message: str) -> str | None:
        """Why the place was not kept, where it matters: this lookup read on (so will the
        next); a thread small enough to read in one request needs no warning."""
        return message if self.read_on else None


def key_of(mark: str) -> str:
    """The key a marker names (``marker`` read back); the first line of a longer head."""
    return mark.removeprefix("<!-- cmlreport:").split(" -->", 1)[0]


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


MODES = ("update", "recreate", "new", "once")


@dataclass(frozen=True)
class PostOutcome:
    action: str  # "created" | "updated" | "unchanged" | "recreated" | "kept"
    comment: Comment
    hidden: int = 0  # earlier comments of ours minimised as outdated (--hide-old)
    removed: int = 0  # earlier comments of ours deleted (--mode recreate)
    note: str | None = None  # why the forge could not keep where the comment is


def post_sticky(
    forge: Forge,
    target: Target,
    body: str,
    key: str,
    *,
    sticky: bool = True,
    mode: str = "update",
    hide_old: bool = False,
    keep_place: bool = True,
) -> PostOutcome:
    """Post the report for ``key`` on ``target`` as ``mode`` says (``sticky=False`` is
    ``new``): ``update`` edits ours in place (or leaves it alone when unchanged),
    ``recreate`` posts anew at the bottom and removes ours, ``new`` always posts, ``once``
    posts only when none of ours is there. ``hide_old`` (``new``, ``recreate``) minimises
    our earlier comments instead of leaving or deleting them. ``keep_place``: let the forge
    keep where the comment is, for the next run's lookup."""
    mode = "new" if not sticky else mode
    check_mode(mode, target, hide_old=hide_old)
    if mode == "new":
        return _post_new(forge, target, body, key, hide_old=hide_old)
    mark = marker(key)
    outcome = _post_sticky(forge, target, body, mark, key, mode=mode, hide_old=hide_old)
    if not keep_place:
        return outcome
    # Where the comment is, kept for the next run (a commit status): its lookup then costs
    # the same wherever the comment sits among thousands.
    return replace(outcome, note=forge.remember_comment(target, mark, outcome.comment))


def _post_sticky(
    forge: Forge, target: Target, body: str, mark: str, key: str, *, mode: str, hide_old: bool
) -> PostOutcome:
    full = with_marker(body, key)
    existing = forge.find_comment(target, mark, newest=mode == "recreate")
    if existing is None:
        return _converge(forge, target, mark, full, _create(forge, target, full, mark))
    if mode == "once":
        return PostOutcome("kept", existing)
    if mode == "update":
        if _same(existing.body, full):
            return PostOutcome("unchanged", existing)
        return PostOutcome("updated", forge.update_comment(target, existing, full))
    return _recreate(forge, target, mark, full, existing, hide_old=hide_old)


def check_mode(mode: str, target: Target, *, hide_old: bool) -> None:
    """An InputError for a mode that cannot work here, before anything is sent."""
    if mode not in MODES:
        raise InputError(f"--mode {mode!r}: use one of {', '.join(MODES)}")
    if hide_old and mode not in ("new", "recreate"):
        raise InputError(
            f"--hide-old goes with --mode new or recreate: --mode {mode} keeps one comment"
        )
    if hide_old and target.kind is TargetKind.COMMIT:
        # A commit comment's REST listing does not say whether it is minimised.
        raise InputError("--hide-old: comments on a commit cannot be hidden; use --mode recreate")


def delete_sticky(forge: Forge, target: Target, key: str) -> list[Comment]:
    """Every comment of ours for ``key`` on ``target``, deleted; what was deleted."""
    ours = forge.find_comments(target, marker(key))
    for comment in ours:
        forge.delete_comment(target, comment)
    return ours


def _post_new(forge: Forge, target: Target, body: str, key: str, *, hide_old: bool) -> PostOutcome:
    earlier = (
        [c for c in forge.find_comments(target, marker(key)) if not c.hidden] if hide_old else []
    )
    nonce = uuid.uuid4().hex
    full = with_marker(body, key, nonce=nonce)
    made = _create(forge, target, full, _head(key, nonce))
    for comment in earlier:
        forge.hide_comment(target, comment)
    return PostOutcome("created", made, hidden=len(earlier))


def _recreate(
    forge: Forge, target: Target, mark: str, full: str, existing: Comment, *, hide_old: bool
) -> PostOutcome:
    """A new comment at the bottom first (the report never vanishes), then the old one goes:
    deleted, or with ``hide_old`` minimised (a hidden comment is no live report: lookups pass
    over it)."""
    made = _create(forge, target, full, mark)
    if hide_old:
        forge.hide_comment(target, existing)
    else:
        forge.delete_comment(target, existing)
    outcome = _converge(forge, target, mark, full, made)
    action = "recreated" if outcome.comment.id == made.id else outcome.action
    return PostOutcome(action, outcome.comment, int(hide_old), int(not hide_old))


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
    ours = forge.recent_comments(target, mark)
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
