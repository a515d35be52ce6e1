"""Branches, file metadata, commits with actions, and opening/editing merge requests.

What `cmlreport pr create` does on GitLab: one commit of several files through the API (no
clone), then a merge request from that branch. Commits keep their whole tree
(``Commit.files``), so a test can read what a branch holds.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from typing import Any

from tests.fakes.gitlab.bodies import merge_request_json
from tests.fakes.gitlab.note_bodies import commit_json
from tests.fakes.gitlab.records import DEVELOPER, Commit, MergeRequest, Project, fake_sha
from tests.fakes.gitlab.routes.projects import merge_request
from tests.fakes.gitlab.routing import READ_SCOPES, ApiError, Call, Reply, Router, bad_request

router = Router()
DOCS = "https://docs.gitlab.com/api"
ACTIONS = ("create", "delete", "move", "update", "chmod")


def _branch_json(call: Call, project: Project, name: str) -> dict[str, Any]:
    tip = project.commits[project.branches[name]]
    return {
        "name": name,
        "commit": commit_json(call.links, project, tip),
        "merged": False,
        "protected": name == project.default_branch,
        "developers_can_push": name != project.default_branch,
        "developers_can_merge": name != project.default_branch,
        "can_push": True,
        "default": name == project.default_branch,
        "web_url": f"{call.links.project(project)}/-/tree/{name}",
    }


@router(
    "GET",
    "/projects/:id/repository/branches/:branch",
    docs=f"{DOCS}/branches/#get-single-repository-branch",
)
def get_branch(call: Call) -> Reply:
    project = call.project()
    if call.params["branch"] not in project.branches:
        raise ApiError(404, "404 Branch Not Found")
    return Reply(200, _branch_json(call, project, call.params["branch"]))


@router(
    "HEAD",
    "/projects/:id/repository/files/:file_path",
    docs=f"{DOCS}/repository_files/#get-file-metadata-only",
    required=("ref",),
    scopes=READ_SCOPES,
    job_token=True,
)
def file_metadata(call: Call) -> Reply:
    project = call.project()
    ref = str(call.text("ref"))
    commit = call.state.commit(project, ref)
    path = call.params["file_path"]
    if commit is None or path not in commit.files:
        raise ApiError(404, "404 File Not Found")
    data, executable = commit.files[path]
    headers = {
        "X-Gitlab-Blob-Id": hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest(),
        "X-Gitlab-Commit-Id": commit.sha,
        "X-Gitlab-Content-Sha256": hashlib.sha256(data).hexdigest(),
        "X-Gitlab-Encoding": "base64",
        "X-Gitlab-Execute-Filemode": "true" if executable else "false",
        "X-Gitlab-File-Name": path.rsplit("/", 1)[-1],
        "X-Gitlab-File-Path": path,
        "X-Gitlab-Last-Commit-Id": commit.sha,
        "X-Gitlab-Ref": ref,
        "X-Gitlab-Size": str(len(data)),
    }
    return Reply(200, None, headers)


def _start(call: Call, project: Project, branch: str) -> Commit:
    """Where the new commit starts: the branch, or start_sha/start_branch (with force, always)."""
    start_sha, start_branch = call.text("start_sha"), call.text("start_branch")
    exists = branch in project.branches
    if exists and (start_sha or start_branch) and not call.args.get("force"):
        raise bad_request(f"A branch called '{branch}' already exists. Switch to that branch.")
    ref = start_sha or start_branch or (branch if exists else None)
    if ref is None:
        raise bad_request("You can only create or edit files when you are on a branch")
    found = call.state.commit(project, ref)
    if found is None:
        raise bad_request(f"Invalid start: {ref} not found")
    return found


def _apply(files: dict[str, tuple[bytes, bool]], action: Any) -> None:
    if not isinstance(action, dict) or action.get("action") not in ACTIONS:
        raise bad_request("actions[action] does not have a valid value")
    kind, path = action["action"], str(action.get("file_path") or "")
    if not path or path.startswith("/") or ".." in path.split("/"):
        raise bad_request(f"file_path {path!r} is invalid")
    if kind == "create" and path in files:
        raise bad_request("A file with this name already exists")
    if kind in ("update", "delete", "chmod") and path not in files:
        raise bad_request("A file with this name doesn't exist")
    if kind == "delete":
        del files[path]
        return
    content = str(action.get("content") or "")
    try:
        data = (
            base64.b64decode(content, validate=True)
            if action.get("encoding") == "base64"
            else content.encode()
        )
    except binascii.Error:
        raise bad_request("content is not valid base64") from None
    files[path] = (data, bool(action.get("execute_filemode")))


@router(
    "POST",
    "/projects/:id/repository/commits",
    docs=f"{DOCS}/commits/#create-a-commit-with-multiple-files-and-actions",
    required=("branch", "commit_message", "actions"),
    optional=(
        "start_branch",
        "start_sha",
        "start_project",
        "author_email",
        "author_name",
        "stats",
        "force",
    ),
    role=DEVELOPER,
)
def create_commit(call: Call) -> Reply:
    project = call.project()
    branch = str(call.text("branch"))
    start = _start(call, project, branch)
    files = dict(start.files)
    actions = call.args.get("actions")
    if not isinstance(actions, list) or not actions:
        raise bad_request("actions is empty")
    for action in actions:
        _apply(files, action)
    user = call.user
    message = str(call.text("commit_message"))
    sha = fake_sha(project.id, len(project.commits), message, start.sha)
    now = call.state.clock.now()
    commit = Commit(sha, message, user.name, user.email, now, (start.sha,), files)
    project.commits[sha] = commit
    project.branches[branch] = sha
    for mr in call.state.merge_requests.values():
        if mr.project_id == project.id and mr.source_branch == branch and mr.state == "opened":
            mr.sha, mr.updated_at = sha, now
    return Reply(201, commit_json(call.links, project, commit))


@router(
    "POST",
    "/projects/:id/merge_requests",
    docs=f"{DOCS}/merge_requests/#create-mr",
    required=("source_branch", "target_branch", "title"),
    optional=("description", "remove_source_branch", "squash", "labels", "assignee_ids"),
    role=DEVELOPER,
)
def create_merge_request(call: Call) -> Reply:
    project = call.project()
    source, target = str(call.text("source_branch")), str(call.text("target_branch"))
    for name in (source, target):
        if name not in project.branches:
            raise bad_request(f"Invalid branch {name}")
    for mr in call.state.merge_requests.values():
        if mr.project_id == project.id and mr.source_branch == source and mr.state == "opened":
            message = f"Another open merge request already exists for this source branch: !{mr.iid}"
            raise ApiError(409, [message])
    iid = 1 + max((i for p, i in call.state.merge_requests if p == project.id), default=0)
    now = call.state.clock.now()
    mr = MergeRequest(
        id=call.state.next_id(10_000),
        iid=iid,
        project_id=project.id,
        title=str(call.text("title")),
        author=call.user.username,
        source_branch=source,
        target_branch=target,
        sha=project.branches[source],
        base_sha=project.branches[target],
        state="opened",
        created_at=now,
        updated_at=now,
        description=str(call.text("description") or ""),
    )
    call.state.merge_requests[(project.id, iid)] = mr
    return Reply(201, merge_request_json(call.links, call.state, mr, single=True))


@router(
    "PUT",
    "/projects/:id/merge_requests/:merge_request_iid",
    docs=f"{DOCS}/merge_requests/#update-mr",
    optional=("title", "description", "target_branch", "state_event", "remove_source_branch"),
    choices={"state_event": ("close", "reopen")},
    role=DEVELOPER,
)
def update_merge_request(call: Call) -> Reply:
    mr = merge_request(call)
    for name in ("title", "description", "target_branch"):
        value = call.text(name)
        if value is not None:
            setattr(mr, name, value)
    event = call.text("state_event")
    if event is not None:
        mr.state = "closed" if event == "close" else "opened"
    mr.updated_at = call.state.clock.now()
    return Reply(200, merge_request_json(call.links, call.state, mr, single=True))
