"""PyGithub against the fake GitHub: the calls cmlreport makes, over real HTTP on 127.0.0.1.

Every request and response is checked against GitHub's REST description by the server; the
``github_server`` fixture fails a test that produced any violation.
"""

from __future__ import annotations

import base64
import importlib.util
import json
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import github
import pytest
import requests

from tests.fakes.github import (
    ACTIONS_BOT,
    ADMIN_PERMISSIONS,
    READ_ONLY_PERMISSIONS,
    FakeGitHub,
)
from tests.fakes.github.routes import ROUTES
from tests.fakes.github.spec import SPEC_PATH, description, operation
from tests.gitrepo import git_env

pytest_plugins = ["tests.fakes.github.pytest_plugin"]

REPO = "octo/model"
ACTIONS_TOKEN = "ghs_actions"
FORK_TOKEN = "ghs_fork"
ADMIN_TOKEN = "ghp_admin"


def client(server: FakeGitHub, token: str = ACTIONS_TOKEN, **options: Any) -> github.Github:
    return github.Github(
        base_url=server.url,
        auth=github.Auth.Token(token),
        seconds_between_requests=0,
        seconds_between_writes=0,
        retry=None,
        **options,
    )


def seed(server: FakeGitHub) -> None:
    """octo/model with pull request 7 and the tokens an Actions run and a maintainer have."""
    server.add_repo(REPO, default_branch="main")
    server.add_pull(REPO, number=7, head_ref="retrain", title="Retrain on May data")
    server.add_token(ACTIONS_TOKEN, login=ACTIONS_BOT, user_endpoint_forbidden=True)
    server.add_token(FORK_TOKEN, login=ACTIONS_BOT, permissions=READ_ONLY_PERMISSIONS)
    server.add_token(ADMIN_TOKEN, login="octo-admin", permissions=ADMIN_PERMISSIONS)


@pytest.fixture
def server(github_server: FakeGitHub) -> FakeGitHub:
    seed(github_server)
    return github_server


def gets(server: FakeGitHub, path_regex: str) -> int:
    return len(server.calls("GET", path_regex))


# -- pull request comments ------------------------------------------------------------------


def test_the_bot_comments_on_a_pull_request_then_edits_and_deletes_its_comment(
    server: FakeGitHub,
) -> None:
    pull = client(server).get_repo(REPO).get_pull(7)

    comment = pull.create_issue_comment("<!-- cmlreport:default -->\naccuracy 0.91")
    assert comment.user.login == ACTIONS_BOT
    assert comment.user.type == "Bot"
    assert comment.url.startswith(server.url)

    comment.edit("<!-- cmlreport:default -->\naccuracy 0.93")
    assert [c.body for c in pull.get_issue_comments()] == [
        "<!-- cmlreport:default -->\naccuracy 0.93"
    ]
    assert [c.body for c in server.issue_comments.values()] == [comment.body]

    comment.delete()
    assert server.issue_comments == {}
    assert list(pull.get_issue_comments()) == []


def test_150_comments_are_read_oldest_first_30_a_page(server: FakeGitHub) -> None:
    server.add_issue_comments(REPO, 7, [f"review {i}" for i in range(150)], author="alice")
    pull = client(server).get_repo(REPO).get_pull(7)
    server.reset_log()

    bodies = [c.body for c in pull.get_issue_comments()]

    assert bodies == [f"review {i}" for i in range(150)]
    assert gets(server, r"/issues/7/comments$") == 5


def test_a_larger_page_size_means_fewer_requests_and_is_capped_at_100(server: FakeGitHub) -> None:
    server.add_issue_comments(REPO, 7, [f"review {i}" for i in range(150)], author="alice")
    pull = client(server, per_page=100).get_repo(REPO).get_pull(7)
    server.reset_log()

    assert len(list(pull.get_issue_comments())) == 150
    assert gets(server, r"/issues/7/comments$") == 2

    url = f"{server.url}/repos/{REPO}/issues/7/comments"
    auth = {"Authorization": f"Bearer {ACTIONS_TOKEN}"}
    answer = requests.get(url, params={"per_page": 500}, headers=auth, timeout=5)
    assert len(answer.json()) == 100


def test_link_headers_name_prev_next_last_and_first_like_github(server: FakeGitHub) -> None:
    server.add_issue_comments(REPO, 7, [f"review {i}" for i in range(150)], author="alice")
    url = f"{server.url}/repos/{REPO}/issues/7/comments"
    auth = {"Authorization": f"token {ACTIONS_TOKEN}"}

    def link(page: int) -> str:
        answer = requests.get(url, params={"per_page": 30, "page": page}, headers=auth, timeout=5)
        return answer.headers.get("Link", "")

    def rel(name: str, page: int) -> str:
        return f'<{url}?per_page=30&page={page}>; rel="{name}"'

    assert link(1) == f"{rel('next', 2)}, {rel('last', 5)}"
    assert link(3) == f"{rel('prev', 2)}, {rel('next', 4)}, {rel('last', 5)}, {rel('first', 1)}"
    assert link(5) == f"{rel('prev', 4)}, {rel('first', 1)}"


def test_reversed_finds_the_newest_comment_in_two_requests(server: FakeGitHub) -> None:
    server.add_issue_comments(REPO, 7, [f"review {i}" for i in range(150)], author="alice")
    pull = client(server).get_repo(REPO).get_pull(7)
    server.reset_log()

    newest = next(iter(pull.get_issue_comments().reversed))

    assert newest.body == "review 149"
    assert gets(server, r"/issues/7/comments$") == 2  # the first page for rel="last", then it


def test_since_keeps_only_comments_updated_at_or_after_it(server: FakeGitHub) -> None:
    older = server.add_issue_comments(REPO, 7, ["first", "second", "third"], author="alice")
    issue = client(server).get_repo(REPO).get_issue(7)
    edited = issue.get_comment(older[1].id)
    edited.edit("second, edited")

    recent = issue.get_comments(since=edited.updated_at)

    assert [c.body for c in recent] == ["second, edited"]


def test_a_comment_longer_than_github_allows_is_refused(server: FakeGitHub) -> None:
    pull = client(server).get_repo(REPO).get_pull(7)

    with pytest.raises(github.GithubException) as refused:
        pull.create_issue_comment("x" * 65_537)
    pull.create_issue_comment("x" * 65_536)

    assert refused.value.status == 422
    assert [len(c.body) for c in server.issue_comments.values()] == [65_536]


def test_a_comment_on_a_plain_issue(server: FakeGitHub) -> None:
    server.add_issue(REPO, 3, title="Model drifts on new data")
    issue = client(server).get_repo(REPO).get_issue(3)
    assert issue.pull_request is None

    issue.create_comment("drift report")

    assert [c.body for c in server.issue_comments.values()] == ["drift report"]


# -- commits, forks and check runs ------------------------------------------------------------


def test_commit_comments_and_the_pull_requests_of_a_commit(server: FakeGitHub) -> None:
    repo = client(server).get_repo(REPO)
    head_sha = repo.get_pull(7).head.sha
    commit = repo.get_commit(head_sha)

    comment = commit.create_comment("report for this commit")
    repo.get_comment(comment.id).edit("report, updated")

    assert [c.body for c in commit.get_comments()] == ["report, updated"]
    assert [p.number for p in commit.get_pulls()] == [7]
    repo.get_comment(comment.id).delete()
    assert server.commit_comments == {}


def test_a_pull_request_from_a_fork_is_found_by_owner_and_branch(server: FakeGitHub) -> None:
    server.add_repo("alice/model", fork_of=REPO)
    server.add_pull(REPO, number=8, head_repo="alice/model", head_ref="main", author="alice")
    repo = client(server).get_repo(REPO)

    found = list(repo.get_pulls(state="open", head="alice:main"))

    assert [p.number for p in found] == [8]
    assert found[0].head.repo.full_name == "alice/model"
    assert found[0].head.repo.fork is True
    assert client(server).get_repo("alice/model").parent.full_name == REPO
    assert [p.number for p in repo.get_pulls(head="octo:retrain")] == [7]


def test_a_check_run_is_created_completed_and_listed_for_its_commit(server: FakeGitHub) -> None:
    repo = client(server).get_repo(REPO)
    head_sha = repo.get_pull(7).head.sha

    run = repo.create_check_run(
        "cmlreport", head_sha, status="in_progress", output={"title": "Report", "summary": "..."}
    )
    run.edit(conclusion="failure", output={"title": "Gate failed", "summary": "f1 < 0.9"})

    listed = list(repo.get_commit(head_sha).get_check_runs())
    assert [(r.name, r.status, r.conclusion) for r in listed] == [
        ("cmlreport", "completed", "failure")
    ]
    assert listed[0].output.summary == "f1 < 0.9"
    assert [p.number for p in listed[0].pull_requests] == [7]
    with pytest.raises(github.GithubException) as refused:
        repo.create_check_run("cmlreport", head_sha, status="completed")
    assert refused.value.status == 422


# -- the Git Data API: an orphan assets branch -----------------------------------------------


def git(cwd: Path, *args: str, stdin: bytes = b"", **env: str) -> str:
    proc = subprocess.run(
        ["git", *args],
        cwd=cwd,
        env={**git_env(), **env},
        input=stdin,
        capture_output=True,
        check=True,
        timeout=30,
    )
    return proc.stdout.decode().strip()


def commit_like_git(cwd: Path, message: str, *parents: str) -> str:
    """``git commit-tree`` of the index, by the author the API calls below name."""
    tree = git(cwd, "write-tree")
    who = {"NAME": "cmlreport", "EMAIL": "cmlreport@example.com", "DATE": "2024-05-01T12:00:00Z"}
    identity = {f"GIT_{role}_{k}": v for role in ("AUTHOR", "COMMITTER") for k, v in who.items()}
    args = [a for p in parents for a in ("-p", p)]
    return git(cwd, "commit-tree", tree, *args, stdin=message.encode(), **identity)


def test_images_go_to_an_orphan_branch_with_the_shas_git_computes(
    server: FakeGitHub, tmp_path: Path
) -> None:
    repo = client(server).get_repo(REPO)
    png = bytes(range(256)) * 4  # binary, like a real plot
    author = github.InputGitAuthor("cmlreport", "cmlreport@example.com", "2024-05-01T12:00:00Z")
    with pytest.raises(github.UnknownObjectException):
        repo.get_git_ref("heads/cmlreport-assets")

    blob = repo.create_git_blob(base64.b64encode(png).decode(), "base64")
    element = github.InputGitTreeElement("pr-7/confusion.png", "100644", "blob", sha=blob.sha)
    tree = repo.create_git_tree([element])
    first = repo.create_git_commit("Publish report images", tree, [], author, author)
    ref = repo.create_git_ref("refs/heads/cmlreport-assets", first.sha)
    notes = github.InputGitTreeElement("pr-7/notes.md", "100644", "blob", content="drift\n")
    # git orders the directory "pr-7" as "pr-7/", after the file "pr-7.md"
    index = github.InputGitTreeElement("pr-7.md", "100644", "blob", content="# PR 7\n")
    tree2 = repo.create_git_tree([notes, index], base_tree=tree)
    second = repo.create_git_commit("Add notes", tree2, [first], author, author)
    ref.edit(second.sha)

    work = tmp_path / "work"
    (work / "pr-7").mkdir(parents=True)
    git(work, "init", "-q")
    (work / "pr-7" / "confusion.png").write_bytes(png)
    assert blob.sha == git(work, "hash-object", "-w", "pr-7/confusion.png")
    git(work, "add", "-A")
    assert tree.sha == git(work, "write-tree")
    assert first.sha == commit_like_git(work, "Publish report images")
    (work / "pr-7" / "notes.md").write_text("drift\n")
    (work / "pr-7.md").write_text("# PR 7\n")
    git(work, "add", "-A")
    assert second.sha == commit_like_git(work, "Add notes", first.sha)
    assert repo.get_git_ref("heads/cmlreport-assets").object.sha == second.sha
    listed = repo.get_git_tree(second.sha, recursive=True).tree
    assert sorted(e.path for e in listed) == [
        "pr-7",
        "pr-7.md",
        "pr-7/confusion.png",
        "pr-7/notes.md",
    ]
    assert base64.b64decode(repo.get_git_blob(blob.sha).content) == png


def test_the_same_image_twice_is_one_blob_and_refs_only_move_forward(server: FakeGitHub) -> None:
    repo = client(server).get_repo(REPO)
    one = repo.create_git_blob("same bytes", "utf-8")
    two = repo.create_git_blob(base64.b64encode(b"same bytes").decode(), "base64")
    assert one.sha == two.sha

    element = github.InputGitTreeElement("a.txt", "100644", "blob", sha=one.sha)
    tree = repo.create_git_tree([element])
    old = repo.create_git_commit("one", tree, [])
    new = repo.create_git_commit("two", tree, [old])
    ref = repo.create_git_ref("refs/heads/cmlreport-assets", new.sha)

    with pytest.raises(github.GithubException) as refused:
        ref.edit(old.sha)
    assert refused.value.status == 422
    ref.edit(old.sha, force=True)
    assert server.repos[REPO].refs["refs/heads/cmlreport-assets"] == old.sha


# -- authentication, permissions and faults --------------------------------------------------


def test_an_unknown_token_is_bad_credentials(server: FakeGitHub) -> None:
    with pytest.raises(github.BadCredentialsException) as refused:
        client(server, "ghp_revoked").get_repo(REPO)
    assert refused.value.status == 401
    assert refused.value.data["message"] == "Bad credentials"


def test_a_fork_token_may_read_but_not_comment(server: FakeGitHub) -> None:
    pull = client(server, FORK_TOKEN).get_repo(REPO).get_pull(7)

    with pytest.raises(github.GithubException) as refused:
        pull.create_issue_comment("report")

    assert refused.value.status == 403
    assert refused.value.data["message"] == "Resource not accessible by integration"
    assert refused.value.headers is not None
    assert refused.value.headers["x-accepted-github-permissions"] == (
        "issues=write; pull_requests=write"
    )
    assert server.issue_comments == {}


def test_the_actions_token_cannot_read_the_user_but_a_personal_token_can(
    server: FakeGitHub,
) -> None:
    with pytest.raises(github.GithubException) as refused:
        _ = client(server).get_user().login
    assert refused.value.status == 403

    assert client(server, ADMIN_TOKEN).get_user().login == "octo-admin"


def test_injected_502_and_429_reach_the_client_once(server: FakeGitHub) -> None:
    pull = client(server).get_repo(REPO).get_pull(7)
    server.inject("POST", r"/issues/7/comments$", 502)
    server.inject("POST", r"/issues/7/comments$", 429, headers={"Retry-After": "1"})

    with pytest.raises(github.GithubException) as bad_gateway:
        pull.create_issue_comment("report")
    with pytest.raises(github.GithubException) as too_many:
        pull.create_issue_comment("report")
    pull.create_issue_comment("report")

    assert bad_gateway.value.status == 502
    assert too_many.value.status == 429
    assert too_many.value.headers is not None
    assert too_many.value.headers["retry-after"] == "1"
    assert [c.body for c in server.issue_comments.values()] == ["report"]


def test_a_secondary_rate_limit_is_a_403_the_client_recognises(server: FakeGitHub) -> None:
    repo = client(server).get_repo(REPO)
    server.inject("GET", r"/pulls/7$", 403, headers={"retry-after": "60"})

    with pytest.raises(github.RateLimitExceededException) as limited:
        repo.get_pull(7)

    assert "secondary rate limit" in limited.value.data["message"]


def test_a_write_that_times_out_on_the_client_still_happened(server: FakeGitHub) -> None:
    pull = client(server, timeout=1).get_repo(REPO).get_pull(7)
    server.inject_delay_after("POST", r"/issues/7/comments$", seconds=5)

    with pytest.raises(requests.exceptions.Timeout):
        pull.create_issue_comment("report")

    assert [c.body for c in server.issue_comments.values()] == ["report"]


def test_rate_limit_headers_count_down_on_every_answer(server: FakeGitHub) -> None:
    gh = client(server)
    gh.get_repo(REPO)
    remaining_before, limit = gh.rate_limiting
    gh.get_repo(REPO).get_pull(7)

    assert gh.rate_limiting == (remaining_before - 2, limit)
    assert gh.get_rate_limit().resources.core.remaining == remaining_before - 3


# -- runners -------------------------------------------------------------------------------


def test_a_jit_runner_is_registered_listed_and_removed_by_an_admin(server: FakeGitHub) -> None:
    repo = client(server, ADMIN_TOKEN).get_repo(REPO)
    config = {"name": "gpu-1", "runner_group_id": 1, "labels": ["cmlreport", "g5.xlarge"]}

    _, made = repo.requester.requestJsonAndCheck(
        "POST", f"{repo.url}/actions/runners/generate-jitconfig", input=config
    )

    assert made["encoded_jit_config"]
    assert [r.name for r in repo.get_self_hosted_runners()] == ["gpu-1"]
    repo.remove_self_hosted_runner(made["runner"]["id"])
    assert list(repo.get_self_hosted_runners()) == []
    actions_repo = client(server).get_repo(REPO)
    with pytest.raises(github.GithubException) as refused:
        actions_repo.requester.requestJsonAndCheck(
            "POST", f"{actions_repo.url}/actions/runners/generate-jitconfig", input=config
        )
    assert refused.value.status == 403


# -- GitHub Enterprise ---------------------------------------------------------------------


def links_in(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for value in node.values():
            yield from links_in(value)
    elif isinstance(node, list):
        for value in node:
            yield from links_in(value)
    elif isinstance(node, str) and node.startswith(("http:", "https:")):
        yield node


def test_enterprise_serves_everything_under_api_v3_and_links_stay_on_it(
    github_server_factory: Callable[..., FakeGitHub],
) -> None:
    server = github_server_factory(prefix="/api/v3")
    seed(server)
    repo = client(server).get_repo(REPO)
    comment = repo.get_pull(7).create_issue_comment("report")
    repo.create_check_run("cmlreport", repo.get_pull(7).head.sha, conclusion="success")

    assert server.url.endswith("/api/v3")
    assert comment.url.startswith(f"{server.url}/repos/{REPO}/issues/comments/")
    auth = {"Authorization": f"token {ACTIONS_TOKEN}"}
    for path in (f"/repos/{REPO}", f"/repos/{REPO}/pulls/7", f"/repos/{REPO}/issues/7"):
        body = requests.get(server.url + path, headers=auth, timeout=5).json()
        assert all(link.startswith(server.web_url) for link in links_in(body)), path
    outside = requests.get(f"{server.web_url}/repos/{REPO}", headers=auth, timeout=5)
    assert outside.status_code == 404
    assert [v for v in server.take_violations() if "outside the API base" in v]


# -- the validator keeps clients and the fake honest ---------------------------------------


def test_a_request_the_description_forbids_is_a_violation(server: FakeGitHub) -> None:
    url = f"{server.url}/repos/{REPO}/issues/7/comments"
    auth = {"Authorization": f"token {ACTIONS_TOKEN}"}

    answer = requests.post(url, json={"text": "report"}, headers=auth, timeout=5)
    requests.get(url, params={"sort": "created"}, headers=auth, timeout=5)
    requests.put(url, json={"body": "report"}, headers=auth, timeout=5)

    assert answer.status_code == 422
    found = server.take_violations()
    assert any("'body' is a required property" in v for v in found), found
    assert any("query parameter 'sort' is not in the description" in v for v in found), found
    assert any(v.startswith("request PUT ") and "OperationNotFound" in v for v in found), found
    assert len(found) == 3


def test_a_response_the_description_forbids_is_a_violation(server: FakeGitHub) -> None:
    comment = server.add_issue_comments(REPO, 7, ["report"])[0]
    url = f"{server.url}/repos/{REPO}/issues/comments/{comment.id}"
    auth = {"Authorization": f"token {ACTIONS_TOKEN}"}

    def corrupt(body: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in body.items() if k != "user"} | {"id": "not a number"}

    server.tamper("GET", r"/issues/comments/\d+$", corrupt)
    requests.get(url, headers=auth, timeout=5)
    requests.get(url, headers=auth, timeout=5)  # only the first answer was tampered with

    found = server.take_violations()
    assert len(found) == 1, found
    assert "'user' is a required property" in found[0]
    assert "'not a number' is not of type 'integer'" in found[0]


def test_every_route_is_an_operation_of_the_vendored_description() -> None:
    routed = {(r.method.lower(), r.template) for r in ROUTES}
    described = {
        (method, path)
        for path, item in description()["paths"].items()
        for method in item
        if method in ("get", "post", "patch", "put", "delete")
    }
    assert routed == described
    assert all(operation(template, method) for method, template in routed)


def test_the_vendored_description_is_what_the_prune_script_makes_of_it() -> None:
    script = Path(__file__).resolve().parents[2] / "scripts" / "prune_github_openapi.py"
    loader = importlib.util.spec_from_file_location("prune_github_openapi", script)
    assert loader is not None and loader.loader is not None
    prune_module = importlib.util.module_from_spec(loader)
    loader.loader.exec_module(prune_module)
    vendored = json.loads(SPEC_PATH.read_text(encoding="utf-8"))

    # Pruning is closed over references: nothing missing, nothing unreferenced kept.
    assert prune_module.prune(vendored) == vendored
    assert (SPEC_PATH.parent / "LICENSE").read_text().startswith("MIT License")
