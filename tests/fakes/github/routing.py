"""Routes: a handler per (method, path template), the call it receives and the reply it returns.

Templates are spelled exactly as in the REST description, so the validator can be told which
operation a request is (openapi-core's own path matching cannot match ``{ref}`` values with a
slash, like ``heads/cmlreport-assets``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, TypeVar
from urllib.parse import unquote, urlencode

from tests.fakes.github.links import Links
from tests.fakes.github.records import Repo, Token, User
from tests.fakes.github.state import GitHubState
from tests.fakes.served import Reply as Reply
from tests.fakes.served import int_param

T = TypeVar("T")
# Path parameters that hold a git ref name and so may contain slashes.
SLASHED_PARAMS = {"ref"}
DOCS = "https://docs.github.com/rest"


class ApiError(Exception):
    """An error reply in GitHub's shape: ``{"message": ..., "documentation_url": ...}``."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        headers: dict[str, str] | None = None,
        errors: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}
        self.errors = errors

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "message": self.message,
            "documentation_url": DOCS,
            "status": str(self.status),
        }
        if self.errors is not None:
            body["errors"] = self.errors
        return body


def not_found() -> ApiError:
    return ApiError(404, "Not Found")


def invalid(message: str, field_name: str, resource: str) -> ApiError:
    """422 as GitHub sends it for a semantically wrong request."""
    error = {"resource": resource, "field": field_name, "code": "invalid", "message": message}
    return ApiError(422, message, errors=[error])


@dataclass
class Call:
    """One authenticated request, as a handler sees it."""

    state: GitHubState
    links: Links
    method: str
    path: str  # without the GHES prefix, e.g. /repos/octo/model/issues/7/comments
    params: dict[str, str]
    query: dict[str, str]
    body: Any
    token: Token

    @property
    def user(self) -> User:
        return self.state.users[self.token.login]

    def repo(self) -> Repo:
        repo = self.state.repos.get(f"{self.params['owner']}/{self.params['repo']}")
        if repo is None:
            raise not_found()
        return repo

    def number(self, name: str) -> int:
        try:
            return int(self.params[name])
        except ValueError:
            raise not_found() from None

    def json(self) -> dict[str, Any]:
        if not isinstance(self.body, dict):
            raise ApiError(400, "Problems parsing JSON")
        return self.body

    def paginate(self, items: Sequence[T]) -> tuple[list[T], dict[str, str]]:
        """One page of ``items`` and its RFC 5988 ``Link`` header, as GitHub pages lists."""
        per_page = int_param(self.query.get("per_page"), 30)
        per_page = 30 if per_page < 1 else min(per_page, 100)
        page = max(int_param(self.query.get("page"), 1), 1)
        last = max((len(items) + per_page - 1) // per_page, 1)
        chunk = list(items[(page - 1) * per_page : page * per_page])
        rels: list[tuple[str, int]] = []
        if page > 1:
            rels.append(("prev", min(page - 1, last)))
        if page < last:
            rels += [("next", page + 1), ("last", last)]
        if page > 1:
            rels.append(("first", 1))
        if not rels:
            return chunk, {}
        link = ", ".join(f'<{self._page_url(n)}>; rel="{rel}"' for rel, n in rels)
        return chunk, {"Link": link}

    def _page_url(self, page: int) -> str:
        query = {k: v for k, v in self.query.items() if k != "page"}
        query["page"] = str(page)
        return f"{self.links.api}{self.path}?{urlencode(query)}"


def parse_time(text: str) -> datetime:
    """ISO 8601 as GitHub accepts it (``Z`` included, which Python 3.10 cannot parse)."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


Handler = Callable[[Call], Reply]


@dataclass(frozen=True)
class Route:
    method: str
    template: str
    handler: Handler
    # Any one of these permissions allows the call (GitHub's x-accepted-github-permissions).
    accepted: tuple[str, ...]
    pattern: re.Pattern[str]
    # Authenticated as a GitHub App (its JWT), not with a token.
    as_app: bool = False

    def match(self, method: str, path: str) -> dict[str, str] | None:
        found = self.pattern.fullmatch(path)
        if found is None or method != self.method:
            return None
        return {k: unquote(v) for k, v in found.groupdict().items()}

    @property
    def accepted_header(self) -> str:
        return "; ".join(p.replace(":", "=") for p in self.accepted)


def compile_template(template: str) -> re.Pattern[str]:
    def group(m: re.Match[str]) -> str:
        name = m.group(1)
        return f"(?P<{name}>.+)" if name in SLASHED_PARAMS else f"(?P<{name}>[^/]+)"

    return re.compile(re.sub(r"\\\{(\w+)\\\}", group, re.escape(template)))


class Router:
    """Collects one module's routes: ``@router("GET", "/repos/{owner}/{repo}")``."""

    def __init__(self) -> None:
        self.routes: list[Route] = []

    def __call__(
        self, method: str, template: str, *, accepted: tuple[str, ...] = (), as_app: bool = False
    ) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            pattern = compile_template(template)
            self.routes.append(Route(method, template, handler, accepted, pattern, as_app))
            return handler

        return register


def _specificity(route: Route) -> tuple[int, int, int]:
    params = re.findall(r"\{(\w+)\}", route.template)
    literal = len(re.sub(r"\{\w+\}", "", route.template))
    return (sum(p in SLASHED_PARAMS for p in params), len(params), -literal)


def find_route(routes: Sequence[Route], method: str, path: str) -> tuple[Route, dict[str, str]]:
    """The most specific route for the request, or a 404 ``ApiError``.

    Specific means: no slashed ``{ref}`` (it swallows ``/comments``), fewer parameters, more
    literal text; so ``/commits/{commit_sha}/comments`` wins over ``/commits/{ref}``.
    """
    candidates = sorted(routes, key=_specificity)
    for route in candidates:
        params = route.match(method, path)
        if params is not None:
            return route, params
    raise not_found()
