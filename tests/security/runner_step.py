"""A `cmlreport runner` step as a CI job runs it: its own process, which a test may signal.

EC2 is moto's server (boto3 pointed at it with AWS_ENDPOINT_URL), registration goes to the fake
GitHub or GitLab. ``start`` returns at once so the test can wait for a precise moment (a request
seen by a fake) and send SIGINT or SIGTERM, as the Actions runner or GitLab Runner does when a
job is cancelled; ``finish`` collects the exit code and every byte written.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3

from tests.e2e.conftest import Result, clean_env
from tests.launch import start_cmlreport

if TYPE_CHECKING:
    from tests.fakes.github import FakeGitHub

REGION = "us-east-1"
AWS = {
    "AWS_REGION": REGION,
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_EC2_METADATA_DISABLED": "true",
}


def wait_for(what: str, condition: Callable[[], object], timeout: float = 30.0) -> None:
    """Poll ``condition`` every 20 ms: synchronised by what the fakes saw, not by sleeps."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(0.02)


class Running:
    """One `cmlreport` process (``tests.launch``), its stdout and stderr going to files (no
    pipe to fill up)."""

    def __init__(self, args: list[str], cwd: Path, env: dict[str, str]) -> None:
        self.stdout, self.stderr = cwd / "stdout.txt", cwd / "stderr.txt"
        with (
            self.stdout.open("wb") as out,
            self.stderr.open("wb") as err,
            open(os.devnull, "rb") as stdin,
        ):
            self.proc = start_cmlreport(
                *args, cwd=cwd, env=env, stdin=stdin.fileno(), stdout=out.fileno(),
                stderr=err.fileno(),
            )  # fmt: skip

    def signal(self, signum: int) -> float:
        """Send ``signum``; returns when it was sent (time.monotonic)."""
        os.kill(self.proc.pid, signum)
        return time.monotonic()

    def finish(self, timeout: float = 60.0) -> Result:
        try:
            code, _ = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"cmlreport still running after {timeout:g} s") from None
        return Result(code, self.stdout.read_text(), self.stderr.read_text())

    def kill(self) -> None:
        self.proc.kill()


class RunnerStep:
    """A job's workspace and the variables its CI sets (GitHub Actions, or GitLab CI)."""

    def __init__(self, root: Path, moto_url: str, ci: dict[str, str]) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        self.moto_url = moto_url
        self.ci = ci
        self.started: list[Running] = []

    def env(self, **extra: str) -> dict[str, str]:
        return clean_env(**self.ci, **AWS, AWS_ENDPOINT_URL=self.moto_url, **extra)

    def start(self, *args: str, **env: str) -> Running:
        running = Running(["runner", *args], self.root, self.env(**env))
        self.started.append(running)
        return running

    def run(self, *args: str, **env: str) -> Result:
        return self.start(*args, **env).finish()

    def close(self) -> None:
        for running in self.started:
            running.kill()


def github_step(
    folder: Path, moto_url: str, github: FakeGitHub, repo: str, token: str, **ci: str
) -> RunnerStep:
    """A GitHub Actions job of ``repo`` whose admin token (in RUNNER_TOKEN) may register
    runners; ``ci`` adds or overrides variables."""
    from tests.fakes.github import ADMIN_PERMISSIONS

    github.add_repo(repo)
    github.add_token(token, login="alice", permissions=ADMIN_PERMISSIONS)
    variables = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_REPOSITORY": repo,
        "GITHUB_API_URL": github.url,
        "GITHUB_SERVER_URL": github.web_url,
        "GITHUB_RUN_ID": "4242",
        "RUNNER_TOKEN": token,
        **ci,
    }
    return RunnerStep(folder, moto_url, variables)


def ec2(moto_url: str) -> Any:
    return boto3.client("ec2", region_name=REGION, endpoint_url=moto_url)


def instances(moto_url: str) -> dict[str, str]:
    """Every instance moto holds, terminated ones included: id -> state."""
    reservations = ec2(moto_url).describe_instances()["Reservations"]
    return {i["InstanceId"]: i["State"]["Name"] for r in reservations for i in r["Instances"]}


def live(moto_url: str) -> list[str]:
    return [i for i, state in instances(moto_url).items() if state in ("pending", "running")]


_IMAGES: dict[str, str] = {}


def an_image(moto_url: str) -> str:
    # moto's public images survive its resets, and listing them takes most of a second.
    if moto_url not in _IMAGES:
        images = ec2(moto_url).describe_images(Owners=["amazon"])["Images"]
        _IMAGES[moto_url] = str(images[0]["ImageId"])
    return _IMAGES[moto_url]
