"""`cmlreport report` and `cmlreport diff` as a user runs them, in a real git repository."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.e2e.conftest import Run, clean_env
from tests.gitrepo import GitRepo, make_origin, shallow_clone


def table_rows(md: str) -> list[str]:
    return [line for line in md.splitlines() if line.startswith("| ")]


def row_for(md: str, key: str) -> str:
    return next(r for r in table_rows(md) if f">{key}<" in r)


def test_report_compares_the_branch_with_main(project: GitRepo, run: Run) -> None:
    result = run("report", "--metrics", "metrics.json", "per_class.csv", cwd=project.path)
    assert result.code == 0, result.stderr
    md = (project.path / "report.md").read_text()
    assert "| 0.91 | 0.93 | +0.02 | +2.2% | 🟢 ▲ |" in row_for(md, "eval.accuracy")
    assert "🔴 ▼" in row_for(md, "eval.f1")
    assert "🟢 ▼" in row_for(md, "eval.loss")  # loss went down: good
    main_sha = project.sha("main")
    assert f"<code>{main_sha[:7]}</code>" in md and f"<code>{project.sha()[:7]}</code>" in md
    assert "### Slices: per\\_class · f1" in md
    assert "**1 worse** and 1 better by more than 0.05" in md
    regressions = md.split("regressions**")[1].split("**Top")[0]
    assert "class007" in regressions and "0.4" in regressions
    assert "wrote report.md" in result.stdout


def test_slice_tables_never_list_every_class(project: GitRepo, run: Run) -> None:
    def csv(shift: float) -> str:
        rows = ["label,f1,support"]
        rows += [f"label{i},{0.5 + (i % 7) / 100 + shift * (i % 3 - 1)},10" for i in range(4000)]
        return "\n".join(rows) + "\n"

    project.write("per_class.csv", csv(0.0))
    project.commit("4,000 classes")
    project.write("per_class.csv", csv(0.1))  # uncommitted: head is the working tree
    result = run(
        "report",
        "-m",
        "per_class.csv",
        "--base",
        "HEAD",
        "--top",
        "5",
        "--charts",
        "none",
        cwd=project.path,
    )
    assert result.code == 0, result.stderr
    md = (project.path / "report.md").read_text()
    assert "4,000 labels · 4,000 compared" in md
    label_rows = [r for r in table_rows(md) if re.match(r"\| label\d+ ", r)]
    assert len(label_rows) == 10  # top 5 regressions + top 5 improvements, nothing more
    assert len(md) <= 65_536


def test_failed_gate_exits_1_after_writing_the_report(project: GitRepo, run: Run) -> None:
    result = run(
        "report",
        "-m",
        "metrics.json",
        "--fail-if",
        "eval.accuracy < 0.95",
        "--fail-on-regression",
        "eval.f1:0.01",
        "--fail-on-regression",
        "eval.loss:0",
        cwd=project.path,
    )
    assert result.code == 1
    md = (project.path / "report.md").read_text()
    assert "### ❌ Gates: 2 of 3 failed" in md
    assert "eval.accuracy = 0.93 &lt; 0.95" in md and "off by 0.02" in md
    assert "over by 0.01" in md
    assert "2 of 3 gates failed" in result.stderr
    assert "Traceback" not in result.stderr


def test_gates_from_pyproject_apply(project: GitRepo, run: Run) -> None:
    project.write("pyproject.toml", '[tool.cmlreport]\nfail-if = ["eval.f1 < 0.9"]\n')
    result = run("report", "-m", "metrics.json", cwd=project.path)
    assert result.code == 1
    assert "eval.f1 &lt; 0.9" in (project.path / "report.md").read_text()


def test_metrics_file_missing_at_base_is_new_not_an_error(project: GitRepo, run: Run) -> None:
    project.write("extra.yaml", "drift:\n  psi: 0.12\n")
    result = run("report", "-m", "metrics.json", "-m", "extra.yaml", cwd=project.path)
    assert result.code == 0, result.stderr
    md = (project.path / "report.md").read_text()
    assert "extra.yaml does not exist at base" in md
    assert "🆕 new" in row_for(md, "drift.psi")


def test_explicit_base_and_no_base(project: GitRepo, run: Run) -> None:
    first = project.sha("main")
    result = run("diff", "metrics.json", "--base", first, "--format", "json", cwd=project.path)
    assert result.code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["eval.accuracy"]["old"] == 0.91 and data["eval.accuracy"]["new"] == 0.93
    nobase = run("diff", "metrics.json", "--no-base", "--format", "json", cwd=project.path)
    assert all(v["status"] == "added" for v in json.loads(nobase.stdout).values())


def test_diff_formats_and_all(project: GitRepo, run: Run) -> None:
    project.write("metrics.json", '{"eval": {"accuracy": 0.91, "f1": 0.80, "loss": 0.35}}\n')
    table = run("diff", "metrics.json", cwd=project.path)
    assert table.code == 0 and "eval.loss" in table.stdout and "eval.accuracy" not in table.stdout
    every = run("diff", "metrics.json", "--all", cwd=project.path)
    assert "eval.accuracy" in every.stdout
    md = run("diff", "metrics.json", "--format", "md", "--precision", "1", cwd=project.path)
    assert "| metric | base | head |" in md.stdout and "| 0.4 | 0.3 |" in md.stdout


def test_step_summary_gets_the_report(project: GitRepo, run: Run, tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n")
    env = clean_env(
        GITHUB_ACTIONS="true",
        GITHUB_STEP_SUMMARY=str(summary),
        GITHUB_SERVER_URL="https://github.com",
        GITHUB_REPOSITORY="octo/model",
        GITHUB_RUN_ID="42",
    )
    result = run("report", "-m", "metrics.json", cwd=project.path, env=env)
    assert result.code == 0, result.stderr
    text = summary.read_text()
    assert text.startswith("earlier step\n") and "### Headline metrics" in text
    run_link = '<a href="https://github.com/octo/model/actions/runs/42">CI run</a>'
    assert run_link in text and run_link in (project.path / "report.md").read_text()


def test_a_job_summary_over_its_limit_is_cut_like_a_comment(
    project: GitRepo, run: Run, tmp_path: Path
) -> None:
    # A --max-chars above the job summary's 1 MiB: report.md holds it all, the summary is cut
    # at a section boundary by the same cutter, with the notice saying where the rest is.
    project.write("many.json", json.dumps({f"metric_{i}": i / 7 for i in range(15_000)}))
    summary = tmp_path / "summary.md"
    env = clean_env(GITHUB_ACTIONS="true", GITHUB_STEP_SUMMARY=str(summary))
    args = ["-m", "many.json", "--no-base", "--charts", "none", "--max-chars", "3000000"]
    result = run("report", *args, cwd=project.path, env=env)
    assert result.code == 0, result.stderr
    assert len((project.path / "report.md").read_text()) > 1_000_000
    text = summary.read_text()
    assert len(text) <= 1_000_001
    assert "✂️ Cut to fit the 1,000,000-character limit" in text
    assert "The full report is in report.md." in text
    assert text.rstrip().endswith("</sub>")


def test_png_and_mermaid_charts(project: GitRepo, run: Run) -> None:
    result = run("report", "-m", "metrics.json", "per_class.csv", cwd=project.path)
    assert result.code == 0, result.stderr
    md = (project.path / "report.md").read_text()
    links = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", md)
    assert "report-plots/headline.png" in links and "report-plots/slices-per_class.png" in links
    for link in links:
        assert (project.path / link).read_bytes().startswith(b"\x89PNG")
        # the mermaid sidecar that `send-comment --images mermaid` swaps in
        sidecar = (project.path / link).with_suffix(".mmd").read_text()
        assert sidecar.startswith("```mermaid\nxychart-beta")
    mermaid = run(
        "report",
        "-m",
        "metrics.json",
        "per_class.csv",
        "--charts",
        "mermaid",
        "-o",
        "m.md",
        cwd=project.path,
    )
    assert mermaid.code == 0, mermaid.stderr
    assert "```mermaid" in (project.path / "m.md").read_text()


def test_plot_folder_images_are_linked_relative_to_the_report(project: GitRepo, run: Run) -> None:
    (project.path / "plots").mkdir()
    (project.path / "plots" / "loss curve.png").write_bytes(b"\x89PNG\r\n\x1a\nfake")
    result = run(
        "report",
        "-m",
        "metrics.json",
        "--plot",
        "plots",
        "-o",
        "out/report.md",
        "--charts",
        "none",
        cwd=project.path,
    )
    assert result.code == 0, result.stderr
    assert "](../plots/loss%20curve.png)" in (project.path / "out" / "report.md").read_text()


def test_too_long_report_is_cut_and_the_full_one_kept(project: GitRepo, run: Run) -> None:
    many = {f"metric_{i}": i / 7 for i in range(3000)}
    project.write("many.json", json.dumps(many))
    result = run(
        "report",
        "-m",
        "many.json",
        "--max-chars",
        "20000",
        "--charts",
        "none",
        cwd=project.path,
    )
    assert result.code == 0, result.stderr
    md = (project.path / "report.md").read_text()
    assert len(md) <= 20_000 and "✂️ Cut to fit the 20,000-character limit" in md
    assert "report.full.md" in md
    full = (project.path / "report.full.md").read_text()
    assert full.count("metric\\_2999") >= 1


def test_outside_a_git_repository_every_metric_is_new(tmp_path: Path, run: Run) -> None:
    (tmp_path / "m.json").write_text('{"acc": 0.5}')
    result = run("report", "-m", "m.json", "--charts", "none", cwd=tmp_path)
    assert result.code == 0, result.stderr
    assert "no base revision" in result.stderr
    assert "🆕 new" in (tmp_path / "report.md").read_text()


def test_shallow_gitlab_merge_request_clone_fetches_the_target(
    project: GitRepo, run: Run, tmp_path: Path
) -> None:
    make_origin(project, tmp_path / "origin.git")
    clone = shallow_clone(GitRepo(tmp_path / "origin.git"), tmp_path / "ci", branch="feature")
    assert clone.is_shallow()
    env = clean_env(
        GITLAB_CI="true",
        CI_MERGE_REQUEST_TARGET_BRANCH_NAME="main",
        CI_MERGE_REQUEST_IID="3",
        CI_PIPELINE_URL="https://gitlab.example.com/g/p/-/pipelines/9",
    )
    result = run("report", "-m", "metrics.json", "--charts", "none", cwd=clone.path, env=env)
    assert result.code == 0, result.stderr
    md = (clone.path / "report.md").read_text()
    assert "| 0.91 | 0.93 |" in row_for(md, "eval.accuracy")
    assert "https://gitlab.example.com/g/p/-/pipelines/9" in md
