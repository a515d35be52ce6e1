"""Our comments on a pull request or issue, found in one GraphQL request wherever they sit.

The REST comment list is oldest-first with no sort, so finding a comment near the start of a
busy pull request meant reading every page (51 requests at 5,000 comments). GraphQL's
``comments`` connection can be cut from either end and ordered by update time, and one query
can ask for several cuts at once, so the first request holds, with who the token is:

- ``oldest``: the first ``WINDOW`` comments by creation (a bot posts when the PR opens), and
- ``recent``: the ``WINDOW`` most recently updated (each changed report is an edit).

On a pull request the same request asks for the commit status an earlier run left on one of
its last commits to say where our comment is (``places``); when ours is in neither window,
that comment is read by its node id (one more GraphQL query). Only when there is no such
status (or it names no comment of ours) is more read: each further request goes on in both
orders at once, ``WINDOW`` comments forwards by creation from where ``oldest`` stopped and
``WINDOW`` backwards by update time from where ``recent`` stopped, until ours is met or the
two fronts have covered every comment.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any

from cmlreport.errors import RemoteError
from cmlreport.forges.base import Comment
from cmlreport.forges.github.places import COMMENT_QUERY, FIELDS, Place, actor_login, place
from cmlreport.forges.github.queries import PARTIAL
from cmlreport.forges.sticky import opens_with

WINDOW = 100  # GitHub's largest first/last on a connection
MAX_PAGES = 1_000  # 100,000 comments: past that the answer is not believed

_WINDOW = """
fragment Window on IssueCommentConnection {
  totalCount
  pageInfo { hasNextPage endCursor }
  nodes { id databaseId body url isMinimized viewerDidAuthor author { __typename login } }
}
"""
_VARIABLES = "$owner: String!, $name: String!, $number: Int!, $window: Int!, $after: String"
_RECENT = "comments(first: $window, after: $after, orderBy: {field: UPDATED_AT, direction: DESC})"
# Both ends of the thread, who the token is and where ours was last seen, in one request.
ENDS_QUERY = f"""
query({_VARIABLES}, $context: String!) {{
  viewer {{ login }}
  repository(owner: $owner, name: $name) {{
    issueOrPullRequest(number: $number) {{
      ... on Issue {{ ...IssueEnds }}
      ... on PullRequest {{ ...PullEnds }}
    }}
  }}
}}
fragment IssueEnds on Issue {{
  oldest: comments(first: $window) {{ ...Window }}
  recent: {_RECENT} {{ ...Window }}
}}
fragment PullEnds on PullRequest {{
  oldest: comments(first: $window) {{ ...Window }}
  recent: {_RECENT} {{ ...Window }}
  {FIELDS}
}}
{_WINDOW}"""
# Both orders read on from where the ends stopped: creation forwards, update time backwards.
PAGE_QUERY = f"""
query({_VARIABLES}, $forward: String) {{
  repository(owner: $owner, name: $name) {{
    issueOrPullRequest(number: $number) {{
      ... on Issue {{ ...IssuePages }}
      ... on PullRequest {{ ...PullPages }}
    }}
  }}
}}
fragment IssuePages on Issue {{
  forward: comments(first: $window, after: $forward) {{ ...Window }}
  recent: {_RECENT} {{ ...Window }}
}}
fragment PullPages on PullRequest {{
  forward: comments(first: $window, after: $forward) {{ ...Window }}
  recent: {_RECENT} {{ ...Window }}
}}
{_WINDOW}"""
MINIMIZE = (
    "mutation($id: ID!) { minimizeComment(input: {subjectId: $id, classifier: OUTDATED}) "
    "{ minimizedComment { isMinimized } } }"
)

Run = Callable[[str, dict[str, Any]], Mapping[str, Any]]


@dataclass(frozen=True)
class Seen:
    comment: Comment
    ours: bool  # written by this token's user


@dataclass(frozen=True)
class Ends:
    """The first answer: both ends of the thread and where the update-time order goes on."""

    oldest: list[Seen]
    recent: list[Seen]  # most recently updated first
    total: int  # comments on the thread
    forward: str | None  # where the creation order goes on; None: every comment was read
    after: str | None  # where the update-time order goes on
    place: Place  # a pull request's head and where ours was kept

    @property
    def complete(self) -> bool:
        return self.forward is None or self.after is None


class Thread:
    """The comments of one pull request or issue, read through ``run`` (a GraphQL query)."""

    def __init__(self, run: Run, repository: str, number: int, *, context: str) -> None:
        owner, _, name = repository.partition("/")
        self._run = run
        self._repository, self._number = repository, number
        self._variables: dict[str, Any] = {
            "owner": owner,
            "name": name,
            "number": number,
            "window": WINDOW,
            "after": None,
        }
        self._context = context  # the status that says where ours is
        self.viewer: str | None = None
        self.last: Ends | None = None  # the latest first answer
        self.read_on = False  # whether a lookup had to read past both ends

    def ends(self) -> Ends:
        data = self._run(ENDS_QUERY, {**self._variables, "context": self._context})
        viewer = (data.get("viewer") or {}).get("login")
        if not isinstance(viewer, str) or not viewer:
            raise RemoteError("GitHub did not say who the token is (GraphQL viewer)")
        self.viewer = viewer
        thread = _thread(data)
        oldest, recent = _window(thread, "oldest"), _window(thread, "recent")
        ends = Ends(
            self._seen(oldest),
            self._seen(recent),
            int(recent.get("totalCount") or 0),
            _end_cursor(oldest),
            _end_cursor(recent),
            place(thread, viewer, readable=PARTIAL not in data),
        )
        if len({s.comment.id for s in [*ends.oldest, *ends.recent]}) >= ends.total:
            ends = replace(ends, forward=None, after=None)
        self.last = ends
        return ends

    def find(self, marker: str) -> Comment | None:
        """Ours that opens with ``marker``, not hidden: the most recently updated in
        ``recent``, else the newest in ``oldest``, else the one the kept place names, else
        the first met reading on."""
        ends = self.ends()
        found = _matching(ends.recent, marker) or sorted(
            _matching(ends.oldest, marker), key=lambda c: -c.id
        )
        if found:
            return found[0]
        kept = self._kept(ends.place, marker)
        if kept is not None or ends.complete:
            return kept
        for page in self._read_on(ends):
            found = _matching(page, marker)
            if found:
                return found[0]
        return None

    def find_all(self, marker: str) -> list[Comment]:
        """Every one of ours that opens with ``marker``, hidden ones too (reads every page on
        a busy thread), oldest first."""
        ends = self.ends()
        pages = [ends.oldest, ends.recent]
        if not ends.complete:
            pages.extend(self._read_on(ends))
        unique = {c.id: c for page in pages for c in _matching(page, marker, hidden=True)}
        return sorted(unique.values(), key=lambda c: c.id)

    def find_recent(self, marker: str) -> list[Comment]:
        """Ours that open with ``marker`` among the most recently updated: after posting,
        where a racing job's comment is too."""
        return _matching(self.ends().recent, marker)

    def _kept(self, where: Place, marker: str) -> Comment | None:
        """The comment a status of ours names, when it is still ours, on this thread, not
        hidden, and opens with ``marker`` (a status is a hint, never trusted)."""
        if where.node is None:
            return None
        try:
            found = self._run(COMMENT_QUERY, {"id": where.node}).get("node")
        except RemoteError as exc:
            if exc.transient:
                raise
            return None  # deleted since, or not for this token to read: read on
        if not isinstance(found, Mapping) or found.get("databaseId") != where.stored:
            return None
        numbers = {(found.get(k) or {}).get("number") for k in ("issue", "pullRequest")}
        on = str((found.get("repository") or {}).get("nameWithOwner")).casefold() == (
            self._repository.casefold()
        )
        if not on or self._number not in numbers:
            return None
        matching = _matching([_seen(found, self.viewer or "")], marker)
        return matching[0] if matching else None

    def _read_on(self, ends: Ends) -> Iterator[list[Seen]]:
        """Further pages, the update-time order first, until the two fronts have met."""
        seen = {s.comment.id for s in [*ends.oldest, *ends.recent]}
        forward, after = ends.forward, ends.after
        for _ in range(MAX_PAGES):
            if forward is None or after is None or len(seen) >= ends.total:
                return
            variables = {**self._variables, "forward": forward, "after": after}
            self.read_on = True
            thread = _thread(self._run(PAGE_QUERY, variables))
            recent, onward = _window(thread, "recent"), _window(thread, "forward")
            page = [*self._seen(recent), *self._seen(onward)]
            seen.update(s.comment.id for s in page)
            yield page
            forward, after = _end_cursor(onward), _end_cursor(recent)

    def _seen(self, window: Mapping[str, Any]) -> list[Seen]:
        nodes = [n for n in window.get("nodes") or [] if isinstance(n, Mapping)]
        # A comment without a database id cannot be edited through REST: not ours to take.
        return [_seen(n, self.viewer or "") for n in nodes if isinstance(n.get("databaseId"), int)]


def _thread(data: Mapping[str, Any]) -> Mapping[str, Any]:
    thread = ((data.get("repository") or {}).get("issueOrPullRequest")) or {}
    if not isinstance(thread, Mapping):
        raise RemoteError("GitHub's GraphQL answer holds no comments for the pull request")
    return thread


def _window(thread: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    window = thread.get(name)
    if not isinstance(window, Mapping):
        raise RemoteError("GitHub's GraphQL answer holds no comments for the pull request")
    return window


def _end_cursor(window: Mapping[str, Any]) -> str | None:
    info = window.get("pageInfo") or {}
    cursor = info.get("endCursor")
    return str(cursor) if info.get("hasNextPage") and cursor and window.get("nodes") else None


def _seen(node: Mapping[str, Any], viewer: str) -> Seen:
    login = actor_login(node.get("author") or {})
    comment = Comment(
        int(node["databaseId"]),
        str(node.get("body") or ""),
        login,
        str(node.get("url") or ""),
        node_id=str(node.get("id") or ""),
        hidden=bool(node.get("isMinimized")),
    )
    # GitHub's own word, or the author's login, as the REST path compares it.
    ours = node.get("viewerDidAuthor") is True or (bool(login) and login == viewer)
    return Seen(comment, ours)


def _matching(seen: list[Seen], marker: str, *, hidden: bool = False) -> list[Comment]:
    """Ours that open with ``marker``; minimised ones only with ``hidden`` (a hidden
    comment is no live report: it is neither updated nor kept by a convergence)."""
    return [
        s.comment
        for s in seen
        if s.ours and opens_with(s.comment.body, marker) and (hidden or not s.comment.hidden)
    ]
