"""Training logs as metrics: the real logs of YOLO, Keras, Lightning and dvclive."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import pytest

from cmlreport.errors import InputError
from cmlreport.metrics.direction import Directions
from cmlreport.metrics.load import detect_format, parse_metrics, read_metric_files
from cmlreport.metrics.logs import LogValues, describe
from cmlreport.metrics.model import MetricSet
from tests.unit.test_load import one_line_error

DATA = Path(__file__).parents[1] / "data"


def load(rel: str, values: LogValues | None = None) -> MetricSet:
    [(_, metrics)] = read_metric_files([DATA / rel], log_values=values)
    return metrics


def last_values(rel: str, delimiter: str = ",") -> dict[str, float]:
    """Each column's last non-empty cell, read with the csv module: what the log says."""
    found: dict[str, float] = {}
    with (DATA / rel).open(newline="") as f:
        for row in csv.DictReader(f, delimiter=delimiter):
            for column, cell in row.items():
                if cell.strip():
                    found[column.strip()] = float(cell)
    return found


def test_yolov5_results_with_space_padded_headers_give_the_last_epoch() -> None:
    metrics = load("ultralytics/yolov5_results.csv")
    assert metrics.tables == {}
    assert metrics.scalars == pytest.approx(last_values("ultralytics/yolov5_results.csv"))
    assert metrics.scalars["metrics/mAP_0.5:0.95"] == 0.4888
    assert metrics.scalars["epoch"] == 2
    [log] = metrics.logs.values()
    assert log.step == "epoch"
    assert [x for x, _ in log.columns["val/box_loss"]] == [0.0, 1.0, 2.0]


def test_yolo11_results_give_every_column_once() -> None:
    metrics = load("ultralytics/yolo11_results.csv")
    assert metrics.scalars == pytest.approx(last_values("ultralytics/yolo11_results.csv"))
    assert "metrics/mAP50-95(M)" in metrics.scalars


def test_keras_csvlogger_log_extension_is_a_csv_log() -> None:
    assert detect_format("logs/training.log") == "log"
    metrics = load("keras/training.log")
    assert metrics.scalars == {
        "epoch": 9,
        "acc": 1.0,
        "loss": 0.004968041816027835,
        "val_acc": 1.0,
        "val_loss": 0.12048257887363434,
    }


def test_a_tab_separated_log_file_is_read_as_tsv() -> None:
    # Keras' CSVLogger(separator="\t"); made here, not a sample.
    metrics = parse_metrics("train.log", "epoch\tloss\n0\t0.9\n1\t0.4\n")
    assert metrics.scalars == {"epoch": 1, "loss": 0.4}


def test_a_sparse_lightning_log_takes_each_columns_own_last_value() -> None:
    metrics = load("lightning/slm_training_metrics.csv")
    expected = last_values("lightning/slm_training_metrics.csv")
    assert metrics.scalars == pytest.approx(expected)
    # val_* and train_* are logged on different rows: the last row has no val_loss.
    with (DATA / "lightning/slm_training_metrics.csv").open(newline="") as f:
        rows = list(csv.DictReader(f))
    assert rows[-1]["val_loss"] == "" or rows[-1]["train_loss_step"] == ""
    [log] = metrics.logs.values()
    assert log.step == "step"
    assert len(log.columns["val_loss"]) == sum(1 for r in rows if r["val_loss"])


def test_dvclive_tsv_plots_are_logs_by_step() -> None:
    metrics = load("dvclive/dvclive/plots/metrics/train/loss.tsv")
    assert metrics.scalars == last_values("dvclive/dvclive/plots/metrics/train/loss.tsv", "\t")
    assert metrics.scalars["step"] == 999
    assert load("dvclive/dvclive/plots/metrics/epoch.tsv").scalars == {"step": 999, "epoch": 4}


def test_log_value_picks_best_min_max_by_pattern() -> None:
    values = LogValues.parse(["val_*=best", "loss=max"], Directions())
    metrics = load("keras/speaker10_training.log", values)
    column = {
        c: [row[c] for row in csv.DictReader((DATA / "keras/speaker10_training.log").open())]
        for c in ("val_acc", "val_loss", "loss", "acc")
    }
    assert metrics.scalars["val_acc"] == max(float(v) for v in column["val_acc"])
    assert metrics.scalars["val_loss"] == min(float(v) for v in column["val_loss"])
    assert metrics.scalars["loss"] == max(float(v) for v in column["loss"])
    assert metrics.scalars["acc"] == float(column["acc"][-1])  # no rule: the last value
    assert "best or max" in describe(next(iter(metrics.logs.values())), values)


def test_best_follows_the_direction_flags() -> None:
    higher = Directions.from_patterns(higher=["val_loss"])
    metrics = load("keras/training.log", LogValues.parse(["best"], higher))
    column = [float(r["val_loss"]) for r in csv.DictReader((DATA / "keras/training.log").open())]
    assert metrics.scalars["val_loss"] == max(column)


@pytest.mark.parametrize("text", ["latest", "=best", "val_*=", "val=top"])
def test_a_bad_log_value_names_the_flag_and_the_choices(text: str) -> None:
    with pytest.raises(InputError) as excinfo:
        LogValues.parse([text])
    one_line_error(excinfo, "--log-value", "last|best|min|max")


def test_json_lines_logs_and_their_errors() -> None:
    text = '{"step": 1, "loss": 0.9}\n\n{"step": 2, "loss": 0.5, "eval": {"acc": 0.7}}\n'
    metrics = parse_metrics("train.jsonl", text)
    assert metrics.scalars == {"step": 2, "loss": 0.5, "eval.acc": 0.7}
    with pytest.raises(InputError) as excinfo:
        parse_metrics("train.jsonl", '{"step": 1}\n{"step": 2,\n')
    one_line_error(excinfo, "train.jsonl", "line 2")
    with pytest.raises(InputError) as excinfo:
        parse_metrics("train.jsonl", '{"step": 1}\n[1, 2]\n')
    one_line_error(excinfo, "train.jsonl", "line 2", "JSON object")


def test_a_usual_label_column_wins_over_a_step_column() -> None:
    metrics = parse_metrics("per_class.csv", "class,epoch,f1\ncat,3,0.9\ndog,3,0.8\n")
    assert metrics.logs == {}
    assert set(metrics.tables["per_class"].rows) == {"cat", "dog"}


def test_a_json_list_of_epoch_records_is_a_log_and_nan_is_kept() -> None:
    metrics = parse_metrics("history.json", '[{"epoch": 0, "loss": NaN}, {"epoch": 1}]')
    assert metrics.scalars["epoch"] == 1
    assert math.isnan(metrics.scalars["loss"])  # type: ignore[arg-type]


def test_a_json_file_holding_json_lines_is_read_as_a_log() -> None:
    # detectron2 names its JSON-lines log metrics.json; the lines are written here.
    text = '{"iteration": 19, "total_loss": 1.5}\n{"iteration": 39, "total_loss": 1.1}\n'
    metrics = parse_metrics("output/metrics.json", text)
    assert metrics.scalars == {"iteration": 39, "total_loss": 1.1}
    assert parse_metrics("m.json", '{"a": 1}\n').scalars == {"a": 1}  # one object: plain JSON
