"""The PyGithub client as cmlreport needs it: bounded retries and a request count.

PyGithub's defaults (0.25 s between requests, 1 s between writes, up to 10 retries, POST
included) suit a long-running script, not a CI step that posts one comment: here every wait is
bounded and a POST is only repeated when GitHub refused it before doing anything (429, or a
403 that says rate limit): after a timeout or a 5xx it may have landed, and a second try could
post the report twice.
Turning what still fails into one-line errors is ``cmlreport.forges.github.errors``' job.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from urllib3.exceptions import InvalidHeader, MaxRetryError
from urllib3.util.retry import Retry

from cmlreport import __version__
from cmlreport.ci import LOCAL, CiContext
from cmlreport.forges.github.errors import is_rate_limit

if TYPE_CHECKING:
    from types import TracebackType

    import github
    from typing_extensions import Self
    from urllib3.connectionpool import ConnectionPool
    from urllib3.response import BaseHTTPResponse

# Idempotent methods only: a POST that timed out may still have created its comment.
RETRIED_METHODS = frozenset({"GET", "HEAD", "PATCH", "PUT", "DELETE"})
# 403 is only retried when it is a rate limit; ``increment`` tells the others apart.
RETRIED_STATUSES = frozenset({*range(500, 600), 429, 403})
# A rate limit refuses a request before it is processed: repeating even a POST is safe.
REFUSED_STATUSES = frozenset({429, 403})
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
    head_owner: str | None = None  # owner of the pushed branch (a fork's), default: the repo's
    retries: int = 4  # attempts after the first, for idempotent requests
    backoff: float = 1.0  # seconds before the first retry, doubled for each next one
    max_wait: float = 60.0  # the longest single wait accepted (Retry-After, rate limit reset)
    timeout: float = 30.0

    def __repr__(self) -> str:
        # The dataclass repr would print the token in any traceback or debug log.
        return f"GitHubSettings(repository={self.repository!r}, api_url={self.api_url!r}, ...)"


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
        if method.upper() == "POST" and status_code in REFUSED_STATUSES:
            return True  # ``increment`` lets only a real rate limit through, within the budget
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
                    if not is_rate_limit(body):
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
        retry_after = (response.headers.get("retry-after") or "").strip()
        if retry_after:
            if is_seconds(retry_after):
                return header_seconds(retry_after)
            try:
                return self.parse_retry_after(retry_after)
            except (InvalidHeader, ValueError, OverflowError):
                return None
        reset = response.headers.get("x-ratelimit-reset", "")
        if response.headers.get("x-ratelimit-remaining") == "0" and is_seconds(reset):
            # One second more: GitHub does not say when within that second the reset happens.
            return max(header_seconds(reset) - time.time(), 0.0) + 1.0
        return None


def is_seconds(text: str) -> bool:
    """ASCII digits only: str.isdigit() also takes "²", which float() refuses."""
    return text.isascii() and text.isdigit()


def header_seconds(digits: str) -> float:
    """A header's whole number of seconds (or epoch time) as a float; one too long to be a
    real time is infinite, so it reads as "longer than we wait" instead of crashing int()."""
    return float(digits) if len(digits) <= 12 else float("inf")


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
