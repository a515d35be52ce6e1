"""The fake GitLab over real HTTP on 127.0.0.1, checked against what GitLab's REST docs list.

    with FakeGitLab() as server:              # or FakeGitLab(prefix="/gitlab") for a sub-path
        server.add_project("group/sub/proj", id=42)
        server.add_token("glpat-x", username="alice")
        gl = gitlab.Gitlab(url=server.url, private_token="glpat-x")

The API lives at ``server.url + "/api/v4"``; uploaded files are served at their web URL.
Requests are logged (``server.requests``), checked (``server.violations``), and can be
answered with an error or late by fault injection (``server.inject``...).
"""

from __future__ import annotations

import json
import mimetypes
import re
import traceback
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import unquote, urlsplit

from tests.fakes.gitlab import graphql_api
from tests.fakes.gitlab.auth import (
    authenticate,
    authorize,
    credential,
    graphql_token,
    visible_project,
)
from tests.fakes.gitlab.faults import gitlab_faults
from tests.fakes.gitlab.forms import Fields, read_fields
from tests.fakes.gitlab.records import Clock
from tests.fakes.gitlab.routes import ROUTES
from tests.fakes.gitlab.routing import ApiError, Call, Links, Reply, Route, find_route
from tests.fakes.gitlab.seeding import Seeding
from tests.fakes.gitlab.selfcheck import check_request, grape_error
from tests.fakes.served import ServedFake
from tests.fakes.transport import Answer

API = "/api/v4"
GRAPHQL = "/api/graphql"  # logged and fault-injected as path "/graphql"
# Where GitLab serves a project's uploads on its web side: by project id, or by project path
# (what a relative ``/uploads/...`` link in a note resolves to).
UPLOAD = r"/uploads/(?P<secret>[0-9a-f]{32})/(?P<name>[^/]+)"
UPLOAD_BY_ID = re.compile(r"/-/project/(?P<project>\d+)" + UPLOAD)
UPLOAD_BY_PATH = re.compile(r"/(?P<project>.+)" + UPLOAD)


class RecordedRequest(NamedTuple):
    """One request as received.

    ``path`` is the API path without the sub-path and ``/api/v4`` (``/projects/42``), or for
    a web request (``web=True``) the path after the sub-path (``/-/project/42/uploads/...``).
    ``body`` is the JSON body, or the form/multipart fields (files by their file name).
    """

    method: str
    path: str
    query: dict[str, str]
    body: Any
    web: bool = False


class FakeGitLab(ServedFake[RecordedRequest], Seeding):
    """GitLab's state (see ``Seeding`` for the helpers that fill it) served over HTTP."""

    NAME = "fake GitLab"

    def __init__(self, *, prefix: str = "", port: int = 0, clock: Clock | None = None) -> None:
        super().__init__(clock)
        self.serve_init(prefix=prefix, port=port, faults=gitlab_faults())

    @property
    def url(self) -> str:
        """GitLab's URL (with the sub-path if any): pass it as python-gitlab's ``url``."""
        return f"{self.origin}{self.prefix}"

    @property
    def api_url(self) -> str:
        """What GitLab CI puts in CI_API_V4_URL."""
        return f"{self.url}{API}"

    # -- serving -----------------------------------------------------------------------------

    def handle(self, method: str, target: str, headers: dict[str, str], raw: bytes) -> Answer:
        """Answer one HTTP request; ``headers`` keys are lower case."""
        split = urlsplit(target)
        with self.lock:
            if not (split.path == self.prefix or split.path.startswith(self.prefix + "/")):
                self.violations.append(f"request {method} {split.path}: outside GitLab's URL")
                return _encode(Reply(404, {"error": "404 Not Found"}), 0.0)
            rest = split.path[len(self.prefix) :]
            if rest == GRAPHQL:
                return self._graphql(method, headers, raw)
            if rest == API or rest.startswith(API + "/"):
                return self._api(method, rest[len(API) :], split.query, headers, raw)
            return self._web(method, rest, headers)

    def _api(
        self, method: str, path: str, query: str, headers: dict[str, str], raw: bytes
    ) -> Answer:
        fields = read_fields(query, headers.get("content-type", ""), raw)
        body = fields.body
        if raw and body is None:
            body = {k: v for k, v in fields.args.items() if k not in fields.query}
        self.requests.append(RecordedRequest(method, path, dict(fields.query), body))
        if fields.problem:
            self.violations.append(f"request {method} {path}: {fields.problem}")
        route, params, other_method = find_route(ROUTES, method, path)
        if route is None:
            what = "has no such method" if other_method else "is no route"
            self.violations.append(
                f"request {method} {path}: {what} in GitLab's REST API as the fake knows it"
            )
        else:
            self.violations.extend(check_request(route, method, path, fields))
        delay = self.faults.take_delay(method, path)
        injected = self.faults.take_injection(method, path)
        if injected is not None:
            return _encode(injected, delay)
        if route is None:
            status, message = (405, "405 Not Allowed") if other_method else (404, "404 Not Found")
            return _encode(Reply(status, {"error": message}), delay)
        reply = self._dispatch(route, params, method, path, fields, headers)
        lost = self.faults.take_lost_answer(method, path)
        return _encode(reply if lost is None else lost, delay)

    def _dispatch(
        self,
        route: Route,
        params: dict[str, str],
        method: str,
        path: str,
        fields: Fields,
        headers: dict[str, str],
    ) -> Reply:
        try:
            token = authenticate(self, headers)
            project = authorize(self, route, token, params)
            problem = grape_error(route, fields)
            if problem:
                raise ApiError(400, problem, key="error")
            links = Links(self.url)
            call = Call(
                self, links, method, path, params, fields.args, fields.query, token, fields.files
            )
            call.resolved_project = project
            return route.handler(call)
        except ApiError as error:
            return Reply(error.status, error.payload, error.headers)
        except Exception as error:  # a bug in the fake: fail the test, not just the client
            frame = traceback.extract_tb(error.__traceback__)[-1]
            where = f"{Path(frame.filename).name}:{frame.lineno}"
            self.violations.append(f"fake GitLab crashed on {method} {path}: {error!r} at {where}")
            return Reply(500, {"message": "500 Internal Server Error"})

    def _graphql(self, method: str, headers: dict[str, str], raw: bytes) -> Answer:
        """GitLab's GraphQL endpoint: see ``graphql_api``."""
        try:
            body = json.loads(raw or b"null")
        except ValueError:
            body = None
        self.requests.append(RecordedRequest(method, "/graphql", {}, body))
        delay = self.faults.take_delay(method, "/graphql")
        injected = self.faults.take_injection(method, "/graphql")
        if injected is not None:
            return _encode(injected, delay)
        if method != "POST":
            self.violations.append(f"request {method} {GRAPHQL}: GitLab's GraphQL takes POST")
            return _encode(Reply(405, {"error": "405 Not Allowed"}), delay)
        try:
            token = graphql_token(self, headers)
        except ApiError as error:
            return _encode(Reply(error.status, error.payload, error.headers), delay)
        context = graphql_api.Context(self, Links(self.url), token, self.violations)
        return _encode(graphql_api.answer(body, context), delay)

    def _web(self, method: str, path: str, headers: dict[str, str]) -> Answer:
        """GitLab's web side, as far as tests need it: downloading an uploaded file."""
        self.requests.append(RecordedRequest(method, path, {}, None, web=True))
        delay = self.faults.take_delay(method, path)
        injected = self.faults.take_injection(method, path)
        if injected is not None:
            return _encode(injected, delay)
        found = UPLOAD_BY_ID.fullmatch(path) or UPLOAD_BY_PATH.fullmatch(path)
        if method != "GET" or found is None:
            self.violations.append(f"request {method} {path}: not an API or upload URL")
            return _encode(Reply(404, "Not Found"), delay)
        # Stands in for a signed-in member: a token header lets you see a private project.
        token = self.tokens.get(credential(headers) or "")
        project = visible_project(self, token, unquote(found["project"]))
        upload = next(
            (
                u
                for u in self.uploads.values()
                if project is not None
                and u.project_id == project.id
                and u.secret == found["secret"]
                and u.filename == unquote(found["name"])
            ),
            None,
        )
        if upload is None:
            return _encode(Reply(404, "Not Found"), delay)
        kind = mimetypes.guess_type(upload.filename)[0] or "application/octet-stream"
        return _encode(Reply(200, upload.data, {"Content-Type": kind}), delay)


def _encode(reply: Reply, delay: float) -> Answer:
    headers: dict[str, str] = {}
    data = b""
    if reply.body is not None and reply.status != 204:
        if isinstance(reply.body, (bytes, str)):
            data = reply.body.encode() if isinstance(reply.body, str) else reply.body
            headers["Content-Type"] = "text/plain; charset=utf-8"
        else:
            data = json.dumps(reply.body).encode()
            headers["Content-Type"] = "application/json"
    headers.update(reply.headers)
    return Answer(reply.status, headers, data, delay)
