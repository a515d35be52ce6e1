"""Sticky comments: one comment per report key, found by a hidden marker and edited in place.

A retry never posts twice: after a write that may have reached the server (a timeout, a 502
from a proxy), the comment is looked up again before the next try.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from cmlreport.errors import InputError, NoWriteAccess, RemoteError
from cmlreport.forges.base import Comment, Forge, Target

_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/:@+ -]{0,99}$")
_ANY_MARKER = re.compile(r"^<!-- cmlreport:[^>]*-->\n?", re.MULTILINE)
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


def with_marker(body: str, key: str, *, nonce: str | None = None) -> str:
    """The body as posted: our marker first, any marker already in the body removed.

    ``nonce`` tags a non-sticky post so a retry can recognise its own earlier attempt.
    """
    lines = [marker(key)]
    if nonce:
        lines.append(f"<!-- cmlreport-post:{nonce} -->")
    return "\n".join(lines) + "\n" + _ANY_MARKER.sub("", body)


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
    mark = marker(key)
    if sticky:
        existing = forge.find_comment(target, mark)
        full = with_marker(body, key)
        if existing is not None:
            if _same(existing.body, full):
                return PostOutcome("unchanged", existing)
            return PostOutcome("updated", forge.update_comment(target, existing, full))
        lookup = mark
    else:
        nonce = uuid.uuid4().hex
        full = with_marker(body, key, nonce=nonce)
        lookup = f"<!-- cmlreport-post:{nonce} -->"
    for attempt in range(1, CREATE_ATTEMPTS + 1):
        try:
            return PostOutcome("created", forge.create_comment(target, full))
        except NoWriteAccess:
            raise
        except RemoteError as exc:
            if not exc.transient:
                raise
            # The POST may have landed before the error: look before trying again.
            landed = forge.find_comment(target, lookup)
            if landed is not None and _same(landed.body, full):
                return PostOutcome("created", landed)
            if attempt == CREATE_ATTEMPTS:
                raise
    raise AssertionError("unreachable")  # pragma: no cover
