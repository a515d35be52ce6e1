"""Notes (comments) on merge requests and issues: where the sticky report lives."""

from __future__ import annotations

from tests.fakes.gitlab.note_bodies import note_json
from tests.fakes.gitlab.records import MAINTAINER, REPORTER, Issue, MergeRequest, Note
from tests.fakes.gitlab.routing import ApiError, Call, Reply, Router, bad_request, not_found

router = Router()
DOCS = "https://docs.gitlab.com/api/notes"
MAX_BODY = 1_000_000  # characters, as the notes API documents


def note_body(call: Call, *, required: bool = True) -> str | None:
    body = call.text("body")
    if body is None and not required:
        return None
    if not body or not body.strip():
        raise bad_request({"note": ["can't be blank"]})
    if len(body) > MAX_BODY:
        raise bad_request({"note": [f"is too long (maximum is {MAX_BODY} characters)"]})
    return body


def may_change(call: Call, note: Note) -> None:
    """Only the author (or a maintainer) may edit or delete a note; nobody edits system notes."""
    if note.system or (note.author != call.user.username and call.token.access_level < MAINTAINER):
        raise ApiError(403, "403 Forbidden")


class Noteable:
    """Routes for the notes of one kind of noteable (merge requests or issues)."""

    def __init__(self, kind: str, collection: str, iid_param: str, anchor: str) -> None:
        self.kind = kind
        self.iid_param = iid_param
        base = f"/projects/:id/{collection}/:{iid_param}/notes"
        docs = f"{DOCS}/#{anchor}"
        create_optional: tuple[str, ...] = ("created_at", "internal", "confidential")
        if kind == "MergeRequest":
            create_optional = ("created_at", "internal", "merge_request_diff_head_sha")
        router(
            "GET",
            base,
            docs=docs,
            optional=("sort", "order_by", "activity_filter"),
            choices={
                "sort": ("asc", "desc"),
                "order_by": ("created_at", "updated_at"),
                "activity_filter": ("all_notes", "only_comments", "only_activity"),
            },
            paginated=True,
        )(self.list)
        router(
            "POST", base, docs=docs, required=("body",), optional=create_optional, role=REPORTER
        )(self.create)
        router("GET", f"{base}/:note_id", docs=docs)(self.get)
        # The docs make ``body`` required when editing a merge request note, optional on issues.
        update_fields = ("body",) if kind == "MergeRequest" else ()
        router(
            "PUT",
            f"{base}/:note_id",
            docs=docs,
            required=update_fields,
            optional=("confidential",) if update_fields else ("body", "confidential"),
            role=REPORTER,
        )(self.update)
        router("DELETE", f"{base}/:note_id", docs=docs, role=REPORTER)(self.delete)

    def noteable(self, call: Call) -> MergeRequest | Issue:
        what = "Merge Request" if self.kind == "MergeRequest" else "Issue"
        key = (call.project().id, call.number(self.iid_param, what))
        store = call.state.merge_requests if self.kind == "MergeRequest" else call.state.issues
        found: MergeRequest | Issue | None = store.get(key)
        if found is None:
            raise not_found(what)
        return found

    def note(self, call: Call) -> Note:
        noteable = self.noteable(call)
        note = call.state.notes.get(call.number("note_id", "Note"))
        if note is None or note.noteable_type != self.kind or note.noteable_iid != noteable.iid:
            raise not_found("Note")
        if note.project_id != noteable.project_id:
            raise not_found("Note")
        return note

    def list(self, call: Call) -> Reply:
        noteable = self.noteable(call)
        notes = call.state.notes_on(call.project(), self.kind, noteable.iid)
        activity = call.text("activity_filter", "all_notes")
        if activity != "all_notes":
            notes = [n for n in notes if n.system == (activity == "only_activity")]
        order_by = call.text("order_by", "created_at") or "created_at"

        def key(note: Note) -> tuple[object, int]:
            return (getattr(note, order_by), note.id)

        # Newest first unless told otherwise, as GitLab's default sort is desc.
        notes.sort(key=key, reverse=call.text("sort", "desc") == "desc")
        page, headers = call.paginate(notes)
        return Reply(200, [note_json(call.links, call.state, n) for n in page], headers)

    def create(self, call: Call) -> Reply:
        noteable = self.noteable(call)
        body = note_body(call)
        assert body is not None
        note = call.state.create_note(call.project(), noteable, body, call.user.username)
        noteable.updated_at = note.created_at
        return Reply(201, note_json(call.links, call.state, note))

    def get(self, call: Call) -> Reply:
        return Reply(200, note_json(call.links, call.state, self.note(call)))

    def update(self, call: Call) -> Reply:
        note = self.note(call)
        may_change(call, note)
        body = note_body(call, required=self.kind == "MergeRequest")
        if body is not None:
            note.body = body
            note.updated_at = call.state.clock.now()
        return Reply(200, note_json(call.links, call.state, note))

    def delete(self, call: Call) -> Reply:
        note = self.note(call)
        may_change(call, note)
        del call.state.notes[note.id]
        return Reply(204)


Noteable("MergeRequest", "merge_requests", "merge_request_iid", "merge-requests")
Noteable("Issue", "issues", "issue_iid", "issues")
