"""`cmlreport report --predictions ... --slice-by COLUMN` as a user runs it (in this process,
through click): calibration and the confusions that grew, the groups with their gap as a metric
a gate caps, every figure in --json; bad flags refused in one line; 10,000 groups to the budget."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sklearn.calibration import calibration_curve

from tests.e2e.test_predictions_cli import cmlreport

REGIONS = ("eu", "us", "asia", "<b>@team|x</b>")


def write_run(path: Path, seed: int, asia_right: float, groups: int = 0) -> None:
    """3,000 examples of 6 classes; one region (asia) right ``asia_right`` of the time."""
    rng = np.random.default_rng(seed)
    truth = np.random.default_rng(0).integers(0, 6, 3_000)
    region = np.random.default_rng(1).integers(0, 4, 3_000)
    right = np.where(region == 2, asia_right, 0.75)
    pred = np.where(rng.random(3_000) < right, truth, rng.integers(0, 6, 3_000))
    confidence = np.clip(rng.normal(0.75, 0.1, 3_000), 0, 1)
    rows = ["id,y_true,y_pred,confidence,Region,user"]
    for i in range(3_000):
        user = f"u{i % groups}" if groups else "u0"
        rows.append(f"e{i},c{truth[i]},c{pred[i]},{confidence[i]:.3f},{REGIONS[region[i]]},{user}")
    path.write_text("\n".join(rows) + "\n")


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    write_run(tmp_path / "base.csv", 1, 0.75)
    write_run(tmp_path / "head.csv", 2, 0.45)  # asia lost
    monkeypatch.chdir(tmp_path)
    return tmp_path


def report(*extra: str) -> Any:
    return cmlreport(
        "report", "--predictions", "head.csv", "--base-predictions", "base.csv", "--no-base",
        "--charts", "none", "--json", "report.json", "--resamples", "200", *extra,
    )  # fmt: skip


def test_calibration_and_grown_confusions_in_the_report_and_the_json(folder: Path) -> None:
    done = report()
    assert done.code == 0, done.stderr
    doc = json.loads((folder / "report.json").read_text())
    calibration = doc["calibration"]
    assert calibration["bins"] == 15 and calibration["brier_definition"] == "top-1"
    head = np.loadtxt(folder / "head.csv", delimiter=",", skiprows=1, usecols=3)
    lines = (folder / "head.csv").read_text().split()[1:]
    correct = np.array([r.split(",")[1] == r.split(",")[2] for r in lines])
    prob_true, _ = calibration_curve(correct, head, n_bins=15)
    accuracy = [a for a in calibration["head"]["reliability"]["accuracy"] if a != "NaN"]
    assert accuracy == pytest.approx(prob_true)
    ece = next(m for m in doc["metrics"] if m["key"] == "predictions.ece")
    assert ece["direction"] == "lower" and ece["ci_low"] < ece["head"] < ece["ci_high"]
    assert ece["head"] == pytest.approx(calibration["head"]["ece"])
    top = doc["confusion_delta"]["top"]
    assert top and all(c["true"] != c["pred"] and c["delta"] > 0 for c in top)
    md = (folder / "report.md").read_text()
    assert "### Calibration" in md and "15 equal-width bins" in md and "Brier score" in md
    assert "### Confusions that grew" in md and "Reliability per bin" in md


def test_a_group_that_lost_is_named_and_its_gap_can_fail_a_gate(folder: Path) -> None:
    done = report("--slice-by", "region", "--fail-if", "groups.Region.accuracy.gap > 0.15")
    assert done.code == 1 and "groups.Region.accuracy.gap" in done.stderr
    doc = json.loads((folder / "report.json").read_text())
    (groups,) = doc["groups"]
    assert groups["column"] == "Region" and groups["lost_most"] == "asia"
    gap = groups["gaps"]["accuracy"]
    assert gap["head"] > 0.2 > gap["base"] and gap["significant"] is True
    metric = next(m for m in doc["metrics"] if m["key"] == "groups.Region.accuracy.gap")
    assert metric["direction"] == "lower" and metric["verdict"] == "worse"
    asia = next(g for g in groups["groups"] if g["group"] == "asia")
    assert asia["head"]["accuracy_ci_low"] < asia["head"]["accuracy"] < asia["base"]["accuracy"]
    md = (folder / "report.md").read_text()
    assert "**asia lost most**" in md and "### Groups by Region" in md
    # The gap and who lost most read open; the per-group table, however short, is folded.
    section = md.split("### Groups by Region")[1].split("\n### ")[0]
    assert section.index("lost most") < section.index("<details><summary>Per group")
    assert section.index("<details><summary>Per group") < section.index("| asia")
    assert "<b>@team" not in md  # a hostile group name is escaped, not rendered or a mention


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (("--slice-by", "regoin"), "--slice-by 'regoin': no such column in head.csv and base.csv"),
        (("--slice-by", "region", "--slice-by", "REGION"), "given twice"),
        (("--slice-by", "y_true"), "is the label column"),
        (("--slice-by", " "), "--slice-by: give a column name"),
    ],
)
def test_bad_slice_flags_are_one_line_and_exit_2(
    folder: Path, flags: tuple[str, ...], message: str
) -> None:
    done = report(*flags)
    assert done.code == 2 and message in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_a_column_base_lacks_and_a_single_group_are_said_in_the_section(folder: Path) -> None:
    base = (folder / "base.csv").read_text().replace(",Region,", ",place,", 1)
    (folder / "base.csv").write_text(base)
    done = report("--slice-by", "region", "--slice-by", "user")
    assert done.code == 0, done.stderr
    md = (folder / "report.md").read_text()
    assert "base.csv has no column 'region': groups of head alone" in md
    assert "holds one group only \\('u0'\\): no gap between groups" in md
    assert "1 group. Gap:" in md


def test_ten_thousand_groups_stay_within_the_comment_budget(folder: Path) -> None:
    write_run(folder / "head.csv", 2, 0.45, groups=10_000)  # more groups than examples
    write_run(folder / "base.csv", 1, 0.75, groups=10_000)
    done = report("--slice-by", "user")
    assert done.code == 0, done.stderr
    md = (folder / "report.md").read_text()
    assert len(md) <= 65_536 and "more in the --json output" in md
    doc = json.loads((folder / "report.json").read_text())
    assert len(doc["groups"][0]["groups"]) == 3_000
    assert any("fewer than 10 examples" in n for n in doc["groups"][0]["notes"])


def test_a_gate_on_a_gap_that_could_not_be_computed_fails_and_the_report_says_why(
    folder: Path,
) -> None:
    # Every example is one user: no gap, and no score column named on the second run either.
    done = report(
        "--slice-by", "user", "--fail-if", "groups.user.accuracy.gap > 0.1",
        "--fail-on-regression", "groups.user.f1_macro.gap@0.01",
    )  # fmt: skip
    assert done.code == 1, done.stderr  # a gate failed; not 2, a usage error
    md = (folder / "report.md").read_text()
    assert "groups.user.accuracy.gap was not computed: column 'user' holds one group only" in md
    assert "groups.user.f1\\_macro.gap was not computed" in md
    gates = json.loads((folder / "report.json").read_text())["gates"]
    assert [g["passed"] for g in gates] == [False, False]
    assert all("holds one group only ('u0')" in g["detail"] for g in gates)


def test_a_gate_on_calibration_without_scores_says_what_is_missing(folder: Path) -> None:
    for name in ("head.csv", "base.csv"):
        text = (folder / name).read_text().replace(",confidence,", ",conf_x,", 1)
        (folder / name).write_text(text)
    done = report("--fail-if", "predictions.ece > 0.05")
    assert done.code == 1, done.stderr
    md = (folder / "report.md").read_text()
    assert "predictions.ece was not computed: head.csv has no score or proba\\_ column" in md
    # A name that is no metric at all is still a usage error, with a suggestion.
    typo = report("--fail-if", "predictions.eces > 0.05")
    assert typo.code == 2 and "not in the head metrics" in typo.stderr
