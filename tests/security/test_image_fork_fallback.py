"""The fork fallback folder (`cmlreport-comment/`) carries only images that passed the checks.

A fork's pull request runs with a read-only token, so send-comment writes the report and its
images to a folder that a `workflow_run` job later posts with a write token. Whatever lands in
that folder is published by the second job: it must hold the checked bytes and nothing else.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.e2e.conftest import Result, Run
from tests.e2e.test_send_comment import REPO, TOKEN, Job
from tests.fakes.github import READ_ONLY_PERMISSIONS, FakeGitHub
from tests.gitrepo import GitRepo
from tests.security.hostile_images import DECODING_ATTACKS, seed

pytest_plugins = ["tests.fakes.github.pytest_plugin", "tests.security.cli_plugin"]

GOOD = seed("seed.png")


@pytest.fixture
def fork_job(github_server: FakeGitHub, tmp_path: Path) -> Job:
    github_server.add_repo(REPO)
    github_server.add_token(TOKEN, permissions=READ_ONLY_PERMISSIONS, user_endpoint_forbidden=True)
    root = GitRepo.init(tmp_path / "work" / "fork").path
    (tmp_path / "work" / "secret.png").write_bytes(GOOD)
    (root / "plots").mkdir()
    (root / "plots" / "loss.png").write_bytes(GOOD)
    (root / "plots" / "link.png").symlink_to(tmp_path / "work" / "secret.png")
    polyglot, _ = DECODING_ATTACKS["html-after-iend.png"]
    (root / "plots" / "polyglot.png").write_bytes(polyglot)
    return Job(root, github_server, fork=True)


def send(run: Run, job: Job, report: str, *args: str) -> Result:
    (job.root / "report.md").write_text(report, encoding="utf-8")
    return run("send-comment", "report.md", *args, cwd=job.root, env=job.env())


def folder_files(job: Job) -> dict[str, bytes]:
    top = job.root / "cmlreport-comment"
    return {
        p.relative_to(top).as_posix(): p.read_bytes()
        for p in sorted(top.rglob("*"))
        if p.is_file() and p.name not in ("report.md", "target.json")
    }


def test_the_folder_holds_the_checked_bytes_of_each_image(run: Run, fork_job: Job) -> None:
    result = send(run, fork_job, "## Report\n\n![loss](plots/loss.png)\n")
    assert result.code == 0, result.stderr
    assert folder_files(fork_job) == {"images/0-loss.png": GOOD}
    carried = (fork_job.root / "cmlreport-comment" / "report.md").read_text()
    assert "![loss](images/0-loss.png)" in carried
    assert not any(p.is_symlink() for p in (fork_job.root / "cmlreport-comment").rglob("*"))


@pytest.mark.parametrize("ref", ["plots/link.png", "plots/polyglot.png", "../secret.png"])
def test_a_refused_image_stops_the_fallback_before_it_writes(
    run: Run, fork_job: Job, ref: str
) -> None:
    result = send(run, fork_job, f"![loss](plots/loss.png) ![x]({ref})\n")
    assert result.code == 2 and len(result.stderr.splitlines()) == 1, result.stderr
    assert result.stderr.startswith(f"cmlreport: error: report.md: image {ref!r} ")
    assert not (fork_job.root / "cmlreport-comment").exists()
    assert not fork_job.summary.exists()


def test_with_images_none_only_images_that_pass_are_carried(run: Run, fork_job: Job) -> None:
    report = (
        "![a](plots/loss.png) ![b](plots/link.png) ![c](plots/polyglot.png) ![d](../secret.png)\n"
    )
    result = send(run, fork_job, report, "--images", "none")
    assert result.code == 0, result.stderr
    assert folder_files(fork_job) == {"images/0-loss.png": GOOD}
    warnings = result.stderr.splitlines()
    assert len(warnings) == 3 and all(
        w.startswith("cmlreport: warning: not carried to cmlreport-comment/: report.md: image ")
        for w in warnings
    )
    assert ["plots/link.png" in warnings[0], "plots/polyglot.png" in warnings[1]] == [True, True]
    carried = (fork_job.root / "cmlreport-comment" / "report.md").read_text()
    assert carried == report.replace("plots/loss.png", "images/0-loss.png")


def test_the_second_workflow_publishes_only_from_the_downloaded_folder(
    run: Run, fork_job: Job, github_server: FakeGitHub, tmp_path: Path
) -> None:
    """Part 2 (`workflow_run`) downloads the artifact outside any work tree and posts it."""
    assert send(run, fork_job, "![loss](plots/loss.png)\n").code == 0
    artifact = tmp_path / "runner-temp" / "cmlreport-comment"
    os.makedirs(artifact.parent)
    (fork_job.root / "cmlreport-comment").rename(artifact)
    # A hostile artifact: its report points back out of the folder.
    (artifact / "report.md").write_text("![loss](images/0-loss.png) ![x](../../work/secret.png)\n")
    post = Job(tmp_path / "post", github_server)
    github_server.add_pull(REPO, number=7, head_sha="ec26c3e57ca3a959ca5aad62de7213c562f8c821")
    result = run(
        "send-comment",
        str(artifact / "report.md"),
        "--image-root",
        str(artifact),
        "--target",
        "pr/7",
        cwd=post.root,
        env=post.env(),
    )
    assert result.code == 2 and len(result.stderr.splitlines()) == 1, result.stderr
    assert "image '../../work/secret.png' is outside" in result.stderr
    assert not github_server.issue_comments
