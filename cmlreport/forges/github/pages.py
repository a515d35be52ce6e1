"""A comment list read newest first, in as few requests as GitHub's pages allow."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from cmlreport.forges.base import Comment

if TYPE_CHECKING:
    from github.Requester import Requester

PAGE = 100  # GitHub's largest page
MAX_PAGES = 1_000  # 100,000 comments: past that a Link header is not believed
_LAST = re.compile(r'<([^>]+)>;\s*rel="last"')


def newest_first(requester: Requester, path: str) -> Iterator[dict[str, Any]]:
    """The comment list is oldest-first with no sort parameter: page 1 tells how many
    pages there are; the last page down to page 2 follow, then page 1 from memory.
    (PyGithub's ``reversed`` fetches page 1 twice: one GET more with 101-200 comments.)"""

    def page(number: int) -> list[dict[str, Any]]:
        params: dict[str, Any] = {"per_page": PAGE}
        if number > 1:
            params["page"] = number
        _, data = requester.requestJsonAndCheck("GET", path, parameters=params)
        return list(data or [])

    headers, first = requester.requestJsonAndCheck("GET", path, parameters={"per_page": PAGE})
    last = _last_page(headers)
    newest = page(last) if 1 < last <= MAX_PAGES else []
    if last > 1 and not newest:
        # The Link header named pages that are not there (a proxy or server that lies, or
        # comments deleted meanwhile): read forwards until a page is empty instead.
        yield from _forwards(page, first)
        return
    yield from reversed(newest)
    for number in range(last - 1, 1, -1):
        yield from reversed(page(number))
    yield from reversed(first or [])


def _last_page(headers: Mapping[str, Any]) -> int:
    """The last page the Link header names; past ``MAX_PAGES`` (or unreadable) it is
    ``MAX_PAGES + 1``, which the caller does not trust."""
    match = _LAST.search(str(headers.get("link") or ""))
    if not match:
        return 1
    pages = parse_qs(urlsplit(match[1]).query).get("page") or ["1"]
    if not (pages[0].isascii() and pages[0].isdigit()):
        return 1
    return int(pages[0]) if len(pages[0]) <= 6 else MAX_PAGES + 1


def _forwards(
    page: Callable[[int], list[dict[str, Any]]], first: list[dict[str, Any]] | None
) -> Iterator[dict[str, Any]]:
    """Pages 2, 3... up to the first empty one (at most ``MAX_PAGES``), newest comment first."""
    pages = [list(first or [])]
    for number in range(2, MAX_PAGES + 1):
        data = page(number)
        if not data:
            break
        pages.append(data)
    for data in reversed(pages):
        yield from reversed(data)


def comment_of(raw: Mapping[str, Any]) -> Comment:
    """A comment as REST gives it."""
    user = raw.get("user") or {}
    return Comment(
        int(raw["id"]),
        str(raw.get("body") or ""),
        str(user.get("login") or ""),
        str(raw["html_url"]),
        node_id=str(raw.get("node_id") or ""),
    )
