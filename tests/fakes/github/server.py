"""The fake GitHub over real HTTP on 127.0.0.1, checked against GitHub's REST description.

    with FakeGitHub() as server:            # or FakeGitHub(prefix="/api/v3") for GHES
        server.add_repo("octo/model")
        server.add_token("ghs_x", login="github-actions[bot]")
        gh = github.Github(base_url=server.url, auth=github.Auth.Token("ghs_x"), ...)

Every request and response is validated (``server.violations``), logged (``server.requests``),
and can be replaced or delayed by fault injection (``server.inject``...).
"""

from __future__ import annotations

import json
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import parse_qsl, urlsplit

from tests.fakes.github import graphql_api
from tests.fakes.github.apps import verify_jwt
from tests.fakes.github.faults import GitHubFaults
from tests.fakes.github.graphql_comments import Context
from tests.fakes.github.links import Links
from tests.fakes.github.records import RATE_LIMIT, Clock, Token
from tests.fakes.github.routes import ROUTES
from tests.fakes.github.routing import ApiError, Call, Reply, Route, find_route
from tests.fakes.github.state import GitHubState
from tests.fakes.github.validation import SpecResponse, SpecValidator
from tests.fakes.served import ServedFake
from tests.fakes.transport import Answer


class RecordedRequest(NamedTuple):
    """One request as received: ``path`` is the API path, without a GHES prefix."""

    method: str
    path: str
    query: dict[str, str]
    body: Any


class FakeGitHub(ServedFake[RecordedRequest], GitHubState):
    """GitHub's state (see ``GitHubState`` for the seeding helpers) served over HTTP."""

    NAME = "fake GitHub"

    def __init__(self, *, prefix: str = "", port: int = 0, clock: Clock | None = None) -> None:
        super().__init__(clock)
        self.faults: GitHubFaults = GitHubFaults()
        self.serve_init(prefix=prefix, port=port, faults=self.faults)
        self._validator: SpecValidator | None = None

    def started(self) -> None:
        self._validator = SpecValidator(self.url)

    @property
    def web_url(self) -> str:
        """Where html_url links point (GitHub's github.com side)."""
        return self.origin

    @property
    def url(self) -> str:
        """The API base: pass it as PyGithub's ``base_url``."""
        return f"{self.web_url}{self.prefix}"

    # -- what tests use ----------------------------------------------------------------------

    def tamper(
        self, method: str, path_regex: str, change: Callable[[Any], Any], times: int = 1
    ) -> None:
        """Pass the next matching JSON bodies through ``change`` *before* validation.

        For testing the validator itself, and clients facing odd but served answers.
        """
        with self.lock:
            self.faults.tamper(method, path_regex, change, times)

    # -- serving -----------------------------------------------------------------------------

    def handle(self, method: str, target: str, headers: dict[str, str], raw: bytes) -> Answer:
        """Answer one HTTP request; ``headers`` keys are lower case."""
        assert self._validator is not None
        split = urlsplit(target)
        query_pairs = parse_qsl(split.query, keep_blank_values=True)
        body = _parse_json(raw)
        with self.lock:
            if split.path == graphql_api.graphql_path(self.prefix):
                return self._graphql(method, headers, body)
            if not (split.path == self.prefix or split.path.startswith(self.prefix + "/")):
                self.violations.append(f"request {method} {split.path}: outside the API base")
                return self._encode(Reply(404, {"message": "Not Found"}), 0.0)
            path = split.path[len(self.prefix) :]
            self.requests.append(RecordedRequest(method, path, dict(query_pairs), body))
            self.requests_served += 1
            if raw and body is None:
                self.violations.append(f"request {method} {path}: body is not JSON")
            try:
                route, params = find_route(ROUTES, method, path)
            except ApiError:
                route, params = None, {}
            template = route.template if route else None
            spec_request = self._validator.request(
                method,
                path,
                template=template,
                path_params=params,
                query=query_pairs,
                headers=headers,
                body=raw,
            )
            self.violations.extend(self._validator.check_request(spec_request, template))
            delay = self.faults.take_delay(method, path)
            injected = self.faults.take_injection(method, path)
            if injected is not None:
                return self._encode(injected, delay)
            reply = self._dispatch(route, params, method, path, dict(query_pairs), body, headers)
            lost = self.faults.take_lost_answer(method, path)
            if lost is not None:
                return self._encode(lost, delay)
            change = self.faults.take_tamper(method, path)
            if change is not None:
                reply.body = change(reply.body)
            answer = self._encode(reply, delay)
            if route is not None:
                response = SpecResponse(answer.status, answer.headers, answer.data)
                self.violations.extend(self._validator.check_response(spec_request, response))
            return answer

    def _graphql(self, method: str, headers: dict[str, str], body: Any) -> Answer:
        """``POST /graphql``, logged as such; checked against the GraphQL schema excerpt
        (the REST description does not cover it)."""
        self.requests.append(RecordedRequest(method, "/graphql", {}, body))
        self.requests_served += 1
        delay = self.faults.take_delay(method, "/graphql")
        injected = self.faults.take_injection(method, "/graphql")
        if injected is not None:
            return self._encode(injected, delay)
        if method != "POST":
            self.violations.append(f"request {method} /graphql: GitHub's GraphQL takes POST")
            return self._encode(Reply(404, {"message": "Not Found"}), delay)
        try:
            token = self._authenticate(headers.get("authorization", ""))
        except ApiError as error:
            return self._encode(Reply(error.status, error.body(), error.headers), delay)
        links = Links(api=self.url, web=self.web_url)
        context = Context(self, links, token, self.violations)
        return self._encode(graphql_api.answer(body, context), delay)

    def _dispatch(
        self,
        route: Route | None,
        params: dict[str, str],
        method: str,
        path: str,
        query: dict[str, str],
        body: Any,
        headers: dict[str, str],
    ) -> Reply:
        try:
            if route is not None and route.as_app:
                app = verify_jwt(self.apps, headers.get("authorization", ""))
                token = Token("", app.bot, frozenset(), True, app_id=app.app_id)
            else:
                token = self._authenticate(headers.get("authorization", ""))
            if route is None:
                raise ApiError(404, "Not Found")
            if route.accepted and not any(token.allows(p) for p in route.accepted):
                raise ApiError(
                    403,
                    "Resource not accessible by integration",
                    headers={"x-accepted-github-permissions": route.accepted_header},
                )
            links = Links(api=self.url, web=self.web_url)
            call = Call(self, links, method, path, params, query, body, token)
            reply = route.handler(call)
            if route.accepted:
                reply.headers.setdefault("x-accepted-github-permissions", route.accepted_header)
            return reply
        except ApiError as error:
            return Reply(error.status, error.body(), error.headers)
        except Exception as error:  # a bug in the fake: fail the test, not just the client
            frame = traceback.extract_tb(error.__traceback__)[-1]
            where = f"{Path(frame.filename).name}:{frame.lineno}"
            self.violations.append(f"fake GitHub crashed on {method} {path}: {error!r} at {where}")
            return Reply(500, {"message": "Server Error"})

    def _authenticate(self, header: str) -> Token:
        scheme, _, value = header.partition(" ")
        token = self.tokens.get(value.strip()) if scheme.lower() in ("token", "bearer") else None
        if token is None:
            raise ApiError(401, "Bad credentials")
        return token

    def _encode(self, reply: Reply, delay: float) -> Answer:
        used = self.requests_served
        headers = {
            "x-ratelimit-limit": str(RATE_LIMIT),
            "x-ratelimit-remaining": str(max(RATE_LIMIT - used, 0)),
            "x-ratelimit-used": str(used),
            "x-ratelimit-reset": str(self.rate_limit_reset),
            "x-ratelimit-resource": "core",
            "x-github-api-version-selected": "2022-11-28",
            "x-github-media-type": "github.v3; format=json",
        }
        data = b""
        if reply.body is not None:
            if isinstance(reply.body, (bytes, str)):
                data = reply.body.encode() if isinstance(reply.body, str) else reply.body
                headers["Content-Type"] = "text/html; charset=utf-8"
            else:
                data = json.dumps(reply.body).encode()
                headers["Content-Type"] = "application/json; charset=utf-8"
        headers.update(reply.headers)
        return Answer(reply.status, headers, data, delay)


def _parse_json(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return None
