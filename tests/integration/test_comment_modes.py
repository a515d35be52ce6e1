"""The comment modes on both forges over real HTTP: update, recreate, new, once, --hide-old and
--delete, each told as a pull/merge request's story and checked on what the fake forge holds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from cmlreport.forges.base import Target, TargetKind
from cmlreport.forges.github.forge import GitHubForge, GitHubSettings
from cmlreport.forges.gitlab.forge import GitLabForge, GitLabSettings
from cmlreport.forges.sticky import delete_sticky, marker, post_sticky, with_marker
from tests.fakes.github import ACTIONS_BOT, FakeGitHub
from tests.fakes.gitlab import FakeGitLab

pytest_plugins = ["tests.fakes.github.pytest_plugin", "tests.fakes.gitlab.pytest_plugin"]

KEY = "train"
REPO, PROJECT = "octo/model", "ml/model"
GITHUB_TOKEN = "ghs_modes_token_never_shown"
GITLAB_TOKEN = "glpat-modes-token-never-shown"


@dataclass
class Thread:
    """One pull/merge request on one fake forge, and who posts on it."""

    name: str
    open: Callable[[], GitHubForge | GitLabForge]
    target: Target
    chat: Callable[[list[str]], None]  # others' comments, appended
    seed_ours: Callable[[str], int]  # one of ours, as an earlier run left it; its id
    comments: Callable[[], list[tuple[int, str, str]]]  # (id, author, body), oldest first
    me: str


def github_thread(server: FakeGitHub) -> Thread:
    server.add_repo(REPO)
    server.add_pull(REPO, number=7)
    server.add_token(GITHUB_TOKEN, login=ACTIONS_BOT, user_endpoint_forbidden=True)
    settings = GitHubSettings(REPO, GITHUB_TOKEN, api_url=server.url, server_url=server.web_url)

    def seed_ours(body: str) -> int:
        return server.add_issue_comments(REPO, 7, [body], author=ACTIONS_BOT)[0].id

    return Thread(
        "GitHub",
        lambda: GitHubForge(settings),
        Target(TargetKind.PR, number=7),
        lambda bodies: [server.add_issue_comments(REPO, 7, bodies, author="reviewer"), None][1],
        seed_ours,
        lambda: sorted((c.id, c.author, c.body) for c in server.issue_comments.values()),
        ACTIONS_BOT,
    )


def gitlab_thread(server: FakeGitLab) -> Thread:
    server.add_project(PROJECT, id=42)
    server.add_merge_request(PROJECT, iid=3, sha="a" * 40)
    bot = server.add_project_bot_token(GITLAB_TOKEN, project=PROJECT)
    server.add_user("reviewer")
    settings = GitLabSettings(
        project=PROJECT, token=GITLAB_TOKEN, server_url=server.url, api_url=server.api_url
    )

    def seed_ours(body: str) -> int:
        return server.add_notes(PROJECT, 3, [body], author=bot.username)[0].id

    return Thread(
        "GitLab",
        lambda: GitLabForge(settings),
        Target(TargetKind.PR, number=3),
        lambda bodies: [server.add_notes(PROJECT, 3, bodies, author="reviewer"), None][1],
        seed_ours,
        lambda: [(n.id, n.author, n.body) for n in server.user_notes(PROJECT, 3)],
        bot.username,
    )


@pytest.fixture(params=["github", "gitlab"])
def thread(request: pytest.FixtureRequest) -> Iterator[Thread]:
    if request.param == "github":
        yield github_thread(request.getfixturevalue("github_server"))
    else:
        yield gitlab_thread(request.getfixturevalue("gitlab_server"))


def ours(thread: Thread) -> list[tuple[int, str]]:
    return [(i, body) for i, author, body in thread.comments() if author == thread.me]


def post(thread: Thread, body: str, **options: Any) -> Any:
    """One CI run: a fresh forge (a new job), the report posted as ``options`` say."""
    return post_sticky(thread.open(), thread.target, body, KEY, **options)


def test_update_edits_ours_in_place_and_leaves_an_unchanged_one_alone(thread: Thread) -> None:
    first = thread.seed_ours(with_marker("accuracy 0.91", KEY))
    thread.chat(["lgtm", "nit: rename"])

    assert post(thread, "accuracy 0.93").action == "updated"
    assert post(thread, "accuracy 0.93").action == "unchanged"

    assert ours(thread) == [(first, with_marker("accuracy 0.93", KEY))]


def test_recreate_moves_the_report_below_the_discussion(thread: Thread) -> None:
    old = thread.seed_ours(with_marker("accuracy 0.91", KEY))
    thread.chat(["why did recall drop?", "retrained on May data"])

    outcome = post(thread, "accuracy 0.93", mode="recreate")

    assert outcome.action == "recreated" and outcome.removed == 1
    comments = thread.comments()
    assert comments[-1][1:] == (thread.me, with_marker("accuracy 0.93", KEY))
    assert old not in [i for i, *_ in comments]
    assert [body for _, body in ours(thread)] == [with_marker("accuracy 0.93", KEY)]
    assert [body for _, author, body in comments if author == "reviewer"] == [
        "why did recall drop?",
        "retrained on May data",
    ]


def test_recreate_on_a_fresh_pull_request_just_posts(thread: Thread) -> None:
    outcome = post(thread, "accuracy 0.91", mode="recreate")

    assert outcome.action == "created"
    assert [body for _, body in ours(thread)] == [with_marker("accuracy 0.91", KEY)]


def test_new_posts_every_run(thread: Thread) -> None:
    post(thread, "epoch 1", mode="new")
    post(thread, "epoch 2", mode="new")

    bodies = [body for _, body in ours(thread)]
    assert len(bodies) == 2 and bodies[0].endswith("epoch 1") and bodies[1].endswith("epoch 2")
    assert all(body.startswith(marker(KEY) + "\n<!-- cmlreport-post:") for body in bodies)


def test_once_posts_the_first_report_and_keeps_it(thread: Thread) -> None:
    assert post(thread, "baseline 0.91", mode="once").action == "created"
    thread.chat(["thanks"])
    kept = post(thread, "retrained 0.93", mode="once")

    assert kept.action == "kept"
    assert ours(thread) == [(kept.comment.id, with_marker("baseline 0.91", KEY))]


def test_delete_removes_every_one_of_ours_and_nothing_else(thread: Thread) -> None:
    thread.chat(["first!"])
    post(thread, "run 1", mode="new")
    post(thread, "run 2", mode="new")
    post(thread, "drift", mode="new")  # same key, a third one
    thread.chat(["> " + marker(KEY) + "\n> quoted by a reviewer"])

    gone = delete_sticky(thread.open(), thread.target, KEY)

    assert len(gone) == 3 and ours(thread) == []
    assert [body for _, _, body in thread.comments()] == [
        "first!",
        "> " + marker(KEY) + "\n> quoted by a reviewer",
    ]
    assert delete_sticky(thread.open(), thread.target, KEY) == []  # nothing left: no error


# -- --hide-old on GitHub: minimizeComment, validated by the fake against the schema --------


@pytest.fixture
def github(github_server: FakeGitHub) -> Thread:
    return github_thread(github_server)


def minimized(server: FakeGitHub) -> dict[int, str | None]:
    return {c.id: c.minimized_reason for c in server.issue_comments.values()}


def test_new_with_hide_old_folds_the_earlier_reports_as_outdated(
    github: Thread, github_server: FakeGitHub
) -> None:
    first = post(github, "epoch 1", mode="new", hide_old=True)
    second = post(github, "epoch 2", mode="new", hide_old=True)
    github_server.reset_log()
    third = post(github, "epoch 3", mode="new", hide_old=True)

    assert (first.hidden, second.hidden, third.hidden) == (0, 1, 1)
    assert minimized(github_server) == {
        first.comment.id: "outdated",
        second.comment.id: "outdated",
        third.comment.id: None,
    }
    # The third run hides only the second: the first is hidden already.
    mutations = [
        r
        for r in github_server.calls("POST", r"^/graphql$")
        if "minimizeComment" in r.body["query"]
    ]
    assert [r.body["variables"]["id"] for r in mutations] == [second.comment.node_id]


def test_recreate_with_hide_old_keeps_the_old_report_folded_and_updates_the_new_one(
    github: Thread, github_server: FakeGitHub
) -> None:
    old = github.seed_ours(with_marker("accuracy 0.91", KEY))
    github.chat(["let's retrain"])

    recreated = post(github, "accuracy 0.93", mode="recreate", hide_old=True)
    updated = post(github, "accuracy 0.94")  # a later run in the default mode

    assert recreated.hidden == 1 and recreated.removed == 0
    assert minimized(github_server)[old] == "outdated"
    # The folded one is no live report: the update goes to the one at the bottom.
    assert updated.action == "updated" and updated.comment.id == recreated.comment.id
    assert [body for _, body in ours(github)] == [
        with_marker("accuracy 0.91", KEY),
        with_marker("accuracy 0.94", KEY),
    ]
