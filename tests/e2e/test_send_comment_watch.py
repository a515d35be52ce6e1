"""`send-comment --watch`: training rewrites report.md every epoch; the PR comment follows it.

A real cmlreport process (tests.launch's start_cmlreport) watches the file with a 0.2 s interval
against the fake GitHub; the tests count the comment writes the fake received.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.e2e.test_send_comment import HEAD_SHA, REPO, TOKEN, Job, comments_on_7
from tests.fakes.github import ACTIONS_PERMISSIONS, FakeGitHub
from tests.launch import Started, start_cmlreport

pytest_plugins = ["tests.fakes.github.pytest_plugin"]


@pytest.fixture
def job(github_server: FakeGitHub, tmp_path: Path) -> Job:
    github_server.add_repo(REPO)
    github_server.add_pull(REPO, number=7, head_sha=HEAD_SHA)
    github_server.add_token(TOKEN, permissions=ACTIONS_PERMISSIONS, user_endpoint_forbidden=True)
    return Job(tmp_path / "job", github_server)


def writes(server: FakeGitHub) -> list[str]:
    return [
        r.method for r in server.requests if r.method in ("POST", "PATCH") and "comments" in r.path
    ]


def watch(job: Job, *args: str, env: dict[str, str] | None = None) -> tuple[Started, Path]:
    log = job.root / "watch.log"
    with open(log, "wb") as out, open(os.devnull, "rb") as nothing:
        started = start_cmlreport(
            "send-comment", "report.md", "--watch", "--interval", "0.2", *args,
            cwd=job.root, env=env or job.env(), stdin=nothing.fileno(), stdout=out.fileno(),
            stderr=out.fileno(),
        )  # fmt: skip
    return started, log


def wait_for(condition: object, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_the_comment_follows_the_epochs_and_ends_with_the_training(job: Job) -> None:
    # The training: five epochs 0.3 s apart, each rewriting the report, the last one twice
    # with the same text; it exits 3 (a failed run) and the watch exits with its code.
    script = job.root / "train.py"
    script.write_text(
        "import time\n"
        "for epoch in range(1, 6):\n"
        "    open('report.md', 'w').write(f'## Training\\n\\nepoch {epoch} of 5\\n')\n"
        "    time.sleep(0.3)\n"
        "open('report.md', 'w').write('## Training\\n\\nepoch 5 of 5\\n')\n"
        "time.sleep(0.3)\n"
        "open('report.md', 'w').write('## Training\\n\\ndone: accuracy 0.93\\n')\n"
        "raise SystemExit(3)\n"
    )
    started, log = watch(job, "--", sys.executable, str(script))
    code, _ = started.wait(timeout=30)
    assert code == 3, log.read_text()
    (comment,) = comments_on_7(job.server)
    assert "done: accuracy 0.93" in comment.body  # the final update, whatever the interval
    sent = writes(job.server)
    # One comment created, then updated: never more than the distinct texts (6), never once
    # per poll; the repeated "epoch 5" text wrote nothing.
    assert sent[0] == "POST" and set(sent[1:]) <= {"PATCH"}
    assert 2 <= len(sent) <= 6, sent
    assert "watch ended (exit 3)" in log.read_text()


def test_sigterm_posts_the_last_text_and_exits_143(job: Job) -> None:
    report = job.root / "report.md"
    report.write_text("## Training\n\nepoch 1\n")
    started, log = watch(job)
    wait_for(lambda: len(comments_on_7(job.server)) == 1)
    report.write_text("## Training\n\nepoch 2\n")
    time.sleep(0.05)  # less than an interval since the first post: this one waits
    os.kill(started.pid, signal.SIGTERM)
    code, _ = started.wait(timeout=20)
    assert code == 143, log.read_text()
    (comment,) = comments_on_7(job.server)
    assert "epoch 2" in comment.body
    assert writes(job.server) == ["POST", "PATCH"]


def test_a_half_written_report_is_never_posted(job: Job) -> None:
    report = job.root / "report.md"
    whole = "## Training\n\n" + "x" * 2000 + "\nthe end\n"
    report.write_text(whole)
    # A writer that leaves the file half-written for a while, again and again.
    writer = subprocess.Popen(
        [sys.executable, "-c",
         "import time, sys\n"
         f"whole = {whole!r}\n"
         "for _ in range(8):\n"
         "    f = open(sys.argv[1], 'w'); f.write(whole[:1000]); f.flush(); time.sleep(0.01)\n"
         "    f.write(whole[1000:]); f.close(); time.sleep(0.02)\n",
         str(report)],
    )  # fmt: skip
    started, log = watch(job, "--pid", str(writer.pid))
    writer.wait(timeout=20)
    code, _ = started.wait(timeout=20)
    assert code == 0, log.read_text()
    bodies = [
        r.body["body"]
        for r in job.server.requests
        if r.method in ("POST", "PATCH") and "comments" in r.path
    ]
    assert bodies and all(b.rstrip().endswith("the end") for b in bodies)
    assert len(writes(job.server)) == 1  # the same text each time: posted once


def test_watch_misuse_is_one_line_and_exit_2(job: Job) -> None:
    (job.root / "report.md").write_text("## r\n")
    for args in (("--mode", "new"), ("--pid", "1", "--", "true")):
        started, log = watch(job, *args)
        code, _ = started.wait(timeout=20)
        assert code == 2 and log.read_text().count("\n") == 1, log.read_text()
    assert not job.server.requests


def test_the_training_runs_without_the_forge_token(job: Job) -> None:
    # The watch posts; the training (and every package it imports) only writes the report, so
    # it gets no token that can write to the repository, and keeps the rest of the environment.
    script = job.root / "train.py"
    script.write_text(
        "import os\n"
        "seen = {k: os.environ.get(k) for k in ('GITHUB_TOKEN', 'GH_TOKEN', 'MY_TOKEN',\n"
        "        'GITLAB_TOKEN', 'GITHUB_APP_PRIVATE_KEY', 'WANDB_API_KEY', 'GITHUB_REPOSITORY')}\n"
        "open('report.md', 'w').write(f'## Training\\n\\n{seen}\\n')\n"
    )
    env = job.env(
        GH_TOKEN="gho_" + "x" * 36, MY_TOKEN=TOKEN, GITLAB_TOKEN="glpat-" + "y" * 20,
        GITHUB_APP_PRIVATE_KEY="-----BEGIN RSA PRIVATE KEY-----", WANDB_API_KEY="wandb-key",
    )  # fmt: skip
    env["GITHUB_TOKEN"] = TOKEN
    started, log = watch(job, "--token-env", "MY_TOKEN", "--", sys.executable, str(script), env=env)
    code, _ = started.wait(timeout=30)
    assert code == 0, log.read_text()
    (comment,) = comments_on_7(job.server)
    for name in ("GITHUB_TOKEN", "GH_TOKEN", "MY_TOKEN", "GITLAB_TOKEN", "GITHUB_APP_PRIVATE_KEY"):
        assert f"'{name}': None" in comment.body, comment.body
    assert "'WANDB_API_KEY': 'wandb-key'" in comment.body
    assert f"'GITHUB_REPOSITORY': '{REPO}'" in comment.body
