"""How cmlreport retries a forge's HTTP requests: one urllib3 Retry for GitHub and GitLab.

Both clients send through urllib3 (PyGithub takes the Retry itself; python-gitlab takes a
requests session with it mounted), so one policy decides for both: GET/PUT/PATCH/DELETE are
sent again after a 5xx or a failed exchange; any request, POST included, after a 429 or a
rate-limit 403 (refused before anything happened) or a connection that was never made; a POST
never after a timeout or a 5xx, which may come after the write landed (a second comment).
Waits honour ``Retry-After`` (seconds or an HTTP date) and the rate-limit reset headers, else
double from ``backoff``; a wait longer than ``max_wait`` is not waited. A rate limit that is
not waited out is raised as ``RateLimited``, so neither client runs a retry loop of its own.
"""

from __future__ import annotations

import email.utils
import json
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, TypeVar

from urllib3.exceptions import MaxRetryError, ResponseError
from urllib3.util.retry import Retry

if TYPE_CHECKING:
    from types import TracebackType

    import requests
    from typing_extensions import Self
    from urllib3.connectionpool import ConnectionPool
    from urllib3.response import BaseHTTPResponse

# Sending these twice does what sending them once does.
IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "PATCH", "DELETE"})
# GitHub: a secondary rate limit that names no time means "wait at least one minute".
UNTIMED_LIMIT_WAIT = 60.0
_SECONDS = re.compile(r"[0-9]+(?:\.[0-9]+)?")

# A 403 the forge may send for a rate limit: the refusal to raise (a real 403), or None.
Forbidden = Callable[[int, Mapping[str, str], Any], Exception | None]
LimitsT = TypeVar("LimitsT", bound="HttpLimits")


@dataclass(frozen=True, kw_only=True)
class HttpLimits:
    """How hard one forge is tried; both forges' settings carry these."""

    retries: int = 4  # sendings after the first, for a request that may be sent again
    backoff: float = 1.0  # seconds before the first retry, doubled for each next one
    max_wait: float = 60.0  # the longest single wait accepted (Retry-After, a limit's reset)
    timeout: float = 30.0  # seconds per HTTP request


def hurried(limits: LimitsT) -> LimitsT:
    """The same settings for the clean-up of an interrupted launch, seconds before the CI's
    SIGKILL: 4 tries with 1.75 s of waits in all, 3 s per request."""
    return replace(limits, retries=3, backoff=0.25, max_wait=1.0, timeout=3.0)


class RequestCounter:
    """HTTP requests sent, retries included; shared by every copy of a ForgeRetry."""

    def __init__(self) -> None:
        self.count = 0


class RateLimited(Exception):
    """The forge's rate limit refused a request and it is not waited out: ``wait`` is how
    long the forge asked for (None: it did not say), ``too_long`` that it is over max_wait,
    ``tries`` how many times the request was sent."""

    def __init__(
        self, status: int, body: Any, wait: float | None, *, too_long: bool, tries: int
    ) -> None:
        super().__init__(f"{status} rate limited")
        self.status, self.body, self.wait = status, body, wait
        self.too_long, self.tries = too_long, tries


class ForgeRetry(Retry):
    """urllib3's Retry with the rules above; it also counts every request it sees.

    ``forbidden`` is for GitHub, whose rate limits may answer 403: given the status,
    headers and body of a 403 that names no wait, it returns the exception to raise for a
    real refusal (the body is read by then, so the client could not show it), or None for
    a rate limit. Without it a 403 is handed back at once.
    """

    def __init__(
        self,
        *,
        backoff: float = 1.0,
        max_wait: float = 60.0,
        counter: RequestCounter | None = None,
        forbidden: Forbidden | None = None,
        resend_refused: bool = True,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("allowed_methods", IDEMPOTENT)  # after a read error (a timeout)
        # The last answer goes back to the client, which raises its forge's error for it.
        kwargs.setdefault("raise_on_status", False)
        super().__init__(**kwargs)
        self.backoff, self.max_wait = backoff, max_wait
        self.counter = counter if counter is not None else RequestCounter()
        self.forbidden = forbidden
        self.resend_refused = resend_refused  # False: a body that can only be sent once
        self.next_wait = 0.0

    def new(self, **kw: Any) -> Self:
        kw.setdefault("backoff", self.backoff)
        kw.setdefault("max_wait", self.max_wait)
        kw.setdefault("counter", self.counter)
        kw.setdefault("forbidden", self.forbidden)
        kw.setdefault("resend_refused", self.resend_refused)
        return super().new(**kw)

    def is_retry(self, method: str, status_code: int, has_retry_after: bool = False) -> bool:
        self.counter.count += 1  # urllib3 asks here about every answer
        if status_code == 429 or (status_code == 403 and self.forbidden is not None):
            return True  # ``increment`` tells a rate limit from a refusal, within the budget
        return status_code >= 500 and method.upper() in IDEMPOTENT

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
            # Refused, reset or timed out: a request all the same. urllib3 sends any method
            # again after a connection never made, only IDEMPOTENT ones after a read error.
            self.counter.count += 1
            retry = super().increment(method, url, response, error, _pool, _stacktrace)
            retry.next_wait = retry.backoff_wait()
            return retry
        wait = server_wait(response.headers)
        if response.status in (429, 403):
            return self._rate_limited(method, url, response, wait, _pool)
        if wait is not None and wait > self.max_wait:
            # A 5xx asking for longer than we wait: its answer goes back as it is.
            raise MaxRetryError(_pool, url or "", ResponseError(f"{response.status}"))  # type: ignore[arg-type]
        retry = super().increment(method, url, response, error, _pool, _stacktrace)
        retry.next_wait = retry.backoff_wait() if wait is None else wait
        return retry

    def _rate_limited(
        self,
        method: str | None,
        url: str | None,
        response: BaseHTTPResponse,
        wait: float | None,
        pool: ConnectionPool | None,
    ) -> Self:
        status, tries = response.status, len(self.history) + 1
        body = _body(response.data)  # read once: every exception below carries it
        if status == 403 and wait is None:
            headers = {k.lower(): v for k, v in response.headers.items()}
            refusal = self.forbidden(status, headers, body) if self.forbidden else None
            if refusal is not None:
                raise refusal
            wait = UNTIMED_LIMIT_WAIT
        if wait is not None and wait > self.max_wait:
            raise RateLimited(status, body, wait, too_long=True, tries=tries)
        if not self.resend_refused:
            raise RateLimited(status, body, wait, too_long=False, tries=tries)
        try:
            retry = super().increment(method, url, response, None, pool, None)
        except MaxRetryError:
            raise RateLimited(status, body, wait, too_long=False, tries=tries) from None
        retry.next_wait = retry.backoff_wait() if wait is None else wait
        return retry

    def sleep(self, response: BaseHTTPResponse | None = None) -> None:
        # Not urllib3's: it would sleep whatever Retry-After says.
        if self.next_wait > 0:
            time.sleep(self.next_wait)

    def backoff_wait(self) -> float:
        """No jitter: one CI job, not a crowd of clients, is waiting."""
        attempt = max(len(self.history) - 1, 0)
        return float(min(self.backoff * 2**attempt, self.max_wait))


def server_wait(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """How long the forge asks us to wait: ``Retry-After`` (seconds or an HTTP date), else
    until the rate limit resets (GitHub's ``x-ratelimit-reset``, GitLab's ``RateLimit-Reset``,
    epoch seconds, counted when the matching ``remaining`` header is 0 or absent). A number
    too long to be a real time is infinite: "longer than we wait", never a crash."""
    now = time.time() if now is None else now
    lower = {k.lower(): str(v).strip() for k, v in headers.items()}
    retry_after = lower.get("retry-after", "")
    if retry_after:
        if retry_after.isascii() and _SECONDS.fullmatch(retry_after):
            return header_seconds(retry_after)
        try:
            return max(email.utils.parsedate_to_datetime(retry_after).timestamp() - now, 0.0)
        except (TypeError, ValueError, IndexError, OverflowError):
            return None  # garbage ("-5", "abc"): the usual backoff
    for prefix in ("x-ratelimit-", "ratelimit-"):
        reset = lower.get(prefix + "reset", "")
        if is_seconds(reset) and lower.get(prefix + "remaining", "0") == "0":
            # One second more: the forge does not say when within that second it resets.
            return max(header_seconds(reset) - now, 0.0) + 1.0
    return None


def is_seconds(text: str) -> bool:
    """ASCII digits only: str.isdigit() also takes "²", which float() refuses."""
    return text.isascii() and text.isdigit()


def header_seconds(digits: str) -> float:
    """A header's number of seconds (or epoch time) as a float; one too long to be a real
    time is infinite (int() refuses over 4,300 digits, float() overflows at 309)."""
    return float(digits) if len(digits) <= 12 else float("inf")


def _body(raw: bytes | None) -> Any:
    try:
        return json.loads(raw or b"")
    except ValueError:
        return (raw or b"").decode("utf-8", "replace")


def mount_retry(session: requests.Session, retry: ForgeRetry, once: ForgeRetry) -> None:
    """Mount ``retry`` on ``session`` for http and https; a request whose body is a stream
    (a multipart upload, read once) goes through ``once`` instead."""
    from requests.adapters import HTTPAdapter

    class StreamAwareAdapter(HTTPAdapter):
        def __init__(self) -> None:
            super().__init__(max_retries=retry)
            self.streamed = HTTPAdapter(max_retries=once)

        def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> Any:
            if request.body is None or isinstance(request.body, (bytes, str)):
                return super().send(request, *args, **kwargs)
            return self.streamed.send(request, *args, **kwargs)

        def close(self) -> None:
            self.streamed.close()
            super().close()

    adapter = StreamAwareAdapter()
    session.mount("http://", adapter)
    session.mount("https://", adapter)
