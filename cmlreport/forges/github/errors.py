"""GitHub's words for its refusals: a bad token, a missing permission, a missing repository.

The shape (rate limits, server and network errors, the token masked) is
``cmlreport.forges.errors``'; ``github_errors`` wraps each PyGithub call with it.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

from cmlreport.errors import NoWriteAccess, RemoteError
from cmlreport.forges.base import Target, TargetKind
from cmlreport.forges.errors import Attempt, BadToken, Failure, ForgeErrors, NotFound, one_line

if TYPE_CHECKING:
    from cmlreport.forges.github.client import GitHubSettings

__all__ = [
    "Attempt",
    "BadToken",
    "NotFound",
    "github_errors",
    "is_rate_limit",
    "permission",
    "write_attempt",
]


class GitHubErrors(ForgeErrors):
    name = "GitHub"

    def failure(self, exc: Exception) -> Failure | None:
        from github.GithubException import GithubException

        if not isinstance(exc, GithubException):
            return None
        headers = {str(k).lower(): str(v) for k, v in (exc.headers or {}).items()}
        return Failure(exc.status, self.said(exc.status, exc.data), headers, exc.data)

    def said(self, status: int, body: Any) -> str:
        return f"{status} {_github_message(body)}".strip()

    def explain(self, failure: Failure, attempt: Attempt) -> tuple[type[RemoteError], str] | None:
        said, doing, repo = failure.said, attempt.doing, self.place
        if failure.status == 401:
            return BadToken, (
                f"GitHub rejected the token ({said}) when trying to {doing} in {repo}: "
                "check GITHUB_TOKEN (or GH_TOKEN) is valid and not expired"
            )
        if failure.status == 403:
            needs = _accepted_permissions(failure.headers) or attempt.needs
            return NoWriteAccess if attempt.write else RemoteError, (
                f"GitHub refused to {doing} in {repo} ({said}): the token needs {needs}; "
                "in GitHub Actions grant it in the workflow's `permissions:` block"
            )
        if failure.status == 404:
            return NotFound, f"repository {repo} not found, or the token cannot see it ({said})"
        return None


def github_errors(attempt: Attempt, settings: GitHubSettings) -> AbstractContextManager[None]:
    """PyGithub's and requests' exceptions -> one-line RemoteErrors (never the token)."""
    errors = GitHubErrors(
        place=settings.repository, api=settings.api_url, token=settings.token, limits=settings
    )
    return errors.around(attempt)


def _github_message(data: Any) -> str:
    """GitHub's message and the first of its validation errors, on one short line."""
    if isinstance(data, dict):
        message = str(data.get("message") or "")
        errors = data.get("errors")
        if isinstance(errors, list) and errors:
            first = errors[0]
            detail = first.get("message") or first.get("code") if isinstance(first, dict) else first
            if detail and str(detail) != message:
                message = f"{message}: {detail}" if message else str(detail)
    elif isinstance(data, str):
        message = data  # an HTML error page from a proxy, say
    else:
        message = ""
    return one_line(message)


def _accepted_permissions(headers: Any) -> str:
    """``issues=write; pull_requests=write`` -> ``issues: write or pull-requests: write``."""
    accepted = headers.get("x-accepted-github-permissions", "")
    names = []
    for part in accepted.split(";"):
        name, _, level = part.strip().partition("=")
        if name and level:
            names.append(f"{name.replace('_', '-')}: {level}")
    return " or ".join(names)


def is_rate_limit(data: Any) -> bool:
    """Whether GitHub's error body says a rate limit, not a permission, refused the call."""
    message = str(data.get("message") or "").lower() if isinstance(data, dict) else ""
    return (
        message.startswith("api rate limit exceeded")
        or "secondary rate limit" in message
        or message.endswith("please wait a few minutes before you try again.")
        or message.endswith("please retry your request again later.")
    )


def write_attempt(doing: str, target: Target, *, post: bool = False) -> Attempt:
    return Attempt(doing, permission(target, "write"), write=True, post=post)


def permission(target: Target, level: str) -> str:
    """As the workflow's ``permissions:`` block names it."""
    scope = {TargetKind.PR: "pull-requests", TargetKind.ISSUE: "issues"}.get(target.kind)
    return f"{scope or 'contents'}: {level}"
