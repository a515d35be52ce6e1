"""The seeding helpers tests call to set up a story: projects, merge requests, notes, tokens.

A project can be named by its path (``group/sub/proj``), its numeric id, or the record itself.
"""

from __future__ import annotations

from collections.abc import Iterable

from tests.fakes.gitlab.records import (
    ROLES,
    Commit,
    Issue,
    MergeRequest,
    Note,
    Pipeline,
    Project,
    Token,
    fake_secret,
    fake_sha,
)
from tests.fakes.gitlab.state import GitLabState, ProjectRef


class Seeding(GitLabState):
    """GitLab's state with the helpers that fill it (the server is one of these)."""

    # -- users and tokens ------------------------------------------------------------------------

    def add_token(
        self,
        value: str,
        *,
        username: str = "alice",
        scopes: Iterable[str] = ("api",),
        role: str = "developer",
    ) -> Token:
        """A personal access token of ``username``, a member with ``role`` in every project."""
        with self.lock:
            self.add_user(username)
            token = Token(value, username, "personal", frozenset(scopes), ROLES[role])
            self.tokens[value] = token
            return token

    def add_project_bot_token(
        self,
        value: str,
        *,
        project: ProjectRef,
        scopes: Iterable[str] = ("api",),
        role: str = "developer",
        name: str = "cmlreport",
    ) -> Token:
        """A project access token: its user is a bot named ``project_<id>_bot_<32 hex>``."""
        with self.lock:
            target = self.project(project)
            username = f"project_{target.id}_bot_{fake_secret(value)}"
            self.add_user(username, name=name, bot=True)
            token = Token(value, username, "project", frozenset(scopes), ROLES[role], target.id)
            self.tokens[value] = token
            return token

    def add_job_token(self, value: str, *, project: ProjectRef, username: str = "alice") -> Token:
        """A CI job token (CI_JOB_TOKEN) of a pipeline ``username`` runs in ``project``."""
        with self.lock:
            target = self.project(project)
            self.add_user(username)
            token = Token(value, username, "job", frozenset(), ROLES["developer"], target.id)
            self.tokens[value] = token
            return token

    # -- projects and what is in them ----------------------------------------------------------

    def add_project(
        self,
        path: str,
        *,
        id: int | None = None,
        default_branch: str = "main",
        visibility: str = "private",
    ) -> Project:
        """A project with one commit on its default branch."""
        with self.lock:
            ident = id if id is not None else self.next_id(100)
            if ident in self.projects or self.find_project(path) is not None:
                raise KeyError(f"project {path} (id {ident}) exists already")
            project = Project(ident, path, default_branch, visibility, self.clock.now())
            self.projects[ident] = project
            self.add_commit(project, message="Initial commit", branch=default_branch)
            return project

    def add_commit(
        self,
        project: ProjectRef,
        *,
        sha: str | None = None,
        message: str = "Update the model",
        branch: str | None = None,
        author: str = "alice",
    ) -> Commit:
        """A commit, made the tip of ``branch`` when given.

        Its parent is the branch's old tip, or for a new branch the default branch's tip.
        """
        with self.lock:
            target = self.project(project)
            user = self.add_user(author)
            parent = target.branches.get(branch or "") or target.branches.get(target.default_branch)
            sha = sha or fake_sha(target.id, len(target.commits), message)
            commit = Commit(
                sha, message, user.name, user.email, self.clock.now(), (parent,) if parent else ()
            )
            before = target.commits.get(parent) if parent else None
            commit.files = dict(before.files) if before else {"README.md": (b"# project\n", False)}
            target.commits[sha] = commit
            if branch:
                target.branches[branch] = sha
            return commit

    def add_merge_request(
        self,
        project: ProjectRef,
        *,
        iid: int,
        source_branch: str = "feature",
        target_branch: str | None = None,
        sha: str | None = None,
        title: str = "Retrain the model",
        author: str = "alice",
        state: str = "opened",
    ) -> MergeRequest:
        """A merge request whose source branch tip is ``sha``.

        Like GitLab, it starts with a system note ("added 1 commit"), which clients that look
        for their own comment must skip.
        """
        with self.lock:
            target = self.project(project)
            base = target.branches[target.default_branch]
            head = self.add_commit(target, sha=sha, branch=source_branch, author=author)
            now = self.clock.now()
            mr = MergeRequest(
                id=self.next_id(10_000),
                iid=iid,
                project_id=target.id,
                title=title,
                author=author,
                source_branch=source_branch,
                target_branch=target_branch or target.default_branch,
                sha=head.sha,
                base_sha=base,
                state=state,
                created_at=now,
                updated_at=now,
            )
            self.merge_requests[(target.id, iid)] = mr
            system_body = f"added 1 commit\n\n<ul><li>{head.sha[:8]} - {head.title}</li></ul>"
            self.create_note(target, mr, system_body, author, system=True)
            return mr

    def add_pipeline(
        self, project: ProjectRef, *, sha: str, ref: str, source: str = "merge_request_event"
    ) -> Pipeline:
        """A CI pipeline on ``sha``: the one a job of the story runs in (CI_PIPELINE_ID)."""
        with self.lock:
            target = self.project(project)
            made = Pipeline(self.next_id(8_000), target.id, sha, ref, source)
            self.pipelines[made.id] = made
            return made

    def add_issue(
        self,
        project: ProjectRef,
        *,
        iid: int,
        title: str = "Model drifts on new data",
        author: str = "alice",
        state: str = "opened",
    ) -> Issue:
        with self.lock:
            target = self.project(project)
            self.add_user(author)
            now = self.clock.now()
            issue = Issue(self.next_id(20_000), iid, target.id, title, author, state, now, now)
            self.issues[(target.id, iid)] = issue
            return issue

    def add_notes(
        self,
        project: ProjectRef,
        iid: int,
        bodies: Iterable[str],
        *,
        author: str = "bob",
        system: bool = False,
        issue: bool = False,
    ) -> list[Note]:
        """Notes already on merge request (or, with ``issue=True``, issue) ``iid``, oldest first."""
        with self.lock:
            target = self.project(project)
            noteable = self.issues[(target.id, iid)] if issue else self.merge_request(target, iid)
            return [self.create_note(target, noteable, b, author, system=system) for b in bodies]

    def user_notes(self, project: ProjectRef, iid: int, *, issue: bool = False) -> list[Note]:
        """The non-system notes on merge request (or issue) ``iid``, oldest first."""
        with self.lock:
            kind = "Issue" if issue else "MergeRequest"
            notes = self.notes_on(self.project(project), kind, iid)
            return sorted((n for n in notes if not n.system), key=lambda n: n.id)
