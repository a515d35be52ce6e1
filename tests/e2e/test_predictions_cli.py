"""`cmlreport report --predictions` as a user runs it: per-example predictions in, the
`predictions.*` metrics with 95 % intervals out, in the markdown and in `--json`; gates that
ask whether a regression is real; bad files refused in one line.

Most cases run the CLI in this process (click's CliRunner); the base revision read from git
runs it as its own process, in a real repository.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sklearn import metrics as sk

from cmlreport.cli import main
from tests.e2e.conftest import Result, Run
from tests.gitrepo import GitRepo

DATA = Path(__file__).resolve().parents[1] / "data" / "predictions"
CI_PREFIXES = ("GITHUB_", "GITLAB_", "CI_", "RUNNER_")


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder outside git holding the sample predictions, as the current directory."""
    for side in ("base", "head"):
        shutil.copy(DATA / f"{side}.csv", tmp_path / f"{side}.csv")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def cmlreport(*args: str) -> Result:
    no_ci: dict[str, str | None] = {k: None for k in os.environ if k.startswith(CI_PREFIXES)}
    no_ci["CI"] = None
    done = CliRunner().invoke(main, list(args), env=no_ci)
    return Result(done.exit_code, done.stdout, done.stderr)


def report(*extra: str) -> Result:
    return cmlreport(
        "report", "--predictions", "head.csv", "--base-predictions", "base.csv", "--no-base",
        "--charts", "none", "--json", "report.json", *extra,
    )  # fmt: skip


def metric(doc: dict[str, Any], key: str) -> dict[str, Any]:
    return next(m for m in doc["metrics"] if m["key"] == key)


def sample_labels(side: str) -> tuple[list[str], list[str]]:
    rows = [line.split(",") for line in (DATA / f"{side}.csv").read_text().split()[1:]]
    return [r[1] for r in rows], [r[2] for r in rows]


def test_predictions_become_metrics_with_intervals_in_the_report_and_the_json(
    folder: Path,
) -> None:
    result = report()
    assert result.code == 0, result.stderr
    doc = json.loads((folder / "report.json").read_text())
    acc = metric(doc, "predictions.accuracy")
    true, head_pred = sample_labels("head")
    _, base_pred = sample_labels("base")
    assert acc["head"] == pytest.approx(sk.accuracy_score(true, head_pred))
    assert acc["base"] == pytest.approx(sk.accuracy_score(true, base_pred))
    assert acc["delta"] == pytest.approx(acc["head"] - acc["base"])
    assert acc["direction"] == "higher"
    assert acc["ci_low"] < acc["head"] < acc["ci_high"]
    assert acc["delta_ci_low"] < acc["delta"] < acc["delta_ci_high"]
    assert acc["p_value"] > 0.05 and acc["significant"] is False
    f1 = metric(doc, "predictions.f1_macro")
    assert f1["head"] == pytest.approx(sk.f1_score(true, head_pred, average="macro"))
    assert f1["interval_method"] == "paired bootstrap" and f1["significant"] is False
    assert doc["predictions"]["pairing"] == "paired by id (2,000 examples)"
    assert doc["predictions"]["mcnemar"]["p_value"] == acc["p_value"]
    # 7 class scores, and ECE and Brier from the score column
    assert doc["summary"]["within_noise"] == 9 and doc["summary"]["significant"] == 0
    md = (folder / "report.md").read_text()
    summary = md.split("\n\n")[1]  # the intervals decide, and McNemar's test for accuracy
    assert "all 9 changes within noise (95 % CI; McNemar's exact test for accuracy)" in summary
    row = next(line for line in md.splitlines() if ">predictions.accuracy<" in line)
    assert "within noise (p = " in row and f"{acc['head']:.4f}" in row
    assert "### Predictions" in md and "McNemar's exact test" in md
    regressions = md.split("regressions**")[1].split("**Top")[0]
    assert "politics" in regressions  # the per-class table is an ordinary slice table


def test_a_rerun_gives_the_same_numbers_and_another_seed_other_intervals(folder: Path) -> None:
    assert report().code == 0
    first = (folder / "report.json").read_text()
    assert report().code == 0
    assert (folder / "report.json").read_text() == first
    assert report("--seed", "7").code == 0
    other = json.loads((folder / "report.json").read_text())
    assert metric(other, "predictions.f1_macro") != metric(
        json.loads(first), "predictions.f1_macro"
    )


def test_significant_gates_let_a_drop_within_noise_pass(folder: Path) -> None:
    gate = ("--fail-on-regression", "predictions.f1_macro@0.5%")
    plain = report(*gate)
    assert plain.code == 1  # head's macro F1 is 1.4 % below base's
    judged = report(*gate, "--significant")
    assert judged.code == 0, judged.stderr
    doc = json.loads((folder / "report.json").read_text())
    (g,) = doc["gates"]
    assert g["passed"] and "within noise" in g["detail"]


def test_a_significant_regression_still_fails_with_significant(folder: Path) -> None:
    # Head gets every politics and soccer example wrong: a drop no resample explains away.
    lines = (folder / "head.csv").read_text().splitlines()
    broken = [lines[0]]
    for line in lines[1:]:
        id_, true, _, score = line.split(",")
        wrong = "books" if true in ("politics", "soccer") else true
        broken.append(",".join((id_, true, wrong, score)))
    (folder / "head.csv").write_text("\n".join(broken) + "\n")
    result = report("--fail-on-regression", "predictions.f1_macro@1%", "--significant")
    assert result.code == 1
    assert "significant (95 % CI of Δ [" in result.stderr
    doc = json.loads((folder / "report.json").read_text())
    assert metric(doc, "predictions.f1_macro")["significant"] is True
    assert doc["gates"][0]["passed"] is False
    md = (folder / "report.md").read_text()
    # The 7 class scores are significant; ECE and Brier (the score column) may be or not.
    assert "**Δ significant for " in md and " of 9 metrics** (95 % CI; McNemar's" in md


def test_only_head_predictions_give_head_intervals(folder: Path) -> None:
    result = cmlreport("report", "--predictions", "head.csv", "--no-base", "--json", "r.json")
    assert result.code == 0, result.stderr
    doc = json.loads((folder / "r.json").read_text())
    f1 = metric(doc, "predictions.f1_macro")
    assert f1["ci_low"] < f1["head"] < f1["ci_high"] and f1["delta_ci_low"] is None
    assert f1["significant"] is None and doc["predictions"]["base"] is None


def test_an_accuracy_with_its_count_gets_a_wilson_interval(folder: Path) -> None:
    (folder / "metrics.json").write_text('{"eval": {"accuracy": 0.912, "support": 1000}}\n')
    result = cmlreport("report", "-m", "metrics.json", "--no-base", "--json", "r.json")
    assert result.code == 0, result.stderr
    acc = metric(json.loads((folder / "r.json").read_text()), "eval.accuracy")
    assert acc["interval_method"] == "Wilson"
    assert acc["ci_low"] == pytest.approx(0.89283, abs=1e-5)
    assert acc["ci_high"] == pytest.approx(0.92802, abs=1e-5)
    f1_only = '{"eval": {"f1": 0.8, "support": 1000}}\n'
    (folder / "metrics.json").write_text(f1_only)
    assert cmlreport("report", "-m", "metrics.json", "--no-base", "--json", "r.json").code == 0
    assert "ci_low" not in metric(json.loads((folder / "r.json").read_text()), "eval.f1")


@pytest.mark.parametrize(
    ("content", "flags", "message"),
    [
        ("truth,guess\na,b\nb,b\n", (), "head.csv: no true label column"),
        ("y_true,y_pred\n", (), "head.csv: no data rows"),
        ("y_true,y_pred\na,a\na,b\n", (), "head.csv: column 'y_true' holds one class only"),
        ("y_true,y_pred,score\na,b,NaN\nb,b,1\n", (), "head.csv: line 2 column 'score' is"),
        ("y_true,y_pred\na,b\nb,b\n", ("--pred-column", "p"), "head.csv: --pred-column 'p'"),
    ],
)
def test_a_bad_predictions_file_is_one_line_and_exit_2(
    folder: Path, content: str, flags: tuple[str, ...], message: str
) -> None:
    (folder / "head.csv").write_text(content)
    result = report(*flags)
    assert result.code == 2
    assert result.stderr.startswith(f"cmlreport: error: {message}")
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert not (folder / "report.md").exists()


def test_a_metrics_key_named_like_a_predictions_metric_is_refused(folder: Path) -> None:
    (folder / "m.json").write_text('{"predictions": {"accuracy": 0.5}}\n')
    result = report("-m", "m.json")
    assert result.code == 2
    assert "m.json: key 'predictions.accuracy' is also a metric computed from --predictions" in (
        result.stderr
    )


def test_base_predictions_come_from_the_base_revision(tmp_path: Path, run: Run) -> None:
    repo = GitRepo.init(tmp_path / "project")
    repo.write("eval/preds.csv", (DATA / "base.csv").read_text())
    repo.write("eval/broken.csv", "truth,guess\na,b\n")  # main broke it; this branch fixes it
    repo.commit("base run")
    repo.branch("feature")
    repo.checkout("feature")
    repo.write("eval/preds.csv", (DATA / "head.csv").read_text())
    repo.write("eval/new.csv", (DATA / "head.csv").read_text())
    repo.write("eval/broken.csv", (DATA / "head.csv").read_text())
    repo.commit("head run")
    result = run("report", "--predictions", "eval/preds.csv", "--json", "r.json", cwd=repo.path)
    assert result.code == 0, result.stderr
    doc = json.loads((repo.path / "r.json").read_text())
    assert doc["revisions"]["base"] == repo.sha("main")
    assert doc["predictions"]["base"] == {"file": "eval/preds.csv", "examples": 2000}
    assert metric(doc, "predictions.accuracy")["base"] == pytest.approx(0.7795)
    missing = run("report", "--predictions", "eval/new.csv", "-o", "new.md", cwd=repo.path)
    assert missing.code == 0, missing.stderr
    md = (repo.path / "new.md").read_text()
    assert "eval/new.csv does not exist at base" in md and "🆕 new" in md
    args = ("--predictions", "eval/broken.csv", "-o", "fixed.md", "--json", "fixed.json")
    fixed = run("report", *args, cwd=repo.path)
    assert fixed.code == 0, fixed.stderr
    md = (repo.path / "fixed.md").read_text()
    assert "eval/broken.csv at base" in md and "no true label column" in md
    (note,) = json.loads((repo.path / "fixed.json").read_text())["notes"]
    assert note.startswith("eval/broken.csv at base") and note.endswith("treated as missing.")


def test_the_per_class_table_is_in_the_json_as_the_report_ranks_it(folder: Path) -> None:
    assert report("--top", "3").code == 0
    doc = json.loads((folder / "report.json").read_text())
    markdown = (folder / "report.md").read_text()

    (table,) = [t for t in doc["slices"] if t["table"] == "predictions"]

    true, head_pred = sample_labels("head")
    _, base_pred = sample_labels("base")
    labels = sorted(set(true) | set(head_pred) | set(base_pred))
    head_f1 = dict(
        zip(labels, sk.f1_score(true, head_pred, labels=labels, average=None), strict=True)
    )
    base_f1 = dict(
        zip(labels, sk.f1_score(true, base_pred, labels=labels, average=None), strict=True)
    )
    assert (table["metric"], table["direction"], table["labels"]) == ("f1", "higher", 8)
    moves = table["regressions"] + table["improvements"]
    assert moves and len(table["regressions"]) <= 3
    for row in moves:
        assert row["head"] == pytest.approx(head_f1[row["label"]])
        assert row["base"] == pytest.approx(base_f1[row["label"]])
        assert row["delta"] == pytest.approx(row["head"] - row["base"])
        assert row["support"] == true.count(row["label"])
    # Worst first, as the section lists them; each one named in the markdown too.
    assert [r["delta"] for r in table["regressions"]] == sorted(
        r["delta"] for r in table["regressions"]
    )
    assert all(r["label"] in markdown for r in moves)
    assert table["regressed"] == sum(
        1 for c in labels if head_f1[c] - base_f1[c] < -table["threshold"]
    )


def test_a_metrics_files_own_per_class_table_new_in_the_branch_is_in_the_json(
    folder: Path,
) -> None:
    (folder / "per_class.csv").write_text("class,f1,support\ncat,0.9,10\ndog,0.8,12\n")

    result = cmlreport(
        "report", "-m", "per_class.csv", "--no-base", "--charts", "none", "--json", "r.json"
    )

    assert result.code == 0, result.stderr
    (table,) = json.loads((folder / "r.json").read_text())["slices"]
    assert (table["table"], table["metric"], table["labels"]) == ("per_class", "f1", 2)
    assert table["has_base"] is False and table["regressions"] == []
    assert table["cells_changed"] is None  # nothing to compare with


def test_the_readme_shows_the_json_as_it_is_written(folder: Path) -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    block = readme.split("### JSON (`report --json FILE`)", 1)[1].split("```json\n", 1)[1]
    shown = json.loads(block.split("```", 1)[0])
    (folder / "m.json").write_text('{"eval": {"loss": 0.3}}\n')
    assert report("-m", "m.json", "--fail-on-regression", "predictions.f1_macro@2%").code == 0
    doc = json.loads((folder / "report.json").read_text())
    assert shown.keys() == doc.keys()
    assert shown["summary"].keys() == doc["summary"].keys()
    assert shown["revisions"].keys() == doc["revisions"].keys()
    with_interval, plain = shown["metrics"]
    assert with_interval.keys() == metric(doc, "predictions.f1_macro").keys()
    assert plain.keys() == metric(doc, "eval.loss").keys()
    assert shown["gates"][0].keys() == doc["gates"][0].keys()
    assert shown["predictions"].keys() == doc["predictions"].keys()
    assert shown["predictions"]["mcnemar"].keys() == doc["predictions"]["mcnemar"].keys()
    (shown_slice,), (table,) = shown["slices"], doc["slices"]
    assert shown_slice.keys() == table.keys()
    assert shown_slice["regressions"][0].keys() == table["regressions"][0].keys()


def test_a_predictions_flag_without_predictions_is_refused(folder: Path) -> None:
    (folder / "m.json").write_text('{"eval": {"loss": 0.3}}\n')
    result = cmlreport("report", "-m", "m.json", "--base-predictions", "base.csv", "--no-base")
    assert result.code == 2
    assert "--base-predictions: give --predictions FILE too" in result.stderr


def test_a_base_of_other_classes_is_said_and_unchanged_metrics_are_no_change(
    folder: Path,
) -> None:
    # Both models are perfect on their own labels: every predictions.* metric is 1 → 1.
    (folder / "head.csv").write_text("y_true,y_pred\ncat,cat\ndog,dog\n", encoding="utf-8")
    (folder / "base.csv").write_text("y_true,y_pred\nx,x\ny,y\n", encoding="utf-8")
    result = report("--output", "report.md")
    assert result.code == 0, result.stderr
    md = (folder / "report.md").read_text(encoding="utf-8")
    assert "head.csv and base.csv share no class \\(head: cat, dog; base: x, y\\)" in md
    # --no-base left the metrics files without a base, not the predictions.
    assert "the predictions are compared with base.csv" in md
    assert "every metric is shown as new" not in md
    doc = json.loads((folder / "report.json").read_text(encoding="utf-8"))
    assert metric(doc, "predictions.accuracy")["delta"] == 0
    assert doc["summary"]["changed"] == 0
    assert doc["summary"]["within_noise"] == doc["summary"]["significant"] == 0
    assert "within noise" not in md.splitlines()[2]  # the summary line counts no "change"


@pytest.mark.parametrize("count", ["1", "5", "99"])
def test_too_few_resamples_for_an_interval_are_refused(folder: Path, count: str) -> None:
    # One resample made a "95 % interval" of one point that called every delta significant.
    done = report("--resamples", count)
    assert done.code == 2 and "give 0 (no bootstrap) or at least 100" in done.stderr
