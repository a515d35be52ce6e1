"""Pull requests and issues: how a client finds the pull request of a branch."""

from __future__ import annotations

from tests.fakes.github.bodies import issue_json, pull_json
from tests.fakes.github.records import Pull
from tests.fakes.github.routing import ApiError, Call, Reply, Router, invalid, not_found

router = Router()


@router("GET", "/repos/{owner}/{repo}/pulls")
def list_pulls(call: Call) -> Reply:
    repo = call.repo()
    state = call.query.get("state", "open")
    head = call.query.get("head")
    base = call.query.get("base")
    pulls = [p for p in call.state.pulls.values() if p.repo == repo.full_name]
    if state != "all":
        pulls = [p for p in pulls if p.state == state]
    # GitHub wants head as "owner:branch"; a bare branch name filters nothing.
    if head is not None and ":" in head:
        owner, _, branch = head.partition(":")
        pulls = [p for p in pulls if p.head_repo.split("/")[0] == owner and p.head_ref == branch]
    if base is not None:
        pulls = [p for p in pulls if p.base_ref == base]
    pulls = _sorted(pulls, call.query.get("sort", "created"), call.query.get("direction"))
    page, headers = call.paginate(pulls)
    body = [pull_json(call.links, call.state, p, full=False) for p in page]
    return Reply(200, body, headers)


def _sorted(pulls: list[Pull], sort: str, direction: str | None) -> list[Pull]:
    # Pulls are created in number order and never updated here, so every sort is by number.
    descending = direction != "asc" if direction is not None else sort in ("created", "updated")
    return sorted(pulls, key=lambda p: p.number, reverse=descending)


@router("GET", "/repos/{owner}/{repo}/pulls/{pull_number}")
def get_pull(call: Call) -> Reply:
    pull = call.state.pulls.get((call.repo().full_name, call.number("pull_number")))
    if pull is None:
        raise not_found()
    return Reply(200, pull_json(call.links, call.state, pull))


@router("GET", "/repos/{owner}/{repo}/issues/{issue_number}")
def get_issue(call: Call) -> Reply:
    key = (call.repo().full_name, call.number("issue_number"))
    issue = call.state.issues.get(key) or call.state.pulls.get(key)
    if issue is None:
        raise not_found()
    return Reply(200, issue_json(call.links, call.state, issue))


@router("POST", "/repos/{owner}/{repo}/pulls", accepted=("pull_requests:write",))
def create_pull(call: Call) -> Reply:
    """Opens a pull request from a branch of this repository (``owner:branch`` or ``branch``)."""
    repo = call.repo()
    data = call.json()
    head = str(data.get("head", ""))
    owner, _, branch = head.rpartition(":")
    base = str(data.get("base", ""))
    if owner and owner != repo.owner:
        raise invalid(f"head {head}: the fake serves no forks' branches", "head", "PullRequest")
    head_sha = repo.refs.get(f"refs/heads/{branch}")
    base_sha = repo.refs.get(f"refs/heads/{base}")
    if head_sha is None:
        raise invalid("head is invalid", "head", "PullRequest")
    if base_sha is None:
        raise invalid("base is invalid", "base", "PullRequest")
    if any(
        p.repo == repo.full_name and p.state == "open" and p.head_ref == branch
        for p in call.state.pulls.values()
    ):
        message = f"A pull request already exists for {repo.owner}:{branch}."
        raise ApiError(422, "Validation Failed", errors=[custom_error(message)])
    number = (
        max(
            (n for r, n in [*call.state.pulls, *call.state.issues] if r == repo.full_name),
            default=0,
        )
        + 1
    )
    pull = call.state.add_pull(
        repo.full_name,
        number=number,
        head_ref=branch,
        head_sha=head_sha,
        base_ref=base,
        base_sha=base_sha,
        title=str(data.get("title", "")),
        author=call.token.login,
    )
    pull.body = data.get("body")
    body = pull_json(call.links, call.state, pull)
    return Reply(201, body, {"Location": body["url"]})


@router("PATCH", "/repos/{owner}/{repo}/pulls/{pull_number}", accepted=("pull_requests:write",))
def update_pull(call: Call) -> Reply:
    pull = call.state.pulls.get((call.repo().full_name, call.number("pull_number")))
    if pull is None:
        raise not_found()
    data = call.json()
    for name in ("title", "body", "state"):
        if name in data:
            setattr(pull, name, data[name])
    if "base" in data:
        pull.base_ref = str(data["base"])
    return Reply(200, pull_json(call.links, call.state, pull))


def custom_error(message: str) -> dict[str, str]:
    return {"resource": "PullRequest", "code": "custom", "message": message}
