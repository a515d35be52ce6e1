"""JSON bodies of notes, discussions and commits with their comments and statuses."""

from __future__ import annotations

from typing import Any

from tests.fakes.gitlab.bodies import iso, user_basic
from tests.fakes.gitlab.records import Commit, CommitStatus, Note, Project
from tests.fakes.gitlab.routing import Links
from tests.fakes.gitlab.state import GitLabState


def note_json(links: Links, state: GitLabState, note: Note) -> dict[str, Any]:
    return {
        "id": note.id,
        "type": None if note.individual else "DiscussionNote",
        "body": note.body,
        "attachment": None,
        "author": user_basic(links, state.users[note.author]),
        "created_at": iso(note.created_at),
        "updated_at": iso(note.updated_at),
        "system": note.system,
        "noteable_id": note.noteable_id,
        "noteable_type": note.noteable_type,
        "project_id": note.project_id,
        "commit_id": note.commit_id,
        "resolvable": False,
        "confidential": False,
        "internal": False,
        "imported": False,
        "imported_from": "none",
        "noteable_iid": note.noteable_iid,
    }


def discussion_json(links: Links, state: GitLabState, notes: list[Note]) -> dict[str, Any]:
    return {
        "id": notes[0].discussion_id,
        "individual_note": notes[0].individual,
        "notes": [note_json(links, state, n) for n in notes],
    }


def commit_comment_json(links: Links, state: GitLabState, note: Note) -> dict[str, Any]:
    """A commit comment, the older and smaller view of a note on a commit."""
    return {
        "note": note.body,
        "path": note.path,
        "line": note.line,
        "line_type": note.line_type,
        "author": user_basic(links, state.users[note.author]),
        "created_at": iso(note.created_at),
    }


def commit_json(
    links: Links, project: Project, commit: Commit, *, status: str | None = None
) -> dict[str, Any]:
    moment = iso(commit.created_at)
    return {
        "id": commit.sha,
        "short_id": commit.sha[:8],
        "created_at": moment,
        "parent_ids": list(commit.parent_ids),
        "title": commit.title,
        "message": commit.message,
        "author_name": commit.author_name,
        "author_email": commit.author_email,
        "authored_date": moment,
        "committer_name": commit.author_name,
        "committer_email": commit.author_email,
        "committed_date": moment,
        "trailers": {},
        "extended_trailers": {},
        "web_url": f"{links.project(project)}/-/commit/{commit.sha}",
        "stats": {"additions": 1, "deletions": 0, "total": 1},
        "status": status,
        "project_id": project.id,
        "last_pipeline": None,
    }


def status_json(links: Links, state: GitLabState, status: CommitStatus) -> dict[str, Any]:
    return {
        "id": status.id,
        "sha": status.sha,
        "ref": status.ref,
        "status": status.status,
        "name": status.name,
        "target_url": status.target_url,
        "description": status.description,
        "created_at": iso(status.created_at),
        "started_at": iso(status.started_at),
        "finished_at": iso(status.finished_at),
        "allow_failure": False,
        "coverage": status.coverage,
        "pipeline_id": status.pipeline_id,
        "author": user_basic(links, state.users[status.author]),
    }
