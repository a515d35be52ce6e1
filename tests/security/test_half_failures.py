"""Half-failures: a removal the forge keeps refusing is a failure, and a lost answer is not.

A runner registration whose DELETE keeps failing (5xx) is retried a bounded number of times and
then reported as still registered, with exit 3: never as "removed" (PyGithub's own
``remove_self_hosted_runner`` answers False for a 500 as for a runner already gone). `runner
stop` fails while anything it was asked to remove remains, and succeeds when it is already gone.
On the other side, a write to the assets branch that GitHub applied but whose answer a proxy
lost (a 502, a timeout) is found on the retry instead of failing the job.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from PIL import Image

from tests.e2e.conftest import Result, clean_env
from tests.fakes.github import ACTIONS_PERMISSIONS, FakeGitHub
from tests.fakes.gitlab.server import FakeGitLab
from tests.security.runner_step import RunnerStep, Running, an_image, github_step, instances, live

if TYPE_CHECKING:
    from tests.fakes.moto_server import MotoServer

pytest_plugins = [
    "tests.fakes.github.pytest_plugin",
    "tests.fakes.gitlab.pytest_plugin",
    "tests.fakes.moto_server",
]

REPO = "octo/model"
TOKEN = "ghp_runnerAdminToken0123456789"
RUNNER = r"/repos/octo/model/actions/runners/\d+$"
# A 503 asking to come back at once: the CLI's own retry policy (5 tries) without its waits.
UNAVAILABLE = {"Retry-After": "0"}


@pytest.fixture
def image(moto: MotoServer) -> str:
    return an_image(moto.url)


@pytest.fixture
def step(moto: MotoServer, github_server: FakeGitHub, tmp_path: Path) -> Iterator[RunnerStep]:
    job = github_step(
        tmp_path / "job",
        moto.url,
        github_server,
        REPO,
        TOKEN,
    )
    yield job
    job.close()


def runner(step: RunnerStep, *args: str) -> Result:
    result = step.run(*args, "--token-env", "RUNNER_TOKEN")
    assert "Traceback" not in result.stderr, result.stderr
    assert TOKEN not in result.stdout + result.stderr
    return result


def one_error_line(result: Result) -> str:
    errors = [line for line in result.stderr.splitlines() if "error" in line]
    assert len(errors) == 1 and result.stderr.endswith(errors[0] + "\n"), result.stderr
    return errors[0]


def launch(step: RunnerStep, image: str, *args: str) -> Result:
    return runner(step, "launch", "--gpu", "t4", "--image", image, "--no-wait", *args)


# -- a failed launch whose registration cannot be removed --------------------------------------


def test_a_failed_launch_whose_runner_delete_keeps_failing_says_the_runner_remains(
    step: RunnerStep, moto: MotoServer, github_server: FakeGitHub, image: str
) -> None:
    moto.fail("RunInstances", "UnauthorizedOperation", status=403)
    github_server.inject("DELETE", RUNNER, 500, times=20)

    result = launch(step, image)

    assert result.code == 3
    line = one_error_line(result)
    assert "removed at the forge" not in line
    (registered,) = github_server.runners.values()  # what GitHub really holds
    assert (
        f"runner {registered.name} may still be registered at the forge (could not remove "
        f"self-hosted runner {registered.id} in {REPO}: GitHub answered 500 Server Error "
        "after 4 attempts)"
    ) in line
    assert len(github_server.calls("DELETE", RUNNER)) == 4  # retried, and bounded
    assert live(moto.url) == []


def test_a_failed_launch_whose_runner_delete_fails_twice_retries_and_removes_it(
    step: RunnerStep, moto: MotoServer, github_server: FakeGitHub, image: str
) -> None:
    moto.fail("RunInstances", "UnauthorizedOperation", status=403)
    github_server.inject("DELETE", RUNNER, 502, times=2)

    result = launch(step, image)

    assert result.code == 3  # the launch itself failed
    assert re.search(r"; runner \d+ removed at the forge$", one_error_line(result))
    assert not github_server.runners
    assert len(github_server.calls("DELETE", RUNNER)) == 3


# -- runner stop --------------------------------------------------------------------------------


def test_stop_fails_while_the_registration_remains_and_a_second_stop_finishes_the_job(
    step: RunnerStep, moto: MotoServer, github_server: FakeGitHub, image: str
) -> None:
    assert launch(step, image, "--name", "cmlreport-exp1").code == 0
    (registered,) = github_server.runners.values()
    github_server.inject("DELETE", RUNNER, 503, headers=UNAVAILABLE, times=5)

    first = runner(step, "stop", "--name", "cmlreport-exp1")

    assert first.code == 3
    assert "removed runner" not in first.stdout
    assert re.fullmatch(r"terminated i-[0-9a-f]+\n", first.stdout)  # the machine still ended
    assert one_error_line(first) == (
        "cmlreport: error: runner stop left something behind: runner cmlreport-exp1 is still "
        f"registered (could not remove self-hosted runner {registered.id} in {REPO}: GitHub "
        "answered 503 Service Unavailable after 5 attempts)"
    )
    assert list(github_server.runners) == [registered.id] and live(moto.url) == []
    assert len(github_server.calls("DELETE", RUNNER)) == 5

    second = runner(step, "stop", "--name", "cmlreport-exp1")
    assert second.code == 0, second.stderr
    assert second.stdout == "removed runner cmlreport-exp1 at github\n"
    assert not github_server.runners

    third = runner(step, "stop", "--name", "cmlreport-exp1")
    assert third.code == 0 and "nothing to stop" in third.stdout


def test_stop_fails_when_the_machine_cannot_be_terminated(
    step: RunnerStep, moto: MotoServer, github_server: FakeGitHub, image: str
) -> None:
    assert launch(step, image, "--name", "cmlreport-exp2").code == 0
    (instance_id,) = live(moto.url)
    moto.fail("TerminateInstances", "UnauthorizedOperation", status=403)

    result = runner(step, "stop", "--name", "cmlreport-exp2")

    assert result.code == 3
    assert result.stdout == "removed runner cmlreport-exp2 at github\n"
    line = one_error_line(result)
    assert line.startswith(
        f"cmlreport: error: runner stop left something behind: {instance_id} may still be running ("
    )
    assert "UnauthorizedOperation" in line
    assert instances(moto.url) == {instance_id: "running"}


def test_cleanup_says_removed_only_for_what_it_removed(
    step: RunnerStep, github_server: FakeGitHub
) -> None:
    from tests.fakes.github.records import Runner

    github_server.runners[901] = Runner(901, REPO, "cmlreport-gone", ["cmlreport-gone"])
    github_server.runners[902] = Runner(902, REPO, "cmlreport-lost", ["cmlreport-lost"])
    github_server.inject("DELETE", r"/actions/runners/901$", 503, headers=UNAVAILABLE, times=5)

    result = runner(step, "cleanup")

    assert result.code == 3
    assert result.stdout == "removed offline runner cmlreport-lost\n"
    assert one_error_line(result).startswith(
        "cmlreport: error: runner cleanup left something behind: runner cmlreport-gone is "
        "still registered (could not remove self-hosted runner 901 in octo/model: GitHub "
        "answered 503"
    )
    assert list(github_server.runners) == [901]


def test_gitlab_stop_fails_while_the_runner_cannot_be_deleted(
    moto: MotoServer, gitlab_server: FakeGitLab, tmp_path: Path, image: str
) -> None:
    gitlab_server.add_project("ml/model", id=42)
    gitlab_server.add_token("glpat-maint0123456789", username="maya", role="maintainer")
    ci = {
        "GITLAB_CI": "true",
        "CI_SERVER_URL": gitlab_server.url,
        "CI_API_V4_URL": gitlab_server.api_url,
        "CI_PROJECT_PATH": "ml/model",
        "CI_JOB_ID": "77",
        "GITLAB_TOKEN": "glpat-maint0123456789",
    }
    step = RunnerStep(tmp_path / "gl", moto.url, ci)
    try:
        launched = step.run("launch", "--gpu", "a10g", "--image", image, "--no-wait")
        assert launched.code == 0, launched.stderr
        gitlab_server.inject("DELETE", r"^/runners/\d+$", 500, headers=UNAVAILABLE, times=5)

        stopped = step.run("stop", "--name", "cmlreport-a10g-77")
    finally:
        step.close()

    assert stopped.code == 3
    line = one_error_line(stopped)
    assert "runner cmlreport-a10g-77 is still registered" in line and "500" in line
    assert len(gitlab_server.runners) == 1 and live(moto.url) == []


# -- the assets branch: a write that landed, whose answer was lost -------------------------------

PR_TOKEN = "ghs_fakeActionsToken1234567890"
HEAD_SHA = "ec26c3e57ca3a959ca5aad62de7213c562f8c821"
ASSETS_REF = "refs/heads/cmlreport-assets"


def png_bytes() -> bytes:
    picture = Image.new("RGB", (8, 8), (200, 30, 30))
    out = io.BytesIO()
    picture.save(out, format="PNG")
    return out.getvalue()


class ReportJob:
    """A pull request job with a report that shows one plot."""

    def __init__(self, root: Path, server: FakeGitHub) -> None:
        self.root, self.server = root, server
        (root / "plots").mkdir(parents=True)
        self.png = png_bytes()
        (root / "plots" / "loss.png").write_bytes(self.png)
        (root / "report.md").write_text("## Report\n\n![loss](plots/loss.png)\n")
        event = {
            "number": 7,
            "pull_request": {
                "number": 7,
                "head": {"sha": HEAD_SHA, "repo": {"full_name": REPO}},
                "base": {"sha": "b" * 40, "ref": "main", "repo": {"full_name": REPO}},
            },
            "repository": {"full_name": REPO, "default_branch": "main"},
        }
        (root / "event.json").write_text(json.dumps(event))

    def send(self, **env: str) -> Result:
        values = {
            "GITHUB_ACTIONS": "true",
            "GITHUB_REPOSITORY": REPO,
            "GITHUB_EVENT_NAME": "pull_request",
            "GITHUB_EVENT_PATH": str(self.root / "event.json"),
            "GITHUB_SHA": "1" * 40,
            "GITHUB_API_URL": self.server.url,
            "GITHUB_SERVER_URL": self.server.web_url,
            "GITHUB_WORKFLOW": "train",
            "GITHUB_JOB": "report",
            "GITHUB_TOKEN": PR_TOKEN,
            **env,
        }
        return Running(["send-comment", "report.md"], self.root, clean_env(**values)).finish()

    def comments(self) -> list[Any]:
        return [c for c in self.server.issue_comments.values() if c.issue_number == 7]


@pytest.fixture
def report_job(github_server: FakeGitHub, tmp_path: Path) -> ReportJob:
    github_server.add_repo(REPO)
    github_server.add_pull(REPO, number=7, head_sha=HEAD_SHA)
    github_server.add_token(PR_TOKEN, permissions=ACTIONS_PERMISSIONS, user_endpoint_forbidden=True)
    return ReportJob(tmp_path / "job", github_server)


def published_once(job: ReportJob) -> None:
    """One comment whose one image link names the branch's head commit, which holds it once."""
    (comment,) = job.comments()
    (link,) = re.findall(r"\]\(([^)]+)\)", comment.body)
    found = re.fullmatch(
        re.escape(f"{job.server.web_url}/{REPO}/blob/") + r"([0-9a-f]{40})/(\S+)\?raw=true", link
    )
    assert found, link
    repo = job.server.repos[REPO]
    assert repo.refs[ASSETS_REF] == found[1]
    assert len(job.server.calls("POST", r"/git/blobs$")) == 1  # the picture was sent once
    assert len(job.server.calls("POST", r"/git/refs$")) == 1  # the branch was created once


def test_a_lost_answer_to_creating_the_assets_branch_is_recovered(report_job: ReportJob) -> None:
    # GitHub created the branch; the proxy in front of it answered 502.
    report_job.server.lose_answer("POST", r"/git/refs$", 502)

    result = report_job.send()

    assert result.code == 0, result.stderr
    published_once(report_job)
    assert not report_job.server.calls("PATCH", r"/git/refs/")  # nothing left to move


def test_a_timed_out_branch_creation_that_landed_is_recovered(report_job: ReportJob) -> None:
    report_job.server.inject_delay_after("POST", r"/git/refs$", 5)

    result = report_job.send(CMLREPORT_HTTP_TIMEOUT="1")

    assert result.code == 0, result.stderr
    published_once(report_job)


def test_a_lost_answer_to_the_assets_commit_is_recovered(report_job: ReportJob) -> None:
    report_job.server.lose_answer("POST", r"/git/commits$", 502)

    result = report_job.send()

    assert result.code == 0, result.stderr
    published_once(report_job)
