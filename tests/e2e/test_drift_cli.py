"""`cmlreport report --drift` as a user runs it: the test set's scores against live ones, the
drift.* metrics gated like any metric, the section in words with its histograms, the figures in
`--json`; hostile column names escaped; bad files refused in one line.

The gate story runs the CLI as its own process (tests.launch); the refusals run in-process.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from scipy import stats

from cmlreport.cli import main
from tests.e2e.conftest import Result, Run

CI_PREFIXES = ("GITHUB_", "GITLAB_", "CI_", "RUNNER_")


def scores_csv(path: Path, values: np.ndarray, extra: dict[str, list[str]] | None = None) -> None:
    extra = extra or {}
    header = ",".join(["score", *extra])
    rows = [
        ",".join([f"{v:.6f}", *(col[i] for col in extra.values())]) for i, v in enumerate(values)
    ]
    path.write_text(header + "\n" + "\n".join(rows) + "\n")


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """Scores on the test set (mean ~0.55) and on fresh data (mean ~0.45), and a metrics file."""
    rng = np.random.default_rng(3)
    scores_csv(tmp_path / "test.csv", rng.beta(5.5, 4.5, 2000))
    scores_csv(tmp_path / "live.csv", rng.beta(4.5, 5.5, 1500))
    (tmp_path / "metrics.json").write_text('{"eval": {"accuracy": 0.91}}\n')
    return tmp_path


def cmlreport(cwd: Path, *args: str) -> Result:
    no_ci: dict[str, str | None] = {k: None for k in os.environ if k.startswith(CI_PREFIXES)}
    no_ci["CI"] = None
    old = Path.cwd()
    os.chdir(cwd)
    try:
        done = CliRunner().invoke(main, list(args), env=no_ci)
    finally:
        os.chdir(old)
    return Result(done.exit_code, done.stdout, done.stderr)


def test_drift_alone_is_a_report_and_its_gate_judges(folder: Path) -> None:
    # A monitoring job: no metrics file, only the test set against last week's traffic.
    result = cmlreport(
        folder, "report", "--drift", "confidence=test.csv:live.csv", "--charts", "none",
        "--fail-if", "drift.confidence.score.psi > 0.2",
    )  # fmt: skip

    assert result.code == 1, result.stderr  # the gate failed; the report is written
    assert "### Drift" in (folder / "report.md").read_text()
    assert "FAILED drift.confidence.score.psi > 0.2" in result.stderr


def test_no_input_at_all_names_every_way_to_give_one(folder: Path) -> None:
    result = cmlreport(folder, "report", "--charts", "none")

    assert result.code == 2
    assert "--metrics FILE" in result.stderr and "--drift REFERENCE:CURRENT" in result.stderr


def test_a_gate_on_drift_fails_the_job_and_the_report_says_what_moved(
    folder: Path, run: Run
) -> None:
    result = run(
        "report", "-m", "metrics.json", "--no-base", "--drift", "confidence=test.csv:live.csv",
        "--fail-if", "drift.confidence.score.psi > 0.2", "--json", "report.json",
        "--charts", "png", cwd=folder,
    )  # fmt: skip
    assert result.code == 1, result.stderr
    assert "FAILED drift.confidence.score.psi > 0.2" in result.stderr
    md = (folder / "report.md").read_text()
    assert "### Drift" in md
    assert "<code>score</code>: mean 0.5" in md and "→ 0.4" in md and ": **major drift**" in md
    assert "![Drift of confidence: score, reference vs current](report-plots/drift-1.png)" in md
    assert (folder / "report-plots" / "drift-1.png").read_bytes().startswith(b"\x89PNG")
    doc = json.loads((folder / "report.json").read_text())
    gate = doc["gates"][0]
    assert gate["key"] == "drift.confidence.score.psi" and gate["passed"] is False
    column = doc["drift"]["comparisons"][0]["columns"][0]
    ref = np.loadtxt(folder / "test.csv", skiprows=1)
    cur = np.loadtxt(folder / "live.csv", skiprows=1)
    ks = stats.ks_2samp(ref, cur)
    assert column["ks"] == pytest.approx(ks.statistic) and column["ks_p"] == pytest.approx(
        ks.pvalue
    )
    assert column["wasserstein"] == pytest.approx(stats.wasserstein_distance(ref, cur))
    assert column["psi"] > 0.2 and column["verdict"] == "major drift"
    assert column["reference_mean"] == pytest.approx(ref.mean())
    assert doc["drift"]["verdict"].startswith("major drift in confidence.score")
    psi = next(m for m in doc["metrics"] if m["key"] == "drift.confidence.score.psi")
    assert psi["direction"] == "lower" and psi["head"] == column["psi"]
    p = next(m for m in doc["metrics"] if m["key"] == "drift.confidence.score.ks_p")
    assert p["direction"] == "counter"  # a p-value is neither better nor worse


def test_no_drift_passes_and_mermaid_charts_need_no_files(folder: Path) -> None:
    (folder / "again.csv").write_text((folder / "test.csv").read_text())
    result = cmlreport(
        folder, "report", "-m", "metrics.json", "--no-base", "--drift", "test.csv:again.csv",
        "--fail-if", "drift.again.score.psi > 0.1", "--charts", "mermaid",
    )  # fmt: skip
    assert result.code == 0, result.stderr
    md = (folder / "report.md").read_text()
    assert "<code>score</code>: mean" in md and "PSI 0.00, KS 0.00 (p = 1): no drift" in md
    assert "```mermaid" in md and not (folder / "report-plots").exists()
    none = cmlreport(folder, "report", "-m", "metrics.json", "--no-base", "--drift",
                     "test.csv:again.csv", "--charts", "none", "-o", "plain.md")  # fmt: skip
    assert none.code == 0 and "```mermaid" not in (folder / "plain.md").read_text()


def test_hostile_column_names_and_categories_are_escaped(folder: Path) -> None:
    evil = '"<img src=x onerror=alert(1)>|`x`\n@admin #1"'
    (folder / "a.csv").write_text(f"{evil},seg\n0.1,<b>a|b</b>\n0.2,ok\n0.3,ok\n")
    (folder / "b.csv").write_text(f"{evil},seg\n0.5,<b>a|b</b>\n0.6,<b>a|b</b>\n0.9,ok\n")
    result = cmlreport(folder, "report", "-m", "metrics.json", "--no-base", "--drift",
                       "x=a.csv:b.csv", "--charts", "mermaid", "--json", "r.json")  # fmt: skip
    assert result.code == 0, result.stderr
    md = (folder / "report.md").read_text()
    blocks = md.split("```")
    prose = "".join(blocks[::2])  # mentions and references do nothing inside a code block
    for raw in ("<img", "<b>", "@admin", "#1"):
        assert raw not in prose
    table = md.split("<summary>Drift figures</summary>")[1].split("</details>")[0]
    rows = [line for line in table.splitlines() if line.startswith("|")]
    # Every row keeps its 11 cells: no '|' from a name split one.
    assert {line.replace("\\|", "").count("|") for line in rows} == {12}
    mermaid = md.split("```mermaid")[1].split("```")[0]
    assert "<" not in mermaid and mermaid.count('"') % 2 == 0
    doc = json.loads((folder / "r.json").read_text())
    names = [c["column"] for c in doc["drift"]["comparisons"][0]["columns"]]
    assert names == ["<img src=x onerror=alert(1)>|`x`\n@admin #1", "seg"]


def test_a_path_holding_a_colon_is_split_where_both_files_exist(folder: Path) -> None:
    (folder / "run:1.csv").write_text((folder / "test.csv").read_text())
    result = cmlreport(folder, "report", "-m", "metrics.json", "--no-base", "--drift",
                       "run:1.csv:live.csv", "--charts", "none", "--json", "r.json")  # fmt: skip
    assert result.code == 0, result.stderr
    comp = json.loads((folder / "r.json").read_text())["drift"]["comparisons"][0]
    assert (comp["name"], comp["reference"], comp["current"]) == ("live", "run:1.csv", "live.csv")


@pytest.mark.parametrize(
    ("files", "spec", "message"),
    [
        ({}, "test.csv:gone.csv", "gone.csv: file not found"),
        ({"c.csv": "other\n1\n"}, "test.csv:c.csv", "c.csv: no column in common with test.csv"),
        ({"c.csv": "score\n0.5\nNaN\n"}, "test.csv:c.csv", "c.csv: line 3 column 'score' is NaN"),
        ({"c.csv": "score\n0.5\nhigh\n"}, "test.csv:c.csv", "c.csv: column 'score' mixes numbers"),
        ({"c.csv": ""}, "test.csv:c.csv", "c.csv: file is empty"),
        (
            {"c.txt": "score\n1\n"},
            "test.csv:c.txt",
            "--drift 'test.csv:c.txt': 'c.txt' is not a .csv",
        ),
        ({}, "test.csv", "--drift 'test.csv': give two files as REFERENCE:CURRENT"),
        ({"c.csv": "score\n" + "0.5\n" * 2_000_001}, "test.csv:c.csv", "c.csv: about 2,000,00"),
    ],
)
def test_bad_drift_input_is_one_line_and_exit_2(
    folder: Path, files: dict[str, str], spec: str, message: str
) -> None:
    for name, text in files.items():
        (folder / name).write_text(text)
    result = cmlreport(folder, "report", "-m", "metrics.json", "--no-base", "--drift", spec)
    assert result.code == 2
    assert result.stderr.startswith(f"cmlreport: error: {message}"), result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert not (folder / "report.md").exists()


def test_two_drifts_need_two_names(folder: Path) -> None:
    result = cmlreport(folder, "report", "-m", "metrics.json", "--no-base",
                       "--drift", "test.csv:live.csv", "--drift", "live.csv:live.csv")  # fmt: skip
    assert result.code == 2 and "the name 'live' is taken by another --drift" in result.stderr


def test_a_gate_on_a_psi_that_could_not_be_computed_fails_and_says_why(folder: Path) -> None:
    scores_csv(folder / "flat.csv", np.full(50, 0.5))  # a constant reference has no deciles
    done = cmlreport(
        folder, "report", "metrics.json", "--no-base", "--charts", "none",
        "--drift", "conf=flat.csv:live.csv", "--fail-if", "drift.conf.score.psi > 0.2",
        "--fail-if", "drift.conf.score.ks > 0.9",
    )  # fmt: skip
    assert done.code == 1, done.stderr
    md = (folder / "report.md").read_text()
    assert (
        "drift.conf.score.psi was not computed: the reference is constant, so it has no "
        "quantile bins" in md
    )
    # KS needs no bins: it is computed and judged as usual, beside the gate that failed.
    ks = stats.ks_2samp(np.full(50, 0.5), np.loadtxt(folder / "live.csv", skiprows=1)).statistic
    assert (
        f"| ✅ | <code>drift.conf.score.ks &gt; 0.9</code> | drift.conf.score.ks = {ks:.6g}" in md
    )
    assert "❌ **1 of 2 gates failed**: <code>drift.conf.score.psi &gt; 0.2</code>" in md
