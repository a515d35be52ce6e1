"""Finding our note on a merge request or issue in few requests, wherever it sits.

GitLab sorts notes (``order_by=created_at|updated_at``, ``sort=asc|desc``) but one request
holds one order, 100 notes at most. A bot posts its report when the merge request opens, so
the oldest 100 by creation are read first; then the most recently updated 100 (each changed
report is an edit), and on in that order, 100 a request, only when ours is in neither.
``--mode recreate`` posts at the bottom, so its lookup starts with the most recently updated.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

WINDOW = 100  # GitLab's largest page

Note = Mapping[str, Any]


def find_note(notes: Any, matches: Callable[[Note], bool], *, newest: bool = False) -> Note | None:
    """The note ``matches`` takes: the newest of the oldest window, else the most recently
    updated one (``newest``: that order only). ``notes`` is python-gitlab's notes manager."""
    if not newest:
        page = _page(notes, order_by="created_at", sort="asc")
        found = [note for note in page if matches(note)]
        if found:
            return max(found, key=lambda note: int(note["id"]))
        if len(page) < WINDOW:
            return None  # that was every note
    return next((note for note in by_update(notes) if matches(note)), None)


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


def _page(notes: Any, **order: str) -> list[Note]:
    listed = notes.list(get_all=False, per_page=WINDOW, **order)
    return [note.attributes for note in listed]
