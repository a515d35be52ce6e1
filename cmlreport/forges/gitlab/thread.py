"""Our note on a merge request or issue, found in one GraphQL request wherever it sits.

GitLab's GraphQL ``notes`` connection lists a noteable's notes oldest first and can be cut
from either end, and one query can hold both cuts and who the token is:

- ``oldest``: the first ``WINDOW`` notes (a bot posts when the merge request opens), and
- ``newest``: the last ``WINDOW`` (``--mode recreate`` and a first post land at the bottom).

On a merge request the same request asks its latest pipelines for the status an earlier CI
job left to say where our note is (``places``); when ours is in neither window, that note is
read by id (one REST ``GET``). Only when there is no such status (or it names no note of ours) is
more read: each further request goes on from both ends at once, forwards from where
``oldest`` stopped and backwards from where ``newest`` stopped, until ours is met or the two
fronts meet.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from cmlreport.forges.base import Comment
from cmlreport.forges.gitlab.graphql import Unavailable
from cmlreport.forges.gitlab.places import FIELDS, VARIABLES, listed_pipelines, stored_note
from cmlreport.forges.sticky import opens_with

WINDOW = 100  # GitLab's largest page
MAX_PAGES = 1_000  # 200,000 notes: past that the answer is not believed
# A note's global id: gid://gitlab/Note/123, or DiscussionNote/DiffNote for one in a thread.
_NOTE_ID = re.compile(r"gid://gitlab/(?:\w+::)?\w*Note/(\d+)")

_WINDOW = """
fragment Window on NoteConnection {
  pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  nodes { id body system url author { username } }
}
"""
_ENDS = """
query($project: ID!, $iid: String!, $window: Int!PLACE_VARIABLES) {
  currentUser { username }
  project(fullPath: $project) {
    noteable: NOTEABLE(iid: $iid) {
      oldest: notes(first: $window) { ...Window }
      newest: notes(last: $window) { ...Window }PLACE_FIELDS
    }
  }
}
"""
_PAGES = """
query($project: ID!, $iid: String!, $window: Int!, $after: String!, $before: String!) {
  project(fullPath: $project) {
    noteable: NOTEABLE(iid: $iid) {
      forward: notes(first: $window, after: $after) { ...Window }
      backward: notes(last: $window, before: $before) { ...Window }
    }
  }
}
"""

Run = Callable[[str, dict[str, Any]], Mapping[str, Any]]
Fetch = Callable[[int], "Comment | None"]  # a note of this noteable by id (REST), if there


@dataclass(frozen=True)
class Page:
    notes: list[Comment]  # ours or not, system notes left out
    ours: list[Comment]  # written by the token's user (any body)
    ids: set[int]  # every note on the page, system ones too


class Thread:
    """The notes of one merge request (or issue), read through ``run`` (a GraphQL query)."""

    def __init__(
        self,
        run: Run,
        project: str,
        iid: int,
        url: Callable[[int], str],
        *,
        issue: bool = False,
        context: str = "",
        fetch: Fetch | None = None,
    ) -> None:
        noteable = "issue" if issue else "mergeRequest"
        kept = not issue and fetch is not None  # an issue has no pipelines to keep it in
        ends = _ENDS.replace("PLACE_VARIABLES", VARIABLES if kept else "")
        ends = ends.replace("PLACE_FIELDS", FIELDS if kept else "")
        self._ends = ends.replace("NOTEABLE", noteable) + _WINDOW
        self._pages = _PAGES.replace("NOTEABLE", noteable) + _WINDOW
        self._run = run
        self._url = url  # a note's web page, when GitLab's answer has none
        self._fetch = fetch if kept else None
        self._variables: dict[str, Any] = {"project": project, "iid": str(iid), "window": WINDOW}
        self._context = {"context": context} if kept else {}
        self.viewer: str | None = None
        # What the latest first answer said: the note a kept status names, the oldest ids.
        self.stored: int | None = None
        self.oldest: frozenset[int] = frozenset()
        self.pipelines: frozenset[int] = frozenset()  # the merge request's, as listed
        self._whole = False  # both ends hold every note
        self.read_on = False  # whether a lookup had to read past both ends

    def find(self, marker: str) -> Comment | None:
        """Ours that opens with ``marker``: the newest in ``newest``, else in ``oldest``, else
        the note a kept status names, else the newest on the first page further on that
        holds one."""
        pages = self._read()
        for number, page in enumerate(pages):
            found = _matching(page, marker)
            if found:
                return found[0]
            if number == 1:  # both ends read: what the status names, before reading on
                kept = self._kept(marker)
                if kept is not None:
                    return kept
        return None

    def _kept(self, marker: str) -> Comment | None:
        """The note a status names, when it is still ours and opens with ``marker``."""
        if self._fetch is None or self.stored is None or self._whole:
            return None  # nothing kept, or every note was read already
        note = self._fetch(self.stored)
        if note is None or note.author != self.viewer or not opens_with(note.body, marker):
            return None
        return note

    def find_all(self, marker: str) -> list[Comment]:
        """Every one of ours that opens with ``marker``, newest first (reads every note)."""
        unique = {c.id: c for page in self._read() for c in _matching(page, marker)}
        return sorted(unique.values(), key=lambda c: -c.id)

    def find_recent(self, marker: str) -> list[Comment]:
        """Ours that open with ``marker`` among the newest: after posting, where a racing
        job's note is too."""
        newest, _, _ = self._first()
        return _matching(newest, marker)

    def _first(self) -> tuple[Page, Page, tuple[Mapping[str, Any], Mapping[str, Any]]]:
        """The newest window, the oldest, and the two as answered (for their cursors)."""
        data = self._run(self._ends, {**self._variables, **self._context})
        viewer = (data.get("currentUser") or {}).get("username")
        if not isinstance(viewer, str) or not viewer:
            raise Unavailable("GitLab's GraphQL did not say who the token is")
        self.viewer = viewer
        noteable = _noteable(data)
        first, last = _window(noteable, "oldest"), _window(noteable, "newest")
        newest, oldest = self._page(last), self._page(first)
        self.stored, self.oldest = stored_note(noteable), frozenset(oldest.ids)
        self.pipelines = listed_pipelines(noteable)
        self._whole = bool(newest.ids & oldest.ids) or None in (
            _cursor(first, "hasNextPage", "endCursor"),
            _cursor(last, "hasPreviousPage", "startCursor"),
        )
        return newest, oldest, (first, last)

    def _read(self) -> Iterator[Page]:
        """The newest window, the oldest, then pages from both ends until the fronts meet."""
        newest, oldest, (first, last) = self._first()
        yield newest
        yield oldest
        seen = newest.ids | oldest.ids
        after = _cursor(first, "hasNextPage", "endCursor")
        before = _cursor(last, "hasPreviousPage", "startCursor")
        for _ in range(MAX_PAGES):
            if after is None or before is None or newest.ids & oldest.ids:
                return
            variables = {**self._variables, "after": after, "before": before}
            self.read_on = True
            noteable = _noteable(self._run(self._pages, variables))
            forward, backward = _window(noteable, "forward"), _window(noteable, "backward")
            pages = [self._page(backward), self._page(forward)]
            met = any(page.ids & seen for page in pages)
            for page in pages:
                seen |= page.ids
                yield page
            if met:
                return
            after = _cursor(forward, "hasNextPage", "endCursor")
            before = _cursor(backward, "hasPreviousPage", "startCursor")

    def _page(self, window: Mapping[str, Any]) -> Page:
        nodes = [n for n in window.get("nodes") or [] if isinstance(n, Mapping)]
        ids: set[int] = set()
        notes: list[Comment] = []
        for node in nodes:
            found = _NOTE_ID.fullmatch(str(node.get("id") or ""))
            if found is None:
                continue  # no id the REST API can edit: not ours to take
            ids.add(int(found[1]))
            if not node.get("system"):
                notes.append(self._comment(int(found[1]), node))
        ours = [c for c in notes if c.author == self.viewer]
        return Page(notes, ours, ids)

    def _comment(self, note_id: int, node: Mapping[str, Any]) -> Comment:
        author = str((node.get("author") or {}).get("username") or "")
        url = str(node.get("url") or "") or self._url(note_id)
        return Comment(note_id, str(node.get("body") or ""), author, url)


def _noteable(data: Mapping[str, Any]) -> Mapping[str, Any]:
    noteable = (data.get("project") or {}).get("noteable")
    if not isinstance(noteable, Mapping):
        raise Unavailable("GitLab's GraphQL found no such project or merge request")
    return noteable


def _window(noteable: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    window = noteable.get(name)
    if not isinstance(window, Mapping):
        raise Unavailable("GitLab's GraphQL answer holds no notes")
    return window


def _cursor(window: Mapping[str, Any], more: str, cursor: str) -> str | None:
    info = window.get("pageInfo") or {}
    place = info.get(cursor)
    return str(place) if info.get(more) and place and window.get("nodes") else None


def _matching(page: Page, marker: str) -> list[Comment]:
    """Ours that open with ``marker``, newest first."""
    return sorted((c for c in page.ours if opens_with(c.body, marker)), key=lambda c: -c.id)
