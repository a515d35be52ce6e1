"""Projects, merge requests, issues and uploads."""

from __future__ import annotations

import re

from tests.fakes.gitlab.bodies import issue_json, merge_request_json, project_json, upload_json
from tests.fakes.gitlab.records import REPORTER, MergeRequest, Upload, fake_secret
from tests.fakes.gitlab.routing import ApiError, Call, Reply, Router, bad_request, not_found

router = Router()
# CarrierWave's sanitising of an uploaded file's name, which GitLab keeps.
UNSAFE_IN_NAME = re.compile(r"[^a-zA-Z0-9.\-+_]")
DOCS = "https://docs.gitlab.com/api"
MR_STATES = ("opened", "closed", "locked", "merged", "all")
MAX_UPLOAD = 100 * 1024 * 1024  # GitLab.com's default attachment size limit


@router(
    "GET",
    "/projects/:id",
    docs=f"{DOCS}/projects/#get-a-single-project",
    optional=("license", "statistics", "with_custom_attributes"),
)
def get_project(call: Call) -> Reply:
    return Reply(200, project_json(call.links, call.project()))


@router(
    "GET",
    "/projects/:id/merge_requests",
    docs=f"{DOCS}/merge_requests/#list-project-merge-requests",
    optional=(
        "state",
        "source_branch",
        "target_branch",
        "author_username",
        "iids[]",
        "order_by",
        "sort",
        "view",
        "with_labels_details",
        "with_merge_status_recheck",
    ),
    choices={
        "state": MR_STATES,
        "order_by": ("created_at", "updated_at", "title"),
        "sort": ("asc", "desc"),
        "view": ("simple",),
    },
    paginated=True,
)
def list_merge_requests(call: Call) -> Reply:
    project = call.project()
    found = [m for m in call.state.merge_requests.values() if m.project_id == project.id]
    state = call.text("state", "all")
    if state != "all":
        found = [m for m in found if m.state == state]
    for name in ("source_branch", "target_branch"):
        wanted = call.text(name)
        if wanted is not None:
            found = [m for m in found if getattr(m, name) == wanted]
    author = call.text("author_username")
    if author is not None:
        found = [m for m in found if m.author == author]
    iids = call.args.get("iids[]")
    if iids is not None:
        wanted_iids = {str(i) for i in (iids if isinstance(iids, list) else [iids])}
        found = [m for m in found if str(m.iid) in wanted_iids]
    order_by = call.text("order_by", "created_at") or "created_at"

    def key(mr: MergeRequest) -> tuple[object, int]:
        return (getattr(mr, order_by), mr.id)

    found.sort(key=key, reverse=call.text("sort", "desc") == "desc")
    page, headers = call.paginate(found)
    body = [merge_request_json(call.links, call.state, m) for m in page]
    return Reply(200, body, headers)


def merge_request(call: Call) -> MergeRequest:
    iid = call.number("merge_request_iid", "Merge Request")
    found = call.state.merge_requests.get((call.project().id, iid))
    if found is None:
        raise not_found("Merge Request")
    return found


@router(
    "GET",
    "/projects/:id/merge_requests/:merge_request_iid",
    docs=f"{DOCS}/merge_requests/#get-single-mr",
    optional=("render_html", "include_diverged_commits_count", "include_rebase_in_progress"),
)
def get_merge_request(call: Call) -> Reply:
    return Reply(200, merge_request_json(call.links, call.state, merge_request(call), single=True))


@router("GET", "/projects/:id/issues/:issue_iid", docs=f"{DOCS}/issues/#single-project-issue")
def get_issue(call: Call) -> Reply:
    iid = call.number("issue_iid", "Issue")
    issue = call.state.issues.get((call.project().id, iid))
    if issue is None:
        raise not_found("Issue")
    return Reply(200, issue_json(call.links, call.state, issue))


@router(
    "POST",
    "/projects/:id/uploads",
    docs=f"{DOCS}/project_markdown_uploads/#upload-a-file",
    required=("file",),
    role=REPORTER,
)
def upload_file(call: Call) -> Reply:
    project = call.project()
    if "file" not in call.files:
        raise bad_request("file is invalid")  # a plain field, not a file part
    filename, data = call.files["file"]
    if len(data) > MAX_UPLOAD:
        raise ApiError(413, "413 Request Entity Too Large")
    ident = call.state.next_id(300)
    secret = fake_secret(project.id, ident, filename)
    name = sanitized(filename)
    now = call.state.clock.now()
    upload = Upload(ident, project.id, secret, name, data, call.user.username, now)
    call.state.uploads[upload.id] = upload
    return Reply(201, upload_json(upload))


def sanitized(filename: str) -> str:
    name = UNSAFE_IN_NAME.sub("_", filename.replace("\\", "/").rsplit("/", 1)[-1])
    return "file" if name.strip(".") == "" else name
