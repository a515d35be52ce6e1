"""Attacks found by a hostile review of the issue-15 redesign, each through the real CLI.

A test marked ``xfail(strict=True)`` proves a finding that is not fixed yet: it fails today
and turns into an XPASS (a failure of the suite) the day the fix lands, so the mark goes then.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from tests.e2e.conftest import Result, Run, clean_env
from tests.fakes.github import FakeGitHub
from tests.security.runner_step import RunnerStep, an_image, github_step, instances
from tests.security.test_concurrent_posting import GITHUB_TOKEN, github_env, job_folders
from tests.security.test_concurrent_posting import github as github  # the fixture

if TYPE_CHECKING:
    from tests.fakes.moto_server import MotoServer

pytest_plugins = ["tests.fakes.github.pytest_plugin", "tests.fakes.moto_server"]

COMMENTS = r"/repos/octo/model/issues/7/comments$"


def _lying_last_page(github: FakeGitHub, page: str) -> None:
    """Page 1 of the comments says there are ``page`` pages (a broken proxy, a hostile
    GitHub Enterprise): every later page is empty, as GitHub answers past the end."""
    last = f"{github.url}/repos/octo/model/issues/7/comments?per_page=100&page={page}"
    github.inject("GET", COMMENTS, 200, headers={"Link": f'<{last}>; rel="last"'}, body=[])


def test_a_link_header_naming_many_pages_does_not_make_hundreds_of_requests(
    run: Run, github: FakeGitHub, tmp_path: Path
) -> None:
    (root,) = job_folders(tmp_path, ["## Report\n"])
    _lying_last_page(github, "300")

    result = run("send-comment", "report.md", cwd=root, env=github_env(root, github))

    assert "Traceback" not in result.stderr and GITHUB_TOKEN not in result.stderr
    # Page 2 is already empty: nothing can be on the pages after it.
    assert len(github.calls("GET", COMMENTS)) <= 5


def test_a_link_header_page_number_of_5000_digits_is_not_an_internal_error(
    run: Run, github: FakeGitHub, tmp_path: Path
) -> None:
    (root,) = job_folders(tmp_path, ["## Report\n"])
    _lying_last_page(github, "9" * 5000)

    result = run("send-comment", "report.md", cwd=root, env=github_env(root, github))

    assert result.code != 4, result.stderr
    assert "internal error" not in result.stderr


# -- a bad input is one line and exit 2, never an internal error -----------------------------

FIVE_THOUSAND_DIGITS = "9" * 5000  # int() refuses more than 4,300 decimal digits


def assert_one_input_error(result: Result) -> None:
    assert result.code == 2, result.stderr
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.splitlines()) == 1, result.stderr


def test_a_target_number_of_5000_digits_is_a_bad_flag(run: Run, tmp_path: Path) -> None:
    (root,) = job_folders(tmp_path, ["## Report\n"])
    # The action's `target` input reaches this flag as it is.
    result = run(
        "send-comment", "report.md", "--dry-run", "--target", f"pr/{FIVE_THOUSAND_DIGITS}", cwd=root
    )
    assert_one_input_error(result)
    assert "--target" in result.stderr


def test_a_gates_marker_of_5000_digits_is_not_an_internal_error(run: Run, tmp_path: Path) -> None:
    marker = f"<!-- cmlreport-gates: passed={FIVE_THOUSAND_DIGITS} failed=0 -->"
    (root,) = job_folders(tmp_path, [f"{marker}\n## Report\n"])
    # Read before any forge is asked: no token, no network needed to show the crash.
    result = run("check", "report.md", cwd=root)
    assert result.code != 4, result.stderr
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr


def test_an_event_payload_with_a_5000_digit_number_is_one_line(run: Run, tmp_path: Path) -> None:
    (root,) = job_folders(tmp_path, ["## Report\n"])
    event = root / "event.json"
    event.write_text(f'{{"number": {FIVE_THOUSAND_DIGITS}}}')
    env = clean_env(
        GITHUB_ACTIONS="true",
        GITHUB_EVENT_NAME="pull_request",
        GITHUB_EVENT_PATH=str(event),
        GITHUB_REPOSITORY="octo/model",
        GITHUB_TOKEN=GITHUB_TOKEN,
    )
    result = run("send-comment", "report.md", "--dry-run", cwd=root, env=env)
    assert_one_input_error(result)
    assert "GITHUB_EVENT_PATH" in result.stderr


# -- a runner name is checked whole before anything is created ----------------------


def test_a_runner_name_ending_in_a_newline_starts_no_machine(
    moto: MotoServer, github_server: FakeGitHub, tmp_path: Path
) -> None:
    """``re.match(r"^...$")`` takes "gpu-1\\n" (``$`` matches before a final newline): a YAML
    block scalar (``runner-name: |``) gives the action input exactly that. The name then reaches
    the registration and EC2, and only the GITHUB_OUTPUT write refuses it, once a GPU machine
    is running (it is torn down again, but it was started and billed)."""
    step = github_step(
        tmp_path / "job",
        moto.url,
        github_server,
        "octo/model",
        "ghp_runnerAdminToken0123456789",
        GITHUB_OUTPUT=str(tmp_path / "output.txt"),
    )
    try:
        args = ("launch", "--gpu", "t4", "--image", an_image(moto.url), "--no-wait")
        result = step.run(*args, "--name", "gpu-1\n", "--token-env", "RUNNER_TOKEN")
    finally:
        step.close()
    assert result.code == 2, result.stderr
    assert "--name" in result.stderr
    assert instances(moto.url) == {}, "a machine was started for a name that is refused"


# -- the OIDC token file: one line and exit 2 whatever is at the path (issue 15, point 5) -----


class OidcStep(RunnerStep):
    """A job whose AWS credentials come only from OIDC: no access keys in its environment."""

    def env(self, **extra: str) -> dict[str, str]:
        env = super().env(**extra)
        del env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"]
        return env


def oidc_step(moto: MotoServer, github_server: FakeGitHub, tmp_path: Path) -> RunnerStep:
    step = github_step(
        tmp_path / "job",
        moto.url,
        github_server,
        "octo/model",
        "ghp_runnerAdminToken0123456789",
        AWS_ROLE_ARN="arn:aws:iam::123456789012:role/cmlreport-runner",
        AWS_WEB_IDENTITY_TOKEN_FILE=str(tmp_path / "id-token"),
        AWS_CONFIG_FILE=str(tmp_path / "no-aws-config"),
        AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "no-aws-credentials"),
    )
    return OidcStep(step.root, step.moto_url, step.ci)


def launch_with_oidc(step: RunnerStep, moto: MotoServer, timeout: float = 60.0) -> Result:
    args = ("launch", "--gpu", "t4", "--image", an_image(moto.url), "--no-wait")
    running = step.start(*args, "--token-env", "RUNNER_TOKEN")
    try:
        return running.finish(timeout)
    finally:
        step.close()


def test_an_oidc_token_file_that_is_not_utf8_is_one_line_and_exit_2(
    moto: MotoServer, github_server: FakeGitHub, tmp_path: Path
) -> None:
    (tmp_path / "id-token").write_bytes(b"\xff\xfe not a token")
    step = oidc_step(moto, github_server, tmp_path)

    result = launch_with_oidc(step, moto)

    assert result.code == 2, result.stderr
    assert "internal error" not in result.stderr
    assert result.stderr.splitlines()[-1].startswith(
        "cmlreport: error: AWS_WEB_IDENTITY_TOKEN_FILE="
    ), result.stderr
    assert not github_server.runners


def test_an_oidc_token_file_that_is_a_fifo_does_not_hang_the_launch(
    moto: MotoServer, github_server: FakeGitHub, tmp_path: Path
) -> None:
    os.mkfifo(tmp_path / "id-token")
    step = oidc_step(moto, github_server, tmp_path)

    result = launch_with_oidc(step, moto, timeout=10.0)  # AssertionError when still running

    assert result.code == 2, result.stderr
