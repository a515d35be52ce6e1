"""The PyGithub client as cmlreport needs it: our retry policy, no built-in pauses, a count.

PyGithub's defaults (0.25 s between requests, 1 s between writes, up to 10 retries, POST
included) suit a long-running script, not a CI step that posts one comment; here the retries
are ``cmlreport.forges.http.ForgeRetry``'s, the same as GitLab's.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cmlreport import __version__
from cmlreport.ci import LOCAL, CiContext
from cmlreport.forges.github.errors import is_rate_limit
from cmlreport.forges.http import ForgeRetry, HttpLimits, RequestCounter

if TYPE_CHECKING:
    import github

__all__ = ["GitHubSettings", "RequestCounter", "make_client"]


@dataclass(frozen=True)
class GitHubSettings(HttpLimits):
    """Everything the GitHub forge needs, parsed once at the edge (CLI flags, env, git)."""

    repository: str  # "owner/name"
    token: str = field(repr=False)  # never in a repr (a --debug traceback shows locals)
    api_url: str = "https://api.github.com"  # GitHub Enterprise Server: https://HOST/api/v3
    server_url: str = "https://github.com"
    ci: CiContext = LOCAL
    branch: str | None = None  # the checked-out branch: finds the PR on a laptop
    head_sha: str | None = None  # HEAD of the checkout
    head_owner: str | None = None  # owner of the pushed branch (a fork's), default: the repo's

    def __repr__(self) -> str:
        # The dataclass repr would print the token in any traceback or debug log.
        return f"GitHubSettings(repository={self.repository!r}, api_url={self.api_url!r}, ...)"


def make_client(settings: GitHubSettings, counter: RequestCounter) -> github.Github:
    """A lazy PyGithub client: lazy objects make no request until one is really needed."""
    import github

    retry = ForgeRetry(
        total=settings.retries,
        backoff=settings.backoff,
        max_wait=settings.max_wait,
        counter=counter,
        forbidden=_refusal,
    )
    return github.Github(
        base_url=settings.api_url.rstrip("/"),
        auth=github.Auth.Token(settings.token),
        user_agent=f"cmlreport/{__version__}",
        lazy=True,
        per_page=100,
        timeout=math.ceil(settings.timeout),  # PyGithub asserts an int
        seconds_between_requests=0,
        seconds_between_writes=0,
        retry=retry,
    )


def _refusal(status: int, headers: Mapping[str, str], body: Any) -> Exception | None:
    """A 403 that names no wait: None when its body says rate limit, else what PyGithub
    raises for it (its body is read by now, so PyGithub could not show it)."""
    if is_rate_limit(body):
        return None
    from github.Requester import Requester

    data = body if isinstance(body, dict) else {"message": str(body or "")}
    exc: Exception = Requester.createException(status, dict(headers), data)
    return exc
