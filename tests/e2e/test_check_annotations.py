"""`cmlreport check --json`: each failed gate is an annotation on the line of its metric.

A retraining job gates 500 per-class scores; most fail. The report is built with `--json`,
then `check` publishes it against the fake GitHub, which validates every request against
GitHub's REST description (at most 50 annotations a request, outputs within 65,535).
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.e2e.conftest import Run
from tests.e2e.test_send_comment import HEAD_SHA, REPO, TOKEN, Job
from tests.fakes.github import ACTIONS_PERMISSIONS, FakeGitHub

pytest_plugins = ["tests.fakes.github.pytest_plugin"]


def metrics_file(classes: int) -> str:
    """``{"eval": {"accuracy": .., "per_class": {"c000": {"f1": ..}, ...}}}``, one key a line."""
    lines = ["{", '  "eval": {', '    "accuracy": 0.88,', '    "per_class": {']
    for i in range(classes):
        comma = "," if i < classes - 1 else ""
        lines += [f'      "c{i:03d}": {{', f'        "f1": 0.{i % 80 + 10}', f"      }}{comma}"]
    lines += ["    }", "  }", "}"]
    return "\n".join(lines) + "\n"


def gated_job(run: Run, server: FakeGitHub, root: Path, classes: int) -> Job:
    server.add_repo(REPO)
    server.add_pull(REPO, number=7, head_sha=HEAD_SHA)
    server.add_token(TOKEN, permissions=ACTIONS_PERMISSIONS, user_endpoint_forbidden=True)
    job = Job(root, server)
    (root / "results").mkdir()
    (root / "results" / "metrics.json").write_text(metrics_file(classes))
    gates = ["--fail-if", "eval.accuracy < 0.9"]
    for i in range(classes):
        gates += ["--fail-if", f"eval.per_class.c{i:03d}.f1 < 0.95"]
    built = run(
        "report", "-m", "results/metrics.json", "--no-base", *gates,
        "-o", "report.md", "--json", "report.json",
        cwd=root, env=job.env(),
    )  # fmt: skip
    assert built.code == 1, built.stderr  # gates failed: the report is written all the same
    return job


def line_of(root: Path, text: str) -> int:
    lines = (root / "results" / "metrics.json").read_text().splitlines()
    return lines.index(text) + 1


def test_500_failed_gates_are_500_annotations_sent_50_a_request(
    run: Run, github_server: FakeGitHub, tmp_path: Path
) -> None:
    job = gated_job(run, github_server, tmp_path / "job", classes=499)
    github_server.reset_log()

    result = run("check", "report.md", "--json", "report.json", cwd=job.root, env=job.env())

    assert result.code == 0, result.stderr
    assert "annotated 500 failed gates" in result.stdout
    (check,) = github_server.check_runs.values()
    assert check.conclusion == "failure" and check.head_sha == HEAD_SHA
    assert len(check.annotations) == check.annotations_count == 500
    posts = github_server.calls("POST", r"/check-runs$")
    patches = github_server.calls("PATCH", r"/check-runs/\d+$")
    assert (len(posts), len(patches)) == (1, 9)  # 50 with the run, then 50 an update
    first, last = check.annotations[0], check.annotations[-1]
    assert first["path"] == "results/metrics.json"  # relative to the repository's root
    assert first["start_line"] == line_of(job.root, '    "accuracy": 0.88,')
    assert last["start_line"] == line_of(job.root, '      "c498": {') + 1
    assert {a["annotation_level"] for a in check.annotations} == {"failure"}
    assert last["title"] == "gate failed: eval.per_class.c498.f1 < 0.95"
    assert "0.28" in last["message"]
    assert check.summary is not None and len(check.summary) <= 65_535
    assert check.text is not None and len(check.text) <= 65_535
    assert check.text.startswith("### Failed gates (500)")


def test_gates_told_not_to_fail_the_check_are_warnings(
    run: Run, github_server: FakeGitHub, tmp_path: Path
) -> None:
    job = gated_job(run, github_server, tmp_path / "job", classes=3)
    args = ("check", "report.md", "--json", "report.json", "--conclusion", "neutral")

    result = run(*args, cwd=job.root, env=job.env())

    assert result.code == 0, result.stderr
    (check,) = github_server.check_runs.values()
    assert check.conclusion == "neutral"
    assert [a["annotation_level"] for a in check.annotations] == ["warning"] * 4
    assert not github_server.calls("PATCH", r"/check-runs/\d+$")  # 4 fit in the first request


def test_a_gate_on_a_file_outside_the_repository_is_listed_but_not_annotated(
    run: Run, github_server: FakeGitHub, tmp_path: Path
) -> None:
    job = gated_job(run, github_server, tmp_path / "job", classes=1)
    doc = json.loads((job.root / "report.json").read_text())
    doc["gates"][0]["file"] = "../elsewhere/metrics.json"
    (job.root / "report.json").write_text(json.dumps(doc))

    result = run("check", "report.md", "--json", "report.json", cwd=job.root, env=job.env())

    assert result.code == 0, result.stderr
    (check,) = github_server.check_runs.values()
    assert [a["path"] for a in check.annotations] == ["results/metrics.json"]
    assert check.text is not None and "eval.accuracy &lt; 0.9:" in check.text


def test_a_json_that_is_not_the_reports_is_one_line_and_exit_2(
    run: Run, github_server: FakeGitHub, tmp_path: Path
) -> None:
    job = gated_job(run, github_server, tmp_path / "job", classes=1)
    (job.root / "other.json").write_text('{"metrics": []}')

    result = run("check", "report.md", "--json", "other.json", cwd=job.root, env=job.env())

    assert result.code == 2
    assert result.stderr.strip().count("\n") == 0 and "--json other.json" in result.stderr
    assert not github_server.check_runs


def test_without_json_the_report_s_own_json_beside_it_is_annotated(
    run: Run, github_server: FakeGitHub, tmp_path: Path
) -> None:
    job = gated_job(run, github_server, tmp_path / "job", classes=2)

    result = run("check", "report.md", cwd=job.root, env=job.env())

    assert result.code == 0, result.stderr
    assert "annotated 3 failed gates" in result.stdout
    (check,) = github_server.check_runs.values()
    assert [a["path"] for a in check.annotations] == ["results/metrics.json"] * 3


def test_a_json_beside_the_report_from_another_run_is_not_used(
    run: Run, github_server: FakeGitHub, tmp_path: Path
) -> None:
    job = gated_job(run, github_server, tmp_path / "job", classes=2)
    # The report was rewritten since (another run, or a hand edit): report.json is not its own.
    report = job.root / "report.md"
    report.write_text(report.read_text() + "\nedited by hand\n")

    result = run("check", "report.md", cwd=job.root, env=job.env())

    assert result.code == 0, result.stderr
    assert "annotated" not in result.stdout
    (check,) = github_server.check_runs.values()
    assert check.conclusion == "failure" and check.annotations == []


def test_a_json_beside_the_report_outside_the_work_tree_is_not_read(
    run: Run, github_server: FakeGitHub, tmp_path: Path
) -> None:
    job = gated_job(run, github_server, tmp_path / "job", classes=1)
    outside = tmp_path / "outside"
    outside.mkdir()
    (job.root / "report.md").rename(outside / "report.md")
    (job.root / "report.json").rename(outside / "report.json")

    result = run("check", str(outside / "report.md"), cwd=job.root, env=job.env())

    assert result.code == 0, result.stderr
    (check,) = github_server.check_runs.values()
    assert check.annotations == []
