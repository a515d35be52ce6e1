"""python-gitlab as cmlreport needs it: bounded retries and a request count.

python-gitlab's own retries do not fit a CI step that posts one note: with
``retry_transient_errors`` it repeats a POST after a timeout or a 502 (the note could appear
twice), and it sleeps whatever ``Retry-After`` says, ten times over. So its retries are switched
off and one HTTP backend below python-gitlab retries each exchange itself: GET/PUT/DELETE after
5xx, 429 and network failures; a POST only when GitLab certainly did not apply it (429, or a
connection that was never made). Waits double from ``backoff``, honour ``Retry-After`` and
``RateLimit-Reset``, and are bounded by ``retries`` and ``max_wait``. Turning what still fails
into one-line errors is ``cmlreport.forges.gitlab.errors``' job.
"""

from __future__ import annotations

import email.utils
import re
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cmlreport import __version__
from cmlreport.ci import LOCAL, CiContext

if TYPE_CHECKING:
    import gitlab
    import requests

API_SUFFIX = "/api/v4"
IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
TOKEN_KINDS = ("private", "job")


@dataclass(frozen=True)
class GitLabSettings:
    """Everything the GitLab forge needs, parsed once at the edge (CLI flags, env, git)."""

    project: str  # "group/sub/project" path, or a numeric id as a string
    token: str
    token_kind: str = "private"  # "private" (personal/project/group token) | "job" (CI_JOB_TOKEN)
    server_url: str = "https://gitlab.com"  # may have a sub-path: https://host/gitlab
    api_url: str | None = None  # CI_API_V4_URL when known
    ci: CiContext = LOCAL
    branch: str | None = None  # the branch under test: finds its merge request
    head_sha: str | None = None  # HEAD of the checkout
    retries: int = 4  # attempts after the first, for requests that may be repeated
    backoff: float = 1.0  # seconds before the first retry, doubled for each next one
    max_wait: float = 60.0  # the longest single wait accepted (Retry-After, RateLimit-Reset)
    timeout: float = 30.0
    token_source: str | None = None  # the variable the token came from, for messages

    def __post_init__(self) -> None:
        if self.token_kind not in TOKEN_KINDS:
            raise ValueError(f"token_kind must be one of {TOKEN_KINDS}, not {self.token_kind!r}")

    def __repr__(self) -> str:
        # The dataclass repr would print the token in any traceback or debug log.
        return f"GitLabSettings(project={self.project!r}, server_url={self.server_url!r}, ...)"

    @property
    def base_url(self) -> str:
        """What python-gitlab wants as ``url``: it appends ``/api/v4`` itself.

        CI_API_V4_URL is the address the runner is known to reach (behind a proxy or a
        sub-path install it may differ from the web address), so it wins when given.
        """
        api = (self.api_url or "").rstrip("/")
        if api.endswith(API_SUFFIX):
            return api[: -len(API_SUFFIX)]
        return self.server_url.rstrip("/")

    @property
    def token_name(self) -> str:
        if self.token_source:
            return self.token_source
        return "CI_JOB_TOKEN" if self.token_kind == "job" else "GITLAB_TOKEN"


class RequestCounter:
    """HTTP exchanges sent, retries included."""

    def __init__(self) -> None:
        self.count = 0


@dataclass(frozen=True)
class RetryPolicy:
    retries: int
    backoff: float
    max_wait: float

    def backoff_wait(self, attempt: int) -> float:
        """No jitter: one CI job, not a crowd of clients, is waiting."""
        return float(min(self.backoff * 2**attempt, self.max_wait))

    def status_wait(
        self, method: str, status: int, headers: Any, attempt: int, *, resendable: bool
    ) -> float | None:
        """Seconds to wait before sending again, or None to hand the answer back."""
        if attempt >= self.retries:
            return None
        # A 429 is refused before anything happens; a 5xx may come after the write landed.
        if status == 429:
            if method not in IDEMPOTENT and not resendable:
                return None
        elif not (status >= 500 and method in IDEMPOTENT):
            return None
        asked = server_wait(headers)
        wait = self.backoff_wait(attempt) if asked is None else asked
        return None if wait > self.max_wait else wait


def server_wait(headers: Any, now: float | None = None) -> float | None:
    """How long GitLab asks us to wait: ``Retry-After`` (seconds or a date), else until
    ``RateLimit-Reset`` (epoch seconds)."""
    now = time.time() if now is None else now
    retry_after = str(headers.get("Retry-After") or "").strip()
    if retry_after:
        if re.fullmatch(r"\d+(\.\d+)?", retry_after):
            return float(retry_after)  # float() of a huge number is inf: longer than we wait
        try:
            return max(email.utils.parsedate_to_datetime(retry_after).timestamp() - now, 0.0)
        except (TypeError, ValueError):
            return None
    reset = str(headers.get("RateLimit-Reset") or "").strip()
    if reset.isascii() and reset.isdigit():
        # int() refuses over 4,300 digits; a reset that far away is "longer than we wait".
        return max(float(reset) - now, 0.0) if len(reset) <= 12 else float("inf")
    return None


def make_client(settings: GitLabSettings, counter: RequestCounter) -> gitlab.Gitlab:
    """A python-gitlab client whose every HTTP exchange is counted and retried by our rules."""
    import gitlab
    import requests
    from gitlab._backends.requests_backend import RequestsBackend, RequestsResponse

    policy = RetryPolicy(settings.retries, settings.backoff, settings.max_wait)

    class BoundedBackend(RequestsBackend):
        def http_request(
            self,
            method: str,
            url: str,
            json: dict[str, Any] | bytes | None = None,
            data: dict[str, Any] | Any | None = None,
            params: Any | None = None,
            timeout: float | None = None,
            verify: bool | str | None = True,
            stream: bool | None = False,
            **kwargs: Any,
        ) -> RequestsResponse:
            verb = method.upper()
            # A multipart upload is a stream, read once: it cannot be sent a second time.
            resendable = data is None
            kwargs.update(json=json, data=data, params=params, timeout=timeout)
            kwargs.update(verify=verify, stream=stream)
            attempt = 0
            while True:
                counter.count += 1
                try:
                    result = super().http_request(method, url, **kwargs)
                except (requests.ConnectionError, requests.Timeout) as exc:
                    if attempt >= policy.retries or not may_resend(verb, exc):
                        raise
                    wait = policy.backoff_wait(attempt)
                else:
                    headers = result.headers
                    found = policy.status_wait(
                        verb, result.status_code, headers, attempt, resendable=resendable
                    )
                    if found is None:
                        return result
                    wait = found
                time.sleep(wait)
                attempt += 1

    class BoundedGitlab(gitlab.Gitlab):
        def http_request(self, verb: str, path: str, *args: Any, **kwargs: Any) -> Any:
            # The backend retries; python-gitlab's loop would repeat POSTs and wait unbounded.
            kwargs["obey_rate_limit"] = False
            kwargs["retry_transient_errors"] = False
            return super().http_request(verb, path, *args, **kwargs)

    job = settings.token_kind == "job"
    client: gitlab.Gitlab = BoundedGitlab(
        url=settings.base_url,
        timeout=settings.timeout,
        retry_transient_errors=False,
        per_page=100,
        user_agent=f"cmlreport/{__version__}",
        backend=BoundedBackend,
        private_token=None if job else settings.token,
        job_token=settings.token if job else None,
    )
    return client


def may_resend(method: str, exc: requests.RequestException) -> bool:
    """Idempotent requests always; others only when the connection was never made."""
    import requests
    from urllib3.exceptions import ConnectTimeoutError, NewConnectionError

    if method in IDEMPOTENT:
        return True
    if isinstance(exc, requests.ConnectTimeout):
        return True
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(reason, (NewConnectionError, ConnectTimeoutError))
