"""The GitLab forge against the fake GitLab: python-gitlab over real HTTP on 127.0.0.1.

Each test is a story a user lives through (a report posted, updated, refused, retried) and
asserts on what the fake GitLab holds and saw afterwards.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests

from cmlreport.ci import LOCAL, CiContext
from cmlreport.errors import CmlReportError, InputError, NoWriteAccess, RemoteError
from cmlreport.forges.base import Target, TargetKind, parse_target
from cmlreport.forges.gitlab.forge import BadToken, GitLabForge, GitLabSettings, NotFound
from cmlreport.forges.sticky import marker, post_sticky
from cmlreport.publishable.image import LocalImage
from cmlreport.report.budget import GITLAB_NOTE_LIMIT
from tests.fakes.gitlab import FakeGitLab

pytest_plugins = ["tests.fakes.gitlab.pytest_plugin"]

PROJECT = "group/sub/proj"
BOT = "glpat-project-bot-token-never-shown"  # the project's access token (a bot user)
ALICE = "glpat-alice-token-never-shown"  # a developer's personal token
GUEST = "glpat-guest-token-never-shown"
JOB = "job-token-never-shown"  # CI_JOB_TOKEN of a pipeline in the project
HEAD = "4f5e6d7c8b9a0f1e2d3c4b5a69788796a5b4c3d2"
MR = Target(TargetKind.PR, number=3)
KEY = "train"
NOTES = r"/merge_requests/3/notes"
GRAPHQL = r"^/graphql$"  # POST /api/graphql: how a merge request's notes are read
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def server(gitlab_server: FakeGitLab) -> FakeGitLab:
    """group/sub/proj (id 42) with merge request !3 from ``feature`` and the usual tokens."""
    seed(gitlab_server)
    return gitlab_server


def seed(server: FakeGitLab) -> None:
    project = server.add_project(PROJECT, id=42, default_branch="main")
    server.add_merge_request(project, iid=3, source_branch="feature", sha=HEAD)
    server.add_project_bot_token(BOT, project=project)
    server.add_token(ALICE, username="alice")
    server.add_token(GUEST, username="gus", role="guest")
    server.add_job_token(JOB, project=project)


def merge_request_pipeline() -> CiContext:
    """What ``detect_ci`` reads in a GitLab merge request pipeline for !3."""
    return CiContext(
        provider="gitlab",
        repository=PROJECT,
        event_name="merge_request_event",
        head_sha=HEAD,
        pr_head_sha=HEAD,
        pr_number=3,
        run_url="https://gitlab.example.com/group/sub/proj/-/pipelines/77",
    )


def forge(
    server: FakeGitLab, *, token: str = BOT, ci: CiContext = LOCAL, **options: Any
) -> GitLabForge:
    settings = GitLabSettings(
        project=options.pop("project", PROJECT),
        token=token,
        token_kind="job" if token == JOB else "private",
        server_url=options.pop("server_url", server.url),
        api_url=options.pop("api_url", server.api_url),
        ci=ci,
        backoff=options.pop("backoff", 0.01),  # fast tests; the waits' shape is what matters
        max_wait=options.pop("max_wait", 5.0),
        timeout=options.pop("timeout", 5.0),
        **options,
    )
    return GitLabForge(settings)


def user_notes(server: FakeGitLab, iid: int = 3) -> list[Any]:
    """The notes people wrote on merge request ``iid`` (no system notes), oldest first."""
    notes = server.notes_on(server.project(PROJECT), "MergeRequest", iid)
    return sorted((n for n in notes if not n.system), key=lambda n: n.id)


def image(name: str = "loss.png", data: bytes = PNG) -> LocalImage:
    return LocalImage(ref=f"plots/{name}", name=name, data=data, content_type="image/png")


def one_line(error: CmlReportError) -> str:
    assert "\n" not in error.message
    for token in (BOT, ALICE, GUEST, JOB):
        assert token not in error.message
    return error.message


# -- the sticky note ------------------------------------------------------------------------


def test_the_first_report_on_a_merge_request_posts_one_note(server: FakeGitLab) -> None:
    gitlab = forge(server, ci=merge_request_pipeline())

    target = gitlab.resolve_target(parse_target("auto"))
    outcome = post_sticky(gitlab, target, "## Model report\naccuracy 0.91", KEY)

    notes = user_notes(server)
    assert outcome.action == "created"
    assert [n.id for n in notes] == [outcome.comment.id]
    assert notes[0].body.startswith(marker(KEY))
    assert "accuracy 0.91" in notes[0].body
    assert notes[0].author.startswith("project_42_bot_")
    assert outcome.comment.url == f"{server.url}/{PROJECT}/-/merge_requests/3#note_{notes[0].id}"


def test_the_next_run_edits_the_same_note_in_place(server: FakeGitLab) -> None:
    first = post_sticky(forge(server), MR, "accuracy 0.91", KEY)

    second = post_sticky(forge(server), MR, "accuracy 0.93", KEY)

    notes = user_notes(server)
    assert second.action == "updated"
    assert [n.id for n in notes] == [first.comment.id] == [second.comment.id]
    assert "accuracy 0.93" in notes[0].body
    assert "accuracy 0.91" not in notes[0].body
    assert len(server.calls("PUT", rf"{NOTES}/{first.comment.id}$")) == 1


def test_an_unchanged_report_is_not_written_again(server: FakeGitLab) -> None:
    post_sticky(forge(server), MR, "accuracy 0.91\n", KEY)
    server.reset_log()

    outcome = post_sticky(forge(server), MR, "accuracy 0.91\n", KEY)

    assert outcome.action == "unchanged"
    assert server.calls("PUT", NOTES) == []
    assert server.calls("POST", NOTES) == []
    assert len(user_notes(server)) == 1


def test_a_marker_note_written_by_someone_else_is_left_alone(server: FakeGitLab) -> None:
    # Alice pasted an old report (marker included) into a note of her own.
    (pasted,) = server.add_notes(PROJECT, 3, [f"{marker(KEY)}\nmy copy"], author="alice")

    outcome = post_sticky(forge(server), MR, "accuracy 0.91", KEY)

    assert outcome.action == "created"
    assert server.notes[pasted.id].body == f"{marker(KEY)}\nmy copy"
    assert [n.author for n in user_notes(server)] == ["alice", outcome.comment.author]


def test_among_150_notes_the_newest_of_ours_is_found_with_few_requests(
    server: FakeGitLab,
) -> None:
    gitlab = forge(server)
    older = post_sticky(gitlab, MR, "first try", KEY)  # an older duplicate, left from a bug
    server.add_notes(PROJECT, 3, [f"lgtm {i}" for i in range(60)], author="bob")
    newer = gitlab.create_comment(MR, f"{marker(KEY)}\nsecond try")
    server.add_notes(PROJECT, 3, [f"nit {i}" for i in range(90)], author="bob")
    again = forge(server)
    server.reset_log()

    found = again.find_comment(MR, marker(KEY))

    assert found is not None
    assert found.id == newer.id != older.comment.id
    # The newest 100 notes hold it: one GraphQL query holds them and who we are.
    assert len(server.calls("POST", GRAPHQL)) == 1
    assert again.request_count == 1
    assert server.calls("GET", NOTES) == server.calls("GET", r"^/user$") == []


def test_the_oldest_note_is_found_in_the_first_request(server: FakeGitLab) -> None:
    first = post_sticky(forge(server), MR, "accuracy 0.91", KEY)
    server.add_notes(PROJECT, 3, [f"lgtm {i}" for i in range(150)], author="bob")
    gitlab = forge(server)
    server.reset_log()

    outcome = post_sticky(gitlab, MR, "accuracy 0.93", KEY)

    assert outcome.action == "updated"
    assert outcome.comment.id == first.comment.id
    # The oldest 100 are in the first query (a bot posts when the merge request opens).
    assert [r.method for r in server.requests] == ["POST", "PUT"]
    assert gitlab.request_count == 2


# -- failures and retries -------------------------------------------------------------------


def test_a_server_error_while_reading_is_retried(server: FakeGitLab) -> None:
    server.inject("POST", GRAPHQL, 503, times=2)
    gitlab = forge(server)

    outcome = post_sticky(gitlab, MR, "accuracy 0.91", KEY)

    assert outcome.action == "created"
    # A query changes nothing: asked again. The last one looks for a racing duplicate.
    assert len(server.calls("POST", GRAPHQL)) == 4
    assert server.calls("GET", NOTES) == []
    assert len(user_notes(server)) == 1


def test_a_502_on_posting_is_checked_then_posted_once(server: FakeGitLab) -> None:
    server.inject("POST", NOTES, 502)  # the proxy failed; GitLab never saw the note
    gitlab = forge(server)

    with pytest.raises(RemoteError) as failed:
        gitlab.create_comment(MR, f"{marker(KEY)}\nreport")
    outcome = post_sticky(gitlab, MR, "accuracy 0.91", KEY)

    assert failed.value.transient
    assert "502" in one_line(failed.value)
    assert outcome.action == "created"
    assert len(user_notes(server)) == 1
    assert len(server.calls("POST", NOTES)) == 2  # the refused one was not repeated blindly


def test_a_rate_limited_post_waits_as_told_and_posts_once(server: FakeGitLab) -> None:
    server.inject("POST", NOTES, 429, headers={"Retry-After": "1"})
    gitlab = forge(server)

    started = time.monotonic()
    outcome = post_sticky(gitlab, MR, "accuracy 0.91", KEY)
    waited = time.monotonic() - started

    assert outcome.action == "created"
    assert waited >= 1.0  # Retry-After, not the 0.01 s backoff
    assert len(server.calls("POST", NOTES)) == 2
    assert len(user_notes(server)) == 1


def test_a_rate_limit_asking_for_longer_than_max_wait_fails_at_once(server: FakeGitLab) -> None:
    server.inject("POST", GRAPHQL, 429, headers={"Retry-After": "3600"})

    started = time.monotonic()
    with pytest.raises(RemoteError) as failed:
        forge(server).find_comment(MR, marker(KEY))

    assert time.monotonic() - started < 2
    assert "rate limit" in one_line(failed.value)
    assert len(server.requests) == 1  # and not the REST list: it would be refused alike


def test_retries_are_bounded(server: FakeGitLab) -> None:
    server.inject("POST", GRAPHQL, 500, times=10)

    with pytest.raises(RemoteError) as failed:
        forge(server, retries=2).find_comment(MR, marker(KEY))

    assert "500" in one_line(failed.value)
    assert len(server.calls("POST", GRAPHQL)) == 3


def test_an_unreachable_gitlab_is_one_line_after_bounded_retries(server: FakeGitLab) -> None:
    with socket.socket() as probe:  # a port nobody listens on once closed
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
    gitlab = forge(server, server_url=closed, api_url=None, retries=2)

    with pytest.raises(RemoteError) as unreachable:
        gitlab.find_comment(MR, marker(KEY))
    with pytest.raises(RemoteError) as not_posted:
        gitlab.create_comment(MR, "report")

    assert one_line(unreachable.value).startswith(f"cannot reach {closed}/api/v4 to read the")
    assert gitlab.request_count == 3 + 3  # a connection never made may be tried again
    assert not not_posted.value.transient  # nothing was sent, so nothing can have landed


def test_a_post_that_times_out_is_never_posted_twice(server: FakeGitLab) -> None:
    # GitLab creates the note but answers after the client stopped waiting.
    server.inject_delay_after("POST", NOTES, 1.5)
    gitlab = forge(server, timeout=0.5)

    with pytest.raises(RemoteError) as timed_out:
        gitlab.create_comment(MR, f"{marker('other')}\nfirst")
    server.inject_delay_after("POST", NOTES, 1.5)
    outcome = post_sticky(gitlab, MR, "accuracy 0.91", KEY)

    assert timed_out.value.transient
    assert "0.5 s" in one_line(timed_out.value)
    assert outcome.action == "created"
    assert len(server.calls("POST", NOTES)) == 2  # one per report: no blind repeat
    mine = [n for n in user_notes(server) if marker(KEY) in n.body]
    assert [n.id for n in mine] == [outcome.comment.id]


def test_a_job_token_says_what_to_use_instead(server: FakeGitLab) -> None:
    gitlab = forge(server, token=JOB, ci=merge_request_pipeline())

    with pytest.raises(NoWriteAccess) as refused:
        post_sticky(gitlab, gitlab.resolve_target(parse_target("auto")), "accuracy 0.91", KEY)

    message = one_line(refused.value)
    assert "CI_JOB_TOKEN cannot post a note on merge request !3" in message
    assert "project access token with the api scope" in message
    assert "GITLAB_TOKEN" in message
    assert user_notes(server) == []
    assert server.calls("GET", r"^/user$") == []  # a job token has no user to ask for


def test_a_revoked_token_is_named_without_showing_it(server: FakeGitLab) -> None:
    with pytest.raises(BadToken) as rejected:
        forge(server, token="glpat-revoked-token-never-shown").find_comment(MR, marker(KEY))

    message = one_line(rejected.value)
    assert message.startswith("GitLab rejected the token in GITLAB_TOKEN (401")
    assert "glpat-revoked" not in message


def test_a_guest_cannot_post_and_is_told_the_role_needed(server: FakeGitLab) -> None:
    with pytest.raises(NoWriteAccess) as refused:
        post_sticky(forge(server, token=GUEST), MR, "accuracy 0.91", KEY)

    assert "at least the Reporter role" in one_line(refused.value)
    assert user_notes(server) == []


def test_missing_merge_request_and_missing_project_are_told_apart(server: FakeGitLab) -> None:
    with pytest.raises(NotFound) as no_mr:
        forge(server).find_comment(Target(TargetKind.PR, number=99), marker(KEY))
    with pytest.raises(NotFound) as no_project:
        forge(server, project="group/elsewhere").find_comment(MR, marker(KEY))

    assert one_line(no_mr.value) == f"merge request !99 not found in {PROJECT}"
    assert one_line(no_project.value).startswith(
        "project group/elsewhere not found, or the token cannot see it"
    )


# -- targets --------------------------------------------------------------------------------


def test_a_branch_pipeline_finds_the_open_merge_request_of_its_branch(server: FakeGitLab) -> None:
    server.add_merge_request(PROJECT, iid=2, source_branch="feature", state="merged")
    branch_pipeline = CiContext(provider="gitlab", repository=PROJECT, head_sha=HEAD)

    gitlab = forge(server, ci=branch_pipeline, branch="feature")

    assert gitlab.resolve_target(parse_target("auto")) == MR
    assert gitlab.resolve_target(parse_target("pr")) == MR


def test_without_a_merge_request_auto_falls_back_to_the_commit(server: FakeGitLab) -> None:
    gitlab = forge(server, branch="main", head_sha=HEAD)

    assert gitlab.resolve_target(parse_target("auto")) == Target(TargetKind.COMMIT, sha=HEAD)
    with pytest.raises(InputError) as no_mr:
        gitlab.resolve_target(parse_target("pr"))
    assert "no open merge request for branch main" in one_line(no_mr.value)
    assert gitlab.resolve_target(parse_target("issue/5")) == Target(TargetKind.ISSUE, number=5)


def test_a_short_sha_becomes_the_full_commit(server: FakeGitLab) -> None:
    gitlab = forge(server)

    assert gitlab.resolve_target(parse_target(f"commit/{HEAD[:8]}")).sha == HEAD
    with pytest.raises(InputError):
        gitlab.resolve_target(parse_target("commit/0000000"))


def test_a_commit_report_lives_in_an_editable_discussion(server: FakeGitLab) -> None:
    commit = Target(TargetKind.COMMIT, sha=HEAD)

    first = post_sticky(forge(server), commit, "accuracy 0.91", KEY)
    second = post_sticky(forge(server), commit, "accuracy 0.93", KEY)

    notes = server.notes_on(server.project(PROJECT), "Commit", HEAD)
    assert (first.action, second.action) == ("created", "updated")
    assert [n.id for n in notes] == [first.comment.id]
    assert "accuracy 0.93" in notes[0].body
    assert server.calls("POST", r"/comments$") == []  # commit comments cannot be edited
    assert len(server.calls("PUT", rf"/discussions/{notes[0].discussion_id}/notes/")) == 1
    assert second.comment.url == f"{server.url}/{PROJECT}/-/commit/{HEAD}#note_{notes[0].id}"


def test_two_racing_reports_on_a_commit_end_as_one_discussion(server: FakeGitLab) -> None:
    commit = Target(TargetKind.COMMIT, sha=HEAD)
    server.hold_together("GET", rf"/commits/{HEAD}/discussions$", parties=2)
    with ThreadPoolExecutor(2) as pool:
        outcomes = list(
            pool.map(lambda text: post_sticky(forge(server), commit, text, KEY), ["run A", "run B"])
        )

    assert len(server.calls("POST", rf"/commits/{HEAD}/discussions$")) == 2
    (kept,) = server.notes_on(server.project(PROJECT), "Commit", HEAD)
    assert {o.comment.id for o in outcomes} == {kept.id}
    assert len(server.calls("DELETE", r"/discussions/\w+/notes/\d+$")) >= 1


def test_an_issue_gets_its_report_too(server: FakeGitLab) -> None:
    server.add_issue(PROJECT, iid=5)
    issue = Target(TargetKind.ISSUE, number=5)

    outcome = post_sticky(forge(server), issue, "drift report", KEY)

    assert outcome.comment.url.endswith(f"/{PROJECT}/-/issues/5#note_{outcome.comment.id}")
    server.reset_log()
    assert post_sticky(forge(server), issue, "drift report", KEY).action == "unchanged"
    assert [r.path for r in server.requests] == ["/graphql"]  # an issue's notes alike


# -- where GraphQL cannot answer: the REST lists ---------------------------------------------


def test_a_gitlab_whose_graphql_refuses_the_query_is_read_through_rest(
    server: FakeGitLab,
) -> None:
    first = post_sticky(forge(server), MR, "accuracy 0.91", KEY)
    # An instance whose schema lacks a field answers 200 with errors and no data.
    server.inject("POST", GRAPHQL, 200, body={"errors": [{"message": "Field 'url' doesn't exist"}]})
    gitlab = forge(server)
    server.reset_log()

    outcome = post_sticky(gitlab, MR, "accuracy 0.93", KEY)

    assert outcome.action == "updated" and outcome.comment.id == first.comment.id
    # Asked once; then the oldest notes by creation, who we are, the PUT, and the racing
    # duplicate check goes on through REST too.
    assert [r.method for r in server.requests] == ["POST", "GET", "GET", "PUT"]
    assert server.calls("GET", r"^/user$")


@pytest.mark.parametrize("how", ["job token", "numeric project id"])
def test_a_job_token_or_a_project_id_reads_notes_through_rest(server: FakeGitLab, how: str) -> None:
    first = post_sticky(forge(server), MR, "accuracy 0.91", KEY)
    server.reset_log()
    # GitLab's GraphQL takes no job token, and finds a project by its full path only.
    options = {"token": JOB} if how == "job token" else {"project": "42"}

    found = forge(server, **options).find_comment(MR, marker(KEY))

    assert found is not None and found.id == first.comment.id
    assert server.calls("POST", GRAPHQL) == []
    assert server.calls("GET", NOTES)


# -- where GitLab lives ---------------------------------------------------------------------


def test_a_self_managed_gitlab_under_a_sub_path(
    gitlab_server_factory: Callable[..., FakeGitLab],
) -> None:
    server = gitlab_server_factory(prefix="/gitlab")
    seed(server)

    from_ci = post_sticky(forge(server), MR, "accuracy 0.91", KEY)
    # On a laptop only the web address is known: the API is found under it.
    from_laptop = post_sticky(forge(server, api_url=None), MR, "accuracy 0.93", KEY)

    assert server.url.endswith("/gitlab")
    assert from_ci.comment.url.startswith(f"{server.url}/{PROJECT}/-/merge_requests/3#note_")
    assert from_laptop.action == "updated"
    assert len(user_notes(server)) == 1


def test_a_project_given_by_its_numeric_id(server: FakeGitLab) -> None:
    outcome = post_sticky(forge(server, project="42"), MR, "accuracy 0.91", KEY)

    assert outcome.comment.url == (
        f"{server.url}/{PROJECT}/-/merge_requests/3#note_{outcome.comment.id}"
    )
    assert any(c.path.startswith("/projects/42/") for c in server.requests)


# -- images ---------------------------------------------------------------------------------


def test_an_image_is_uploaded_once_across_two_runs(server: FakeGitLab) -> None:
    first_run = forge(server)
    urls = first_run.publish_images([image()], MR)
    post_sticky(first_run, MR, f"![loss]({urls['plots/loss.png']})", KEY)

    second_run = forge(server)
    again = second_run.publish_images([image(), image("f1.png", PNG + b"new")], MR)

    assert again["plots/loss.png"] == urls["plots/loss.png"]
    assert again["plots/f1.png"] != urls["plots/loss.png"]
    assert len(server.uploads) == 2  # loss.png once, f1.png once
    assert urls["plots/loss.png"].startswith("/uploads/")
    # The relative link resolves in the project, for its members, to the same bytes.
    shown = requests.get(
        f"{server.url}/{PROJECT}{urls['plots/loss.png']}",
        headers={"PRIVATE-TOKEN": ALICE},
        timeout=5,
    )
    assert shown.content == PNG


def test_an_image_by_someone_else_is_not_reused(server: FakeGitLab) -> None:
    mine = forge(server).publish_images([image()], MR)
    # Alice's note links our upload, but only our own notes vouch for what a link holds.
    server.add_notes(PROJECT, 3, [f"![x]({mine['plots/loss.png']})"], author="alice")

    forge(server).publish_images([image()], MR)

    assert len(server.uploads) == 2


# -- commit statuses and limits -------------------------------------------------------------


def test_a_failed_gate_sets_a_failed_commit_status(server: FakeGitLab) -> None:
    ci = merge_request_pipeline()

    result = forge(server, ci=ci).set_check(
        "cmlreport", "failure", "1 of 3 gates failed", "## report", ci.run_url
    )

    (status,) = server.statuses.values()
    assert (status.sha, status.name, status.status) == (HEAD, "cmlreport", "failed")
    assert status.description == "1 of 3 gates failed"
    assert status.target_url == ci.run_url == result.url
    assert result.conclusion == "failed"


def test_a_report_without_gates_is_a_success_that_says_so(server: FakeGitLab) -> None:
    gitlab = forge(server, head_sha=HEAD)

    result = gitlab.set_check("cmlreport", "neutral", "x" * 300, "## report", None)

    (status,) = server.statuses.values()
    assert status.status == "success"
    assert status.description is not None
    assert status.description.startswith("no gates: x")
    assert len(status.description) == 255
    assert result.url == f"{server.url}/{PROJECT}/-/commit/{HEAD}"


def test_a_status_on_a_commit_gitlab_has_not_seen_says_to_push_it(server: FakeGitLab) -> None:
    local_only = "0123456789abcdef0123456789abcdef01234567"

    with pytest.raises(NotFound) as missing:
        forge(server, head_sha=local_only).set_check("cmlreport", "success", "ok", "", None)

    assert one_line(missing.value) == f"commit 0123456 not found in {PROJECT}; push it first"


def test_a_job_token_cannot_set_a_status(server: FakeGitLab) -> None:
    with pytest.raises(NoWriteAccess) as refused:
        forge(server, token=JOB, head_sha=HEAD).set_check("cmlreport", "success", "ok", "", None)

    assert "CI_JOB_TOKEN" in one_line(refused.value)
    assert "Developer role" in refused.value.message
    assert server.statuses == {}


def test_a_note_holds_a_million_characters_and_no_more(server: FakeGitLab) -> None:
    gitlab = forge(server)
    assert GITLAB_NOTE_LIMIT == 1_000_000

    largest = gitlab.create_comment(MR, "x" * GITLAB_NOTE_LIMIT)
    with pytest.raises(RemoteError) as too_long:
        gitlab.create_comment(MR, "x" * (GITLAB_NOTE_LIMIT + 1))

    assert len(largest.body) == 1_000_000
    assert "too long" in one_line(too_long.value)
    assert not too_long.value.transient
