"""GitHub GraphQL requests through PyGithub's requester, repeated (bounded) after a 5xx or a
rate limit.

GraphQL goes by POST, which the client never repeats after a server error; a query changes
nothing and ``minimizeComment`` asks for a state (minimised) that a second try reaches alike,
so here both are repeated with the same backoff as every other request. GitHub also answers a
rate-limited query with 200 and an error of type ``RATE_LIMITED`` (a 403 secondary limit is
waited out below, by ``forges.http``): that is waited out the same way, the rate-limit
headers or ``Retry-After`` first, within ``max_wait`` and ``retries``, like REST.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

from cmlreport.errors import RemoteError
from cmlreport.forges.github.errors import Attempt
from cmlreport.forges.http import RateLimited, server_wait

if TYPE_CHECKING:
    import github

    from cmlreport.forges.github.client import GitHubSettings


# Where ``run_query`` puts the paths of the errors it let through (``partial``).
PARTIAL = "_partial_errors"


def run_query(
    client: github.Github,
    settings: GitHubSettings,
    errors: Callable[[Attempt], AbstractContextManager[None]],
    attempt: Attempt,
    query: str,
    variables: Mapping[str, Any],
    *,
    partial: tuple[str, ...] = (),
) -> dict[str, Any]:
    """The ``data`` of the answer; a GraphQL error is raised as PyGithub words it, unless
    every error lies under a field named in ``partial`` (what the token may not read, such
    as commit statuses without ``statuses: read``): then the rest of the answer stands, and
    the errors' paths are under ``PARTIAL``."""
    for tries in range(settings.retries + 1):
        wait = min(settings.backoff * 2**tries, settings.max_wait)
        try:
            with errors(attempt):
                answer, limited = _ask(client, settings, query, variables, tries, partial)
                if limited is None:
                    data = answer.get("data") if isinstance(answer, dict) else None
                    if not isinstance(data, dict):
                        raise RemoteError(
                            f"GitHub's GraphQL answer to {attempt.doing} holds no data"
                        )
                    return data
                wait = limited
        except RemoteError as exc:
            if not exc.transient or tries == settings.retries:
                raise
        time.sleep(wait)
    raise AssertionError("unreachable")  # pragma: no cover


def _ask(
    client: github.Github,
    settings: GitHubSettings,
    query: str,
    variables: Mapping[str, Any],
    tries: int,
    partial: tuple[str, ...] = (),
) -> tuple[Any, float | None]:
    """The answer and None; or, rate limited, None and how long to wait before the next try
    (``RateLimited`` when that is longer than ``max_wait`` or no try is left)."""
    from github.GithubException import GithubException

    try:
        return client.requester.graphql_query(query, dict(variables))[1], None
    except GithubException as exc:
        answer = tolerated(exc.data, partial)
        if answer is not None:
            return answer, None
        if not _rate_limited(exc.data):
            raise
        wait = server_wait({str(k): str(v) for k, v in (exc.headers or {}).items()})
        too_long = wait is not None and wait > settings.max_wait
        if too_long or tries == settings.retries:
            raise RateLimited(200, exc.data, wait, too_long=too_long, tries=tries + 1) from None
        return None, wait if wait is not None else min(
            settings.backoff * 2**tries, settings.max_wait
        )


def tolerated(data: Any, partial: tuple[str, ...]) -> dict[str, Any] | None:
    """The answer with its errors' paths under ``PARTIAL`` when each error is a refusal
    (``FORBIDDEN``: the token may not read that) under one of the ``partial`` fields; else
    None (a rate limit or a timeout there is what it is everywhere else)."""
    if not partial or not isinstance(data, dict) or not isinstance(data.get("data"), dict):
        return None
    found = data.get("errors")
    if not isinstance(found, list) or not found:
        return None
    if not all(isinstance(e, dict) and e.get("type") == "FORBIDDEN" for e in found):
        return None
    paths = [e.get("path") for e in found]
    if not all(isinstance(p, list) and any(name in p for name in partial) for p in paths):
        return None
    return {"data": {**data["data"], PARTIAL: paths}}


def _rate_limited(data: Any) -> bool:
    """Whether a GraphQL answer's errors say the rate limit refused it."""
    found = data.get("errors") if isinstance(data, dict) else None
    return isinstance(found, list) and any(
        isinstance(e, dict) and e.get("type") == "RATE_LIMITED" for e in found
    )
