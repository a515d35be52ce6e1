"""The current user, the server version, and runners created through the API."""

from __future__ import annotations

from typing import Any

from tests.fakes.gitlab.bodies import VERSION, current_user, runner_json
from tests.fakes.gitlab.records import MAINTAINER, Runner, fake_secret
from tests.fakes.gitlab.routing import ApiError, Call, Reply, Router, bad_request, not_found

router = Router()
DOCS = "https://docs.gitlab.com/api"
RUNNER_FIELDS = (
    "group_id",
    "project_id",
    "description",
    "paused",
    "locked",
    "run_untagged",
    "tag_list",
    "access_level",
    "maximum_timeout",
    "maintenance_note",
    "token_expires_at",
)


@router(
    "GET",
    "/user",
    docs=f"{DOCS}/users/#retrieve-the-current-user",
    scopes=("api", "read_api", "read_user"),
    job_token=False,
    job_token_refusal=401,  # a job token is no user's credential here
)
def get_current_user(call: Call) -> Reply:
    user = call.user
    return Reply(200, current_user(call.links, user, call.state.clock.now()))


@router(
    "GET",
    "/version",
    docs=f"{DOCS}/version/",
    scopes=("api", "read_api", "read_user", "ai_features"),
)
def get_version(call: Call) -> Reply:
    return Reply(200, dict(VERSION))


def _flag(value: Any, default: bool) -> bool:
    if value is None:
        return default
    return str(value).lower() in ("true", "1")


@router(
    "POST",
    "/user/runners",
    docs=f"{DOCS}/users/#create-a-runner-linked-to-a-user",
    required=("runner_type",),
    optional=RUNNER_FIELDS,
    choices={
        "runner_type": ("instance_type", "group_type", "project_type"),
        "access_level": ("not_protected", "ref_protected"),
    },
    scopes=("api", "create_runner"),
)
def create_runner(call: Call) -> Reply:
    if call.text("runner_type") != "project_type":
        # Instance and group runners need an admin or a group owner: not modelled.
        raise ApiError(403, "403 Forbidden")
    project_id = call.text("project_id")
    if project_id is None:
        raise bad_request("project_id is missing")
    project = call.state.find_project(project_id)
    if project is None or not _reaches(call, project.id):
        raise not_found("Project")
    if call.token.access_level < MAINTAINER:
        raise ApiError(403, "403 Forbidden")
    tags: Any = call.args.get("tag_list", [])
    tag_list = [t.strip() for t in tags.split(",")] if isinstance(tags, str) else list(tags)
    ident = call.state.next_id(9_000)
    runner = Runner(
        id=ident,
        token=f"glrt-{fake_secret('runner', ident)[:20]}",
        runner_type="project_type",
        project_id=project.id,
        description=call.text("description", "") or "",
        tag_list=[t for t in tag_list if t],
        run_untagged=_flag(call.args.get("run_untagged"), True),
        paused=_flag(call.args.get("paused"), False),
        locked=_flag(call.args.get("locked"), False),
        access_level=call.text("access_level", "not_protected") or "not_protected",
        created_at=call.state.clock.now(),
    )
    call.state.runners[runner.id] = runner
    body = {"id": runner.id, "token": runner.token, "token_expires_at": None}
    return Reply(201, body)


def _reaches(call: Call, project_id: int) -> bool:
    return call.token.project_id is None or call.token.project_id == project_id


@router(
    "DELETE",
    "/runners/:id",
    docs=f"{DOCS}/runners/#delete-a-runner",
    scopes=("api", "manage_runner"),
)
def delete_runner(call: Call) -> Reply:
    runner = call.state.runners.get(call.number("id", "Runner"))
    if runner is None or (runner.project_id is not None and not _reaches(call, runner.project_id)):
        raise not_found("Runner")
    if call.token.access_level < MAINTAINER:
        raise ApiError(403, "403 Forbidden")
    del call.state.runners[runner.id]
    return Reply(204)


@router(
    "GET",
    "/projects/:id/runners",
    docs=f"{DOCS}/runners/#list-projects-runners",
    optional=("scope", "type", "status", "paused", "tag_list"),
    choices={"type": ("instance_type", "group_type", "project_type")},
    paginated=True,
    role=MAINTAINER,
)
def list_project_runners(call: Call) -> Reply:
    project = call.project()
    found = [r for r in call.state.runners.values() if r.project_id == project.id]
    if "type" in call.args:
        found = [r for r in found if r.runner_type == call.text("type")]
    if "tag_list" in call.args:
        wanted = {t.strip() for t in (call.text("tag_list") or "").split(",") if t.strip()}
        found = [r for r in found if wanted <= set(r.tag_list)]
    page, headers = call.paginate(sorted(found, key=lambda r: r.id))
    return Reply(200, [runner_json(r) for r in page], headers)
