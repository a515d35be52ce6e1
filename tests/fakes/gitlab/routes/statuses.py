"""Commit statuses: the report's verdict as a pipeline status on a commit."""

from __future__ import annotations

from datetime import datetime

from tests.fakes.gitlab.note_bodies import status_json
from tests.fakes.gitlab.records import DEVELOPER, CommitStatus
from tests.fakes.gitlab.routes.commits import commit
from tests.fakes.gitlab.routing import Call, Reply, Router, bad_request, not_found

router = Router()
DOCS = "https://docs.gitlab.com/api"
MAX_URL = 255  # GenericCommitStatus validates target_url's length
STATES = ("pending", "running", "success", "failed", "canceled")
FINISHED = ("success", "failed", "canceled")
# The state machine event each requested state fires, for GitLab's transition error message.
EVENTS = {"pending": "enqueue", "running": "run", "success": "succeed", "failed": "drop"}


@router(
    "POST",
    "/projects/:id/statuses/:sha",
    docs=f"{DOCS}/commits/#set-the-pipeline-status-of-a-commit",
    required=("state",),
    optional=("ref", "name", "context", "target_url", "description", "coverage", "pipeline_id"),
    choices={"state": STATES},
    role=DEVELOPER,
)
def set_status(call: Call) -> Reply:
    project = call.project()
    target = project.commits.get(call.params["sha"])  # a full sha: no branch names here
    if target is None:
        raise not_found("Commit")
    state = call.text("state") or ""
    name = call.text("name") or call.text("context") or "default"
    ref = call.text("ref")
    now = call.state.clock.now()
    # Like GitLab, a status still pending or running with the same name and ref moves on; a
    # finished one is kept and a new status is created.
    status = next(
        (
            s
            for s in sorted(call.state.statuses.values(), key=lambda s: -s.id)
            if s.project_id == project.id
            and s.sha == target.sha
            and s.name == name
            and s.ref == ref
            and s.status not in FINISHED
        ),
        None,
    )
    if status is not None and status.status == state:
        event = EVENTS.get(state, "cancel")
        raise bad_request(f"Cannot transition status via :{event} from :{state}")
    if "pipeline_id" in call.args:
        try:
            wanted: int | None = int(call.args["pipeline_id"])
        except (TypeError, ValueError):
            raise bad_request("pipeline_id is invalid") from None
    else:
        wanted = None
    target_url = call.text("target_url")
    if target_url and len(target_url) > MAX_URL:
        raise bad_request({"target_url": ["is too long (maximum is 255 characters)"]})
    pipeline = call.state.pipeline_for(project, target.sha, ref, wanted)
    if pipeline is None:
        raise not_found("Pipeline for pipeline_id, sha and ref")
    if status is None:
        status = CommitStatus(
            call.state.next_id(5_000_000),
            project.id,
            target.sha,
            ref,
            name,
            state,
            call.user.username,
            now,
            pipeline_id=pipeline.id,
        )
        call.state.statuses[status.id] = status
    _apply(call, status, state, now)
    return Reply(201, status_json(call.links, call.state, status))


def _apply(call: Call, status: CommitStatus, state: str, now: datetime) -> None:
    status.status = state
    for key in ("target_url", "description"):
        if key in call.args:
            setattr(status, key, call.text(key))
    if "coverage" in call.args:
        try:
            status.coverage = float(call.args["coverage"])
        except (TypeError, ValueError):
            raise bad_request("coverage is invalid") from None
    if state != "pending" and status.started_at is None:
        status.started_at = now
    if state in FINISHED:
        status.finished_at = now


@router(
    "GET",
    "/projects/:id/repository/commits/:sha/statuses",
    docs=f"{DOCS}/commits/#list-the-statuses-of-a-commit",
    optional=("ref", "stage", "name", "pipeline_id", "order_by", "sort", "all"),
    choices={"order_by": ("id", "pipeline_id"), "sort": ("asc", "desc")},
    paginated=True,
)
def list_statuses(call: Call) -> Reply:
    project = call.project()
    target = commit(call)
    found = [
        s
        for s in call.state.statuses.values()
        if s.project_id == project.id and s.sha == target.sha
    ]
    for key in ("ref", "name"):
        if key in call.args:
            found = [s for s in found if getattr(s, key) == call.text(key)]
    if str(call.args.get("all", "false")).lower() not in ("true", "1"):
        latest: dict[tuple[str, str | None], CommitStatus] = {}
        for status in sorted(found, key=lambda s: s.id):
            latest[(status.name, status.ref)] = status
        found = list(latest.values())
    found.sort(key=lambda s: s.id, reverse=call.text("sort", "asc") == "desc")
    page, headers = call.paginate(found)
    return Reply(200, [status_json(call.links, call.state, s) for s in page], headers)
