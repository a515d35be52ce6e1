"""Where our sticky comment is on a pull request, kept as a commit status so that the next run
finds it in the first request wherever it sits among thousands of comments.

The comments connection can be read from both ends and in update-time order, but a comment in
the middle of a busy pull request whose last edit is older than a hundred others is in no
window: finding it meant reading on, 200 comments a request. So once a run has written (or
found) our comment, it posts a commit status on the pull request's head, context
``cmlreport comment: KEY``, whose target URL is the comment (``Details`` opens the report).
The next run's first query asks for that context on the pull request's last ``WINDOW``
commits along with the comment windows; its id is then one ``GET`` away.

What a status says is only a hint: one that another user posted is passed over, and the
comment it names must still be ours, on this pull request, opening with our marker, or it is
not taken (then the comments are read on as before).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cmlreport.forges.base import Comment
from cmlreport.forges.sticky import PLACE_DESCRIPTION, place_context

if TYPE_CHECKING:
    from github.Requester import Requester

# Asked in the first query, beside the comment windows (``threads.ENDS_QUERY``).
FIELDS = """
  headRefOid
  commits(last: $window) {
    nodes { commit { status { context(name: $context) {
      targetUrl creator { __typename login }
    } } } }
  }
"""
_COMMENT_ID = re.compile(r"#issuecomment-(\d{1,19})\Z")


@dataclass(frozen=True)
class Place:
    """What the first query said: the pull request's head, and the comment id our newest
    status names (None: no status of ours among the last commits)."""

    head: str | None
    stored: int | None


def place(thread: Mapping[str, Any], viewer: str) -> Place:
    """The head and the stored comment id of a pull request's answer (an issue has neither)."""
    head = thread.get("headRefOid")
    nodes = ((thread.get("commits") or {}).get("nodes")) or []
    stored = None
    # The newest commit first: a later run's status wins over an earlier one's.
    for node in reversed([n for n in nodes if isinstance(n, Mapping)]):
        status = ((node.get("commit") or {}).get("status")) or {}
        found = status.get("context") if isinstance(status, Mapping) else None
        if isinstance(found, Mapping) and _by(found.get("creator"), viewer):
            matched = _COMMENT_ID.search(str(found.get("targetUrl") or ""))
            if matched:
                stored = int(matched[1])
                break
    return Place(head if isinstance(head, str) and head else None, stored)


def _by(creator: Any, viewer: str) -> bool:
    """Whether the status was posted by this token's user (GraphQL drops a bot's "[bot]")."""
    if not isinstance(creator, Mapping) or not viewer:
        return False
    login = str(creator.get("login") or "")
    if creator.get("__typename") == "Bot" and login:
        login = f"{login}[bot]"
    return login == viewer


def keep_place(
    requester: Requester, repository: str, where: Place, marker: str, comment: Comment
) -> None:
    """A ``success`` status on the head naming ``comment``: what the next run's first query
    finds (``place``)."""
    data = {
        "state": "success",
        "context": place_context(marker),
        "description": PLACE_DESCRIPTION,
        "target_url": comment.url,
    }
    requester.requestJsonAndCheck("POST", f"/repos/{repository}/statuses/{where.head}", input=data)
