"""`cmlreport plot` as a user runs it: a training log on a branch, drawn against main's."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from tests.e2e.conftest import Run, clean_env

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
MAIN_LOG = "step,loss,accuracy\n0,2.0,0.30\n1,1.5,0.45\n2,1.2,0.55\n3,1.0,0.60\n"
BRANCH_LOG = "step,loss,accuracy\n0,1.9,0.35\n1,1.1,0.55\n2,0.8,0.66\n3,0.6,0.72\n4,0.5,0.75\n"


def git(cwd: Path, *args: str) -> None:
    subprocess.run(
        ["git", *args], cwd=cwd, env=clean_env(), check=True, capture_output=True, timeout=60
    )


@pytest.fixture
def training_repo(tmp_path: Path) -> Path:
    """main holds the base run's log; the checked-out branch `bigger-model` holds a better one."""
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "--quiet", "--initial-branch=main")
    (repo / "logs").mkdir()
    (repo / "logs" / "train.csv").write_text(MAIN_LOG)
    git(repo, "add", ".")
    git(repo, "commit", "--quiet", "-m", "base run")
    git(repo, "checkout", "--quiet", "-b", "bigger-model")
    (repo / "logs" / "train.csv").write_text(BRANCH_LOG)
    git(repo, "commit", "--quiet", "-am", "bigger model")
    return repo


def svg_texts(path: Path) -> list[str]:
    return re.findall(r"<!-- (.*?) -->", path.read_text())


def test_curves_of_the_branch_are_drawn_over_mains(training_repo: Path, run: Run) -> None:
    result = run("plot", "curves", "logs/train.csv", "-o", "plots/curves.png", cwd=training_repo)
    assert result.code == 0, result.stderr
    assert result.stdout.strip() == "plots/curves.png"
    assert (training_repo / "plots" / "curves.png").read_bytes().startswith(PNG_MAGIC)

    result = run("plot", "curves", "logs/train.csv", "-o", "curves.svg", cwd=training_repo)
    assert result.code == 0, result.stderr
    texts = svg_texts(training_repo / "curves.svg")
    assert {"loss", "accuracy", "step"} <= set(texts)
    assert texts.count("head") == 2 and texts.count("base") == 2


def test_mermaid_curves_carry_mains_values_read_from_git(training_repo: Path, run: Run) -> None:
    result = run("plot", "curves", "logs/train.csv", "--y", "loss", "--mermaid", cwd=training_repo)
    assert result.code == 0, result.stderr
    assert result.stdout.startswith("```mermaid\nxychart-beta\n")
    assert re.findall(r'title "(.*)"', result.stdout) == ["loss (head)", "loss (base)"]
    head, base = re.findall(r"line \[(.*)\]", result.stdout)
    assert head == "1.9, 1.1, 0.8, 0.6, 0.5"
    # main logged steps 0-3 only; mermaid cannot draw a gap, so main's run gets its own chart
    # with the 4 points it logged (before issue 11 its last value was held: "2, 1.5, 1.2, 1, 1").
    assert base == "2, 1.5, 1.2, 1"
    assert re.findall(r"x-axis (.*)", result.stdout) == ['"step" 0 --> 4', '"step" 0 --> 3']


def test_outside_git_only_this_run_is_drawn_with_a_note(tmp_path: Path, run: Run) -> None:
    (tmp_path / "train.csv").write_text(BRANCH_LOG)
    result = run("plot", "curves", "train.csv", "--y", "loss", "-o", "c.svg", cwd=tmp_path)
    assert result.code == 0, result.stderr
    assert "no base overlay" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    texts = svg_texts(tmp_path / "c.svg")
    assert "head" in texts and "base" not in texts


def test_confusion_and_drift_plots_are_written(training_repo: Path, run: Run) -> None:
    (training_repo / "preds.csv").write_text("actual,predicted\ncat,cat\ncat,dog\ndog,dog\n")
    result = run("plot", "confusion", "preds.csv", "--normalize", "-o", "cm.png", cwd=training_repo)
    assert result.code == 0, result.stderr
    assert (training_repo / "cm.png").read_bytes().startswith(PNG_MAGIC)

    (training_repo / "test.txt").write_text("0.5\n0.6\n0.55\n")
    (training_repo / "new.csv").write_text("post,confidence\np1,0.52\np2,0.54\n")
    result = run(
        "plot", "drift", "test.txt", "new.csv", "--label-a", "test set", "-o", "d.svg",
        cwd=training_repo,
    )  # fmt: skip
    assert result.code == 0, result.stderr
    texts = svg_texts(training_repo / "d.svg")
    assert "test set (mean 0.550)" in texts and "new (mean 0.530)" in texts


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["curves", "logs/missing.csv", "-o", "c.png"], "logs/missing.csv"),
        (["curves", "logs/train.csv", "--base", "no-such-branch", "-o", "c.png"], "no-such-branch"),
        (["curves", "logs/train.csv", "--y", "f1", "-o", "c.png"], "'f1'"),
        (["curves", "logs/train.csv", "-o", "c.jpg"], "c.jpg"),
        (["confusion", "logs/train.csv"], "-o/--output"),
    ],
)
def test_user_errors_exit_2_with_one_line(
    training_repo: Path, run: Run, args: list[str], named: str
) -> None:
    result = run("plot", *args, cwd=training_repo)
    assert result.code == 2
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("cmlreport: error: ")
    assert named in lines[0]
    assert not (training_repo / "c.png").exists()


DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture
def dvclive_run(tmp_path: Path) -> Path:
    """A real dvclive run of the Hugging Face callback: train loss on even steps, eval on odd."""
    target = tmp_path / "dvclive" / "plots" / "metrics"
    (target / "eval").mkdir(parents=True)
    source = DATA / "dvclive-hf" / "plots" / "metrics"
    for name in ("loss.tsv", "eval/loss.tsv"):
        (target / name).write_bytes((source / name).read_bytes())
    return tmp_path


def test_several_logs_are_overlaid_and_named_after_their_files(dvclive_run: Path, run: Run) -> None:
    logs = ["dvclive/plots/metrics/loss.tsv", "dvclive/plots/metrics/eval/loss.tsv"]
    result = run("plot", "curves", *logs, "--no-base", "-o", "plots/loss.png", cwd=dvclive_run)
    assert result.code == 0, result.stderr
    png = (dvclive_run / "plots" / "loss.png").read_bytes()
    assert png.startswith(PNG_MAGIC) and len(png) > 10_000

    result = run("plot", "curves", *logs, "--no-base", "-o", "loss.svg", cwd=dvclive_run)
    assert result.code == 0, result.stderr
    texts = svg_texts(dvclive_run / "loss.svg")
    assert texts.count("loss") >= 2  # one panel (title and y label), both files in it
    assert "metrics/loss.tsv" in texts and "eval/loss.tsv" in texts


def test_mermaid_overlay_keeps_each_files_own_steps(dvclive_run: Path, run: Run) -> None:
    logs = ["dvclive/plots/metrics/loss.tsv", "dvclive/plots/metrics/eval/loss.tsv"]
    result = run("plot", "curves", *logs, "--mermaid", "-o", "loss.md", cwd=dvclive_run)
    assert result.code == 0, result.stderr
    # Not in git: one note per log that there is no base to overlay.
    assert result.stderr.count("no base overlay") == 2
    text = (dvclive_run / "loss.md").read_text()
    assert text.count("```mermaid") == 2  # even and odd steps: no shared axis without inventing
    assert re.findall(r'title "(.*)"', text) == ["loss (metrics/loss.tsv)", "loss (eval/loss.tsv)"]
    assert re.findall(r"x-axis (.*)", text) == ['"step" 0 --> 82', '"step" 1 --> 83']
    train, evaluation = (line.split(", ") for line in re.findall(r"line \[(.*)\]", text))
    assert len(train) == 42 and len(evaluation) == 42
    assert train[:2] == ["1.32", "1.571"] and evaluation[-1] == "0.7604"


def test_a_column_in_none_of_the_logs_is_one_line_naming_them(dvclive_run: Path, run: Run) -> None:
    logs = ["dvclive/plots/metrics/loss.tsv", "dvclive/plots/metrics/eval/loss.tsv"]
    result = run("plot", "curves", *logs, "--y", "f1", "-o", "c.png", cwd=dvclive_run)
    assert result.code == 2 and "Traceback" not in result.stderr
    (line,) = result.stderr.strip().splitlines()[-1:]
    assert "'f1'" in line and "eval/loss.tsv" in line
    assert not (dvclive_run / "c.png").exists()


def test_each_log_is_drawn_over_its_own_base(training_repo: Path, run: Run) -> None:
    (training_repo / "logs" / "eval.csv").write_text("step,loss\n1,1.4\n3,0.9\n")
    git(training_repo, "add", ".")
    git(training_repo, "commit", "--quiet", "-m", "eval log, new on this branch")
    logs = ["logs/train.csv", "logs/eval.csv"]
    result = run("plot", "curves", *logs, "--y", "loss", "-o", "c.svg", cwd=training_repo)
    assert result.code == 0, result.stderr
    assert "logs/eval.csv does not exist at the base" in result.stderr
    texts = svg_texts(training_repo / "c.svg")
    assert {"train.csv", "train.csv (base)", "eval.csv"} <= set(texts)
    assert "eval.csv (base)" not in texts
