"""python-gitlab as cmlreport needs it: our retry policy on its requests session, a count.

python-gitlab's own retries do not fit a CI step that posts one note: with
``retry_transient_errors`` it repeats a POST after a timeout or a 502 (the note could appear
twice), and it sleeps whatever ``Retry-After`` says, ten times over. So they are off, and the
session it sends through carries ``cmlreport.forges.http.ForgeRetry``, the same as GitHub's;
a 429 it does not wait out is raised before python-gitlab sees it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from cmlreport import __version__
from cmlreport.ci import LOCAL, CiContext
from cmlreport.forges.http import ForgeRetry, HttpLimits, RequestCounter, mount_retry

if TYPE_CHECKING:
    import gitlab

__all__ = ["API_SUFFIX", "GitLabSettings", "RequestCounter", "make_client"]

API_SUFFIX = "/api/v4"
TOKEN_KINDS = ("private", "job")


@dataclass(frozen=True)
class GitLabSettings(HttpLimits):
    """Everything the GitLab forge needs, parsed once at the edge (CLI flags, env, git)."""

    project: str  # "group/sub/project" path, or a numeric id as a string
    token: str = field(repr=False)  # never in a repr (a --debug traceback shows locals)
    token_kind: str = "private"  # "private" (personal/project/group token) | "job" (CI_JOB_TOKEN)
    server_url: str = "https://gitlab.com"  # may have a sub-path: https://host/gitlab
    api_url: str | None = None  # CI_API_V4_URL when known
    ci: CiContext = LOCAL
    branch: str | None = None  # the branch under test: finds its merge request
    head_sha: str | None = None  # HEAD of the checkout
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


def make_client(settings: GitLabSettings, counter: RequestCounter) -> gitlab.Gitlab:
    """A python-gitlab client whose every HTTP exchange is counted and retried by our rules."""
    import gitlab
    import requests

    def retry(*, resend_refused: bool) -> ForgeRetry:
        return ForgeRetry(
            total=settings.retries,
            backoff=settings.backoff,
            max_wait=settings.max_wait,
            counter=counter,
            resend_refused=resend_refused,
        )

    session = requests.Session()
    # A multipart upload is a stream, read once: a 429 on it cannot be answered by resending.
    mount_retry(session, retry(resend_refused=True), retry(resend_refused=False))
    job = settings.token_kind == "job"
    return gitlab.Gitlab(
        url=settings.base_url,
        timeout=settings.timeout,
        retry_transient_errors=False,
        per_page=100,
        user_agent=f"cmlreport/{__version__}",
        session=session,
        private_token=None if job else settings.token,
        job_token=settings.token if job else None,
    )
