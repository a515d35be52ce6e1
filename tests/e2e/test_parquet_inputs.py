"""Predictions and drift files written as Parquet (pandas' `to_parquet`, Spark, Polars all write
it): the same report as from the CSV, from the work tree and from the base revision; typed
labels read as a JSON file's are; a broken, nested or decompression-bomb file refused in one
line naming it.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.e2e.conftest import Run
from tests.e2e.test_drift_cli import cmlreport
from tests.gitrepo import GitRepo

DATA = Path(__file__).resolve().parents[1] / "data" / "predictions"


def csv_to_parquet(source: Path, target: Path, **options: Any) -> None:
    """The CSV as a typed table: the confidence a float column, the rest strings."""
    with source.open(newline="") as f:
        rows = list(csv.DictReader(f))
    columns: dict[str, Any] = {name: [r[name] for r in rows] for name in rows[0]}
    columns["confidence"] = pa.array([float(v) for v in columns["confidence"]], pa.float64())
    pq.write_table(pa.table(columns), target, **options)


def report_json(cwd: Path, head: str, base: str, *extra: str) -> dict[str, Any]:
    args = ("report", "--predictions", head, "--base-predictions", base, "--no-base")
    result = cmlreport(cwd, *args, "--charts", "none", "--json", "r.json", *extra)
    assert result.code == 0, result.stderr
    doc: dict[str, Any] = json.loads((cwd / "r.json").read_text())
    return doc


def metrics_of(doc: dict[str, Any]) -> dict[str, Any]:
    return {m["key"]: m for m in doc["metrics"]}


def test_parquet_predictions_give_the_report_the_csv_gives(tmp_path: Path) -> None:
    for side in ("base", "head"):
        (tmp_path / f"{side}.csv").write_text((DATA / f"{side}.csv").read_text())
        csv_to_parquet(DATA / f"{side}.csv", tmp_path / f"{side}.parquet", row_group_size=300)
    from_csv = report_json(tmp_path, "head.csv", "base.csv")
    from_parquet = report_json(tmp_path, "head.parquet", "base.parquet")
    assert metrics_of(from_parquet) == metrics_of(from_csv)
    assert from_parquet["predictions"]["pairing"] == "paired by id (2,000 examples)"
    assert from_parquet["predictions"]["head"] == {"file": "head.parquet", "examples": 2000}


def test_typed_labels_are_the_classes_a_json_file_would_give(tmp_path: Path) -> None:
    # Integer classes, one file with int64 labels and one with float64 (pandas turns an int
    # column with a missing value into floats): 2 and 2.0 are the same class, as in JSON.
    true = [0, 1, 2, 2, 1, 0, 2, 1]
    head_pred = [0, 1, 2, 1, 1, 0, 2, 2]
    pq.write_table(pa.table({"y_true": true, "y_pred": head_pred}), tmp_path / "h.pq")
    base_pred = pa.array([0.0, 1.0, 2.0, 2.0, 0.0, 0.0, 2.0, 1.0], pa.float64())
    pq.write_table(pa.table({"y_true": true, "y_pred": base_pred}), tmp_path / "b.parquet")
    doc = report_json(tmp_path, "h.pq", "b.parquet")
    accuracy = metrics_of(doc)["predictions.accuracy"]
    assert accuracy["head"] == pytest.approx(6 / 8) and accuracy["base"] == pytest.approx(7 / 8)
    assert doc["predictions"]["classes"] == 3


def test_the_base_predictions_come_from_the_base_revision_as_bytes(
    tmp_path: Path, run: Run
) -> None:
    repo = GitRepo.init(tmp_path / "project")
    csv_to_parquet(DATA / "base.csv", repo.path / "eval.parquet")
    repo.commit("base run")
    repo.branch("feature")
    repo.checkout("feature")
    csv_to_parquet(DATA / "head.csv", repo.path / "eval.parquet")
    repo.commit("head run")
    result = run("report", "--predictions", "eval.parquet", "--json", "r.json", cwd=repo.path)
    assert result.code == 0, result.stderr
    doc = json.loads((repo.path / "r.json").read_text())
    assert doc["predictions"]["base"] == {"file": "eval.parquet", "examples": 2000}
    assert metrics_of(doc)["predictions.accuracy"]["base"] == pytest.approx(0.7795)


def test_drift_between_parquet_files_matches_the_csv(tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    sides = {"ref": rng.beta(5.5, 4.5, 1200), "cur": rng.beta(4.5, 5.5, 900)}
    for name, scores in sides.items():
        region = rng.choice(["eu", "us", "apac"], len(scores))
        pq.write_table(pa.table({"score": scores, "region": region}), tmp_path / f"{name}.parquet")
        lines = [f"{float(s)!r},{r}" for s, r in zip(scores, region, strict=True)]
        (tmp_path / f"{name}.csv").write_text("score,region\n" + "\n".join(lines) + "\n")
    (tmp_path / "metrics.json").write_text('{"accuracy": 0.9}\n')
    docs = []
    for kind in ("csv", "parquet"):
        spec = f"live=ref.{kind}:cur.{kind}"
        args = ("report", "-m", "metrics.json", "--no-base", "--drift", spec)
        result = cmlreport(tmp_path, *args, "--json", "r.json")
        assert result.code == 0, result.stderr
        text = (tmp_path / "r.json").read_text().replace(f".{kind}", ".FILE")
        docs.append(json.loads(text)["drift"])
    assert docs[1] == docs[0]
    assert docs[1]["verdict"].startswith("major drift in live.score")
    assert {c["column"] for c in docs[1]["comparisons"][0]["columns"]} == {"score", "region"}


def nested(path: Path) -> None:
    column = pa.array([{"a": 1}, {"a": 2}])
    pq.write_table(pa.table({"y_true": ["x", "y"], "y_pred": column}), path)


def bomb(path: Path) -> None:
    # 150 MB of labels in a file of a few KB.
    labels = ["a" * 50_000_000, "b" * 50_000_000, "c" * 50_000_000]
    table = pa.table({"y_true": labels, "y_pred": ["b", "b", "c"]})
    pq.write_table(table, path, compression="zstd")


@pytest.mark.parametrize(
    ("write", "message"),
    [
        (lambda p: p.write_bytes(b"PAR1 this is no parquet PAR1"),
         "head.parquet: not a readable Parquet file"),
        (nested,
         "head.parquet: column 'y_pred' holds struct<a: int64> values, not labels or numbers"),
        (bomb, "head.parquet: the columns read hold"),
        (lambda p: pq.write_table(pa.table({"truth": ["a"], "guess": ["a"]}), p),
         "head.parquet: no true label column"),
    ],
)  # fmt: skip
def test_a_bad_parquet_file_is_one_line_and_exit_2(
    tmp_path: Path, write: Any, message: str
) -> None:
    write(tmp_path / "head.parquet")
    (tmp_path / "base.csv").write_text((DATA / "base.csv").read_text())
    args = ("report", "--predictions", "head.parquet", "--base-predictions", "base.csv")
    result = cmlreport(tmp_path, *args, "--no-base", "--charts", "none")
    assert result.code == 2, result.stdout + result.stderr
    assert result.stderr.startswith(f"cmlreport: error: {message}"), result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert not (tmp_path / "report.md").exists()
