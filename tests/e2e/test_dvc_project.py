"""Inside a DVC project, `report` and `diff` with no -m read what dvc.yaml declares."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.dvchistory import HISTORIES, build_history
from tests.e2e.conftest import Result, Run
from tests.gitrepo import GitRepo


def one_line_exit_2(result: Result) -> str:
    assert result.code == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_report_takes_dvc_yaml_metrics_and_plot_images(tmp_path: Path, run: Run) -> None:
    repo = build_history("example-dvc-experiments", tmp_path / "exp")
    result = run("report", "--base", "HEAD~1", cwd=repo.path)
    assert result.code == 0, result.stderr
    assert "cmlreport: from dvc.yaml: metrics metrics.json" in result.stderr
    assert "cmlreport: from dvc.yaml: plots plots/confusion.png" in result.stderr
    md = (repo.path / "report.md").read_text()
    assert ">acc<" in md and ">loss<" in md
    assert "plots/confusion.png" in md  # the declared plots folder's image


def test_diff_from_a_subfolder_uses_the_root_dvc_yaml(tmp_path: Path, run: Run) -> None:
    repo = build_history("example-get-started", tmp_path / "gs")
    (repo.path / "src").mkdir()
    result = run("diff", "--base", "HEAD~1", "--format", "json", cwd=repo.path / "src")
    assert result.code == 0, result.stderr
    assert "from ../dvc.yaml: metrics ../eval/live/metrics.json" in result.stderr
    ours = json.loads(result.stdout)
    assert ours["avg_prec.test"]["old"] == pytest.approx(0.9249974999612706)


def test_metrics_flag_wins_over_dvc_yaml(tmp_path: Path, run: Run) -> None:
    repo = build_history("example-get-started", tmp_path / "gs")
    repo.write("other.json", '{"only": 1}\n')
    result = run("diff", "-m", "other.json", "--no-base", "--format", "json", cwd=repo.path)
    assert result.code == 0, result.stderr
    assert "dvc.yaml" not in result.stderr
    assert set(json.loads(result.stdout)) == {"only"}


def test_a_stage_that_outs_dvclive_gives_its_metrics(tmp_path: Path, run: Run) -> None:
    # dvclive without its own dvc.yaml: the stage names the folder (written for this test;
    # the metrics file is gauteng-qol's real dvclive/metrics.json).
    repo = GitRepo.init(tmp_path / "live")
    repo.write(
        "dvc.yaml", "stages:\n  train:\n    cmd: python train.py\n    outs:\n    - dvclive\n"
    )
    real = HISTORIES / "gauteng-qol" / "1" / "dvclive" / "metrics.json"
    repo.write("dvclive/metrics.json", real.read_text())
    result = run("diff", "--no-base", "--format", "json", cwd=repo.path)
    assert result.code == 0, result.stderr
    assert "metrics dvclive/metrics.json" in result.stderr
    assert "eval.loss" in json.loads(result.stdout)


def test_no_metrics_file_and_no_dvc_yaml_is_a_usage_error(tmp_path: Path, run: Run) -> None:
    repo = GitRepo.init(tmp_path / "empty")
    result = run("diff", cwd=repo.path)
    assert result.code == 2
    assert "give at least one metrics file" in result.stderr and "dvc.yaml" in result.stderr


def test_declared_metrics_that_do_not_exist_are_one_line(tmp_path: Path, run: Run) -> None:
    repo = GitRepo.init(tmp_path / "unrun")
    repo.write("dvc.yaml", (HISTORIES / "example-get-started" / "1" / "dvc.yaml").read_text())
    line = one_line_exit_2(run("report", "--no-base", cwd=repo.path))
    assert "none of the metrics files it declares exists here (eval/live/metrics.json)" in line
    assert "dvc repro" in line


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        ("../outside.json", "leads outside the repository"),
        ("/etc/hostname", "is an absolute path"),
        ("link/metrics.json", "leads outside the repository (through a symlink)"),
        (".git/config", "inside git's own folder"),
    ],
)
def test_paths_out_of_the_repository_are_refused(
    tmp_path: Path, run: Run, entry: str, expected: str
) -> None:
    outside = tmp_path / "secret"
    outside.mkdir()
    (outside / "metrics.json").write_text('{"stolen": 1}\n')
    (tmp_path / "outside.json").write_text('{"stolen": 1}\n')
    repo = GitRepo.init(tmp_path / "repo")
    os.symlink(outside, repo.path / "link")
    repo.write("dvc.yaml", f"metrics:\n- {entry}\n")
    line = one_line_exit_2(run("diff", "--no-base", cwd=repo.path))
    assert expected in line and "stolen" not in line


def test_a_huge_or_deep_dvc_yaml_is_one_line(tmp_path: Path, run: Run) -> None:
    repo = GitRepo.init(tmp_path / "repo")
    repo.write("dvc.yaml", "metrics:\n" + "- m.json\n" * 200_000)
    assert "dvc.yaml: is 1.7 MiB, over the 1.0 MiB limit" in one_line_exit_2(
        run("diff", "--no-base", cwd=repo.path)
    )
    repo.write("dvc.yaml", "stages: " + "[" * 50_000)
    assert one_line_exit_2(run("diff", "--no-base", cwd=repo.path)).startswith(
        "cmlreport: error: dvc.yaml: "
    )


def test_a_dvc_yaml_or_params_linked_from_outside_is_refused(tmp_path: Path, run: Run) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "dvc.yaml").write_text("metrics:\n- m.json\n")
    (outside / "params.yaml").write_text("name: m\n")
    repo = GitRepo.init(tmp_path / "repo")
    os.symlink(outside / "dvc.yaml", repo.path / "dvc.yaml")
    line = one_line_exit_2(run("diff", "--no-base", cwd=repo.path))
    assert "dvc.yaml leads outside the repository (through a symlink)" in line
    (repo.path / "dvc.yaml").unlink()
    repo.write("dvc.yaml", "metrics:\n- ${name}.json\n")
    os.symlink(outside / "params.yaml", repo.path / "params.yaml")
    line = one_line_exit_2(run("diff", "--no-base", cwd=repo.path))
    assert "params.yaml leads outside the repository" in line
