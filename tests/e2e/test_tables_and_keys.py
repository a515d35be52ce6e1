"""Real per-class tables and keys held by two files, through the CLI (issue 11, points 3, 5, 6).

The files are real outputs copied from public projects (sources in tests/data/README.md).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.conftest import Run
from tests.gitrepo import GitRepo

DATA = Path(__file__).resolve().parents[1] / "data"
TRAIN = "results/train/metrics.json"
EVAL = "results/evaluate/metrics.json"


def two_runs(tmp_path: Path, base: dict[str, Path], head: dict[str, Path]) -> GitRepo:
    """main holds ``base`` (name in the repo -> sample file), branch feature holds ``head``."""
    repo = GitRepo.init(tmp_path / "project")
    for name, sample in base.items():
        repo.write(name, sample.read_text())
    repo.commit("base run")
    repo.branch("feature")
    repo.checkout("feature")
    for name, sample in head.items():
        repo.write(name, sample.read_text())
    repo.commit("head run")
    return repo


@pytest.fixture
def dvclive(tmp_path: Path) -> GitRepo:
    """iterative/example-get-started-experiments at two commits: both files hold dice_multi."""
    runs = DATA / "dvclive-two-files"
    return two_runs(
        tmp_path,
        {name: runs / "base" / name for name in (TRAIN, EVAL)},
        {name: runs / "head" / name for name in (TRAIN, EVAL)},
    )


@pytest.fixture
def reports(tmp_path: Path) -> GitRepo:
    """One project's sklearn report replaced by another's: 2 classes, then 3."""
    sklearn = DATA / "sklearn"
    return two_runs(
        tmp_path,
        {"report.json": sklearn / "restaurant_reviews_classification_report.json"},
        {"report.json": sklearn / "iris_classification_report.json"},
    )


def test_diff_names_the_keys_two_files_hold_by_their_file(dvclive: GitRepo, run: Run) -> None:
    result = run("diff", TRAIN, EVAL, "--base", "main", "--format", "json", cwd=dvclive.path)
    assert result.code == 0, result.stderr
    diff = json.loads(result.stdout)
    assert diff[f"{TRAIN}:dice_multi"]["old"] == pytest.approx(0.9135811575962693)
    assert diff[f"{EVAL}:dice_multi"]["new"] == pytest.approx(0.9029027564239037)
    # step (8 -> 10) is an index: shown, with no better or worse.
    assert diff["step"]["direction"] == "counter" and diff["step"]["verdict"] == "unknown"


@pytest.mark.parametrize(
    ("gate", "code", "words"),
    [
        (f"{TRAIN}:dice_multi", 1, [f"FAILED {TRAIN}:dice_multi"]),  # 0.914 -> 0.892
        (f"{TRAIN}:dice_multi@0.05", 0, []),
        (f"{TRAIN}:dice_multi:0.05", 0, []),  # the old KEY:DROP, read after the key
        (f"{EVAL}:dice_multi@0", 0, []),  # 0.870 -> 0.903: better
        ("train.loss:0.001", 0, []),  # the old syntax where nothing clashes
    ],
)
def test_gates_take_the_prefixed_key_as_written(
    dvclive: GitRepo, run: Run, gate: str, code: int, words: list[str]
) -> None:
    args = ["report", TRAIN, EVAL, "--base", "main", "--charts", "none"]
    result = run(*args, "--fail-on-regression", gate, cwd=dvclive.path)
    assert result.code == code, (result.stdout, result.stderr)
    for word in words:
        assert word in result.stderr


def test_an_unprefixed_gate_key_is_told_the_prefixed_names(dvclive: GitRepo, run: Run) -> None:
    args = ["report", TRAIN, EVAL, "--base", "main", "--charts", "none"]
    result = run(*args, "--fail-if", "dice_multi < 0.9", cwd=dvclive.path)
    assert result.code == 2
    (line,) = result.stderr.strip().splitlines()
    assert f"'{TRAIN}:dice_multi'" in line and f"'{EVAL}:dice_multi'" in line
    assert "Traceback" not in result.stderr


def test_a_ratchet_on_an_index_is_refused(dvclive: GitRepo, run: Run) -> None:
    args = ["report", TRAIN, EVAL, "--base", "main", "--charts", "none"]
    result = run(*args, "--fail-on-regression", "step", cwd=dvclive.path)
    assert result.code == 2
    assert "'step' is a count or an index" in result.stderr
    assert "--higher-is-better" in result.stderr


def test_sklearn_report_is_a_table_and_its_cells_count_in_diff(reports: GitRepo, run: Run) -> None:
    result = run("diff", "report.json", "--base", "main", cwd=reports.path)
    assert result.code == 0, result.stderr
    assert "No metric changed" not in result.stdout
    # Classes 0 and 1 changed in all 4 columns; class 2 is new.
    assert "report: 8 values changed in 2 of 3 labels; 1 new, 0 removed labels" in result.stdout
    assert "0.precision" not in result.stdout  # the classes are no scalars
    assert "macro avg.f1-score" in result.stdout


def test_only_table_cells_changed_is_not_no_change(tmp_path: Path, run: Run) -> None:
    banking = DATA / "sklearn" / "banking77_classification_report.json"
    report = json.loads(banking.read_text())
    # The same real report at head with one class rounded to 2 decimals: precision and f1 move.
    moved = {k: round(v, 2) for k, v in report["card_arrival"].items()}
    head = tmp_path / "head.json"
    head.write_text(json.dumps({**report, "card_arrival": moved}, indent=2))
    repo = two_runs(tmp_path, {"report.json": banking}, {"report.json": head})
    for fmt, nothing in (("table", "No scalar metric changed."), ("md", "_No scalar")):
        result = run("diff", "report.json", "--base", "main", "--format", fmt, cwd=repo.path)
        assert result.code == 0, result.stderr
        assert nothing in result.stdout
        assert "2 values changed in 1 of 77 labels" in result.stdout


def test_report_summary_counts_table_cells_and_slices_use_f1(reports: GitRepo, run: Run) -> None:
    args = ["report", "report.json", "--base", "main", "--charts", "none"]
    result = run(*args, cwd=reports.path)
    assert result.code == 0, result.stderr
    md = (reports.path / "report.md").read_text()
    summary = md.split("\n\n")[1]
    assert "8 per-class values changed in 2 labels" in summary
    assert "### Slices: report · f1-score" in md
    assert "8 values changed across all columns" in md  # the rankings follow f1-score alone
    assert "| label | support |" in md  # support is the count column, not a metric


def test_label_column_found_in_any_case_and_named_by_flag(tmp_path: Path, run: Run) -> None:
    sample = DATA / "per-class" / "covid_xray_classification_report.csv"
    repo = two_runs(tmp_path, {"per_class.csv": sample}, {})
    result = run("report", "per_class.csv", "--no-base", "--charts", "none", cwd=repo.path)
    assert result.code == 0, result.stderr
    assert "4 labels at head" in (repo.path / "report.md").read_text()
    args = ["report", "per_class.csv", "--no-base", "--charts", "none", "--label-column"]
    assert run(*args, "class", cwd=repo.path).code == 0
    bad = run(*args, "Dataset", cwd=repo.path)
    assert bad.code == 2 and "--label-column 'Dataset'" in bad.stderr
    assert "'per_class' by 'Class'" in bad.stderr


def test_help_documents_the_gate_key_syntax_and_the_label_column(tmp_path: Path, run: Run) -> None:
    report = run("report", "--help", cwd=tmp_path).stdout
    assert "KEY[@DROP]" in report and "'path:key'" in report and "'KEY:DROP' still works" in report
    assert "--label-column" in report
    assert "--label-column" in run("diff", "--help", cwd=tmp_path).stdout
