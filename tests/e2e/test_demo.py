"""`cmlreport demo` as a new user meets it: one report that answers "is this change real, and is
it safe to ship?" from the bundled example data.

The data's story (scripts/make_demo_data.py): eval accuracy up but within noise on 500
examples; a real accuracy drop on 20,000 fresh examples, the gate that fails; drifted top-1
confidence on new data; an overconfident retrained model; and the test examples from the news
burst losing while the others gain. The figures the tests compare with come from the bundled
files themselves, through scikit-learn, not from the report.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sklearn.metrics import accuracy_score

from tests.e2e.conftest import clean_env

DATA = Path(__file__).resolve().parents[2] / "cmlreport" / "demo_data"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo") / "out"
    done = subprocess.run(
        [sys.executable, "-m", "cmlreport", "demo", "--out", str(out)],
        capture_output=True,
        text=True,
        env=clean_env(),
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "fresh.accuracy@1%" in done.stdout  # the gate that fails on purpose, named
    return out


def report_json(demo: Path) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((demo / "report.json").read_text(encoding="utf-8"))
    return doc


def metric(doc: dict[str, Any], key: str) -> dict[str, Any]:
    found: dict[str, Any] = next(m for m in doc["metrics"] if m["key"] == key)
    return found


def first_line(demo: Path) -> str:
    lines = (demo / "report.md").read_text(encoding="utf-8").splitlines()
    title = next(i for i, line in enumerate(lines) if line.startswith("## "))
    return next(line for line in lines[title + 1 :] if line.strip())


def section(demo: Path, heading: str) -> str:
    md = (demo / "report.md").read_text(encoding="utf-8")
    return md.split(f"### {heading}", 1)[1].split("\n### ", 1)[0]


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_the_first_line_names_the_failed_gate_and_carries_the_noise_and_drift_verdicts(
    demo: Path,
) -> None:
    line = first_line(demo)
    assert line.startswith("❌ **1 of 6 gates failed**: <code>fresh.accuracy@")
    assert "significant for 3 of 12 metrics" in line and "9 within noise" in line
    assert "drift: moderate drift in confidence.score" in line


def test_the_eval_gain_is_noise_and_the_fresh_data_drop_is_real(demo: Path) -> None:
    doc = report_json(demo)
    gain, drop = metric(doc, "eval.accuracy"), metric(doc, "fresh.accuracy")
    assert gain["delta"] > 0 and gain["significant"] is False  # 500 examples: Wilson
    assert gain["delta_ci_low"] < 0 < gain["delta_ci_high"]
    assert drop["delta"] < 0 and drop["significant"] is True  # 20,000 examples
    assert drop["delta_ci_high"] < 0
    assert {g["gate"] for g in doc["gates"] if not g["passed"]} == {"fresh.accuracy@1%"}
    # The report says how those intervals were had, not only the JSON.
    assert gain["interval_basis"] == "eval.support = 500 at head, 500 at base"
    md = (demo / "report.md").read_text()
    assert "Wilson score interval, from the example count beside each" in md
    assert "<code>fresh.accuracy</code>: fresh.support = 20,000 at head, 20,000 at base" in md


def test_the_paired_test_set_drop_is_cleared_as_noise_by_significant(demo: Path) -> None:
    doc = report_json(demo)
    acc = metric(doc, "predictions.accuracy")
    head = rows(DATA / "head" / "predictions.csv")
    base = rows(DATA / "base" / "predictions.csv")
    assert acc["head"] == pytest.approx(
        accuracy_score([r["actual"] for r in head], [r["predicted"] for r in head])
    )
    assert acc["base"] == pytest.approx(
        accuracy_score([r["actual"] for r in base], [r["predicted"] for r in base])
    )
    assert acc["delta"] < 0 and acc["p_value"] > 0.05 and acc["significant"] is False
    gate = next(g for g in doc["gates"] if g["gate"] == "predictions.accuracy@1%")
    assert gate["passed"] and "within noise" in gate["detail"]
    # The confusion matrix plot and the table agree: the same four decimals of the same counts.
    assert f"| {acc['head']:.4f} |" in section(demo, "Headline metrics")


def test_top1_confidence_on_new_data_drifted_and_its_gate_reads_the_psi(demo: Path) -> None:
    doc = report_json(demo)
    psi = metric(doc, "drift.confidence.score.psi")["head"]
    assert 0.1 <= psi <= 0.25  # moderate: below the 0.25 the gate allows
    assert doc["drift"]["verdict"].startswith("moderate drift in confidence.score")
    words = section(demo, "Drift")
    new = [float(r["score"]) for r in rows(DATA / "head" / "confidence_new.csv")]
    assert f"mean 0.549 → {sum(new) / len(new):.3f}" in words and "**moderate drift**" in words


def test_the_retrained_model_became_overconfident(demo: Path) -> None:
    calibration = report_json(demo)["calibration"]
    assert calibration["head"]["ece"] > 2 * calibration["base"]["ece"]
    assert metric(report_json(demo), "predictions.ece")["significant"] is True
    assert "![Reliability diagram: base vs head]" in section(demo, "Calibration")


def test_the_news_burst_examples_lost_while_the_others_gained(demo: Path) -> None:
    (period,) = report_json(demo)["groups"]
    assert period["column"] == "period" and period["lost_most"] == "news_burst"
    by_name = {g["group"]: g for g in period["groups"]}
    for name, worse in (("news_burst", True), ("before_burst", False)):
        subset = [r for r in rows(DATA / "head" / "predictions.csv") if r["period"] == name]
        expected = accuracy_score([r["actual"] for r in subset], [r["predicted"] for r in subset])
        head, base = by_name[name]["head"]["accuracy"], by_name[name]["base"]["accuracy"]
        assert head == pytest.approx(expected)
        assert (head < base) is worse
    assert period["gaps"]["accuracy"]["significant"] is True
    groups = section(demo, "Groups by period")
    assert "**news\\_burst lost most**" in groups
    # In <code>, not a code span, so the escape of the underscore is not shown to the reader.
    assert "- <code>groups.period.f1\\_macro.gap</code>:" in groups


def test_the_headline_leaves_out_what_did_not_change(demo: Path) -> None:
    headline = section(demo, "Headline metrics")
    for unchanged in ("model.name", "model.params\\_m", "eval.support", "fresh.support"):
        assert f">{unchanged}<" not in headline and f"| {unchanged} |" not in headline
    details = (demo / "report.md").read_text(encoding="utf-8").split("<summary>All metrics", 1)
    assert ">model.params\\_m<" in details[1]  # still in the details block


def test_a_reader_that_leaves_early_stops_the_demo_quietly(tmp_path: Path) -> None:
    # `cmlreport demo | true`: the pipe is closed before the demo prints its first line.
    proc = subprocess.Popen(
        [sys.executable, "-m", "cmlreport", "demo", "--out", str(tmp_path / "out")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=clean_env(),
        cwd=tmp_path,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()
    stderr = proc.stderr.read().decode()
    assert proc.wait(timeout=120) in (0, 1)
    assert "Traceback" not in stderr and "internal error" not in stderr, stderr
