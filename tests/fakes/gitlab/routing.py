"""Routes: a handler per (method, path template), what it accepts, the call it gets, its reply.

Templates are spelled as in GitLab's REST docs (``/projects/:id/merge_requests``). Each route
also declares the request fields the docs list (``required``/``optional``), who may call it
(token scopes, role, job token) and whether it pages: the server checks requests against that
and records a violation for anything the docs do not allow.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import unquote, urlencode

from tests.fakes.gitlab.records import GUEST, Project, Token, User
from tests.fakes.gitlab.state import GitLabState
from tests.fakes.served import Reply as Reply
from tests.fakes.served import int_param

T = TypeVar("T")
DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100
READ_SCOPES = ("api", "read_api")
WRITE_SCOPES = ("api",)


class ApiError(Exception):
    """An error reply in GitLab's shape: ``{"message": ...}`` (or ``{"error": ...}``)."""

    def __init__(
        self,
        status: int,
        message: Any,
        *,
        key: str = "message",
        extra: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(str(message))
        self.status = status
        self.payload: dict[str, Any] = {key: message, **(extra or {})}
        self.headers = dict(headers or {})


def not_found(what: str | None = None) -> ApiError:
    """GitLab's ``not_found!(resource)``: ``404 Project Not Found``, or plain ``404 Not found``."""
    return ApiError(404, f"404 {what} Not Found" if what else "404 Not found")


def bad_request(message: Any) -> ApiError:
    return ApiError(400, message)


@dataclass(frozen=True)
class Links:
    """Where the fake lives: ``web`` (GitLab's URL, maybe with a sub-path) and its API."""

    web: str

    @property
    def api(self) -> str:
        return f"{self.web}/api/v4"

    def project(self, project: Project) -> str:
        return f"{self.web}/{project.path_with_namespace}"

    def user(self, username: str) -> str:
        return f"{self.web}/{username}"


@dataclass
class Call:
    """One authenticated request, as a handler sees it."""

    state: GitLabState
    links: Links
    method: str
    path: str  # the API path, without the web sub-path and /api/v4
    params: dict[str, str]  # path parameters, decoded
    args: dict[str, Any]  # query, JSON, form and multipart fields together, as Grape sees them
    query: dict[str, str]
    token: Token
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    resolved_project: Project | None = None

    @property
    def user(self) -> User:
        return self.state.users[self.token.username]

    def project(self) -> Project:
        """The project of the ``:id`` parameter (already checked against the token)."""
        assert self.resolved_project is not None, "route without :id asked for a project"
        return self.resolved_project

    def number(self, name: str, what: str) -> int:
        try:
            return int(self.params[name])
        except ValueError:
            raise not_found(what) from None

    def text(self, name: str, default: str | None = None) -> str | None:
        value = self.args.get(name, default)
        return None if value is None else str(value)

    def paginate(self, items: Sequence[T]) -> tuple[list[T], dict[str, str]]:
        """One page of ``items`` with GitLab's ``x-*`` pagination headers and ``Link``."""
        per_page = int_param(self.query.get("per_page"), DEFAULT_PER_PAGE)
        per_page = DEFAULT_PER_PAGE if per_page < 1 else min(per_page, MAX_PER_PAGE)
        page = max(int_param(self.query.get("page"), 1), 1)
        total_pages = max((len(items) + per_page - 1) // per_page, 1)
        chunk = list(items[(page - 1) * per_page : page * per_page])
        prev_page = page - 1 if page > 1 else None
        next_page = page + 1 if page < total_pages else None
        rels: list[tuple[str, int]] = []
        if prev_page:
            rels.append(("prev", prev_page))
        if next_page:
            rels.append(("next", next_page))
        rels += [("first", 1), ("last", total_pages)]
        headers = {
            "x-page": str(page),
            "x-per-page": str(per_page),
            "x-prev-page": str(prev_page or ""),
            "x-next-page": str(next_page or ""),
            "x-total": str(len(items)),
            "x-total-pages": str(total_pages),
            "Link": ", ".join(f'<{self._page_url(n, per_page)}>; rel="{r}"' for r, n in rels),
        }
        return chunk, headers

    def _page_url(self, page: int, per_page: int) -> str:
        query = {k: v for k, v in self.query.items() if k not in ("page", "per_page")}
        query.update(page=str(page), per_page=str(per_page))
        return f"{self.links.api}{self.path}?{urlencode(query)}"


Handler = Callable[[Call], Reply]


@dataclass(frozen=True)
class Route:
    method: str
    template: str
    handler: Handler
    pattern: re.Pattern[str]
    required: tuple[str, ...]
    optional: tuple[str, ...]
    choices: Mapping[str, tuple[str, ...]]
    paginated: bool
    scopes: tuple[str, ...]  # any one of these token scopes allows the call
    role: int  # the least access level in the project
    job_token: bool  # whether CI_JOB_TOKEN may call it
    job_token_refusal: int  # what GitLab answers a job token when not: 403, or 401
    docs: str  # the page of GitLab's REST docs it follows

    @property
    def in_project(self) -> bool:
        return self.template.startswith("/projects/:id")

    @property
    def accepted(self) -> frozenset[str]:
        paging = ("page", "per_page") if self.paginated else ()
        return frozenset((*self.required, *self.optional, *paging))

    def match(self, path: str) -> dict[str, str] | None:
        found = self.pattern.fullmatch(path)
        if found is None:
            return None
        return {k: unquote(v) for k, v in found.groupdict().items()}


def compile_template(template: str) -> re.Pattern[str]:
    # Matched on the raw path, so an encoded ``group%2Fproj`` stays one segment.
    return re.compile(re.sub(r":(\w+)", r"(?P<\1>[^/]+)", template))


class Router:
    """Collects one module's routes: ``@router("GET", "/projects/:id", docs="projects.md")``."""

    def __init__(self) -> None:
        self.routes: list[Route] = []

    def __call__(
        self,
        method: str,
        template: str,
        *,
        docs: str,
        required: tuple[str, ...] = (),
        optional: tuple[str, ...] = (),
        choices: Mapping[str, tuple[str, ...]] | None = None,
        paginated: bool = False,
        scopes: tuple[str, ...] | None = None,
        role: int = GUEST,
        job_token: bool | None = None,
        job_token_refusal: int = 403,
    ) -> Callable[[Handler], Handler]:
        reads = method == "GET"

        def register(handler: Handler) -> Handler:
            route = Route(
                method=method,
                template=template,
                handler=handler,
                pattern=compile_template(template),
                required=required,
                optional=optional,
                choices=dict(choices or {}),
                paginated=paginated,
                scopes=scopes or (READ_SCOPES if reads else WRITE_SCOPES),
                role=role,
                job_token=reads if job_token is None else job_token,
                job_token_refusal=job_token_refusal,
                docs=docs,
            )
            self.routes.append(route)
            return handler

        return register


def find_route(
    routes: Sequence[Route], method: str, path: str
) -> tuple[Route | None, dict[str, str], bool]:
    """(route, path params, whether the path exists with another method)."""
    other_method = False
    for route in routes:
        params = route.match(path)
        if params is None:
            continue
        if route.method == method:
            return route, params, False
        other_method = True
    return None, {}, other_method
