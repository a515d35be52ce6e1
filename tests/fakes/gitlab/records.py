"""The records the fake GitLab keeps: users, tokens, projects, merge requests, notes, statuses.

Plain data; ``state.py`` holds them together and ``bodies.py`` renders them as GitLab does.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime

from tests.fakes.served import Clock as Clock

# GitLab's access levels (the "role" of a member): what a token's user may do in a project.
GUEST, REPORTER, DEVELOPER, MAINTAINER, OWNER = 10, 20, 30, 40, 50
ROLES = {
    "guest": GUEST,
    "reporter": REPORTER,
    "developer": DEVELOPER,
    "maintainer": MAINTAINER,
    "owner": OWNER,
}
# Uploads GitLab embeds (``![...]``) rather than links (``[...]``).
MEDIA_EXTENSIONS = frozenset(
    {"png", "jpg", "jpeg", "gif", "bmp", "tiff", "ico", "webp", "svg", "mp4", "m4v", "mov", "webm"}
)


@dataclass
class User:
    id: int
    username: str
    name: str
    bot: bool = False

    @property
    def email(self) -> str:
        return f"{self.username}@example.com"


@dataclass
class Token:
    """A credential: ``kind`` is personal, project (a project access token) or job."""

    value: str
    username: str  # the user acting (for a job token: the user who ran the pipeline)
    kind: str
    scopes: frozenset[str]
    access_level: int
    project_id: int | None = None  # project and job tokens reach only their project


@dataclass
class Commit:
    sha: str
    message: str
    author_name: str
    author_email: str
    created_at: datetime
    parent_ids: tuple[str, ...] = ()
    # The tree as the repository files API sees it: path -> (content, executable).
    files: dict[str, tuple[bytes, bool]] = field(default_factory=dict)

    @property
    def title(self) -> str:
        return self.message.split("\n", 1)[0]


@dataclass
class Project:
    id: int
    path_with_namespace: str
    default_branch: str
    visibility: str
    created_at: datetime
    commits: dict[str, Commit] = field(default_factory=dict)
    branches: dict[str, str] = field(default_factory=dict)  # name -> sha

    @property
    def path(self) -> str:
        return self.path_with_namespace.rsplit("/", 1)[-1]

    @property
    def namespace(self) -> str:
        return self.path_with_namespace.rsplit("/", 1)[0]


@dataclass
class MergeRequest:
    id: int
    iid: int
    project_id: int
    title: str
    author: str
    source_branch: str
    target_branch: str
    sha: str
    base_sha: str
    state: str  # opened | closed | merged | locked
    created_at: datetime
    updated_at: datetime
    description: str = ""


@dataclass
class Issue:
    id: int
    iid: int
    project_id: int
    title: str
    author: str
    state: str  # opened | closed
    created_at: datetime
    updated_at: datetime
    description: str = ""


@dataclass
class Note:
    """A comment. Commit comments and commit discussion notes are notes too, as in GitLab.

    ``noteable_type`` is MergeRequest, Issue or Commit; ``noteable_iid`` is None on a commit,
    whose sha is ``commit_id``. Every note sits in a discussion (``discussion_id``):
    ``individual`` ones hold a single note, threads (started through the discussions API)
    may hold more.
    """

    id: int
    project_id: int
    noteable_type: str
    noteable_id: int | None
    noteable_iid: int | None
    commit_id: str | None
    body: str
    author: str
    system: bool
    created_at: datetime
    updated_at: datetime
    discussion_id: str
    individual: bool = True
    path: str | None = None  # commit comments on a line
    line: int | None = None
    line_type: str | None = None


@dataclass
class CommitStatus:
    id: int
    project_id: int
    sha: str
    ref: str | None
    name: str
    status: str
    author: str
    created_at: datetime
    target_url: str | None = None
    description: str | None = None
    coverage: float | None = None
    pipeline_id: int | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None


@dataclass
class Pipeline:
    """A pipeline on a commit: a CI run (``push``, ``merge_request_event``...), or the
    ``external`` one GitLab makes for a status posted on a commit that has none."""

    id: int
    project_id: int
    sha: str
    ref: str
    source: str


@dataclass
class Upload:
    id: int
    project_id: int
    secret: str
    filename: str
    data: bytes
    author: str
    created_at: datetime

    @property
    def is_media(self) -> bool:
        return self.filename.rsplit(".", 1)[-1].lower() in MEDIA_EXTENSIONS

    @property
    def alt(self) -> str:
        """GitLab's ``markdown_name``: an image or video's name without extension."""
        return self.filename.rsplit(".", 1)[0] if self.is_media else self.filename

    @property
    def markdown(self) -> str:
        return f"{'!' if self.is_media else ''}[{self.alt}]({self.url})"

    @property
    def url(self) -> str:
        return f"/uploads/{self.secret}/{self.filename}"

    @property
    def full_path(self) -> str:
        return f"/-/project/{self.project_id}/uploads/{self.secret}/{self.filename}"


@dataclass
class Runner:
    id: int
    token: str
    runner_type: str
    project_id: int | None
    description: str
    tag_list: list[str]
    run_untagged: bool
    paused: bool = False
    locked: bool = False
    access_level: str = "not_protected"
    maximum_timeout: int | None = None
    created_at: datetime | None = None
    # online, offline, stale or never_contacted: tests set "online" where a machine's runner
    # process would have contacted GitLab.
    status: str = "never_contacted"


def fake_sha(*parts: object) -> str:
    """A stable, valid-looking 40-hex sha for objects the fake names but does not store."""
    return hashlib.sha1(":".join(map(str, parts)).encode()).hexdigest()


def fake_secret(*parts: object) -> str:
    """32 hex characters, the shape of an upload's secret or a bot's random suffix."""
    return hashlib.md5(":".join(map(str, parts)).encode()).hexdigest()


@dataclass
class Job:
    """A CI job of a pipeline: what `runner stop` retries after a spot interruption."""

    id: int
    project_id: int
    pipeline_id: int
    name: str
    status: str  # created, pending, running, failed, success, canceled, skipped
    tag_list: list[str] = field(default_factory=list)
    stage: str = "test"
    retried: bool = False  # a newer job replaced it (GitLab hides these by default)
    runner_id: int | None = None  # the runner that picked it up (running or done)
