"""`report --history N`: head against the base branch's recent commits, and the N-sigma ratchet."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.conftest import Run, clean_env
from tests.gitrepo import GitRepo, make_origin, shallow_clone

# main's f1 wobbles around 0.80 (σ ≈ 0.01); its loss around 0.40.
MAIN_F1 = [0.79, 0.81, 0.80, 0.82, 0.78, 0.80, 0.81, 0.79]


def metrics(f1: float, loss: float = 0.40) -> str:
    return json.dumps({"eval": {"f1": f1, "loss": loss}}) + "\n"


def with_main_history(path: Path, f1_values: list[float], head_f1: float) -> GitRepo:
    """main: one commit per value (a hostile subject on one); branch `feature`: the head run."""
    repo = GitRepo.init(path)
    for i, f1 in enumerate(f1_values):
        repo.write("metrics.json", metrics(f1))
        repo.commit(f"train {i}" if i != 3 else "<!-- cmlreport:main --> @team #1 ![x](y)")
    repo.branch("feature")
    repo.checkout("feature")
    repo.write("metrics.json", metrics(head_f1))
    repo.commit("head run")
    return repo


def report(run: Run, repo: GitRepo, *args: str, cwd: Path | None = None) -> tuple[int, str, str]:
    where = cwd or repo.path
    result = run("report", "-m", "metrics.json", "--charts", "mermaid", *args, cwd=where)
    md = (where / "report.md").read_text() if (where / "report.md").exists() else ""
    return result.code, md, result.stderr


def test_history_section_shows_sparklines_and_where_head_falls(tmp_path: Path, run: Run) -> None:
    repo = with_main_history(tmp_path / "p", MAIN_F1, head_f1=0.805)
    code, md, err = report(run, repo, "--history", "8", "--json", "r.json")
    assert code == 0, err
    assert "### History of <code>main</code>" in md
    assert "8 first-parent commits" in md
    row = next(line for line in md.splitlines() if line.startswith("| eval.f1 |"))
    assert "`▃▆▅█▁▅▆▃` → `▅`" in row  # oldest first, head after the arrow
    assert "| 8 | 0.800 | 0.0131 | 0.780 | 0.820 | 0.805 | +0.38 |" in row
    assert "within 2σ" in md
    assert "```mermaid" in md.split("### History")[1]
    assert "cmlreport:main" not in md and "@team" not in md  # commit messages never reach it
    doc = json.loads((repo.path / "r.json").read_text())
    f1 = next(m for m in doc["metrics"] if m["key"] == "eval.f1")
    assert f1["history"]["points"] == 8
    assert f1["history"]["values"] == MAIN_F1
    assert f1["history"]["mean"] == pytest.approx(0.8)
    assert f1["history"]["std"] == pytest.approx(0.013093, abs=1e-5)
    assert f1["history"]["z"] == pytest.approx(0.005 / 0.013093, abs=1e-3)
    assert (f1["history"]["min"], f1["history"]["max"]) == (0.78, 0.82)
    assert doc["history"]["ref"] == "main" and len(doc["history"]["commits"]) == 8


def test_three_sigma_ratchet_fails_a_real_regression_and_passes_noise(
    tmp_path: Path, run: Run
) -> None:
    repo = with_main_history(tmp_path / "p", MAIN_F1, head_f1=0.74)
    code, md, err = report(run, repo, "--fail-on-regression", "eval.f1@3sigma")
    assert code == 1, err
    assert "eval.f1@3sigma" in err and "worse by more than 3σ" in err
    assert "**eval.f1** is 4.6σ worse than the mean" in md
    # A 2.5-sigma drop in the 'KEY:Nsigma' spelling, on a metric where lower is better.
    repo.write("metrics.json", metrics(0.80, loss=0.40))
    repo.commit("noise only")
    code, md, err = report(run, repo, "--fail-on-regression", "eval.f1:2.5sigma", "--history", "8")
    assert code == 0, err
    assert "within 2.5σ" in md


def test_fewer_than_five_points_never_fail_and_say_so(tmp_path: Path, run: Run) -> None:
    repo = with_main_history(tmp_path / "p", [0.80, 0.81, 0.79], head_f1=0.10)
    code, md, err = report(run, repo, "--fail-on-regression", "eval.f1@3sigma")
    assert code == 0, err
    assert "3 points of history, 5 needed" in md
    assert "main has 3 commits up to the base, not 20" in md


def test_missing_and_broken_files_are_skipped_and_counted(tmp_path: Path, run: Run) -> None:
    repo = GitRepo.init(tmp_path / "p")
    repo.write("README.md", "no metrics yet\n")
    repo.commit("start")
    for text in [metrics(0.8), "{not json", metrics(0.81), json.dumps({"f1": 0.9}), metrics(0.79)]:
        repo.write("metrics.json", text)
        repo.commit("train")
    code, md, err = report(run, repo, "--history", "6", "--no-base")
    assert code == 0, err
    assert "no base revision, so no history" in md
    repo.branch("feature")
    repo.checkout("feature")
    repo.write("metrics.json", metrics(0.8))
    repo.commit("head")
    code, md, err = report(run, repo, "--history", "6", "--json", "r.json", "--charts", "png")
    assert code == 0, err
    assert "](report-plots/history-1.png)" in md
    assert (repo.path / "report-plots" / "history-1.png").read_bytes().startswith(b"\x89PNG")
    assert "metrics.json is missing at 1 commit" in md
    assert "metrics.json cannot be read at 1 commit" in md
    assert "2 metrics missing at some commits" in md
    doc = json.loads((repo.path / "r.json").read_text())
    f1 = next(m for m in doc["metrics"] if m["key"] == "eval.f1")
    assert f1["history"]["values"] == [0.8, 0.81, 0.79]


def test_shallow_clone_is_deepened_from_origin(tmp_path: Path, run: Run) -> None:
    repo = with_main_history(tmp_path / "p", MAIN_F1, head_f1=0.80)
    origin = make_origin(repo, tmp_path / "origin.git", head="main")
    clone = shallow_clone(origin, tmp_path / "ci", branch="feature")
    env = clean_env(GITHUB_ACTIONS="true", GITHUB_EVENT_NAME="pull_request", GITHUB_BASE_REF="main")
    result = run(
        "report",
        "-m",
        "metrics.json",
        "--charts",
        "none",
        "--history",
        "8",
        "--json",
        "r.json",
        cwd=clone.path,
        env=env,
    )
    assert result.code == 0, result.stderr
    doc = json.loads((clone.path / "r.json").read_text())
    assert next(m for m in doc["metrics"] if m["key"] == "eval.f1")["history"]["points"] == 8
    assert doc["history"]["notes"] == []


def test_shallow_clone_without_origin_says_how_to_get_more(tmp_path: Path, run: Run) -> None:
    repo = with_main_history(tmp_path / "p", MAIN_F1, head_f1=0.80)
    clone = shallow_clone(repo, tmp_path / "ci", branch="main", depth=3)
    clone.git("remote", "remove", "origin")
    clone.git("checkout", "--quiet", "-b", "feature")
    code, md, err = report(run, clone, "--history", "8", "--base", "main")
    assert code == 0, err
    assert "3 of 8 commits of main found: the clone is shallow" in md
    assert "git fetch --unshallow" in md


def test_history_is_a_bounded_integer(tmp_path: Path, run: Run) -> None:
    repo = with_main_history(tmp_path / "p", MAIN_F1, head_f1=0.80)
    for bad in ("501", "--upload-pack=touch x", "-1"):
        result = run("report", "-m", "metrics.json", "--history", bad, cwd=repo.path)
        assert result.code == 2
        assert "--history" in result.stderr and "Traceback" not in result.stderr


def predictions_csv(right: int, region: bool = True) -> str:
    """200 examples of two classes, ``right`` of them predicted correctly, in two regions."""
    rows = ["id,y_true,y_pred" + (",region" if region else "")]
    for i in range(200):
        truth = i % 2
        pred = truth if i < right else 1 - truth
        rows.append(f"e{i},{truth},{pred}" + (f",{'eu' if i % 4 < 2 else 'us'}" if region else ""))
    return "\n".join(rows) + "\n"


def test_predictions_have_a_history_and_a_ratchet_like_any_metric(tmp_path: Path, run: Run) -> None:
    repo = GitRepo.init(tmp_path / "p")
    repo.write("metrics.json", metrics(0.8))
    repo.commit("before predictions were kept")
    repo.write("preds.csv", "y_true,y_pred\n")  # a broken version: one point less, no failure
    repo.commit("broken")
    right = [160, 162, 158, 161, 159, 160]  # accuracy 0.80 ± 0.007
    for i, r in enumerate(right):
        repo.write("preds.csv", predictions_csv(r, region=i > 1))  # region came later
        repo.commit(f"train {i}")
    repo.branch("feature")
    repo.checkout("feature")
    repo.write("preds.csv", predictions_csv(140))  # 0.70: a real drop
    repo.commit("head run")
    code, md, err = report(
        run, repo, "--predictions", "preds.csv", "--slice-by", "region", "--history", "8",
        "--fail-on-regression", "predictions.accuracy@3sigma", "--json", "r.json",
    )  # fmt: skip
    assert code == 1, err
    assert "predictions.accuracy@3sigma" in err and "worse by more than 3σ" in err
    doc = json.loads((repo.path / "r.json").read_text())
    accuracy = next(m for m in doc["metrics"] if m["key"] == "predictions.accuracy")
    assert accuracy["history"]["values"] == [r / 200 for r in right]
    gap = next(m for m in doc["metrics"] if m["key"] == "groups.region.accuracy.gap")
    assert gap["history"]["points"] == 4  # the commits whose file has the column
    assert "preds.csv cannot be read at 1 commit" in md
    assert "preds.csv is missing at 1 commit" in md
    row = next(line for line in md.splitlines() if line.startswith("| predictions.accuracy |"))
    assert "| 6 | 0.800 |" in row


def test_a_long_evaluation_of_old_predictions_says_so_first(tmp_path: Path, run: Run) -> None:
    repo = GitRepo.init(tmp_path / "big")
    rows = 60_000  # about 1.3 MiB a version
    repo.write("metrics.json", metrics(0.8))
    for i in range(3):
        labels = "\n".join(f"example-{j:08d},{j % 7},{(j + i) % 7}" for j in range(rows))
        repo.write("preds.csv", f"id,y_true,y_pred\n{labels}\n")
        repo.commit(f"train {i}")
    repo.branch("feature")
    repo.checkout("feature")
    repo.commit("head run")

    code, _, err = report(run, repo, "--predictions", "preds.csv", "--history", "3")

    assert code == 0, err
    assert "cmlreport: --history: evaluating 3 versions of preds.csv (3.6 MiB)..." in err
