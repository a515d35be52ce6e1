"""python-gitlab as cmlreport needs it: bounded retries, a request count, one-line errors.

python-gitlab's own retries do not fit a CI step that posts one note: with
``retry_transient_errors`` it repeats a POST after a timeout or a 502 (the note could appear
twice), and it sleeps whatever ``Retry-After`` says, ten times over. So its retries are switched
off and one HTTP backend below python-gitlab retries each exchange itself: GET/PUT/DELETE after
5xx, 429 and network failures; a POST only when GitLab certainly did not apply it (429, or a
connection that was never made). Waits double from ``backoff``, honour ``Retry-After`` and
``RateLimit-Reset``, and are bounded by ``retries`` and ``max_wait``.
"""

from __future__ import annotations

import email.utils
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cmlreport import __version__
from cmlreport.ci import LOCAL, CiContext
from cmlreport.errors import CmlReportError, NoWriteAccess, RemoteError

if TYPE_CHECKING:
    import gitlab
    import requests
    from gitlab.exceptions import GitlabError

API_SUFFIX = "/api/v4"
IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
TOKEN_KINDS = ("private", "job")


# The fix for "CI_JOB_TOKEN cannot post notes", in one place for every message.
def job_token_fix(role: str = "Reporter") -> str:
    return (
        f"create a project access token with the api scope and the {role} role "
        "and store it in a masked CI/CD variable named GITLAB_TOKEN"
    )


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


class NotFound(RemoteError):
    """GitLab answered 404: the project (or the target in it) is missing or hidden."""


class BadToken(RemoteError):
    """GitLab answered 401: the token is unknown, revoked or expired."""


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
            return float(retry_after)
        try:
            return max(email.utils.parsedate_to_datetime(retry_after).timestamp() - now, 0.0)
        except (TypeError, ValueError):
            return None
    reset = str(headers.get("RateLimit-Reset") or "").strip()
    if reset.isdigit():
        return max(int(reset) - now, 0.0)
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
                    if attempt >= policy.retries or not _may_resend(verb, exc):
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


def _may_resend(method: str, exc: requests.RequestException) -> bool:
    """Idempotent requests always; others only when the connection was never made."""
    import requests
    from urllib3.exceptions import ConnectTimeoutError, NewConnectionError

    if method in IDEMPOTENT:
        return True
    if isinstance(exc, requests.ConnectTimeout):
        return True
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(reason, (NewConnectionError, ConnectTimeoutError))


# -- errors -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Attempt:
    """What a call was for, in the words its error message needs."""

    doing: str  # "post a note on merge request !7"
    role: str = "Reporter"  # the least role that may do it (Developer for commit statuses)
    write: bool = False
    post: bool = False  # a POST is never repeated: a failure after sending may have landed


@contextmanager
def gitlab_errors(attempt: Attempt, settings: GitLabSettings) -> Iterator[None]:
    """python-gitlab's and requests' exceptions -> one-line RemoteErrors (never the token)."""
    import requests
    from gitlab.exceptions import GitlabError

    try:
        yield
    except CmlReportError:
        raise
    except GitlabError as exc:
        raise explain_status(exc, attempt, settings) from None
    except requests.RequestException as exc:
        raise explain_network(exc, attempt, settings) from None


def explain_status(exc: GitlabError, attempt: Attempt, settings: GitLabSettings) -> RemoteError:
    from gitlab.exceptions import RedirectError

    status, message = exc.response_code, _gitlab_message(exc.error_message)
    # GitLab's own messages mostly start with the status ("404 Project Not Found").
    said = message if message.startswith(str(status)) else f"{status or ''} {message}".strip()
    doing, project = attempt.doing, settings.project
    cls: type[RemoteError] = RemoteError
    transient = False
    if isinstance(exc, RedirectError):
        text = (
            f"GitLab redirected the request to {doing} in {project}: set the server URL to "
            f"the address it redirects to (https?), not {settings.base_url}"
        )
    elif settings.token_kind == "job" and status in (401, 403):
        cls, text = (
            NoWriteAccess,
            (
                f"CI_JOB_TOKEN cannot {doing} in {project} (GitLab answered {said}): job tokens "
                f"may not post merge request notes, uploads or commit statuses; "
                f"{job_token_fix(attempt.role)}"
            ),
        )
    elif status == 401:
        cls, text = (
            BadToken,
            (
                f"GitLab rejected the token in {settings.token_name} ({said}) when trying to "
                f"{doing} in {project}: check it is valid, not expired, and has the api scope"
            ),
        )
    elif status == 403:
        cls = NoWriteAccess if attempt.write else RemoteError
        text = (
            f"GitLab refused to {doing} in {project} ({said}): the token needs the api scope "
            f"and at least the {attempt.role} role in {project}"
        )
    elif status == 404:
        cls, text = NotFound, f"project {project} not found, or the token cannot see it ({said})"
        if settings.token_kind == "job":
            text += f"; CI_JOB_TOKEN may not read it: {job_token_fix()}"
    elif status == 429:
        text = (
            f"GitLab's rate limit stopped the attempt to {doing} in {project} ({said}) after "
            f"{_tries(settings)}; wait a minute and run again"
        )
    elif status is not None and status >= 500 and attempt.post:
        # A proxy's 502 may come after GitLab created the note: the caller looks first.
        transient, text = (
            True,
            (
                f"could not {doing} in {project}: GitLab answered {said}; it may have happened "
                "anyway, so it is checked before any new try"
            ),
        )
    elif status is not None and status >= 500:
        text = f"could not {doing} in {project}: GitLab answered {said} after {_tries(settings)}"
    else:
        text = f"GitLab rejected the request to {doing} in {project} ({said})"
    return cls(_masked(text, settings.token), transient=transient)


def explain_network(
    exc: requests.RequestException, attempt: Attempt, settings: GitLabSettings
) -> RemoteError:
    import requests

    api, where = settings.base_url + API_SUFFIX, f"{attempt.doing} in {settings.project}"
    never_sent = _may_resend("POST", exc)
    if isinstance(exc, requests.Timeout) and not never_sent:
        text = f"no answer from {api} within {settings.timeout:g} s to {where}"
        if attempt.post:
            text += "; it may have happened anyway, so it is checked before any new try"
    else:
        text = f"cannot reach {api} to {where}: {_network_reason(exc)}"
    # A timeout or a connection dropped mid-request may have delivered a POST all the same.
    return RemoteError(_masked(text, settings.token), transient=attempt.post and not never_sent)


def _tries(settings: GitLabSettings) -> str:
    return "1 attempt" if settings.retries == 0 else f"up to {settings.retries + 1} attempts"


def _network_reason(exc: Exception) -> str:
    reason: object = exc.args[0] if exc.args else exc
    reason = getattr(reason, "reason", reason)  # urllib3's MaxRetryError wraps the cause
    text = str(reason).rsplit(": ", 1)[-1]  # drop "<HTTPConnection object at 0x..>: ..."
    text = re.sub(r"\[Errno -?\d+\]\s*", "", text).strip()
    return text or type(exc).__name__


def _gitlab_message(message: object) -> str:
    """GitLab's message on one short line: it may be a string, a dict of field errors
    (``{"note": ["is too long"]}``), or an HTML error page from a proxy."""
    if isinstance(message, dict):
        parts = [
            f"{key} {' '.join(map(str, value)) if isinstance(value, list) else value}"
            for key, value in message.items()
        ]
        text = "; ".join(parts)
    elif isinstance(message, bytes):
        text = message.decode("utf-8", "replace")
    else:
        text = str(message or "")
    if "<html" in text.lower():
        text = re.sub(r"<[^>]+>", " ", text)
    line = " ".join(text.split())
    return line if len(line) <= 200 else line[:197] + "..."


def _masked(message: str, token: str) -> str:
    # Messages are built without the token; this is the belt to those braces. (Real tokens
    # are 20+ characters: a tiny test token would only mangle ordinary words.)
    return message.replace(token, "***") if len(token) >= 8 else message
