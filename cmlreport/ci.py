"""Where are we running? The CI context, read once from the environment at the edge.

``detect_ci`` takes the environment as a mapping (the CLI passes ``environment()``) so that nothing
deeper in the package ever reads it. The only I/O here is GitHub's event payload file, which
holds what the environment does not: the pull request number, its base and head commits, and
whether it comes from a fork.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cmlreport.errors import InputError

GITHUB_DOTCOM = "https://github.com"


@dataclass(frozen=True)
class CiContext:
    """What the CI run tells us about the repository, the change under review and its base.

    ``head_sha`` is the commit the job runs on (for GitHub pull_request events that is the
    temporary merge commit); ``pr_head_sha`` is the tip of the pull/merge request's branch.
    """

    provider: str  # "github" | "gitlab" | "local"
    repository: str | None = None  # "owner/name" or "group/sub/project"
    event_name: str | None = None  # GITHUB_EVENT_NAME / CI_PIPELINE_SOURCE
    head_sha: str | None = None
    pr_head_sha: str | None = None
    base_ref: str | None = None  # target branch name of the PR/MR
    base_sha: str | None = None
    # A push's previous tip of the branch: the base when the usual one is HEAD itself (a push
    # to the default branch), so main's report compares with the commit before the push.
    before_sha: str | None = None
    default_branch: str | None = None
    pr_number: int | None = None
    is_fork: bool = False
    run_url: str | None = None
    pipeline_id: int | None = None  # CI_PIPELINE_ID: the GitLab pipeline this job runs in
    server_url: str | None = None
    api_url: str | None = None
    step_summary_path: str | None = None


LOCAL = CiContext(provider="local")


def environment() -> dict[str, str]:
    """A copy of this process's environment. The one place cmlreport reads it (settings files
    aside): everything else takes the mapping as an argument, so what a command consults is
    visible in its signature and a test passes its own."""
    return dict(os.environ)


@dataclass(frozen=True)
class GitHubAppCredentials:
    """A GitHub App's id and private key (PEM), and the installation to act as (None: the one
    on the repository, looked up with the app's JWT)."""

    app_id: str
    private_key: str = field(repr=False)
    installation_id: int | None = None


def github_app(env: Mapping[str, str]) -> GitHubAppCredentials | None:
    """``GITHUB_APP_ID`` + ``GITHUB_APP_PRIVATE_KEY`` (the PEM text, or the path of the .pem
    file) + optional ``GITHUB_APP_INSTALLATION_ID``; None when no app is configured."""
    app_id, key = _get(env, "GITHUB_APP_ID"), _get(env, "GITHUB_APP_PRIVATE_KEY")
    if app_id is None and key is None:
        return None
    if app_id is None or key is None:
        missing = "GITHUB_APP_ID" if app_id is None else "GITHUB_APP_PRIVATE_KEY"
        raise InputError(f"{missing} is not set: a GitHub App needs both its id and private key")
    if not _APP_ID.fullmatch(app_id):
        raise InputError(f"GITHUB_APP_ID={app_id[:40]!r} is not an app id (digits) or client id")
    installation = None
    if _get(env, "GITHUB_APP_INSTALLATION_ID"):
        installation = _env_int(env, "GITHUB_APP_INSTALLATION_ID")
        if installation < 1:
            raise InputError("GITHUB_APP_INSTALLATION_ID must be a positive number")
    return GitHubAppCredentials(app_id, _private_key(key), installation)


_APP_ID = re.compile(r"[0-9]{1,20}|Iv[0-9A-Za-z.]{1,60}")
MAX_KEY_BYTES = 64 * 1024


def _private_key(value: str) -> str:
    # Secrets stores often hold the PEM with literal \n for its line breaks.
    if "-----BEGIN" in value:
        return value.replace("\\n", "\n").strip() + "\n"
    try:
        with open(value, "rb") as f:
            data = f.read(MAX_KEY_BYTES + 1)
    except (OSError, ValueError):
        # Never the value itself in the message: it may be a mangled key rather than a path.
        raise InputError(
            "GITHUB_APP_PRIVATE_KEY is neither PEM text (-----BEGIN ... PRIVATE KEY-----) nor "
            "the path of a readable file; paste the .pem GitHub generated for the app"
        ) from None
    if len(data) > MAX_KEY_BYTES or b"-----BEGIN" not in data:
        raise InputError(
            "GITHUB_APP_PRIVATE_KEY names a file that holds no PEM private key; give the "
            ".pem GitHub generated for the app"
        )
    return data.decode("ascii", errors="replace")


def detect_ci(env: Mapping[str, str]) -> CiContext:
    """GitHub Actions, GitLab CI, or a local run, from the given environment."""
    if _flag(env, "GITHUB_ACTIONS"):
        event_path = _get(env, "GITHUB_EVENT_PATH")
        payload = _read_event(event_path) if event_path else {}
        return github_context(env, payload)
    if _flag(env, "GITLAB_CI"):
        return gitlab_context(env)
    return LOCAL


def github_context(env: Mapping[str, str], payload: Mapping[str, Any]) -> CiContext:
    """The GitHub Actions context from its variables and the already-parsed event payload."""
    repository = _get(env, "GITHUB_REPOSITORY")
    server_url = (_get(env, "GITHUB_SERVER_URL") or GITHUB_DOTCOM).rstrip("/")
    api_url = _get(env, "GITHUB_API_URL") or _github_api_url(server_url)
    run_id = _get(env, "GITHUB_RUN_ID")
    run_url = f"{server_url}/{repository}/actions/runs/{run_id}" if repository and run_id else None

    # pull_request and pull_request_target carry the same object; other events have none.
    pr = _mapping(payload.get("pull_request"))
    base = _mapping(pr.get("base"))
    head = _mapping(pr.get("head"))
    pr_number = _int(pr.get("number")) if pr else None
    if pr and pr_number is None:
        pr_number = _int(payload.get("number"))
    issue = _mapping(payload.get("issue"))
    if not pr and issue.get("pull_request"):
        # issue_comment on a pull request (a "/report" comment): the comment goes to that PR.
        # Its head and base are not in this payload; the job checks the PR out itself.
        pr_number = _int(issue.get("number"))

    return CiContext(
        provider="github",
        repository=repository,
        event_name=_get(env, "GITHUB_EVENT_NAME"),
        head_sha=_get(env, "GITHUB_SHA"),
        pr_head_sha=_str(head.get("sha")),
        base_ref=_get(env, "GITHUB_BASE_REF") or _str(base.get("ref")),
        base_sha=_str(base.get("sha")),
        before_sha=_commit_or_none(_str(payload.get("before"))),
        default_branch=_str(_mapping(payload.get("repository")).get("default_branch")),
        pr_number=pr_number,
        is_fork=bool(pr) and _is_fork(head, base),
        run_url=run_url,
        server_url=server_url,
        api_url=api_url.rstrip("/"),
        step_summary_path=_get(env, "GITHUB_STEP_SUMMARY"),
    )


def gitlab_context(env: Mapping[str, str]) -> CiContext:
    """The GitLab CI context; merge request pipelines add the CI_MERGE_REQUEST_* variables."""
    iid = _get(env, "CI_MERGE_REQUEST_IID")
    pr_number = _env_int(env, "CI_MERGE_REQUEST_IID") if iid else None
    source_project = _get(env, "CI_MERGE_REQUEST_SOURCE_PROJECT_ID")
    target_project = _get(env, "CI_MERGE_REQUEST_PROJECT_ID")
    head_sha = _get(env, "CI_COMMIT_SHA")
    # In merged-results pipelines CI_COMMIT_SHA is GitLab's merge commit; the branch tip is here.
    pr_head_sha = _get(env, "CI_MERGE_REQUEST_SOURCE_BRANCH_SHA") or (head_sha if iid else None)
    return CiContext(
        provider="gitlab",
        repository=_get(env, "CI_PROJECT_PATH"),
        event_name=_get(env, "CI_PIPELINE_SOURCE"),
        head_sha=head_sha,
        pr_head_sha=pr_head_sha,
        base_ref=_get(env, "CI_MERGE_REQUEST_TARGET_BRANCH_NAME"),
        base_sha=_get(env, "CI_MERGE_REQUEST_DIFF_BASE_SHA"),
        before_sha=None if iid else _commit_or_none(_get(env, "CI_COMMIT_BEFORE_SHA")),
        default_branch=_get(env, "CI_DEFAULT_BRANCH"),
        pr_number=pr_number,
        is_fork=bool(source_project and target_project and source_project != target_project),
        run_url=_get(env, "CI_PIPELINE_URL") or _get(env, "CI_JOB_URL"),
        pipeline_id=_pipeline_id(_get(env, "CI_PIPELINE_ID")),
        server_url=_get(env, "CI_SERVER_URL"),
        api_url=_get(env, "CI_API_V4_URL"),
        step_summary_path=None,
    )


def _commit_or_none(sha: str | None) -> str | None:
    """A push's ``before``: all zeros when the branch is new (nothing before it)."""
    if sha is None or len(sha) != 40 or set(sha) == {"0"}:
        return None
    return sha


def _read_event(path: str) -> Mapping[str, Any]:
    try:
        with open(path, encoding="utf-8") as f:
            payload = json.load(f)
    except FileNotFoundError:
        raise InputError(
            f"GITHUB_EVENT_PATH points to {path}, which does not exist; "
            "unset GITHUB_EVENT_PATH or point it to the event payload JSON file"
        ) from None
    # ValueError: also json's refusal of an integer over 4,300 digits (not a JSONDecodeError).
    except (OSError, ValueError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise InputError(
            f"GITHUB_EVENT_PATH file {path} is not a readable JSON event payload ({reason}); "
            "point GITHUB_EVENT_PATH to the event payload JSON file"
        ) from None
    if not isinstance(payload, dict):
        raise InputError(
            f"GITHUB_EVENT_PATH file {path} holds a JSON {type(payload).__name__}, "
            "not an event payload object; point GITHUB_EVENT_PATH to the event payload JSON file"
        )
    return payload


def _is_fork(head: Mapping[str, Any], base: Mapping[str, Any]) -> bool:
    head_repo = _str(_mapping(head.get("repo")).get("full_name"))
    base_repo = _str(_mapping(base.get("repo")).get("full_name"))
    # A deleted fork leaves head.repo null: still not a branch of this repository.
    return head_repo is None or head_repo != base_repo


def _github_api_url(server_url: str) -> str:
    if server_url == GITHUB_DOTCOM:
        return "https://api.github.com"
    return f"{server_url}/api/v3"  # GitHub Enterprise Server


def _flag(env: Mapping[str, str], name: str) -> bool:
    return env.get(name, "").strip().lower() == "true"


def _get(env: Mapping[str, str], name: str) -> str | None:
    # CI systems export many variables as empty strings when they do not apply.
    value = env.get(name, "").strip()
    return value or None


def _pipeline_id(value: str | None) -> int | None:
    """Only where the sticky note is kept needs it: a malformed one is no reason to fail."""
    return int(value) if value and value.isascii() and value.isdigit() else None


def _env_int(env: Mapping[str, str], name: str) -> int:
    value = env.get(name, "").strip()
    try:
        return int(value)
    except ValueError:
        raise InputError(
            f"{name}={value!r} is not a number; unset it or fix the CI config"
        ) from None


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def _str(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
