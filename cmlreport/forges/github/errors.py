"""GitHub failures as one-line errors: what was being done, what GitHub said, what to change.

``github_errors`` wraps each PyGithub call and turns its ``GithubException`` (or the network
error from requests underneath) into a ``RemoteError``, ``NoWriteAccess``, ``BadToken`` or
``NotFound`` whose message never carries the token.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cmlreport.errors import CmlReportError, NoWriteAccess, RemoteError

if TYPE_CHECKING:
    from github.GithubException import GithubException

    from cmlreport.forges.github.client import GitHubSettings


class NotFound(RemoteError):
    """GitHub answered 404: the repository (or the target in it) is missing or hidden."""


class BadToken(RemoteError):
    """GitHub answered 401: the token is unknown, revoked or expired."""


@dataclass(frozen=True)
class Attempt:
    """What a call was for, in the words its error message needs."""

    doing: str  # "post a comment on pull request #7"
    permission: str  # what the token needs, as the workflow's `permissions:` block says it
    write: bool = False
    retried: bool = True  # False for POST, which is never repeated


@contextmanager
def github_errors(attempt: Attempt, settings: GitHubSettings) -> Iterator[None]:
    """PyGithub's and requests' exceptions -> one-line RemoteErrors (never the token)."""
    import requests
    from github.GithubException import GithubException

    try:
        yield
    except CmlReportError:
        raise
    except GithubException as exc:
        cls, message = _explain_status(exc, attempt, settings)
        # A 5xx may come from a proxy after GitHub applied the write: the caller checks.
        transient = exc.status >= 500
        raise cls(_masked(message, settings.token), transient=transient) from None
    except requests.RequestException as exc:
        message = _explain_network(exc, attempt, settings)
        raise RemoteError(_masked(message, settings.token), transient=True) from None


def _masked(message: str, token: str) -> str:
    # Messages are built without the token; this is the belt to those braces. (Real tokens
    # are 40+ characters: a tiny test token would only mangle ordinary words.)
    return message.replace(token, "***") if len(token) >= 8 else message


def _explain_status(
    exc: GithubException, attempt: Attempt, settings: GitHubSettings
) -> tuple[type[RemoteError], str]:
    from github.GithubException import RateLimitExceededExceedsMaxWait

    status, data = exc.status, exc.data
    headers = {str(k).lower(): str(v) for k, v in (exc.headers or {}).items()}
    said = f"{status} {_github_message(data)}".strip()
    doing, repo = attempt.doing, settings.repository
    if isinstance(exc, RateLimitExceededExceedsMaxWait):
        wait = exc.wait or 0.0
        asks = f"{wait:.0f} s" if wait < 366 * 86400 else "for longer than a year"
        return RemoteError, (
            f"GitHub's rate limit stopped the attempt to {doing} in {repo} ({said}): it asks "
            f"to wait {asks}, more than the {settings.max_wait:g} s we wait; "
            f"the limit resets {_when(headers, wait)}, try again then"
        )
    if status == 401:
        return BadToken, (
            f"GitHub rejected the token ({said}) when trying to {doing} in {repo}: "
            "check GITHUB_TOKEN (or GH_TOKEN) is valid and not expired"
        )
    if status == 429 or is_rate_limit(data):
        return RemoteError, (
            f"GitHub's rate limit stopped the attempt to {doing} in {repo} ({said}); "
            f"the limit resets {_when(headers, None)}, try again then"
        )
    if status == 403:
        needs = _accepted_permissions(headers) or attempt.permission
        return NoWriteAccess if attempt.write else RemoteError, (
            f"GitHub refused to {doing} in {repo} ({said}): the token needs {needs}; "
            "in GitHub Actions grant it in the workflow's `permissions:` block"
        )
    if status == 404:
        return NotFound, f"repository {repo} not found, or the token cannot see it ({said})"
    if status >= 500:
        tries = (
            f"after {settings.retries + 1} attempts"
            if attempt.retried
            else "(a post is not repeated blindly: it may have been applied)"
        )
        return RemoteError, f"could not {doing} in {repo}: GitHub answered {said} {tries}"
    return RemoteError, f"GitHub rejected the request to {doing} in {repo} ({said})"


def _explain_network(exc: Exception, attempt: Attempt, settings: GitHubSettings) -> str:
    import requests

    api, where = settings.api_url, f"{attempt.doing} in {settings.repository}"
    if isinstance(exc, requests.ReadTimeout):
        if not attempt.retried:
            return (
                f"no answer from {api} within {settings.timeout:g} s to {where}; "
                "it may still have happened (a post is not repeated blindly)"
            )
        return f"no answer from {api} within {settings.timeout:g} s to {where}"
    return f"cannot reach {api} to {where}: {_network_reason(exc)}"


def _network_reason(exc: Exception) -> str:
    reason: object = exc.args[0] if exc.args else exc
    reason = getattr(reason, "reason", reason)  # urllib3's MaxRetryError wraps the cause
    text = str(reason).rsplit(": ", 1)[-1]  # drop "<HTTPConnection object at 0x..>: ..."
    text = re.sub(r"\[Errno -?\d+\]\s*", "", text).strip()
    return text or type(exc).__name__


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
    line = " ".join(message.split())
    return line if len(line) <= 200 else line[:197] + "..."


def _accepted_permissions(headers: dict[str, str]) -> str:
    """``issues=write; pull_requests=write`` -> ``issues: write or pull-requests: write``."""
    accepted = headers.get("x-accepted-github-permissions", "")
    names = []
    for part in accepted.split(";"):
        name, _, level = part.strip().partition("=")
        if name and level:
            names.append(f"{name.replace('_', '-')}: {level}")
    return " or ".join(names)


def _when(headers: dict[str, str], wait: float | None) -> str:
    from cmlreport.forges.github.client import header_seconds, is_seconds

    reset = headers.get("x-ratelimit-reset", "")
    retry_after = headers.get("retry-after", "").strip()
    if headers.get("x-ratelimit-remaining") == "0" and is_seconds(reset):
        at = header_seconds(reset)
    elif wait is not None:
        at = time.time() + wait
    elif is_seconds(retry_after):
        at = time.time() + header_seconds(retry_after)
    else:
        return "in about a minute"
    if not at < time.time() + 366 * 86400:  # a hostile or broken header: no date to show
        return "much later than cmlreport waits"
    return "at " + time.strftime("%H:%M:%S UTC", time.gmtime(int(at)))


def is_rate_limit(data: Any) -> bool:
    """Whether GitHub's error body says a rate limit, not a permission, refused the call."""
    message = str(data.get("message") or "").lower() if isinstance(data, dict) else ""
    return (
        message.startswith("api rate limit exceeded")
        or "secondary rate limit" in message
        or message.endswith("please wait a few minutes before you try again.")
        or message.endswith("please retry your request again later.")
    )
