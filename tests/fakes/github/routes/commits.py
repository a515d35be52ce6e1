"""Commits: fetching one (PyGithub does before commenting) and finding its pull requests."""

from __future__ import annotations

from tests.fakes.github.bodies import pull_json, user_json
from tests.fakes.github.git_bodies import commit_json
from tests.fakes.github.routing import Call, Reply, Router, invalid

router = Router()


@router("GET", "/repos/{owner}/{repo}/commits/{ref}")
def get_commit(call: Call) -> Reply:
    repo = call.repo()
    ref = call.params["ref"]
    sha = call.state.resolve(repo, ref)
    commit = call.state.commit(repo, sha) if sha else None
    if sha is None or commit is None:
        raise invalid(f"No commit found for SHA: {ref}", "sha", "Commit")
    user = call.state.users.get(commit.author.name)
    author = user_json(call.links, user) if user else None
    return Reply(200, commit_json(call.links, repo.full_name, sha, commit, author))


@router("GET", "/repos/{owner}/{repo}/commits/{commit_sha}/pulls")
def list_pulls_for_commit(call: Call) -> Reply:
    repo = call.repo()
    sha = call.params["commit_sha"]
    pulls = [
        p
        for p in call.state.pulls.values()
        if p.repo == repo.full_name and sha in (p.head_sha, p.head_ref)
    ]
    page, headers = call.paginate(sorted(pulls, key=lambda p: p.number))
    body = [pull_json(call.links, call.state, p, full=False) for p in page]
    return Reply(200, body, headers)
