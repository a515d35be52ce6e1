"""Commit statuses: cmlreport keeps where its sticky comment is on the pull request's head."""

from __future__ import annotations

from typing import Any

from tests.fakes.github.bodies import user_json
from tests.fakes.github.links import iso, node_id
from tests.fakes.github.records import CommitStatus
from tests.fakes.github.routing import Call, Reply, Router, invalid

router = Router()
STATES = ("error", "failure", "pending", "success")
MAX_DESCRIPTION = 140  # GitHub: "description is too long (maximum is 140 characters)"
MAX_CONTEXT = 255


@router("POST", "/repos/{owner}/{repo}/statuses/{sha}", accepted=("statuses:write",))
def create_status(call: Call) -> Reply:
    repo = call.repo()
    sha = call.params["sha"]
    if len(sha) != 40 or call.state.commit(repo, sha) is None:
        raise invalid(f"No commit found for SHA: {sha}", "sha", "Status")
    data = call.json()
    state = data.get("state")
    if state not in STATES:
        raise invalid(f"state is not included in the list: {state}", "state", "Status")
    context = str(data.get("context") or "default")
    if len(context) > MAX_CONTEXT:
        raise invalid("context is too long (maximum is 255 characters)", "context", "Status")
    description = data.get("description")
    if description is not None and len(str(description)) > MAX_DESCRIPTION:
        message = "description is too long (maximum is 140 characters)"
        raise invalid(message, "description", "Status")
    status = CommitStatus(
        id=call.state.next_id(4_000_000),
        repo=repo.full_name,
        sha=sha,
        context=context,
        state=str(state),
        description=None if description is None else str(description),
        target_url=data.get("target_url"),
        creator=call.token.login,
        created_at=call.state.clock.now(),
    )
    call.state.statuses.append(status)
    return Reply(201, status_json(call, status))


def status_json(call: Call, status: CommitStatus) -> dict[str, Any]:
    creator = user_json(call.links, call.state.add_user(status.creator))
    return {
        "url": f"{call.links.repo(status.repo)}/statuses/{status.sha}",
        "avatar_url": creator["avatar_url"],
        "id": status.id,
        "node_id": node_id("StatusContext", status.id),
        "state": status.state,
        "description": status.description,
        "target_url": status.target_url,
        "context": status.context,
        "created_at": iso(status.created_at),
        "updated_at": iso(status.created_at),
        "creator": creator,
    }
