"""Where our sticky comment is on a pull request, kept as a commit status so that the next run
finds it in the first request wherever it sits among thousands of comments.

The comments connection can be read from both ends and in update-time order, but a comment in
the middle of a busy pull request whose last edit is older than a hundred others is in no
window: finding it meant reading on, 200 comments a request. So once a run has written (or
found) our comment outside the first ``WINDOW``, it posts a commit status on the pull
request's head, context ``cmlreport comment #N: KEY``, whose target URL is the comment
(``Details`` opens the report; the URL also carries the comment's node id). The next run's
first query asks for that context on the pull request's last ``WINDOW`` commits along with the
comment windows; the comment is then one GraphQL ``node`` query away, which also says whether
it is hidden.

What a status says is only a hint: one that another user posted is passed over, and the
comment it names must still be ours, on this pull request, not hidden, and open with our
marker, or it is not taken (then the comments are read on as before). A token that may not
read statuses (no ``statuses: read``) gets the rest of the first answer all the same.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, quote, urlsplit

from cmlreport.forges.base import Comment
from cmlreport.forges.sticky import PLACE_DESCRIPTION

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
# The comment a kept place names, asked by node id: the second request.
COMMENT_QUERY = """
query($id: ID!) {
  node(id: $id) {
    ... on IssueComment {
      id databaseId body url isMinimized viewerDidAuthor author { __typename login }
      issue { number } pullRequest { number } repository { nameWithOwner }
    }
  }
}
"""
NODE_PARAMETER = "cmlreport_node"
MAX_URL = 4_096  # a longer target is no link of ours (and is not parsed)
_ANCHOR = re.compile(r"issuecomment-(\d{1,19})")
_NODE = re.compile(r"[A-Za-z0-9_=+/.-]{1,300}")


@dataclass(frozen=True)
class Place:
    """What the first query said: the pull request's head, and the comment our newest status
    names (None: no status of ours among the last commits); ``readable``: whether the token
    may read statuses at all."""

    head: str | None
    stored: int | None = None
    node: str | None = None  # the stored comment's node id
    readable: bool = True


def place(thread: Mapping[str, Any], viewer: str, *, readable: bool = True) -> Place:
    """The head and the stored comment of a pull request's answer (an issue has neither)."""
    head = thread.get("headRefOid")
    head = head if isinstance(head, str) and head else None
    nodes = ((thread.get("commits") or {}).get("nodes")) or []
    # The newest commit first: a later run's status wins over an earlier one's.
    for node in reversed([n for n in nodes if isinstance(n, Mapping)]):
        status = ((node.get("commit") or {}).get("status")) or {}
        found = status.get("context") if isinstance(status, Mapping) else None
        if isinstance(found, Mapping) and _by(found.get("creator"), viewer):
            named = _named(str(found.get("targetUrl") or ""))
            if named is not None:
                return Place(head, named[0], named[1], readable)
    return Place(head, None, None, readable)


def _named(url: str) -> tuple[int, str] | None:
    """The comment id and node id a target URL of ours names (``target_url``), else None."""
    if len(url) > MAX_URL:
        return None
    parts = urlsplit(url)
    anchor = _ANCHOR.fullmatch(parts.fragment)
    nodes = parse_qs(parts.query).get(NODE_PARAMETER, [])
    if anchor is None or len(nodes) != 1 or not _NODE.fullmatch(nodes[0]):
        return None
    return int(anchor[1]), nodes[0]


def target_url(comment: Comment) -> str:
    """The comment's own address, with its node id in a query parameter the page ignores."""
    page, _, anchor = comment.url.partition("#")
    joiner = "&" if "?" in page else "?"
    return f"{page}{joiner}{NODE_PARAMETER}={quote(comment.node_id, safe='')}#{anchor}"


def actor_login(actor: Mapping[str, Any]) -> str:
    """An author's or creator's login as REST and ``viewer`` give it: GraphQL names a bot
    without its "[bot]"."""
    login = str(actor.get("login") or "")
    return f"{login}[bot]" if actor.get("__typename") == "Bot" and login else login


def _by(creator: Any, viewer: str) -> bool:
    """Whether the status was posted by this token's user."""
    return isinstance(creator, Mapping) and bool(viewer) and actor_login(creator) == viewer


def keep_place(
    requester: Requester, repository: str, head: str, context: str, comment: Comment
) -> None:
    """A ``success`` status on ``head`` naming ``comment``: what the next run's first query
    finds (``place``)."""
    data = {
        "state": "success",
        "context": context,
        "description": PLACE_DESCRIPTION,
        "target_url": target_url(comment),
    }
    requester.requestJsonAndCheck("POST", f"/repos/{repository}/statuses/{head}", input=data)
