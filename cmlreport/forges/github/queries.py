"""GitHub GraphQL requests through PyGithub's requester, repeated (bounded) after a 5xx.

GraphQL goes by POST, which the client never repeats after a server error; a query changes
nothing and ``minimizeComment`` asks for a state (minimised) that a second try reaches alike,
so here both are repeated with the same backoff as every other request.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

from cmlreport.errors import RemoteError
from cmlreport.forges.github.errors import Attempt

if TYPE_CHECKING:
    import github

    from cmlreport.forges.github.client import GitHubSettings


def run_query(
    client: github.Github,
    settings: GitHubSettings,
    errors: Callable[[Attempt], AbstractContextManager[None]],
    attempt: Attempt,
    query: str,
    variables: Mapping[str, Any],
) -> dict[str, Any]:
    """The ``data`` of the answer; a GraphQL error is raised as PyGithub words it."""
    for tries in range(settings.retries + 1):
        try:
            with errors(attempt):
                _, answer = client.requester.graphql_query(query, dict(variables))
                data = answer.get("data") if isinstance(answer, dict) else None
                if not isinstance(data, dict):
                    raise RemoteError(f"GitHub's GraphQL answer to {attempt.doing} holds no data")
                return data
        except RemoteError as exc:
            if not exc.transient or tries == settings.retries:
                raise
        time.sleep(min(settings.backoff * 2**tries, settings.max_wait))
    raise AssertionError("unreachable")  # pragma: no cover
