"""The report's last line says what was compared with what, as it is (issue 12 point 7)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.e2e.conftest import Run
from tests.gitrepo import GitRepo


def footer(md: str) -> str:
    return md.rstrip().splitlines()[-1]


def report(run: Run, repo: GitRepo, *args: str) -> tuple[str, dict[str, object]]:
    result = run("report", "-m", "metrics.json", "--json", "r.json", *args, cwd=repo.path)
    assert result.code == 0, result.stderr
    doc = json.loads((repo.path / "r.json").read_text())
    return footer((repo.path / "report.md").read_text()), doc["revisions"]


def test_a_committed_head_is_named_by_its_commit(project: GitRepo, run: Run) -> None:
    last, revisions = report(run, project)
    assert f"base <code>{project.sha('main')[:7]}</code>" in last
    assert f"head <code>{project.sha()[:7]}</code> ·" in last and "uncommitted" not in last
    assert revisions["head_dirty"] is False and revisions["head"] == project.sha()


def test_metrics_edited_after_the_last_commit_are_named_as_uncommitted(
    project: GitRepo, run: Run
) -> None:
    project.write("metrics.json", '{"eval": {"accuracy": 0.95, "f1": 0.78, "loss": 0.35}}\n')
    last, revisions = report(run, project)
    # The numbers shown are the work tree's, not the commit's: the line must not pretend.
    assert f"head <code>{project.sha()[:7]}</code> + uncommitted changes" in last
    assert revisions["head_dirty"] is True


def test_an_uncommitted_file_elsewhere_does_not_make_the_report_dirty(
    project: GitRepo, run: Run
) -> None:
    project.write("notes.txt", "scratch\n")
    last, revisions = report(run, project)
    assert "uncommitted" not in last and revisions["head_dirty"] is False


def test_a_new_predictions_file_not_yet_committed_is_uncommitted_and_a_base_file_is_named(
    project: GitRepo, run: Run
) -> None:
    rows = "y_true,y_pred\n" + "".join(f"{i % 2},{(i // 3) % 2}\n" for i in range(60))
    project.write("preds.csv", rows)
    project.write("preds_base.csv", rows)
    last, revisions = report(
        run, project, "--predictions", "preds.csv", "--base-predictions", "preds_base.csv"
    )
    assert "; base predictions <code>preds\\_base.csv</code> · head" in last
    assert "+ uncommitted changes" in last
    assert revisions["base_files"] == ["preds_base.csv"] and revisions["head_dirty"] is True


def test_outside_git_the_base_is_the_file_given_and_head_is_no_commit(
    tmp_path: Path, run: Run
) -> None:
    (tmp_path / "metrics.json").write_text('{"acc": 0.5}\n')
    rows = "y_true,y_pred\n" + "".join(f"{i % 2},{(i // 3) % 2}\n" for i in range(60))
    (tmp_path / "p.csv").write_text(rows)
    (tmp_path / "b.csv").write_text(rows)
    result = run(
        "report",
        "-m",
        "metrics.json",
        "--predictions",
        "p.csv",
        "--base-predictions",
        "b.csv",
        cwd=tmp_path,
    )
    assert result.code == 0, result.stderr
    last = footer((tmp_path / "report.md").read_text())
    assert "no base revision" in last and "b.csv" in last
    assert "head: the files as they are (no commit)" in last


def test_the_demo_names_its_bundled_runs_not_a_missing_base(tmp_path: Path, run: Run) -> None:
    result = run("demo", "--out", str(tmp_path / "demo"), cwd=tmp_path)
    assert result.code == 0, result.stderr
    last = footer((tmp_path / "demo" / "report.md").read_text())
    assert "no base revision" not in last
    assert "base: the bundled base run" in last and "head: the bundled retrained run" in last


def test_a_drift_file_not_yet_committed_is_uncommitted(project: GitRepo, run: Run) -> None:
    scores = "score\n" + "".join(f"{i / 100}\n" for i in range(100))
    project.write("scores_ref.csv", scores)
    project.commit("reference scores")
    project.write("scores_new.csv", scores)
    last, revisions = report(run, project, "--drift", "scores_ref.csv:scores_new.csv")
    assert "+ uncommitted changes" in last and revisions["head_dirty"] is True


def test_a_file_outside_the_repository_does_not_hide_an_uncommitted_one(
    project: GitRepo, run: Run, tmp_path: Path
) -> None:
    scores = "score\n" + "".join(f"{i / 100}\n" for i in range(100))
    outside = tmp_path / "elsewhere" / "live.csv"
    outside.parent.mkdir()
    outside.write_text(scores, encoding="utf-8")
    project.write("scores_ref.csv", scores)  # in the repository, never committed
    # git refuses a status that names a path outside the repository, all paths with it.
    last, revisions = report(run, project, "--drift", f"scores_ref.csv:{outside}")
    assert revisions["head_dirty"] is True and "+ uncommitted changes" in last
