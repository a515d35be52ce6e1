"""Pull requests and issues: how a client finds the pull request of a branch."""

from __future__ import annotations

from tests.fakes.github.bodies import issue_json, pull_json
from tests.fakes.github.records import Pull
from tests.fakes.github.routing import Call, Reply, Router, not_found

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
