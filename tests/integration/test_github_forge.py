"""The GitHub forge against the fake GitHub: PyGithub over real HTTP on 127.0.0.1.

Each test is a story a user lives through (a report posted, updated, refused, retried) and
asserts on what the fake GitHub holds and saw afterwards.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from cmlreport.ci import LOCAL, CiContext
from cmlreport.errors import CmlReportError, InputError, NoWriteAccess, RemoteError
from cmlreport.forges.base import Target, TargetKind, TargetSpec, parse_target
from cmlreport.forges.github.forge import GitHubForge, GitHubSettings
from cmlreport.forges.sticky import post_sticky
from tests.fakes.github import ACTIONS_BOT, ADMIN_PERMISSIONS, READ_ONLY_PERMISSIONS, FakeGitHub

pytest_plugins = ["tests.fakes.github.pytest_plugin"]

REPO = "octo/model"
ACTIONS_TOKEN = "ghs_actions_token_must_never_show"
FORK_TOKEN = "ghs_fork_token_must_never_show"
ALICE_TOKEN = "ghp_alice_token_must_never_show"
MARKER = "<!-- cmlreport:default -->"


def report(text: str, marker: str = MARKER) -> str:
    return f"{marker}\n## Model report\n{text}"


@pytest.fixture
def server(github_server: FakeGitHub) -> FakeGitHub:
    """octo/model with open pull request 7 (branch ``retrain``) and the tokens people use."""
    github_server.add_repo(REPO, default_branch="main")
    github_server.add_pull(REPO, number=7, head_ref="retrain", title="Retrain on May data")
    github_server.add_token(ACTIONS_TOKEN, login=ACTIONS_BOT, user_endpoint_forbidden=True)
    github_server.add_token(FORK_TOKEN, login=ACTIONS_BOT, permissions=READ_ONLY_PERMISSIONS)
    github_server.add_token(ALICE_TOKEN, login="alice", permissions=ADMIN_PERMISSIONS)
    return github_server


def pull_request_run(server: FakeGitHub, *, is_fork: bool = False) -> CiContext:
    """What ``detect_ci`` reads in a GitHub Actions job triggered by pull request 7."""
    pull = server.pulls[(REPO, 7)]
    return CiContext(
        provider="github",
        repository=REPO,
        event_name="pull_request",
        head_sha="f" * 40,  # GitHub's temporary merge commit
        pr_head_sha=pull.head_sha,
        pr_number=7,
        is_fork=is_fork,
    )


def push_run(sha: str) -> CiContext:
    return CiContext(provider="github", repository=REPO, event_name="push", head_sha=sha)


def forge(
    server: FakeGitHub, *, token: str = ACTIONS_TOKEN, ci: CiContext = LOCAL, **options: Any
) -> GitHubForge:
    settings = GitHubSettings(
        repository=options.pop("repository", REPO),
        token=token,
        api_url=server.url,
        server_url=server.web_url,
        ci=ci,
        backoff=0.01,  # fast tests; the waits' shape is what matters
        max_wait=5.0,
        timeout=5.0,
        **options,
    )
    return GitHubForge(settings)


def bodies(server: FakeGitHub) -> list[str]:
    return [c.body for c in server.issue_comments.values()]


def raised(call: Callable[[], object]) -> CmlReportError:
    with pytest.raises(CmlReportError) as caught:
        call()
    return caught.value


def assert_one_clean_line(error: CmlReportError) -> None:
    assert "\n" not in error.message
    for token in (ACTIONS_TOKEN, FORK_TOKEN, ALICE_TOKEN):
        assert token not in error.message


PR7 = Target(TargetKind.PR, number=7)


# -- sticky comments ------------------------------------------------------------------------


def test_the_first_report_on_a_pull_request_is_a_new_comment(server: FakeGitHub) -> None:
    github = forge(server, ci=pull_request_run(server))

    target = github.resolve_target(parse_target("auto"))
    assert github.find_comment(target, MARKER) is None
    posted = github.create_comment(target, report("accuracy 0.91"))

    assert target == PR7
    assert bodies(server) == [report("accuracy 0.91")]
    assert posted.author == ACTIONS_BOT
    assert posted.url.startswith(f"{server.web_url}/{REPO}/")
    assert posted.url.endswith(f"/7#issuecomment-{posted.id}")


@pytest.mark.parametrize("newer_comments", [150, 60], ids=["oldest-of-151", "61st-newest"])
def test_an_update_among_150_comments_takes_one_query_and_one_write(
    server: FakeGitHub, newer_comments: int
) -> None:
    # The report was posted on an earlier run; reviewers have written a lot since.
    server.add_issue_comments(REPO, 7, [f"review {i}" for i in range(150 - newer_comments)])
    server.add_issue_comments(REPO, 7, [report("accuracy 0.91")], author=ACTIONS_BOT)
    server.add_issue_comments(REPO, 7, [f"later review {i}" for i in range(newer_comments)])
    github = forge(server, ci=pull_request_run(server))
    server.reset_log()

    sticky = github.find_comment(PR7, MARKER)
    assert sticky is not None
    github.update_comment(PR7, sticky, report("accuracy 0.93"))

    assert len(server.issue_comments) == 151
    assert [b for b in bodies(server) if MARKER in b] == [report("accuracy 0.93")]
    # One GraphQL query: both ends of the thread and who the token is; then the PATCH.
    assert [(r.method, r.path) for r in server.requests] == [
        ("POST", "/graphql"),
        ("PATCH", f"/repos/{REPO}/issues/comments/{sticky.id}"),
    ]
    assert github.request_count == 2


def test_two_keys_are_two_comments_each_updated_on_its_own(server: FakeGitHub) -> None:
    github = forge(server, ci=pull_request_run(server))
    train, drift = "<!-- cmlreport:train -->", "<!-- cmlreport:drift -->"
    for marker in (train, drift):
        assert github.find_comment(PR7, marker) is None
        github.create_comment(PR7, report("first run", marker))

    found = github.find_comment(PR7, train)
    assert found is not None
    github.update_comment(PR7, found, report("second run", train))

    assert bodies(server) == [report("second run", train), report("first run", drift)]


def test_a_marker_comment_written_by_someone_else_is_not_taken(server: FakeGitHub) -> None:
    # Bob quoted Alice's report in his own comment, marker included.
    server.add_issue_comments(REPO, 7, [report("accuracy 0.91")], author="bob")
    github = forge(server, token=ALICE_TOKEN, branch="retrain")

    assert github.find_comment(PR7, MARKER) is None
    assert len(server.calls("POST", r"^/graphql$")) == 1


def test_in_actions_the_bots_comment_is_found_behind_a_quoted_one(server: FakeGitHub) -> None:
    server.add_issue_comments(REPO, 7, [report("accuracy 0.91")], author=ACTIONS_BOT)
    server.add_issue_comments(REPO, 7, [f"> {report('accuracy 0.91')}\nwhy?"], author="bob")
    github = forge(server, ci=pull_request_run(server))

    found = github.find_comment(PR7, MARKER)

    assert found is not None
    assert found.author == ACTIONS_BOT
    assert found.body == report("accuracy 0.91")
    assert len(server.calls("POST", r"^/graphql$")) == 1  # asked once: GET /user would be 403


def test_a_report_on_a_commit_is_posted_then_updated(server: FakeGitHub) -> None:
    main = server.repos[REPO].refs["refs/heads/main"]
    github = forge(server, ci=push_run(main))

    target = github.resolve_target(parse_target("commit"))
    github.create_comment(target, report("accuracy 0.91"))
    found = github.find_comment(target, MARKER)
    assert found is not None
    updated = github.update_comment(target, found, report("accuracy 0.93"))

    assert target == Target(TargetKind.COMMIT, sha=main)
    stored = list(server.commit_comments.values())
    assert [(c.commit_id, c.body) for c in stored] == [(main, report("accuracy 0.93"))]
    assert updated.url.startswith(f"{server.web_url}/{REPO}/commit/{main}")


def test_two_racing_reports_on_a_commit_end_as_one_comment(server: FakeGitHub) -> None:
    main = server.repos[REPO].refs["refs/heads/main"]
    target = Target(TargetKind.COMMIT, sha=main)
    server.hold_together("GET", rf"/commits/{main}/comments$", parties=2)
    with ThreadPoolExecutor(2) as pool:
        outcomes = list(
            pool.map(
                lambda text: post_sticky(forge(server, ci=push_run(main)), target, text, "default"),
                ["run A", "run B"],
            )
        )

    assert len(server.calls("POST", rf"/commits/{main}/comments$")) == 2
    (kept,) = server.commit_comments.values()
    assert {o.comment.id for o in outcomes} == {kept.id}
    assert len(server.calls("DELETE", r"^/repos/octo/model/comments/\d+$")) >= 1


def test_a_short_sha_is_expanded_to_the_commit_it_names(server: FakeGitHub) -> None:
    main = server.repos[REPO].refs["refs/heads/main"]
    github = forge(server, token=ALICE_TOKEN)

    target = github.resolve_target(parse_target(f"commit/{main[:8]}"))
    github.create_comment(target, report("accuracy 0.91"))

    assert target == Target(TargetKind.COMMIT, sha=main)
    assert [c.commit_id for c in server.commit_comments.values()] == [main]


def test_an_unknown_short_sha_is_an_input_error(server: FakeGitHub) -> None:
    github = forge(server, token=ALICE_TOKEN)

    error = raised(lambda: github.resolve_target(parse_target("commit/0badc0de")))
    assert isinstance(error, InputError)
    assert "commit/0badc0de" in error.message and REPO in error.message


def test_a_report_on_an_issue(server: FakeGitHub) -> None:
    server.add_issue(REPO, 3, title="Model drifts on new data")
    github = forge(server, token=ALICE_TOKEN)

    target = github.resolve_target(parse_target("issue/3"))
    posted = github.create_comment(target, report("drift 0.018"))

    assert [(c.issue_number, c.body) for c in server.issue_comments.values()] == [
        (3, report("drift 0.018"))
    ]
    assert posted.author == "alice"


# -- finding the pull request ----------------------------------------------------------------


def test_auto_on_a_push_finds_the_open_pull_request_of_the_commit(server: FakeGitHub) -> None:
    head = server.pulls[(REPO, 7)].head_sha
    server.add_pull(REPO, number=5, head_ref="old-try", head_sha=head, state="closed")

    target = forge(server, ci=push_run(head)).resolve_target(parse_target("auto"))

    assert target == PR7
    assert [r.path for r in server.requests] == [f"/repos/{REPO}/commits/{head}/pulls"]


def test_auto_on_a_push_without_a_pull_request_comments_on_the_commit(
    server: FakeGitHub,
) -> None:
    main = server.repos[REPO].refs["refs/heads/main"]

    target = forge(server, ci=push_run(main)).resolve_target(parse_target("auto"))

    assert target == Target(TargetKind.COMMIT, sha=main)


def test_on_a_laptop_the_branch_finds_its_pull_request(server: FakeGitHub) -> None:
    github = forge(server, token=ALICE_TOKEN, branch="retrain", head_sha="a" * 40)

    assert github.resolve_target(parse_target("pr")) == PR7
    assert [(r.path, r.query.get("head")) for r in server.requests] == [
        (f"/repos/{REPO}/pulls", "octo:retrain")
    ]


def test_pr_with_no_open_pull_request_says_how_to_name_one(server: FakeGitHub) -> None:
    main = server.repos[REPO].refs["refs/heads/main"]
    github = forge(server, token=ALICE_TOKEN, branch="tune-lr", head_sha=main)

    error = raised(lambda: github.resolve_target(TargetSpec(TargetKind.PR)))

    assert isinstance(error, InputError)
    assert_one_clean_line(error)
    assert "branch tune-lr" in error.message and main[:7] in error.message
    assert "--target pr/N" in error.message


# -- retries --------------------------------------------------------------------------------


def test_a_502_on_a_read_and_on_an_edit_is_retried(server: FakeGitHub) -> None:
    server.add_issue_comments(REPO, 7, [report("accuracy 0.91")], author=ACTIONS_BOT)
    server.inject("POST", r"^/graphql$", 502)
    server.inject("PATCH", r"/issues/comments/\d+$", 502)
    github = forge(server, ci=pull_request_run(server))

    found = github.find_comment(PR7, MARKER)
    assert found is not None
    github.update_comment(PR7, found, report("accuracy 0.93"))

    assert bodies(server) == [report("accuracy 0.93")]
    assert len(server.calls("PATCH", r"/issues/comments/")) == 2
    assert len(server.calls("POST", r"^/graphql$")) == 2
    assert github.request_count == len(server.requests) == 4


def test_a_502_on_the_viewer_query_is_retried_it_changes_nothing(server: FakeGitHub) -> None:
    main = server.repos[REPO].refs["refs/heads/main"]
    server.create_commit_comment(REPO, main, report("accuracy 0.91"), ACTIONS_BOT)
    server.inject("POST", r"^/graphql$", 502)
    github = forge(server, ci=push_run(main))

    # On a commit the comments are read through REST, and who the token is by GraphQL.
    found = github.find_comment(Target(TargetKind.COMMIT, sha=main), MARKER)

    assert found is not None and found.author == ACTIONS_BOT
    assert len(server.calls("POST", r"^/graphql$")) == 2


def test_a_429_with_retry_after_waits_that_long_then_works(server: FakeGitHub) -> None:
    server.inject("POST", r"^/graphql$", 429, headers={"Retry-After": "1"})
    github = forge(server, ci=pull_request_run(server))

    started = time.monotonic()
    assert github.find_comment(PR7, MARKER) is None
    waited = time.monotonic() - started

    assert 0.9 <= waited < 3
    assert len(server.calls("POST", r"^/graphql$")) == 2


def test_a_secondary_rate_limit_on_a_read_is_waited_out(server: FakeGitHub) -> None:
    server.add_issue_comments(REPO, 7, [report("accuracy 0.91")], author=ACTIONS_BOT)
    server.inject("POST", r"^/graphql$", 403, headers={"retry-after": "0"})
    github = forge(server, ci=pull_request_run(server))

    found = github.find_comment(PR7, MARKER)

    assert found is not None and found.body == report("accuracy 0.91")
    assert len(server.calls("POST", r"^/graphql$")) == 2


def test_a_rate_limit_longer_than_max_wait_gives_up_at_once(server: FakeGitHub) -> None:
    server.inject("POST", r"^/graphql$", 403, headers={"retry-after": "3600"})
    github = forge(server, ci=pull_request_run(server))

    error = raised(lambda: github.find_comment(PR7, MARKER))

    assert isinstance(error, RemoteError)
    assert_one_clean_line(error)
    assert "rate limit" in error.message and "resets at" in error.message
    assert len(server.requests) == 1


def test_a_502_on_a_post_is_not_retried_so_nothing_is_posted_twice(server: FakeGitHub) -> None:
    server.inject("POST", r"/issues/7/comments$", 502)
    github = forge(server, ci=pull_request_run(server))

    error = raised(lambda: github.create_comment(PR7, report("accuracy 0.91")))

    assert type(error) is RemoteError
    assert error.transient  # it may have landed: the sticky logic looks before posting again
    assert_one_clean_line(error)
    assert "502" in error.message and "pull request #7" in error.message
    assert len(server.calls("POST", r"/issues/7/comments$")) == 1
    assert bodies(server) == []


def test_an_unreachable_server_is_one_line_naming_it(server: FakeGitHub) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    github = GitHubForge(
        GitHubSettings(
            REPO, ACTIONS_TOKEN, api_url=f"http://127.0.0.1:{port}", retries=1, backoff=0
        )
    )

    error = raised(lambda: github.find_comment(PR7, MARKER))

    assert isinstance(error, RemoteError)
    assert_one_clean_line(error)
    assert error.message.startswith(f"cannot reach http://127.0.0.1:{port}")
    assert github.request_count == 2


# -- refusals ---------------------------------------------------------------------------------


def test_a_bad_token_is_named_without_showing_it(server: FakeGitHub) -> None:
    github = forge(server, token="ghp_revoked_secret_value")

    error = raised(lambda: github.create_comment(PR7, report("accuracy 0.91")))

    assert isinstance(error, RemoteError)
    assert "ghp_revoked_secret_value" not in error.message
    assert "ghp_revoked_secret_value" not in repr(GitHubSettings(REPO, "ghp_revoked_secret_value"))
    assert "401 Bad credentials" in error.message and "GITHUB_TOKEN" in error.message


def test_a_fork_token_cannot_comment_and_says_which_permission_is_missing(
    server: FakeGitHub,
) -> None:
    github = forge(server, token=FORK_TOKEN, ci=pull_request_run(server, is_fork=True))

    error = raised(lambda: github.create_comment(PR7, report("accuracy 0.91")))

    assert isinstance(error, NoWriteAccess)
    assert not error.transient
    assert_one_clean_line(error)
    assert "pull-requests: write" in error.message and "issues: write" in error.message
    assert "permissions:" in error.message and REPO in error.message
    assert bodies(server) == []


def test_a_token_without_checks_permission_is_told_so(server: FakeGitHub) -> None:
    github = forge(server, token=FORK_TOKEN, ci=pull_request_run(server))

    error = raised(lambda: github.set_check("cmlreport", "success", "ok", "all good", None))

    assert isinstance(error, NoWriteAccess)
    assert "checks: write" in error.message


def test_a_missing_repository_and_a_missing_pull_request_are_told_apart(
    server: FakeGitHub,
) -> None:
    elsewhere = forge(server, token=ALICE_TOKEN, repository="octo/nope")
    no_repo = raised(lambda: elsewhere.create_comment(PR7, report("accuracy 0.91")))
    here = forge(server, token=ALICE_TOKEN)
    no_pull = raised(lambda: here.find_comment(Target(TargetKind.PR, number=99), MARKER))

    assert_one_clean_line(no_repo)
    assert_one_clean_line(no_pull)
    assert no_repo.message.startswith("repository octo/nope not found, or the token cannot see it")
    assert no_pull.message == "pull request #99 not found in octo/model"


# -- GitHub Enterprise and check runs ---------------------------------------------------------


def test_github_enterprise_under_api_v3_works_end_to_end(
    github_server_factory: Callable[..., FakeGitHub],
) -> None:
    server = github_server_factory(prefix="/api/v3")
    server.add_repo(REPO)
    server.add_pull(REPO, number=7, head_ref="retrain")
    server.add_token(ACTIONS_TOKEN, login=ACTIONS_BOT, user_endpoint_forbidden=True)
    github = forge(server, ci=pull_request_run(server))

    github.create_comment(PR7, report("accuracy 0.91"))
    found = github.find_comment(PR7, MARKER)
    assert found is not None
    github.update_comment(PR7, found, report("accuracy 0.93"))

    assert server.url.endswith("/api/v3")
    assert bodies(server) == [report("accuracy 0.93")]


def test_github_enterprise_answers_who_the_token_is_at_api_graphql(
    github_server_factory: Callable[..., FakeGitHub],
) -> None:
    server = github_server_factory(prefix="/api/v3")
    server.add_repo(REPO)
    server.add_pull(REPO, number=7, head_ref="retrain")
    server.add_token(ACTIONS_TOKEN, login=ACTIONS_BOT, user_endpoint_forbidden=True)
    server.add_issue_comments(REPO, 7, [report("accuracy 0.91")], author=ACTIONS_BOT)

    found = forge(server, ci=pull_request_run(server)).find_comment(PR7, MARKER)

    assert found is not None and found.author == ACTIONS_BOT
    # Logged as /graphql; served where GHES serves it, beside /api/v3 (the fake checks).
    assert len(server.calls("POST", r"^/graphql$")) == 1


def test_a_failed_gate_is_a_failing_check_run_on_the_pull_requests_head(
    server: FakeGitHub,
) -> None:
    github = forge(server, ci=pull_request_run(server))
    lines = [f"| class_{i:04d} | f1 0.{i % 97:02d} |" for i in range(3000)]
    summary = "\n".join(lines)  # 70,000 characters: more than a check run holds
    assert len(summary) > 65_535

    result = github.set_check(
        "cmlreport", "failure", "F1 0.87 < 0.90", summary, "https://ci.example/run/1"
    )

    [run] = server.check_runs.values()
    assert (run.name, run.conclusion, run.status) == ("cmlreport", "failure", "completed")
    assert run.head_sha == server.pulls[(REPO, 7)].head_sha
    assert run.details_url == "https://ci.example/run/1"
    assert run.summary is not None and len(run.summary) <= 65_535
    kept, _, notice = run.summary.partition("\n\n> ✂️ Cut")
    assert summary.startswith(kept + "\n")  # cut at a line boundary
    assert "65,535 characters" in notice
    assert result.conclusion == "failure"
    assert result.url.startswith(server.web_url)
