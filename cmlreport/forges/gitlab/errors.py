"""GitLab failures as one-line errors: what was being done, what GitLab said, what to change.

``gitlab_errors`` wraps each python-gitlab call and turns its ``GitlabError`` (or the network
error from requests underneath) into a ``RemoteError``, ``NoWriteAccess``, ``BadToken`` or
``NotFound`` whose message never carries the token.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from cmlreport.errors import CmlReportError, NoWriteAccess, RemoteError
from cmlreport.forges.gitlab.client import API_SUFFIX, may_resend

if TYPE_CHECKING:
    import requests
    from gitlab.exceptions import GitlabError

    from cmlreport.forges.gitlab.client import GitLabSettings


class NotFound(RemoteError):
    """GitLab answered 404: the project (or the target in it) is missing or hidden."""


class BadToken(RemoteError):
    """GitLab answered 401: the token is unknown, revoked or expired."""


# The fix for "CI_JOB_TOKEN cannot post notes", in one place for every message.
def job_token_fix(role: str = "Reporter") -> str:
    return (
        f"create a project access token with the api scope and the {role} role "
        "and store it in a masked CI/CD variable named GITLAB_TOKEN"
    )


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
    never_sent = may_resend("POST", exc)
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
