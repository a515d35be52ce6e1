"""The PyGithub client as cmlreport needs it: bounded retries, a request count, one-line errors.

PyGithub's defaults (0.25 s between requests, 1 s between writes, up to 10 retries, POST
included) suit a long-running script, not a CI step that posts one comment: here every wait is
bounded, a POST is never repeated (a second try after a timeout could post the report twice),
and every failure becomes one line that says what was being done and what to change.
"""

from __future__ import annotations

import json
import math
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from urllib3.exceptions import InvalidHeader, MaxRetryError
from urllib3.util.retry import Retry

from cmlreport import __version__
from cmlreport.ci import LOCAL, CiContext
from cmlreport.errors import CmlReportError, NoWriteAccess, RemoteError

if TYPE_CHECKING:
    from types import TracebackType

    import github
    from github.GithubException import GithubException
    from typing_extensions import Self
    from urllib3.connectionpool import ConnectionPool
    from urllib3.response import BaseHTTPResponse

ACTIONS_BOT = "github-actions[bot]"
# Idempotent methods only: a POST that timed out may still have created its comment.
RETRIED_METHODS = frozenset({"GET", "HEAD", "PATCH", "PUT", "DELETE"})
# 403 is only retried when it is a rate limit; ``increment`` tells the others apart.
RETRIED_STATUSES = frozenset({*range(500, 600), 429, 403})
# GitHub: on a secondary rate limit without retry-after, "wait for at least one minute".
SECONDARY_RATE_WAIT = 60.0


@dataclass(frozen=True)
class GitHubSettings:
    """Everything the GitHub forge needs, parsed once at the edge (CLI flags, env, git)."""

    repository: str  # "owner/name"
    token: str
    api_url: str = "https://api.github.com"  # GitHub Enterprise Server: https://HOST/api/v3
    server_url: str = "https://github.com"
    ci: CiContext = LOCAL
    branch: str | None = None  # the checked-out branch: finds the PR on a laptop
    head_sha: str | None = None  # HEAD of the checkout
    retries: int = 4  # attempts after the first, for idempotent requests
    backoff: float = 1.0  # seconds before the first retry, doubled for each next one
    max_wait: float = 60.0  # the longest single wait accepted (Retry-After, rate limit reset)
    timeout: float = 30.0

    def __repr__(self) -> str:
        # The dataclass repr would print the token in any traceback or debug log.
        return f"GitHubSettings(repository={self.repository!r}, api_url={self.api_url!r}, ...)"


class NotFound(RemoteError):
    """GitHub answered 404: the repository (or the target in it) is missing or hidden."""


class BadToken(RemoteError):
    """GitHub answered 401: the token is unknown, revoked or expired."""


class RequestCounter:
    """HTTP requests sent, retries included; shared by every copy of a BoundedRetry."""

    def __init__(self) -> None:
        self.count = 0


class BoundedRetry(Retry):
    """urllib3 retries with GitHub's rules: rate limits honoured, waits bounded, POST never.

    urllib3 hands every answer to ``is_retry`` and every failed exchange to ``increment``,
    which makes this the one place that sees each HTTP request: it also counts them.
    """

    def __init__(
        self,
        *,
        backoff: float = 1.0,
        max_wait: float = 60.0,
        counter: RequestCounter | None = None,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("status_forcelist", RETRIED_STATUSES)
        kwargs.setdefault("allowed_methods", RETRIED_METHODS)
        # The last answer goes back to PyGithub, which turns it into a GithubException
        # carrying GitHub's status and message.
        kwargs.setdefault("raise_on_status", False)
        super().__init__(**kwargs)
        self.backoff = backoff
        self.max_wait = max_wait
        self.counter = counter if counter is not None else RequestCounter()
        self.next_wait = 0.0

    def new(self, **kw: Any) -> Self:
        kw.setdefault("backoff", self.backoff)
        kw.setdefault("max_wait", self.max_wait)
        kw.setdefault("counter", self.counter)
        return super().new(**kw)

    def is_retry(self, method: str, status_code: int, has_retry_after: bool = False) -> bool:
        self.counter.count += 1
        return super().is_retry(method, status_code, has_retry_after)

    def increment(
        self,
        method: str | None = None,
        url: str | None = None,
        response: BaseHTTPResponse | None = None,
        error: Exception | None = None,
        _pool: ConnectionPool | None = None,
        _stacktrace: TracebackType | None = None,
    ) -> Self:
        if response is None:
            self.counter.count += 1  # refused, reset or timed out: a request all the same
        wait: float | None = None
        body: Any = None
        if response is not None:
            wait = self._server_wait(response)
            if response.status == 403:
                body = _json(response.data)  # read once; kept for the exceptions below
                if wait is None:
                    if not _is_rate_limit(body):
                        raise _exception(response, body)  # a real 403: no retry
                    wait = SECONDARY_RATE_WAIT
            if wait is not None and wait > self.max_wait:
                raise _exception(response, _json(response.data) if body is None else body, wait)
        try:
            retry = super().increment(method, url, response, error, _pool, _stacktrace)
        except MaxRetryError:
            if response is not None and response.status == 403:
                # Its body is consumed: PyGithub would see an empty one, so raise here.
                raise _exception(response, body) from None
            raise
        retry.next_wait = wait if wait is not None else self._backoff(len(retry.history))
        return retry

    def sleep(self, response: BaseHTTPResponse | None = None) -> None:
        if self.next_wait > 0:
            time.sleep(self.next_wait)

    def _backoff(self, attempt: int) -> float:
        """No jitter: one CI job, not a crowd of clients, is waiting."""
        return float(min(self.backoff * 2 ** max(attempt - 1, 0), self.max_wait))

    def _server_wait(self, response: BaseHTTPResponse) -> float | None:
        """How long GitHub asks us to wait (Retry-After, or until the rate limit resets)."""
        retry_after = response.headers.get("retry-after")
        if retry_after:
            try:
                return self.parse_retry_after(retry_after)
            except InvalidHeader:
                return None
        reset = response.headers.get("x-ratelimit-reset", "")
        if response.headers.get("x-ratelimit-remaining") == "0" and reset.isdigit():
            # One second more: GitHub does not say when within that second the reset happens.
            return max(int(reset) - time.time(), 0.0) + 1.0
        return None


def make_client(settings: GitHubSettings, counter: RequestCounter) -> github.Github:
    """A lazy PyGithub client: lazy objects make no request until one is really needed."""
    import github

    retry = BoundedRetry(
        total=settings.retries,
        backoff=settings.backoff,
        max_wait=settings.max_wait,
        counter=counter,
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


# -- errors -----------------------------------------------------------------------------------


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
        return RemoteError, (
            f"GitHub's rate limit stopped the attempt to {doing} in {repo} ({said}): it asks "
            f"to wait {wait:.0f} s, more than the {settings.max_wait:g} s we wait; "
            f"the limit resets {_when(headers, wait)}, try again then"
        )
    if status == 401:
        return BadToken, (
            f"GitHub rejected the token ({said}) when trying to {doing} in {repo}: "
            "check GITHUB_TOKEN (or GH_TOKEN) is valid and not expired"
        )
    if status == 429 or _is_rate_limit(data):
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
    reset = headers.get("x-ratelimit-reset", "")
    if headers.get("x-ratelimit-remaining") == "0" and reset.isdigit():
        at = int(reset)
    elif wait is not None:
        at = int(time.time() + wait)
    elif headers.get("retry-after", "").isdigit():
        at = int(time.time()) + int(headers["retry-after"])
    else:
        return "in about a minute"
    return "at " + time.strftime("%H:%M:%S UTC", time.gmtime(at))


def _is_rate_limit(data: Any) -> bool:
    message = str(data.get("message") or "").lower() if isinstance(data, dict) else ""
    return (
        message.startswith("api rate limit exceeded")
        or "secondary rate limit" in message
        or message.endswith("please wait a few minutes before you try again.")
        or message.endswith("please retry your request again later.")
    )


def _json(raw: bytes | None) -> Any:
    try:
        return json.loads(raw or b"")
    except ValueError:
        return (raw or b"").decode("utf-8", "replace")


def _exception(response: BaseHTTPResponse, body: Any, wait: float | None = None) -> Exception:
    """What PyGithub raises for this answer; with ``wait``, that the wait is too long."""
    from github.GithubException import RateLimitExceededExceedsMaxWait
    from github.Requester import Requester

    data = body if isinstance(body, dict) else {"message": str(body or "")}
    headers = {k.lower(): v for k, v in response.headers.items()}
    if wait is not None:
        return RateLimitExceededExceedsMaxWait(response.status, data, headers, wait=wait)
    exc: Exception = Requester.createException(response.status, headers, data)
    return exc
