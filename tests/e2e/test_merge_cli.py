"""Matrix fan-in, end to end: each leg runs `report --name --json`, one job merges the legs and
posts the result with send-comment and check, on the fake GitHub and the fake GitLab."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.conftest import Run, clean_env
from tests.e2e.test_send_comment import HEAD_SHA, REPO, TOKEN, Job, comments_on_7
from tests.e2e.test_send_comment_gitlab import notes, start
from tests.fakes.github import ACTIONS_PERMISSIONS, FakeGitHub
from tests.fakes.gitlab.server import FakeGitLab
from tests.gitrepo import GitRepo

pytest_plugins = ["tests.fakes.github.pytest_plugin", "tests.fakes.gitlab.pytest_plugin"]


def legs(run: Run, project: GitRepo, out: Path) -> list[Path]:
    """Two legs of one matrix: the same metrics file trained two ways, each gated at 0.92."""
    made = []
    for name, accuracy in (("resnet", 0.93), ("vit|<!-- cmlreport:x -->", 0.90)):
        project.write("metrics.json", json.dumps({"eval": {"accuracy": accuracy, "loss": 0.3}}))
        leg = out / f"leg-{len(made)}" / "leg.json"
        leg.parent.mkdir(parents=True)
        done = run(
            "report", "-m", "metrics.json", "--base", "main", "--name", name,
            "--fail-if", "eval.accuracy < 0.92", "--json", str(leg),
            "-o", str(leg.with_suffix(".md")),
            cwd=project.path, env=clean_env(),
        )  # fmt: skip
        assert done.code in (0, 1), done.stderr
        made.append(leg)
    return made


def merge(run: Run, job_dir: Path, paths: list[Path]) -> str:
    done = run("merge", *map(str, paths), "-o", "report.md", cwd=job_dir, env=clean_env())
    assert done.code == 1, done.stderr  # vit's gate failed: the merge fails, after writing
    assert "FAILED vit" in done.stderr
    return (job_dir / "report.md").read_text()


@pytest.fixture
def job(github_server: FakeGitHub, tmp_path: Path) -> Job:
    github_server.add_repo(REPO)
    github_server.add_pull(REPO, number=7, head_sha=HEAD_SHA)
    github_server.add_token(TOKEN, permissions=ACTIONS_PERMISSIONS, user_endpoint_forbidden=True)
    return Job(tmp_path / "job", github_server)


def test_a_matrix_becomes_one_comment_and_one_check_on_github(
    run: Run, project: GitRepo, job: Job
) -> None:
    merged = merge(run, job.root, legs(run, project, job.root / "legs"))
    assert "| metric | resnet | vit\\|&lt;\\!-- cmlreport:x --&gt; |" in merged
    assert "| eval.accuracy | 0.93 🟢 ▲ | 0.90 🔴 ▼ |" in merged  # base 0.91 on main
    sent = run("send-comment", "report.md", "--key", "models", cwd=job.root, env=job.env())
    assert sent.code == 0, sent.stderr
    (comment,) = comments_on_7(job.server)
    assert comment.body.startswith("<!-- cmlreport:models -->\n")
    assert comment.body.count("<!-- cmlreport:") == 1  # the hostile leg name carried none
    assert "❌ **1 of 2 gates failed** (in vit" in comment.body
    checked = run("check", "report.md", "--name", "models", cwd=job.root, env=job.env())
    assert checked.code == 0, checked.stderr
    (check,) = job.server.check_runs.values()
    assert check.conclusion == "failure"


def test_the_merged_check_annotates_each_legs_failed_gate_at_its_line(
    run: Run, project: GitRepo, job: Job
) -> None:
    # The merge job checks the repository out, as every job does: the legs' metrics file is
    # there, so the failed gate points at its line, named with its leg.
    paths = legs(run, project, job.root / "legs")
    args = ("merge", *map(str, paths), "-o", "report.md", "--json", "report.json")
    done = run(*args, cwd=project.path, env=clean_env())
    assert done.code == 1 and "wrote report.json (the gates of 2 legs)" in done.stdout
    doc = json.loads((project.path / "report.json").read_text())
    assert [(g["leg"], g["passed"], g["file"]) for g in doc["gates"]] == [
        ("resnet", True, "metrics.json"),
        ("vit|<!-- cmlreport:x -->", False, "metrics.json"),
    ]
    checked = run("check", "report.md", "--name", "models", cwd=project.path, env=job.env())
    assert checked.code == 0, checked.stderr
    (check,) = job.server.check_runs.values()
    (annotation,) = check.annotations
    assert annotation["path"] == "metrics.json" and annotation["annotation_level"] == "failure"
    assert "vit|<!-- cmlreport:x -->: eval.accuracy = 0.9" in annotation["message"]
    # A report edited after the merge is not the one the JSON describes: no annotations.
    (project.path / "report.md").write_text("## edited by hand\n")
    again = run("check", "report.md", "--name", "models2", cwd=project.path, env=job.env())
    assert again.code == 0, again.stderr
    edited = next(c for c in job.server.check_runs.values() if c.name == "models2")
    assert not edited.annotations


def test_a_matrix_becomes_one_note_on_gitlab(
    run: Run, project: GitRepo, gitlab_server: FakeGitLab, tmp_path: Path
) -> None:
    pipe = start(gitlab_server, tmp_path / "merge-job")
    merge(run, pipe.root, legs(run, project, pipe.root / "legs"))
    for _ in range(2):  # a rerun of the merge job updates the same note
        sent = run("send-comment", "report.md", cwd=pipe.root, env=pipe.env())
        assert sent.code == 0, sent.stderr
    (note,) = notes(gitlab_server)
    assert "### Leg <code>resnet</code>" in note and "Legs side by side" in note


def test_clashing_legs_and_foreign_files_exit_2_with_one_line(
    run: Run, project: GitRepo, tmp_path: Path
) -> None:
    a, b = legs(run, project, tmp_path / "legs")
    clash = run("merge", f"same={a}", f"same={b}", cwd=tmp_path, env=clean_env())
    assert clash.code == 2 and "leg name 'same' is also the name of" in clash.stderr
    assert clash.stderr.count("\n") == 1
    foreign = run("merge", str(a), str(a.with_suffix(".md")), cwd=tmp_path, env=clean_env())
    assert foreign.code == 2 and "leg.md: not JSON" in foreign.stderr
    assert not (tmp_path / "report.md").exists()  # nothing half-written
