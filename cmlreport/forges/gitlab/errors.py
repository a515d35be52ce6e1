"""GitLab's words for its refusals: a job token, a bad token, a missing role or project.

The shape (rate limits, server and network errors, the token masked) is
``cmlreport.forges.errors``'; ``gitlab_errors`` wraps each python-gitlab call with it.
"""

from __future__ import annotations

import re
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

from cmlreport.errors import NoWriteAccess, RemoteError
from cmlreport.forges.errors import Attempt, BadToken, Failure, ForgeErrors, NotFound, one_line
from cmlreport.forges.gitlab.client import API_SUFFIX

if TYPE_CHECKING:
    from cmlreport.forges.gitlab.client import GitLabSettings

__all__ = ["Attempt", "BadToken", "NotFound", "gitlab_errors", "job_token_fix"]


# The fix for "CI_JOB_TOKEN cannot post notes", in one place for every message.
def job_token_fix(role: str = "Reporter") -> str:
    return (
        f"create a project access token with the api scope and the {role} role "
        "and store it in a masked CI/CD variable named GITLAB_TOKEN"
    )


class GitLabErrors(ForgeErrors):
    name = "GitLab"

    def __init__(self, settings: GitLabSettings) -> None:
        api = settings.base_url + API_SUFFIX
        super().__init__(place=settings.project, api=api, token=settings.token, limits=settings)
        self.settings = settings

    def failure(self, exc: Exception) -> Failure | None:
        from gitlab.exceptions import GitlabError, RedirectError

        if not isinstance(exc, GitlabError):
            return None
        status, message = exc.response_code, _gitlab_message(exc.error_message)
        # GitLab's own messages mostly start with the status ("404 Project Not Found").
        said = message if message.startswith(str(status)) else f"{status or ''} {message}".strip()
        return Failure(status, said, redirected=isinstance(exc, RedirectError))

    def said(self, status: int, body: Any) -> str:
        if isinstance(body, dict):  # python-gitlab shows "message" or "error" when there
            body = next((body[k] for k in ("message", "error") if k in body), body)
        message = _gitlab_message(body)
        return message if message.startswith(str(status)) else f"{status} {message}".strip()

    def explain(self, failure: Failure, attempt: Attempt) -> tuple[type[RemoteError], str] | None:
        said, doing, project = failure.said, attempt.doing, self.place
        role = attempt.needs or "Reporter"
        job = self.settings.token_kind == "job"
        if failure.redirected:
            return RemoteError, (
                f"GitLab redirected the request to {doing} in {project}: set the server URL to "
                f"the address it redirects to (https?), not {self.settings.base_url}"
            )
        if job and failure.status in (401, 403):
            return NoWriteAccess, (
                f"CI_JOB_TOKEN cannot {doing} in {project} (GitLab answered {said}): job tokens "
                "may not post merge request notes, uploads or commit statuses; "
                f"{job_token_fix(role)}"
            )
        if failure.status == 401:
            return BadToken, (
                f"GitLab rejected the token in {self.settings.token_name} ({said}) when trying "
                f"to {doing} in {project}: check it is valid, not expired, and has the api scope"
            )
        if failure.status == 403:
            return NoWriteAccess if attempt.write else RemoteError, (
                f"GitLab refused to {doing} in {project} ({said}): the token needs the api "
                f"scope and at least the {role} role in {project}"
            )
        if failure.status == 404:
            text = f"project {project} not found, or the token cannot see it ({said})"
            if job:
                text += f"; CI_JOB_TOKEN may not read it: {job_token_fix()}"
            return NotFound, text
        return None


def gitlab_errors(attempt: Attempt, settings: GitLabSettings) -> AbstractContextManager[None]:
    """python-gitlab's and requests' exceptions -> one-line RemoteErrors (never the token)."""
    return GitLabErrors(settings).around(attempt)


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
    return one_line(text)
