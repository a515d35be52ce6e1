"""The notes half of the GitLab forge: sticky report notes on merge requests, issues and
commits, over python-gitlab.

A merge request's or issue's notes are read through GraphQL, both ends and who the token is in
one request (``thread``), or where GitLab does not answer that, through REST (``notes``;
``GET /user`` only once a marker note is found). Commit targets use commit *discussions*,
because plain commit comments cannot be edited.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager
from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar

from cmlreport.errors import InputError, RemoteError
from cmlreport.forges.base import Comment, Target, TargetKind
from cmlreport.forges.gitlab import notes as rest
from cmlreport.forges.gitlab.client import GitLabSettings, make_client
from cmlreport.forges.gitlab.errors import Attempt, NotFound, gitlab_errors
from cmlreport.forges.gitlab.graphql import GraphQLNotes
from cmlreport.forges.gitlab.places import keep_place
from cmlreport.forges.shared import ForgeBase
from cmlreport.forges.sticky import Kept, opens_with, place_context

if TYPE_CHECKING:
    import gitlab

    from cmlreport.forges.gitlab.thread import Thread

T = TypeVar("T")


class GitLabNotes(ForgeBase[GitLabSettings]):
    """Our notes on one GitLab project, with the client and error plumbing under them."""

    def __init__(self, settings: GitLabSettings) -> None:
        super().__init__(settings)
        self._client: gitlab.Gitlab | None = None
        self._username: str | None = None  # the token's user, once asked
        self._web_url: str | None = None  # https://host/group/project
        self._discussions: dict[int, str] = {}  # commit note id -> its discussion id
        self._notes = GraphQLNotes(settings, self._gitlab, self._errors)
        # Per (merge request, marker): what the latest lookup said of where ours is kept.
        self._places: dict[tuple[int, str], Kept] = {}

    # -- notes -----------------------------------------------------------------------------

    def find_comment(self, target: Target, marker: str, *, newest: bool = False) -> Comment | None:
        if target.kind is TargetKind.COMMIT:
            return super().find_comment(target, marker)
        found = self._graphql_read(target, marker, lambda thread: [thread.find(marker)])
        if found is not None:
            return found[0]
        with self._target_errors(Attempt(f"read the notes on {describe(target)}"), target):
            note = rest.find_note(
                self._noteable(target).notes, self._matcher(marker), newest=newest
            )
        return None if note is None else self._comment(target, note)

    def find_comments(self, target: Target, marker: str) -> list[Comment]:
        found = self._graphql_read(target, marker, lambda thread: thread.find_all(marker))
        return super().find_comments(target, marker) if found is None else found

    def recent_comments(self, target: Target, marker: str) -> list[Comment]:
        found = self._graphql_read(target, marker, lambda thread: thread.find_recent(marker))
        if found is not None or target.kind is TargetKind.COMMIT:
            return super().recent_comments(target, marker) if found is None else found
        with self._target_errors(Attempt(f"read the notes on {describe(target)}"), target):
            notes = rest.recent_notes(self._noteable(target).notes, self._matcher(marker))
        return [self._comment(target, note) for note in notes]

    def remember_comment(self, target: Target, marker: str, comment: Comment) -> str | None:
        """A commit status in this CI job's pipeline names ``comment`` (``places``), unless
        the latest lookup found one naming it, or found it among the first ``WINDOW`` notes
        (notes are only added after it: the first query always sees it). Only a job of a
        pipeline the merge request lists (among those the first query asked for) can keep
        it: outside GitLab CI, in a child pipeline or in a pipeline of another branch or
        merge request nothing is kept."""
        number = target.number or 0
        kept = self._places.get((number, marker))
        ci = self._settings.ci
        if target.kind is not TargetKind.PR or kept is None or not kept.needed(comment.id):
            return None
        if ci.pipeline_id not in kept.pipelines or ci.head_sha is None:
            return None
        attempt = Attempt(
            f"keep where note {comment.id} is (a commit status in pipeline {ci.pipeline_id})",
            "Developer",
            write=True,
        )
        context = place_context(marker, f"!{number}")
        try:
            with self._errors(attempt):
                keep_place(self._project(), ci.head_sha, ci.pipeline_id, context, comment.url)
        except (RemoteError, InputError) as exc:
            return kept.note(exc.message)  # the note stands; the next lookup costs more
        self._places[(number, marker)] = replace(kept, stored=comment.id)
        return None

    def _graphql_read(self, target: Target, marker: str, read: Callable[[Thread], T]) -> T | None:
        doing = f"read the notes on {describe(target)}"
        url = partial(self._note_url, target)
        context = place_context(marker, f"!{target.number or 0}")
        fetch = partial(self._fetch_note, target)
        found = self._notes.read(target, doing, url, read, context=context, fetch=fetch)
        self._username = self._username or self._notes.viewer
        if found is not None and self._notes.place is not None:
            key = (target.number or 0, marker)
            self._places[key] = self._notes.place.after(self._places.get(key))
        return found

    def _fetch_note(self, target: Target, note_id: int) -> Comment | None:
        """A note of the target's by id; None when it is gone (or on another noteable)."""
        attempt = Attempt(f"read note {note_id} on {describe(target)}")
        try:
            with self._errors(attempt):
                note = self._noteable(target).notes.get(note_id).attributes
        except NotFound:
            return None
        return None if note.get("system") else self._comment(target, note)

    def _matcher(self, marker: str) -> Callable[[Mapping[str, Any]], bool]:
        return partial(rest.matches, marker, self._is_ours)

    def _ours(self, target: Target, marker: str) -> Iterator[Comment]:
        """Notes opening with ``marker`` that this token's user wrote, newest first."""
        attempt = Attempt(f"read the notes on {describe(target)}")
        with self._target_errors(attempt, target):
            for note in self._notes_newest_first(target):
                if opens_with(str(note.get("body") or ""), marker) and self._is_ours(note):
                    yield self._comment(target, note)

    def create_comment(self, target: Target, body: str) -> Comment:
        attempt = Attempt(f"post a note on {describe(target)}", write=True, post=True)
        with self._target_errors(attempt, target):
            if target.kind is TargetKind.COMMIT:
                commit = self._project().commits.get(target.sha, lazy=True)
                discussion = commit.discussions.create({"body": body})
                note = discussion.attributes["notes"][0]
                self._discussions[int(note["id"])] = str(discussion.id)
            else:
                note = self._noteable(target).notes.create({"body": body}).attributes
        made = self._comment(target, note)
        if self._settings.token_kind != "job":
            # What this token just wrote says who it is: no need to ask later.
            self._username = self._username or made.author
        return made

    def update_comment(self, target: Target, comment: Comment, body: str) -> Comment:
        attempt = Attempt(f"update note {comment.id} on {describe(target)}", write=True)
        with self._target_errors(attempt, target):
            if target.kind is TargetKind.COMMIT:
                note = self._discussion(target, comment.id).notes.get(comment.id, lazy=True)
            else:
                note = self._noteable(target).notes.get(comment.id, lazy=True)
            note.body = body
            note.save()
            return self._comment(target, note.attributes)

    def _delete(self, target: Target, comment: Comment) -> None:
        with self._errors(Attempt(f"delete note {comment.id} on {describe(target)}", write=True)):
            if target.kind is TargetKind.COMMIT:
                self._discussion(target, comment.id).notes.delete(comment.id)
            else:
                self._noteable(target).notes.delete(comment.id)

    def _notes_newest_first(self, target: Target) -> Iterator[Mapping[str, Any]]:
        """Notes a user wrote (no system notes), the most recently updated first (by creation
        on a commit), fetched a page at a time."""
        if target.kind is TargetKind.COMMIT:
            commit = self._project().commits.get(target.sha, lazy=True)
            listed = rest.commit_notes(commit, self._discussions)
        else:
            listed = rest.by_update(self._noteable(target).notes)
        for note in listed:
            if not note.get("system"):
                yield note

    def _discussion(self, target: Target, note_id: int) -> Any:
        """The commit discussion that holds note ``note_id`` (lazy: no request of its own)."""
        if note_id not in self._discussions:
            for _ in self._notes_newest_first(target):
                pass  # listing records every note's discussion
        if note_id not in self._discussions:
            raise NotFound(f"note {note_id} not found on {describe(target)}")
        commit = self._project().commits.get(target.sha, lazy=True)
        return commit.discussions.get(self._discussions[note_id], lazy=True)

    def _is_ours(self, note: Mapping[str, Any]) -> bool:
        """Written by this token's user; a job token has no user, so the marker alone counts."""
        if self._settings.token_kind == "job":
            return True
        author = str((note.get("author") or {}).get("username") or "")
        return author == self._whoami()

    def _whoami(self) -> str:
        if self._username is None:
            client = self._gitlab()
            with self._errors(Attempt("read the token's user (GET /user)")):
                client.auth()
            user = client.user
            self._username = str(user.username) if user is not None else ""
        return self._username

    def _comment(self, target: Target, note: Mapping[str, Any]) -> Comment:
        author = str((note.get("author") or {}).get("username") or "")
        return Comment(
            int(note["id"]),
            str(note.get("body") or ""),
            author,
            self._note_url(target, int(note["id"])),
        )

    def _note_url(self, target: Target, note_id: int) -> str:
        web = self._project_web_url()
        if target.kind is TargetKind.COMMIT:
            return f"{web}/-/commit/{target.sha}#note_{note_id}"
        noun = "merge_requests" if target.kind is TargetKind.PR else "issues"
        return f"{web}/-/{noun}/{target.number}#note_{note_id}"

    # -- plumbing ---------------------------------------------------------------------------

    def _gitlab(self) -> gitlab.Gitlab:
        if self._client is None:
            self._client = make_client(self._settings, self._counter)
        return self._client

    def _project(self) -> Any:
        return self._gitlab().projects.get(self._settings.project, lazy=True)  # no request

    def _noteable(self, target: Target) -> Any:
        project = self._project()
        if target.kind is TargetKind.PR:
            return project.mergerequests.get(target.number, lazy=True)
        return project.issues.get(target.number, lazy=True)

    def _project_web_url(self) -> str:
        if self._web_url is None:
            project = self._settings.project
            server = self._settings.server_url.rstrip("/")
            if not (project.isascii() and project.isdigit()):
                self._web_url = f"{server}/{project.strip('/')}"
            elif not self._visible():  # which sets it from the project's web_url
                # A link must never fail a note that was written: GitLab's web side
                # redirects /projects/<id> to the project.
                return f"{server}/projects/{project}"
        return str(self._web_url)

    def _errors(self, attempt: Attempt) -> AbstractContextManager[None]:
        return gitlab_errors(attempt, self._settings)


def describe(target: Target) -> str:
    """GitLab's words: merge request !7, issue #3, commit abc1234."""
    if target.kind is TargetKind.PR:
        return f"merge request !{target.number}"
    return target.describe()
