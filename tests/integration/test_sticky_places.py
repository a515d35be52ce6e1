"""A busy merge request whose report note sits where neither end of the first query reaches:
the CI job that writes (or finds) it keeps where it is as a commit status in its pipeline, and
the next job's first query finds that status, so an update costs three requests and an
unchanged report two, however many notes surround ours. A status is only a hint: one that
names a note not ours is passed over. (GitHub's side of the story: test_sticky_requests.py.)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from cmlreport.ci import CiContext
from cmlreport.forges.base import Target, TargetKind
from cmlreport.forges.gitlab.forge import GitLabForge, GitLabSettings
from cmlreport.forges.sticky import post_sticky, with_marker
from tests.fakes.gitlab import FakeGitLab

pytest_plugins = ["tests.fakes.gitlab.pytest_plugin"]

KEY = "train/report"
PROJECT, IID = "ml/model", 3
TOKEN = "glpat-places-token-never-shown"
TARGET = Target(TargetKind.PR, number=IID)
STATUS = r"^/projects/[^/]+/statuses/[0-9a-f]{40}$"


@dataclass
class Story:
    server: FakeGitLab
    bot: str
    pushes: int = 0

    def job(self, *, in_ci: bool = True, source: str = "merge_request_event") -> GitLabForge:
        """A new CI job on the merge request's latest commit, in its own pipeline."""
        mr = self.server.merge_requests[(42, IID)]
        # A child pipeline of a merge request pipeline runs on its ref and knows its iid; a
        # branch pipeline runs on the source branch, a scheduled one here on main.
        merge_request = source in ("merge_request_event", "parent_pipeline")
        ref = f"refs/merge-requests/{IID}/head" if merge_request else "main"
        ref = "feature" if source == "push" else ref
        pipeline = self.server.add_pipeline(PROJECT, sha=mr.sha, ref=ref, source=source)
        ci = CiContext(
            provider="gitlab",
            repository=PROJECT,
            event_name=source,
            head_sha=mr.sha,
            pr_number=IID if merge_request else None,
            pipeline_id=pipeline.id if in_ci else None,
        )
        settings = GitLabSettings(
            project=PROJECT,
            token=TOKEN,
            server_url=self.server.url,
            api_url=self.server.api_url,
            ci=ci,
        )
        return GitLabForge(settings)

    def push(self) -> None:
        self.pushes += 1
        commit = self.server.add_commit(PROJECT, branch="feature", message=f"push {self.pushes}")
        self.server.merge_requests[(42, IID)].sha = commit.sha

    def others(self, count: int, word: str = "review") -> None:
        self.server.add_notes(PROJECT, IID, [f"{word} {i}" for i in range(count)])

    def run(
        self, body: str, source: str = "merge_request_event"
    ) -> tuple[str, list[tuple[str, str]]]:
        self.server.reset_log()
        outcome = post_sticky(self.job(source=source), TARGET, body, KEY)
        return outcome.action, [(r.method, r.path) for r in self.server.requests]


def story(server: FakeGitLab, *, role: str = "developer") -> Story:
    server.add_project(PROJECT, id=42)
    server.add_merge_request(PROJECT, iid=IID, source_branch="feature")
    bot = server.add_project_bot_token(TOKEN, project=PROJECT, role=role)
    return Story(server, bot.username)


def kinds(requests: list[tuple[str, str]]) -> list[str]:
    """Each request as what it is: the GraphQL query, a note read, a note write, a status."""
    named = []
    for method, path in requests:
        if path.endswith("/graphql"):
            named.append("query")
        elif "/statuses/" in path:
            named.append("status")
        else:
            named.append(f"{method} note")
    return named


@pytest.mark.parametrize(
    ("total", "source"),
    [(250, "merge_request_event"), (1_000, "merge_request_event"), (5_000, "merge_request_event"),
     (1_000, "push")],
)  # fmt: skip
def test_posted_by_us_then_buried_under_thousands_costs_two_and_three(
    gitlab_server: FakeGitLab, total: int, source: str
) -> None:
    # A merge request pipeline, or a branch pipeline (the branch's open merge request).
    s = story(gitlab_server)
    s.others(total // 2)
    assert s.run("v1", source=source)[0] == "created"
    s.others(total - total // 2, "later")
    s.push()

    unchanged = s.run("v1", source=source)
    update = s.run("v2", source=source)

    assert unchanged == ("unchanged", unchanged[1])
    assert kinds(unchanged[1]) == ["query", "GET note"]
    assert kinds(update[1]) == ["query", "GET note", "PUT note"]
    assert len(gitlab_server.statuses) == 1  # kept once, when it was posted


def test_ours_in_the_middle_of_5000_is_read_on_once_then_costs_two_and_three(
    gitlab_server: FakeGitLab,
) -> None:
    s = story(gitlab_server)
    s.others(2_500)
    gitlab_server.add_notes(PROJECT, IID, [with_marker("v1", KEY)], author=s.bot)
    s.others(2_499, "later")

    first = s.run("v1")
    s.push()
    s.others(150, "more")
    unchanged, update = s.run("v1"), s.run("v2")

    assert kinds(first[1]) == ["query"] * 25 + ["status"]
    assert kinds(unchanged[1]) == ["query", "GET note"]
    assert kinds(update[1]) == ["query", "GET note", "PUT note"]
    (status,) = gitlab_server.statuses.values()
    ours = [n for n in gitlab_server.user_notes(PROJECT, IID) if n.author == s.bot]
    assert status.target_url is not None
    assert status.target_url.endswith(f"#note_{ours[0].id}")
    assert (status.name, status.status) == (f"cmlreport comment !{IID}: {KEY}", "success")


def test_a_note_among_the_first_hundred_needs_no_status(gitlab_server: FakeGitLab) -> None:
    s = story(gitlab_server)
    assert s.run("v1")[0] == "created"
    s.others(3_000)

    assert kinds(s.run("v2")[1]) == ["query", "PUT note"]
    assert not gitlab_server.statuses


def test_a_status_naming_someone_elses_note_is_not_taken(gitlab_server: FakeGitLab) -> None:
    s = story(gitlab_server)
    s.others(500)
    gitlab_server.add_notes(PROJECT, IID, [with_marker("v1", KEY)], author=s.bot)
    s.others(500, "later")
    mallory = gitlab_server.add_token("glpat-mallory", username="mallory")
    (bait,) = gitlab_server.add_notes(PROJECT, IID, [with_marker("bait", KEY)], author="mallory")
    s.others(150, "after")
    forge_of_mallory = s.job()  # a pipeline mallory's status goes into
    pipeline = max(gitlab_server.pipelines)
    gitlab_server.reset_log()
    import gitlab

    client = gitlab.Gitlab(gitlab_server.url, private_token=mallory.value)
    commit = client.projects.get(PROJECT, lazy=True).commits.get(
        gitlab_server.merge_requests[(42, IID)].sha, lazy=True
    )
    url = f"{gitlab_server.url}/{PROJECT}/-/merge_requests/{IID}#note_{bait.id}"
    commit.statuses.create(
        {"state": "success", "name": f"cmlreport comment !{IID}: {KEY}", "target_url": url,
         "pipeline_id": pipeline}
    )  # fmt: skip
    del forge_of_mallory

    outcome = post_sticky(s.job(), TARGET, "v2", KEY)

    assert outcome.action == "updated"
    assert outcome.comment.id != bait.id
    assert gitlab_server.notes[bait.id].body == with_marker("bait", KEY)


@pytest.mark.parametrize(
    "job",
    [
        {"in_ci": False},  # a laptop
        {"source": "schedule"},  # a nightly job posting on the merge request with --target
        {"source": "parent_pipeline"},  # a child pipeline: the merge request does not list it
    ],
    ids=["laptop", "other pipeline", "child pipeline"],
)
def test_a_job_whose_pipeline_the_merge_request_does_not_list_keeps_nothing(
    gitlab_server: FakeGitLab, job: dict[str, Any]
) -> None:
    s = story(gitlab_server)
    s.others(300)
    gitlab_server.reset_log()

    outcome = post_sticky(s.job(**job), TARGET, "v1", KEY)

    assert outcome.action == "created"
    assert outcome.note is None
    assert not gitlab_server.statuses


def test_a_reporter_token_posts_the_note_and_says_why_it_is_not_kept(
    gitlab_server: FakeGitLab,
) -> None:
    s = story(gitlab_server, role="reporter")
    s.others(300)
    gitlab_server.add_notes(PROJECT, IID, [with_marker("v1", KEY)], author=s.bot)
    s.others(300, "later")  # ours in the middle: found by reading on

    outcome = post_sticky(s.job(), TARGET, "v2", KEY)

    assert outcome.action == "updated"
    assert outcome.note is not None
    assert "Developer" in outcome.note
    assert TOKEN not in outcome.note
    assert not gitlab_server.statuses
