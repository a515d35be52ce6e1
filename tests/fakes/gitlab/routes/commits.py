"""Commits: the commit itself, its comments, its discussions (editable notes) and statuses."""

from __future__ import annotations

from tests.fakes.gitlab.note_bodies import (
    commit_comment_json,
    commit_json,
    discussion_json,
    note_json,
)
from tests.fakes.gitlab.records import REPORTER, Commit, Note
from tests.fakes.gitlab.routes.notes import may_change, note_body
from tests.fakes.gitlab.routing import Call, Reply, Router, bad_request, not_found

router = Router()
DOCS = "https://docs.gitlab.com/api"
STATES = ("pending", "running", "success", "failed", "canceled")
FINISHED = ("success", "failed", "canceled")
# The state machine event each requested state fires, for GitLab's transition error message.
EVENTS = {"pending": "enqueue", "running": "run", "success": "succeed", "failed": "drop"}


def commit(call: Call, param: str = "sha") -> Commit:
    found = call.state.commit(call.project(), call.params[param])
    if found is None:
        raise not_found("Commit")
    return found


@router(
    "GET",
    "/projects/:id/repository/commits/:sha",
    docs=f"{DOCS}/commits/#get-a-single-commit",
    optional=("stats",),
)
def get_commit(call: Call) -> Reply:
    project = call.project()
    found = commit(call)
    statuses = [s for s in call.state.statuses.values() if s.sha == found.sha]
    latest = max(statuses, key=lambda s: s.id).status if statuses else None
    return Reply(200, commit_json(call.links, project, found, status=latest))


# -- comments: plain notes on a commit, which the API cannot edit -----------------------------


@router(
    "GET",
    "/projects/:id/repository/commits/:sha/comments",
    docs=f"{DOCS}/commits/#get-the-comments-of-a-commit",
    paginated=True,
)
def list_comments(call: Call) -> Reply:
    notes = sorted(call.state.notes_on(call.project(), "Commit", commit(call).sha), key=_id)
    page, headers = call.paginate(notes)
    return Reply(200, [commit_comment_json(call.links, call.state, n) for n in page], headers)


@router(
    "POST",
    "/projects/:id/repository/commits/:sha/comments",
    docs=f"{DOCS}/commits/#post-comment-to-commit",
    required=("note",),
    optional=("path", "line", "line_type"),
    choices={"line_type": ("new", "old")},
    role=REPORTER,
)
def create_comment(call: Call) -> Reply:
    target = commit(call)
    body = call.text("note")
    if not body or not body.strip():
        raise bad_request({"note": ["can't be blank"]})
    note = call.state.create_note(call.project(), target, body, call.user.username)
    # GitLab keeps a line position only for a full sha (not a branch name) with path and line.
    if call.params["sha"] == target.sha and call.text("path") and call.text("line"):
        note.path, note.line = call.text("path"), int(call.args["line"])
        note.line_type = call.text("line_type", "new")
    return Reply(201, commit_comment_json(call.links, call.state, note))


# -- discussions: threads of notes on a commit, whose notes can be edited ---------------------


def _id(note: Note) -> int:
    return note.id


def discussions(call: Call) -> dict[str, list[Note]]:
    """The commit's discussions by id, each with its notes oldest first."""
    grouped: dict[str, list[Note]] = {}
    notes = call.state.notes_on(call.project(), "Commit", commit(call, "commit_id").sha)
    for note in sorted(notes, key=_id):
        grouped.setdefault(note.discussion_id, []).append(note)
    return grouped


def discussion(call: Call) -> list[Note]:
    found = discussions(call).get(call.params["discussion_id"])
    if found is None:
        raise not_found("Discussion")
    return found


@router(
    "GET",
    "/projects/:id/repository/commits/:commit_id/discussions",
    docs=f"{DOCS}/discussions/#list-project-commit-discussion-items",
    paginated=True,
)
def list_discussions(call: Call) -> Reply:
    page, headers = call.paginate(list(discussions(call).values()))
    return Reply(200, [discussion_json(call.links, call.state, d) for d in page], headers)


@router(
    "GET",
    "/projects/:id/repository/commits/:commit_id/discussions/:discussion_id",
    docs=f"{DOCS}/discussions/#get-single-commit-discussion-item",
)
def get_discussion(call: Call) -> Reply:
    return Reply(200, discussion_json(call.links, call.state, discussion(call)))


@router(
    "POST",
    "/projects/:id/repository/commits/:commit_id/discussions",
    docs=f"{DOCS}/discussions/#create-new-commit-thread",
    required=("body",),
    optional=("created_at", "position"),
    role=REPORTER,
)
def create_discussion(call: Call) -> Reply:
    target = commit(call, "commit_id")
    body = note_body(call)
    assert body is not None
    note = call.state.create_note(
        call.project(), target, body, call.user.username, individual=False
    )
    return Reply(201, discussion_json(call.links, call.state, [note]))


@router(
    "POST",
    "/projects/:id/repository/commits/:commit_id/discussions/:discussion_id/notes",
    docs=f"{DOCS}/discussions/#add-note-to-existing-commit-thread",
    required=("body",),
    optional=("created_at",),
    role=REPORTER,
)
def reply_to_discussion(call: Call) -> Reply:
    thread = discussion(call)
    body = note_body(call)
    assert body is not None
    target = commit(call, "commit_id")
    note = call.state.create_note(
        call.project(),
        target,
        body,
        call.user.username,
        discussion_id=thread[0].discussion_id,
        individual=False,
    )
    return Reply(201, note_json(call.links, call.state, note))


def discussion_note(call: Call) -> Note:
    wanted = call.number("note_id", "Note")
    found = next((n for n in discussion(call) if n.id == wanted), None)
    if found is None:
        raise not_found("Note")
    return found


@router(
    "PUT",
    "/projects/:id/repository/commits/:commit_id/discussions/:discussion_id/notes/:note_id",
    docs=f"{DOCS}/discussions/#modify-an-existing-commit-thread-note",
    optional=("body", "resolved"),
    role=REPORTER,
)
def update_discussion_note(call: Call) -> Reply:
    note = discussion_note(call)
    may_change(call, note)
    if ("body" in call.args) == ("resolved" in call.args):
        raise bad_request("body, resolved are mutually exclusive, exactly one must be provided")
    body = note_body(call, required=False)
    if body is not None:
        note.body = body
        note.updated_at = call.state.clock.now()
    return Reply(200, note_json(call.links, call.state, note))


@router(
    "DELETE",
    "/projects/:id/repository/commits/:commit_id/discussions/:discussion_id/notes/:note_id",
    docs=f"{DOCS}/discussions/#delete-a-commit-discussion-note",
    role=REPORTER,
)
def delete_discussion_note(call: Call) -> Reply:
    note = discussion_note(call)
    may_change(call, note)
    del call.state.notes[note.id]
    return Reply(204)
