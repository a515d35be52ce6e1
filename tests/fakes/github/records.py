"""The records the fake GitHub keeps: users, tokens, repositories, pulls, comments, checks,
statuses.

Plain data; ``state.py`` holds them together and ``bodies.py`` renders them as GitHub does.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tests.fakes.github.gitobjects import ObjectStore
from tests.fakes.served import Clock as Clock

# What the Actions GITHUB_TOKEN of a same-repository pull request may do (write-all defaults).
ACTIONS_PERMISSIONS = frozenset(
    {
        "actions:write",
        "checks:write",
        "contents:write",
        "issues:write",
        "metadata:read",
        "pull_requests:write",
        "statuses:write",
    }
)
# What it may do on a pull request from a fork: read everything, write nothing.
READ_ONLY_PERMISSIONS = frozenset({p.replace(":write", ":read") for p in ACTIONS_PERMISSIONS})
# A classic personal access token with the `repo` scope, and an admin for runner management.
ADMIN_PERMISSIONS = ACTIONS_PERMISSIONS | {"administration:write"}
ACTIONS_BOT = "github-actions[bot]"
RATE_LIMIT = 5000  # requests an hour, as for an installation token


@dataclass
class User:
    login: str
    id: int

    @property
    def type(self) -> str:
        return "Bot" if self.login.endswith("[bot]") else "User"

    @property
    def email(self) -> str:
        return f"{self.id}+{self.login}@users.noreply.github.com"


@dataclass
class Token:
    value: str
    login: str
    permissions: frozenset[str]
    # The Actions GITHUB_TOKEN is an app installation token: GET /user answers 403.
    user_endpoint_forbidden: bool = False
    app_id: str | None = None  # the GitHub App acting (its JWT, on the /app routes)

    def allows(self, permission: str) -> bool:
        """``issues:read`` is granted by ``issues:read`` or ``issues:write``."""
        name, _, level = permission.partition(":")
        return permission in self.permissions or (
            level == "read" and f"{name}:write" in self.permissions
        )


@dataclass
class Repo:
    owner: str
    name: str
    id: int
    default_branch: str
    private: bool
    fork_of: str | None  # full name of the parent repository
    created_at: datetime
    objects: ObjectStore = field(default_factory=ObjectStore)
    refs: dict[str, str] = field(default_factory=dict)  # "refs/heads/main" -> sha

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"


@dataclass
class Issue:
    repo: str
    number: int
    id: int
    title: str
    author: str
    state: str
    created_at: datetime
    body: str | None = None


@dataclass
class Pull:
    repo: str
    number: int
    id: int
    issue_id: int
    title: str
    author: str
    state: str
    head_ref: str
    head_sha: str
    head_repo: str
    base_ref: str
    base_sha: str
    created_at: datetime
    body: str | None = None
    commits: list[str] = field(default_factory=list)  # oldest first; the last is head_sha


@dataclass
class CommitStatus:
    """One status posted on a commit; the newest per (sha, context) is its current state."""

    id: int
    repo: str
    sha: str
    context: str
    state: str
    description: str | None
    target_url: str | None
    creator: str
    created_at: datetime


@dataclass
class IssueComment:
    id: int
    repo: str
    issue_number: int
    body: str
    author: str
    created_at: datetime
    updated_at: datetime
    # Why it was minimised (GitHub's GraphQL minimizeComment), as GitHub words it: "outdated".
    minimized_reason: str | None = None


@dataclass
class CommitComment:
    id: int
    repo: str
    commit_id: str
    body: str
    author: str
    path: str | None
    position: int | None
    line: int | None
    created_at: datetime
    updated_at: datetime


@dataclass
class CheckRun:
    id: int
    repo: str
    name: str
    head_sha: str
    status: str
    conclusion: str | None
    started_at: datetime | None
    completed_at: datetime | None
    details_url: str | None
    external_id: str | None
    title: str | None = None
    summary: str | None = None
    text: str | None = None
    annotations_count: int = 0
    annotations: list[dict[str, Any]] = field(default_factory=list)  # as sent, in order


@dataclass
class Runner:
    id: int
    repo: str
    name: str
    labels: list[str]
    status: str = "offline"
    busy: bool = False


@dataclass
class WorkflowRun:
    """A workflow run, as far as re-running it goes: GitHub re-runs only a completed run."""

    id: int
    repo: str
    run_attempt: int = 1
    status: str = "completed"  # queued, in_progress, completed
    conclusion: str | None = "failure"
    reruns: list[str] = field(default_factory=list)  # what was asked: "failed-jobs"


def fake_sha(*parts: object) -> str:
    """A stable, valid-looking sha for objects the fake does not store (seeded pull heads)."""
    return hashlib.sha1(":".join(map(str, parts)).encode()).hexdigest()
