"""What one sticky run costs in API requests on a busy pull/merge request, on both forges.

The pull request holds 10 or 5,000 comments, ours among them as an earlier run left it: the
oldest (posted when the pull request opened), the newest, or in the middle, never edited since.
A run whose report is unchanged, then one that changes it, each as a new CI job (a fresh
forge); the fake's request log is the count.

On both forges one GraphQL query reads both ends of the thread with who the token is, so ours
oldest or newest is found in that one request. Elsewhere (the 151st, the middle) both read on
from both ends (README, "How many requests"). A GitLab without GraphQL is read through REST:
one request holds one order, and ``GET /user`` says who we are.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

import pytest

from cmlreport.forges.base import Forge, Target, TargetKind
from cmlreport.forges.github.forge import GitHubForge, GitHubSettings
from cmlreport.forges.gitlab.forge import GitLabForge, GitLabSettings
from cmlreport.forges.sticky import delete_sticky, post_sticky, with_marker
from tests.fakes.github import ACTIONS_BOT, FakeGitHub
from tests.fakes.github.links import node_id
from tests.fakes.github.records import ACTIONS_PERMISSIONS, CommitStatus
from tests.fakes.gitlab import FakeGitLab

pytest_plugins = ["tests.fakes.github.pytest_plugin", "tests.fakes.gitlab.pytest_plugin"]

KEY = "train/report"
REPO, PROJECT = "octo/model", "ml/model"
GITHUB_TOKEN = "ghs_requests_token_never_shown"
GITLAB_TOKEN = "glpat-requests-token-never-shown"


@dataclass(frozen=True)
class Busy:
    """A pull/merge request with ``total`` comments, ours ``before`` others from the start."""

    open: Callable[[], Forge]
    target: Target
    requests: Callable[[], list[tuple[str, str, dict[str, str]]]]  # (method, path, query)
    reset: Callable[[], None]


def place(total: int, where: str) -> int:
    return {"oldest": 0, "151st": 150, "middle": total // 2, "newest": total - 1}[where]


def seed_ours(where: str) -> list[str]:
    """Our comment as an earlier run left it, or none (``where`` "none": ours is yet to come)."""
    return [] if where == "none" else [with_marker("v1", KEY)]


def busy_github(server: FakeGitHub, total: int, where: str) -> Busy:
    server.add_repo(REPO)
    server.add_pull(REPO, number=7)
    server.add_token(GITHUB_TOKEN, login=ACTIONS_BOT, user_endpoint_forbidden=True)
    before = total if where == "none" else place(total, where)
    server.add_issue_comments(REPO, 7, [f"review {i}" for i in range(before)])
    server.add_issue_comments(REPO, 7, seed_ours(where), author=ACTIONS_BOT)
    server.add_issue_comments(REPO, 7, [f"later {i}" for i in range(total - 1 - before)])
    settings = GitHubSettings(REPO, GITHUB_TOKEN, api_url=server.url, server_url=server.web_url)
    return Busy(
        lambda: GitHubForge(settings),
        Target(TargetKind.PR, number=7),
        lambda: [(r.method, r.path, r.query) for r in server.requests],
        server.reset_log,
    )


def busy_gitlab(server: FakeGitLab, total: int, where: str) -> Busy:
    server.add_project(PROJECT, id=42)
    server.add_merge_request(PROJECT, iid=3, sha="a" * 40)
    bot = server.add_project_bot_token(GITLAB_TOKEN, project=PROJECT)
    before = place(total, where)
    server.add_notes(PROJECT, 3, [f"review {i}" for i in range(before)])
    server.add_notes(PROJECT, 3, [with_marker("v1", KEY)], author=bot.username)
    server.add_notes(PROJECT, 3, [f"later {i}" for i in range(total - 1 - before)])
    settings = GitLabSettings(
        project=PROJECT, token=GITLAB_TOKEN, server_url=server.url, api_url=server.api_url
    )
    return Busy(
        lambda: GitLabForge(settings),
        Target(TargetKind.PR, number=3),
        lambda: [(r.method, r.path, r.query) for r in server.requests],
        server.reset_log,
    )


def costs(busy: Busy, now: str = "v1") -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The requests of an unchanged run (the comment says ``now``), then of an update."""
    logs = []
    for body, action in ((now, "unchanged"), (now + "+", "updated")):
        busy.reset()
        assert post_sticky(busy.open(), busy.target, body, KEY).action == action
        logs.append([(method, path) for method, path, _ in busy.requests()])
    return logs[0], logs[1]


SIZES = [10, 5_000]


@pytest.mark.parametrize(("total", "where"), [(10, "oldest"), (10, "newest"), (5_000, "oldest")])
def test_github_an_update_is_one_query_and_one_patch_wherever_ours_sits(
    github_server: FakeGitHub, total: int, where: str
) -> None:
    busy = busy_github(github_server, total, where)

    unchanged, update = costs(busy)

    assert unchanged == [("POST", "/graphql")]
    assert [m for m, _ in update] == ["POST", "PATCH"]
    assert not github_server.calls("GET", r"/comments")  # no page of the REST list read
    assert not github_server.statuses  # among the first 100: always in the first query


def test_github_ours_the_newest_of_5000_is_kept_on_the_head_then_found_at_once(
    github_server: FakeGitHub,
) -> None:
    busy = busy_github(github_server, 5_000, "newest")
    head = github_server.pulls[(REPO, 7)].head_sha

    unchanged, update = costs(busy)

    # Found among the most recently updated, and not among the first 100 comments: where it
    # is goes into a commit status on the head, once.
    assert unchanged == [("POST", "/graphql"), ("POST", f"/repos/{REPO}/statuses/{head}")]
    assert [m for m, _ in update] == ["POST", "PATCH"]
    (status,) = github_server.statuses
    ours = [c for c in github_server.issue_comments.values() if c.author == ACTIONS_BOT]
    assert status.target_url is not None
    assert status.target_url.endswith(f"#issuecomment-{ours[0].id}")
    assert (status.context, status.state) == (f"cmlreport comment #7: {KEY}", "success")
    assert status.description == "Where the report comment is: Details opens it"


def test_github_ours_in_the_middle_of_5000_is_read_on_once_then_costs_two_and_three(
    github_server: FakeGitHub,
) -> None:
    busy = busy_github(github_server, 5_000, "middle")

    first, _ = costs(busy)
    # A new commit, and 150 more comments since ours was edited: it is in neither window.
    github_server.push(REPO, 7)
    github_server.add_issue_comments(REPO, 7, [f"more {i}" for i in range(150)])
    unchanged, update = costs(busy, now="v1+")

    # 2,500 comments before ours, 2,499 after, none of it kept yet: the two ends, then 100
    # more of each side a request, until the update-time front meets ours 2,500 in.
    assert first[:25] == [("POST", "/graphql")] * 25
    assert first[25:] == [("POST", f"/repos/{REPO}/statuses/{github_server.statuses[0].sha}")]
    # Then the first query names it, and a second (by node id) reads it.
    comment_id = github_server.statuses[0].target_url.rsplit("-", 1)[1]  # type: ignore[union-attr]
    at = f"/repos/{REPO}/issues/comments/{comment_id}"
    assert unchanged == [("POST", "/graphql"), ("POST", "/graphql")]
    assert update == [("POST", "/graphql"), ("POST", "/graphql"), ("PATCH", at)]


@pytest.mark.parametrize("total", [250, 1_000, 5_000])
def test_github_posted_by_us_then_buried_under_thousands_still_costs_two_and_three(
    github_server: FakeGitHub, total: int
) -> None:
    # The bot posts when half the discussion has happened; the other half, and pushes, follow.
    busy = busy_github(github_server, total // 2, "none")
    assert post_sticky(busy.open(), busy.target, "v1", KEY).action == "created"
    github_server.add_issue_comments(REPO, 7, [f"later {i}" for i in range(total - total // 2)])
    for _ in range(3):
        github_server.push(REPO, 7)

    unchanged, update = costs(busy)

    assert unchanged == [("POST", "/graphql")] * 2
    assert [m for m, _ in update] == ["POST", "POST", "PATCH"]
    assert len(github_server.statuses) == 1  # kept once, when it was posted


def test_github_a_status_another_user_posted_is_not_taken(github_server: FakeGitHub) -> None:
    busy = busy_github(github_server, 1_000, "middle")
    mallory = "mallory"
    github_server.add_token("ghp_mallory", login=mallory)
    # Someone with push access imitates our marker and points our status's name at it.
    (bait,) = github_server.add_issue_comments(REPO, 7, [with_marker("v1", KEY)], author=mallory)
    github_server.add_issue_comments(REPO, 7, [f"after {i}" for i in range(150)])
    head = github_server.pulls[(REPO, 7)].head_sha
    github_server.statuses.append(
        CommitStatus(
            1, REPO, head, f"cmlreport comment #7: {KEY}", "success", None,
            f"{github_server.web_url}/{REPO}/pull/7?cmlreport_node="
            f"{quote(node_id('IssueComment', bait.id), safe='')}#issuecomment-{bait.id}", mallory,
            github_server.clock.now(),
        )
    )  # fmt: skip

    outcome = post_sticky(busy.open(), busy.target, "v2", KEY)

    assert outcome.action == "updated"
    assert outcome.comment.id != bait.id
    assert github_server.issue_comments[bait.id].body == with_marker("v1", KEY)
    assert len(github_server.calls("POST", "/graphql$")) > 2  # passed over: read on


def test_github_a_kept_comment_hidden_by_a_maintainer_is_left_alone(
    github_server: FakeGitHub,
) -> None:
    busy = busy_github(github_server, 1_000, "middle")
    costs(busy)  # read on once, then kept
    github_server.add_issue_comments(REPO, 7, [f"more {i}" for i in range(150)])
    (ours,) = [c for c in github_server.issue_comments.values() if c.author == ACTIONS_BOT]
    ours.minimized_reason = "outdated"  # folded by hand: no live report any more

    outcome = post_sticky(busy.open(), busy.target, "v3", KEY)

    assert outcome.action == "created"
    assert github_server.issue_comments[ours.id].body == with_marker("v1+", KEY)


def test_github_two_pull_requests_on_one_head_keep_their_own_places(
    github_server: FakeGitHub,
) -> None:
    # One branch proposed into main and into a release branch: the same head commit.
    busy = busy_github(github_server, 300, "none")
    head = github_server.pulls[(REPO, 7)].head_sha
    github_server.add_pull(REPO, number=8, head_sha=head)
    github_server.add_issue_comments(REPO, 8, [f"release review {i}" for i in range(300)])
    other = Target(TargetKind.PR, number=8)
    for body in ("v1", "v2"):
        for target in (busy.target, other):
            post_sticky(busy.open(), target, body, KEY)
    for number in (7, 8):
        github_server.add_issue_comments(REPO, number, [f"more {i}" for i in range(150)])
    github_server.reset_log()

    for target in (busy.target, other):
        assert post_sticky(busy.open(), target, "v2", KEY).action == "unchanged"

    assert len(github_server.calls("POST", "/graphql$")) == 4  # two requests each
    assert len(github_server.statuses) == 2  # one a pull request, written once


def test_github_a_kept_comment_deleted_since_is_looked_for_again(github_server: FakeGitHub) -> None:
    busy = busy_github(github_server, 1_000, "middle")
    costs(busy)  # read on once, then kept
    github_server.add_issue_comments(REPO, 7, [f"more {i}" for i in range(150)])
    (ours,) = [c for c in github_server.issue_comments.values() if c.author == ACTIONS_BOT]
    del github_server.issue_comments[ours.id]  # someone deleted the report by hand

    outcome = post_sticky(busy.open(), busy.target, "v3", KEY)

    assert outcome.action == "created"
    kept = github_server.statuses[-1].target_url or ""
    assert kept.endswith(f"#issuecomment-{outcome.comment.id}")  # kept anew


def test_github_more_than_100_commits_after_the_kept_one_reads_on_and_keeps_it_again(
    github_server: FakeGitHub,
) -> None:
    busy = busy_github(github_server, 1_000, "middle")
    costs(busy)
    for _ in range(100):
        github_server.push(REPO, 7)
    github_server.add_issue_comments(REPO, 7, [f"more {i}" for i in range(150)])
    github_server.reset_log()

    assert post_sticky(busy.open(), busy.target, "v1+", KEY).action == "unchanged"

    head = github_server.pulls[(REPO, 7)].head_sha
    # The status is 101 commits back, past what the first query asks: read on instead.
    queries = [str(r.body.get("query")) for r in github_server.calls("POST", "/graphql$")]
    assert not [q for q in queries if "node(id:" in q]
    assert len(queries) >= 2
    assert github_server.statuses[-1].sha == head


def test_github_without_statuses_write_the_report_is_posted_and_the_note_says_why(
    github_server: FakeGitHub,
) -> None:
    busy = busy_github(github_server, 1_000, "middle")  # nothing kept: the lookup reads on
    may_read = ACTIONS_PERMISSIONS - {"statuses:write"} | {"statuses:read"}
    github_server.add_token(
        GITHUB_TOKEN, login=ACTIONS_BOT, permissions=may_read, user_endpoint_forbidden=True
    )

    outcome = post_sticky(busy.open(), busy.target, "v2", KEY)

    assert outcome.action == "updated"
    assert outcome.note is not None
    assert "statuses: write" in outcome.note
    assert GITHUB_TOKEN not in outcome.note
    assert not github_server.statuses


@pytest.mark.parametrize("where", ["newest", "middle"])
def test_github_a_token_that_may_not_read_statuses_still_finds_and_updates_the_report(
    github_server: FakeGitHub, where: str
) -> None:
    # A workflow whose `permissions:` names only contents and pull-requests.
    busy = busy_github(github_server, 1_000, where)
    no_statuses = ACTIONS_PERMISSIONS - {"statuses:write"}
    github_server.add_token(
        GITHUB_TOKEN, login=ACTIONS_BOT, permissions=no_statuses, user_endpoint_forbidden=True
    )

    outcome = post_sticky(busy.open(), busy.target, "v2", KEY)

    assert outcome.action == "updated"
    assert not github_server.calls("POST", "/statuses/")  # no status it could not read back
    # Warned only where it matters: the lookup had to read on.
    assert (outcome.note is not None) == (where == "middle")
    assert outcome.note is None or "statuses: write" in outcome.note
    assert not github_server.violations


def gitlab_reads(server: FakeGitLab) -> list[tuple[str | None, str | None]]:
    return [(r.query.get("order_by"), r.query.get("sort")) for r in server.calls("GET", "/notes")]


@pytest.mark.parametrize("where", ["oldest", "newest"])
@pytest.mark.parametrize("total", SIZES)
def test_gitlab_an_update_is_one_query_and_one_put_wherever_ours_sits(
    gitlab_server: FakeGitLab, total: int, where: str
) -> None:
    busy = busy_gitlab(gitlab_server, total, where)

    unchanged, update = costs(busy)

    assert unchanged == [("POST", "/graphql")]  # both ends and who we are
    assert [m for m, _ in update] == ["POST", "PUT"]
    assert not gitlab_server.calls("GET", r"/notes|^/user$")  # no REST page, no GET /user


def test_gitlab_ours_in_the_middle_of_5000_reads_on_from_both_ends_at_once(
    gitlab_server: FakeGitLab,
) -> None:
    busy = busy_gitlab(gitlab_server, 5_000, "middle")

    unchanged, update = costs(busy)

    # 2,500 notes before ours (and the merge request's first system note), 2,499 after: the
    # two ends first, then 100 more of each side a request; the backward front meets ours
    # 2,500 in, after 24 more requests.
    assert unchanged == [("POST", "/graphql")] * 25
    assert update == [*unchanged, ("PUT", update[-1][1])]


def test_gitlab_ours_the_151st_of_5000_is_in_the_second_query(gitlab_server: FakeGitLab) -> None:
    unchanged, update = costs(busy_gitlab(gitlab_server, 5_000, "151st"))

    assert unchanged == [("POST", "/graphql")] * 2
    assert [m for m, _ in update] == ["POST", "POST", "PUT"]


def test_gitlab_without_graphql_reads_the_sorted_rest_lists(gitlab_server: FakeGitLab) -> None:
    # An old self-managed GitLab that does not serve /api/graphql.
    busy = busy_gitlab(gitlab_server, 5_000, "newest")
    gitlab_server.inject("POST", r"^/graphql$", 404, times=2)

    unchanged, update = costs(busy)

    # One request holds one order: the oldest 100 (not there), the most recently updated 100;
    # then who we are. The refused query is asked once per run.
    assert [m for m, _ in unchanged] == ["POST", "GET", "GET", "GET"]
    assert [m for m, _ in update] == ["POST", "GET", "GET", "GET", "PUT"]
    assert gitlab_reads(gitlab_server) == [("created_at", "asc"), ("updated_at", "desc")]
    assert unchanged[-1][1] == "/user"


def test_github_ours_the_151st_of_5000_is_in_the_second_query_then_kept(
    github_server: FakeGitHub,
) -> None:
    unchanged, update = costs(busy_github(github_server, 5_000, "151st"))

    assert [m for m, _ in unchanged] == ["POST", "POST", "POST"]  # two queries, the status
    assert [m for m, _ in update] == ["POST", "POST", "PATCH"]


def test_gitlab_delete_reads_every_note_once_from_both_ends(gitlab_server: FakeGitLab) -> None:
    busy = busy_gitlab(gitlab_server, 1_000, "middle")
    gitlab_server.reset_log()

    deleted = delete_sticky(busy.open(), busy.target, KEY)

    assert len(deleted) == 1
    assert not [n for n in gitlab_server.user_notes(PROJECT, 3) if n.body.startswith("<!--")]
    # 1,001 notes (the first a system note), 200 a request until the two fronts meet.
    assert [r[0] for r in busy.requests()[:-1]] == ["POST"] * 6
    assert busy.requests()[-1][0] == "DELETE"
