"""Two jobs post the same report key at the same moment (a matrix, a re-run racing the first
run): they must end with one comment, holding the content written last, on GitHub and GitLab.

The fake forge holds both jobs' first reading of the comments until both have read, so both
see none and both post; that interleaving is asserted from the fake's log, so these tests
cannot pass by the jobs merely running one after the other. GitHub POSTs refused by a rate
limit are retried within the bounded budget; a wait longer than that budget is one line, exit 3.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import Result, Run, clean_env
from tests.fakes.github import ACTIONS_BOT, ACTIONS_PERMISSIONS, FakeGitHub
from tests.fakes.gitlab.server import FakeGitLab

pytest_plugins = ["tests.fakes.github.pytest_plugin", "tests.fakes.gitlab.pytest_plugin"]

DATA = Path(__file__).resolve().parent.parent / "data" / "github"
REPO = "octo/model"
HEAD_SHA = "ec26c3e57ca3a959ca5aad62de7213c562f8c821"
GITHUB_TOKEN = "ghs_fakeActionsToken1234567890"
PROJECT = "ml/vision/model"
GITLAB_TOKEN = "glpat-fakeProjectToken0123456789"
MARKER = "<!-- cmlreport:train/report -->"


def run_together(jobs: list[tuple[Path, dict[str, str]]]) -> list[Result]:
    """``cmlreport send-comment report.md`` in each (folder, env) at once, as racing CI jobs."""
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "cmlreport",
                "send-comment",
                "report.md",
                "--key",
                "train/report",
            ],
            cwd=root,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for root, env in jobs
    ]
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        results.append(Result(proc.returncode, out, err))
    return results


def job_folders(tmp_path: Path, reports: list[str]) -> list[Path]:
    roots = []
    for i, report in enumerate(reports):
        root = tmp_path / f"job{i}"
        root.mkdir()
        (root / "report.md").write_text(report)
        roots.append(root)
    return roots


def assert_converged(results: list[Result], survivor_id: int, survivor_url: str) -> None:
    for result in results:
        assert result.code == 0, result.stderr
        assert result.stderr == ""
        # Both jobs name the one comment that is left.
        assert result.stdout.splitlines()[-1].endswith(survivor_url), result.stdout
        assert str(survivor_id) in survivor_url


# -- GitHub ----------------------------------------------------------------------------------


def github_env(root: Path, server: FakeGitHub) -> dict[str, str]:
    payload: dict[str, Any] = json.loads((DATA / "pull_request.opened.json").read_text())
    original = payload["repository"]["full_name"]
    payload["number"] = payload["pull_request"]["number"] = 7
    payload["repository"]["full_name"] = REPO
    payload["pull_request"]["base"]["repo"]["full_name"] = REPO
    payload["pull_request"]["head"]["sha"] = HEAD_SHA
    if payload["pull_request"]["head"]["repo"]["full_name"] == original:
        payload["pull_request"]["head"]["repo"]["full_name"] = REPO
    (root / "event.json").write_text(json.dumps(payload))
    return clean_env(
        GITHUB_ACTIONS="true",
        GITHUB_REPOSITORY=REPO,
        GITHUB_EVENT_NAME="pull_request",
        GITHUB_EVENT_PATH=str(root / "event.json"),
        GITHUB_SHA="1" * 40,
        GITHUB_API_URL=server.url,
        GITHUB_SERVER_URL=server.web_url,
        GITHUB_RUN_ID="99",
        GITHUB_WORKFLOW="train",
        GITHUB_JOB="report",
        GITHUB_STEP_SUMMARY=str(root / "summary.md"),
        GITHUB_OUTPUT=str(root / "output.txt"),
        GITHUB_TOKEN=GITHUB_TOKEN,
    )


@pytest.fixture
def github(github_server: FakeGitHub) -> FakeGitHub:
    github_server.add_repo(REPO)
    github_server.add_pull(REPO, number=7, head_sha=HEAD_SHA)
    github_server.add_token(
        GITHUB_TOKEN, permissions=ACTIONS_PERMISSIONS, user_endpoint_forbidden=True
    )
    github_server.add_issue_comments(REPO, 7, ["looks good", f"> {MARKER}\n> quoted"])
    return github_server


def test_github_two_jobs_at_once_end_with_one_comment(github: FakeGitHub, tmp_path: Path) -> None:
    roots = job_folders(tmp_path, ["## Report\n\nrun A\n", "## Report\n\nrun B\n"])
    # Both jobs' first look at the comments (one GraphQL query each) is answered only once
    # both have been read: neither sees the other's comment.
    github.hold_together("POST", r"/graphql$", parties=2)

    results = run_together([(root, github_env(root, github)) for root in roots])

    posts = github.calls("POST", r"/issues/7/comments$")
    assert len(posts) == 2, "the race did not happen: both jobs must have posted"
    ours = [c for c in github.issue_comments.values() if c.body.startswith(MARKER)]
    assert len(ours) == 1, [c.body for c in ours]
    (kept,) = ours
    # The first comment created stays; it holds what the job that posted second wrote.
    created = sorted(int(r.path.rsplit("/", 1)[-1]) for r in github.calls("DELETE", r"/comments/"))
    assert kept.id < min(created)
    assert kept.author == ACTIONS_BOT
    assert kept.body == posts[1].body["body"]
    assert len(github.issue_comments) == 3  # the two planted, untouched, and ours
    assert_converged(results, kept.id, f"#issuecomment-{kept.id}")


def send(run: Run, root: Path, server: FakeGitHub) -> tuple[Result, float]:
    started = time.monotonic()
    result = run("send-comment", "report.md", cwd=root, env=github_env(root, server))
    return result, time.monotonic() - started


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (429, "API rate limit exceeded"),
        (
            403,
            "You have exceeded a secondary rate limit. "
            "Please wait a few minutes before you try again.",
        ),
    ],
    ids=["429", "secondary-403"],
)
def test_github_a_post_refused_by_a_rate_limit_is_retried_once_posted(
    run: Run, github: FakeGitHub, tmp_path: Path, status: int, message: str
) -> None:
    (root,) = job_folders(tmp_path, ["## Report\n\nrate limited\n"])
    github.inject(
        "POST",
        r"/issues/7/comments$",
        status,
        headers={"Retry-After": "1"},
        body={"message": message},
    )

    result, took = send(run, root, github)

    assert result.code == 0, result.stderr
    assert result.stderr == ""
    assert len(github.calls("POST", r"/issues/7/comments$")) == 2
    assert [c.body for c in github.issue_comments.values() if c.body.startswith(MARKER)] == [
        f"{MARKER}\n## Report\n\nrate limited\n"
    ]
    assert 1.0 <= took < 30  # Retry-After honoured


def test_github_a_rate_limit_asking_for_an_hour_fails_at_once(
    run: Run, github: FakeGitHub, tmp_path: Path
) -> None:
    (root,) = job_folders(tmp_path, ["## Report\n"])
    github.inject("POST", r"/issues/7/comments$", 429, headers={"Retry-After": "3600"}, times=5)

    result, took = send(run, root, github)

    assert result.code == 3
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and "rate limit" in lines[0] and "3600 s" in lines[0], lines
    assert "Traceback" not in result.stderr and GITHUB_TOKEN not in result.stderr
    assert took < 30
    assert len(github.calls("POST", r"/issues/7/comments$")) == 1
    assert not [c for c in github.issue_comments.values() if c.body.startswith(MARKER)]


# -- GitLab ----------------------------------------------------------------------------------


def gitlab_env(server: FakeGitLab) -> dict[str, str]:
    return clean_env(
        GITLAB_CI="true",
        CI_SERVER_URL=server.url,
        CI_API_V4_URL=server.api_url,
        CI_PROJECT_ID="42",
        CI_PROJECT_PATH=PROJECT,
        CI_COMMIT_SHA="a" * 40,
        CI_MERGE_REQUEST_IID="3",
        CI_PIPELINE_SOURCE="merge_request_event",
        CI_PIPELINE_URL=f"{server.url}/{PROJECT}/-/pipelines/9",
        CI_JOB_NAME="report",
        GITLAB_TOKEN=GITLAB_TOKEN,
    )


def test_gitlab_two_jobs_at_once_end_with_one_note(
    gitlab_server: FakeGitLab, tmp_path: Path
) -> None:
    gitlab_server.add_project(PROJECT, id=42)
    gitlab_server.add_merge_request(PROJECT, iid=3, sha="a" * 40)
    token = gitlab_server.add_project_bot_token(GITLAB_TOKEN, project=PROJECT)
    gitlab_server.add_notes(PROJECT, 3, ["looks good", f"> {MARKER}\n> quoted"])
    roots = job_folders(tmp_path, ["## Report\n\nrun A\n", "## Report\n\nrun B\n"])
    # Both read the notes (one GraphQL query each) before either posts.
    gitlab_server.hold_together("POST", r"/api/graphql$", parties=2)

    results = run_together([(root, gitlab_env(gitlab_server)) for root in roots])

    posts = gitlab_server.calls("POST", r"/merge_requests/3/notes$")
    assert len(posts) == 2, "the race did not happen: both jobs must have posted"
    notes = gitlab_server.user_notes(PROJECT, 3)
    ours = [n for n in notes if n.body.startswith(MARKER)]
    assert len(ours) == 1, [n.body for n in ours]
    (kept,) = ours
    assert kept.author == token.username
    assert kept.body.rstrip("\n") == posts[1].body["body"].rstrip("\n")
    assert len(notes) == 3  # the two planted, untouched, and ours
    assert_converged(results, kept.id, f"#note_{kept.id}")
