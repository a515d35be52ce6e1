"""Finding our note on a merge request or issue through REST, where GraphQL is not answered
(``thread`` reads both ends in one request): in few requests, wherever it sits.

GitLab sorts notes (``order_by=created_at|updated_at``, ``sort=asc|desc``) but one request
holds one order, 100 notes at most. A bot posts its report when the merge request opens, so
the oldest 100 by creation are read first; then the most recently updated 100 (each changed
report is an edit). Only when ours is in neither does it read on, a page of each order in
turn (forwards by creation, backwards by update time), until it meets ours or one order ends:
never more than twice the pages of the better order. ``--mode recreate`` posts at the bottom,
so its lookup starts with the most recently updated.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from cmlreport.forges.sticky import opens_with

WINDOW = 100  # GitLab's largest page
MAX_PAGES = 1_000  # 100,000 notes each way: past that the answer is not believed
OLDEST = {"order_by": "created_at", "sort": "asc"}
RECENT = {"order_by": "updated_at", "sort": "desc"}

Note = Mapping[str, Any]


def find_note(notes: Any, matches: Callable[[Note], bool], *, newest: bool = False) -> Note | None:
    """The note ``matches`` takes, not hidden: the newest of the oldest 100, else the most
    recently updated of the 100 most recently updated; then on, a page of each order in turn
    (``newest``: the update-time order first). ``notes`` is python-gitlab's notes manager."""
    orders = [OLDEST, RECENT] if not newest else [RECENT, OLDEST]
    for page in range(1, MAX_PAGES + 1):
        for order in orders:
            listed = _page(notes, page=page, **order)
            found = [note for note in listed if matches(note)]
            if found:
                return max(found, key=lambda n: int(n["id"])) if order is OLDEST else found[0]
            if len(listed) < WINDOW:
                return None  # one order read to its end: every note was seen
    return None


def matches(marker: str, is_ours: Callable[[Note], bool], note: Note) -> bool:
    """Whether ``note`` is a user's note opening with ``marker`` that ``is_ours`` takes (asked
    last: it may cost ``GET /user``, only once a marker note is met)."""
    body = str(note.get("body") or "")
    return not note.get("system") and opens_with(body, marker) and is_ours(note)


def recent_notes(notes: Any, matches: Callable[[Note], bool]) -> list[Note]:
    """The notes ``matches`` takes among the most recently updated (one request)."""
    return [note for note in _page(notes, order_by="updated_at", sort="desc") if matches(note)]


def by_update(notes: Any) -> Iterator[Note]:
    """Every note, the most recently updated first, fetched a page at a time."""
    pages = notes.list(iterator=True, per_page=WINDOW, order_by="updated_at", sort="desc")
    return (note.attributes for note in pages)


def commit_notes(commit: Any, discussions: dict[int, str]) -> Iterator[Note]:
    """A commit's notes, newest first, each one's discussion id noted in ``discussions``
    (commit discussions have no sort parameter; a commit has few of them)."""
    notes: list[Note] = []
    for discussion in commit.discussions.list(iterator=True):
        for note in discussion.attributes.get("notes") or []:
            discussions[int(note["id"])] = str(discussion.id)
            notes.append(note)
    notes.sort(key=lambda note: (str(note.get("created_at") or ""), int(note["id"])))
    return reversed(notes)


def _page(notes: Any, *, page: int = 1, **order: str) -> list[Note]:
    listed = notes.list(get_all=False, per_page=WINDOW, page=page, **order)
    return [note.attributes for note in listed]
