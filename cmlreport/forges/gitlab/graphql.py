"""One GitLab GraphQL request (``POST /api/graphql``) through python-gitlab's own session.

python-gitlab's ``gitlab.GraphQL`` client sends through httpx and gql, outside the session
that carries our retry policy, request count and token handling, so the query goes as a
plain ``http_post`` of that session to the GraphQL URL beside ``/api/v4``.

GraphQL is how notes are read, not the only way: an instance that does not serve it (an old
or locked-down self-managed GitLab: 404, 403), an answer that is not the notes (GraphQL
errors: a field the instance's schema lacks; no ``currentUser``; the project or merge request
not found) or a refusal (4xx but 429) is ``Unavailable``, and the caller reads the notes through
REST, which words a missing project, a bad token or a refusal as it always has. A server error,
a rate limit and a request that never got an answer are what they are on REST: retried within
the same bounds, then one line.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any, TypeVar

from cmlreport.forges.base import Target, TargetKind
from cmlreport.forges.gitlab.errors import Attempt
from cmlreport.forges.sticky import Kept

if TYPE_CHECKING:
    import gitlab

    from cmlreport.forges.gitlab.client import GitLabSettings
    from cmlreport.forges.gitlab.thread import Fetch, Thread

PATH = "/api/graphql"
T = TypeVar("T")


class Unavailable(Exception):
    """GraphQL did not answer with what was asked: read through REST instead."""


class _Again(Exception):
    """A server error with tries left."""


def graphql_url(settings: GitLabSettings) -> str:
    return settings.base_url.rstrip("/") + PATH


def run_query(
    client: gitlab.Gitlab,
    settings: GitLabSettings,
    errors: Callable[[Attempt], AbstractContextManager[None]],
    attempt: Attempt,
    query: str,
    variables: Mapping[str, Any],
) -> dict[str, Any]:
    """The ``data`` of the answer, or ``Unavailable``. A query changes nothing, so a 5xx is
    asked again (bounded, with the backoff of every other request) although it is a POST."""
    for tries in range(settings.retries + 1):
        try:
            return _ask(client, settings, errors, attempt, query, variables, tries)
        except _Again:
            time.sleep(min(settings.backoff * 2**tries, settings.max_wait))
    raise AssertionError("unreachable")  # pragma: no cover


def _ask(
    client: gitlab.Gitlab,
    settings: GitLabSettings,
    errors: Callable[[Attempt], AbstractContextManager[None]],
    attempt: Attempt,
    query: str,
    variables: Mapping[str, Any],
    tries: int,
) -> dict[str, Any]:
    from gitlab.exceptions import GitlabAuthenticationError, GitlabHttpError, GitlabParsingError

    with errors(attempt):
        try:
            answer = client.http_post(
                graphql_url(settings), post_data={"query": query, "variables": dict(variables)}
            )
        except (GitlabAuthenticationError, GitlabHttpError, GitlabParsingError) as exc:
            if exc.response_code is None or exc.response_code >= 500:
                if tries < settings.retries:
                    raise _Again from None
                raise  # as any other server error: one line
            raise Unavailable(str(exc)) from None
    data = answer.get("data") if isinstance(answer, dict) else None
    if not isinstance(data, dict) or (isinstance(answer, dict) and answer.get("errors")):
        raise Unavailable("GraphQL answered without the data asked for")
    return data


class GraphQLNotes:
    """Reads a merge request's or issue's notes through GraphQL (``thread.Thread``) while
    GitLab answers it; once it does not, ``read`` says None for the rest of the run."""

    def __init__(
        self,
        settings: GitLabSettings,
        client: Callable[[], gitlab.Gitlab],
        errors: Callable[[Attempt], AbstractContextManager[None]],
    ) -> None:
        self._settings = settings
        self._client = client
        self._errors = errors
        # A job token is no GraphQL credential; a numeric id is no full path.
        self._on = settings.token_kind != "job" and not settings.project.isdigit()
        self.viewer: str | None = None  # the token's username, once a query said it
        # What the latest read said of where ours is kept (``places``).
        self.place: Kept | None = None

    def read(
        self,
        target: Target,
        doing: str,
        url: Callable[[int], str],
        read: Callable[[Thread], T],
        *,
        context: str = "",
        fetch: Fetch | None = None,
    ) -> T | None:
        """What ``read`` finds on ``target``; None when GraphQL cannot say (then REST).
        ``context`` names the status that says where ours is; ``fetch`` reads the note it
        names (``places``)."""
        if not self._on or target.kind is TargetKind.COMMIT:
            return None

        def run(query: str, variables: dict[str, Any]) -> Mapping[str, Any]:
            attempt = Attempt(f"{doing} (GraphQL)")
            return run_query(
                self._client(), self._settings, self._errors, attempt, query, variables
            )

        from cmlreport.forges.gitlab.thread import Thread

        issue = target.kind is TargetKind.ISSUE
        number = target.number or 0
        thread = Thread(
            run, self._settings.project, number, url, issue=issue, context=context, fetch=fetch
        )
        try:
            found = read(thread)
        except Unavailable:
            self._on = False
            return None
        self.viewer = thread.viewer
        self.place = Kept(thread.stored, thread.oldest, thread.read_on, pipelines=thread.pipelines)
        return found
