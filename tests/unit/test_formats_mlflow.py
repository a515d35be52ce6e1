"""MLflow run folders: each metric at its last step, params and tags as text."""

from __future__ import annotations

from pathlib import Path

import pytest

from cmlreport.errors import InputError
from cmlreport.metrics.load import read_metric_files
from cmlreport.metrics.logs import LogValues
from cmlreport.metrics.mlflow import parse_run
from tests.unit.test_load import one_line_error

RUNS = Path(__file__).parents[1] / "data" / "mlflow" / "mlruns" / "0"
RUN = RUNS / "0d8653353e3e43beb89442a8bca1a94d"


def test_a_real_run_folder_gives_metrics_params_and_tags() -> None:
    [(name, metrics)] = read_metric_files([RUN])
    assert name.endswith("mlruns/0/0d8653353e3e43beb89442a8bca1a94d")
    assert metrics.scalars["mae"] == 0.5627373693033669
    assert metrics.scalars["r2"] == 0.24127270524006605
    assert metrics.scalars["rmse"] == 0.7317723392279818
    assert metrics.scalars["params.alpha"] == "0.1"  # text: shown, never compared as a number
    assert metrics.scalars["params.l1_ratio"] == "0.6"
    assert metrics.scalars["tags.mlflow.runName"] == "wise-roo-476"
    # The logged model's JSON description is for machines.
    assert "tags.mlflow.log-model.history" not in metrics.scalars
    assert metrics.logs == {}  # one value per metric: no curve to draw
    assert set(metrics.sources.values()) == {name}


def test_values_are_taken_at_the_last_step_and_the_run_is_a_log() -> None:
    # MLflow's line format, written here: two values at step 2, the later one counts.
    files = {
        "metrics/loss": "1700000000300 0.40 2\n1700000000100 0.90 0\n1700000000200 0.60 1\n"
        "1700000000400 0.35 2\n",
        "metrics/val/acc": "1700000000100 0.5 0\n1700000000300 0.7 2\n",
        "metrics/old": "1500000000000 3.5\n",  # before MLflow 1.0: no step
        "params/lr": "0.001",
    }
    metrics = parse_run("mlruns/1/abc", files, LogValues())
    assert metrics.scalars == {"loss": 0.35, "val/acc": 0.7, "old": 3.5, "params.lr": "0.001"}
    log = metrics.logs["mlruns/1/abc"]
    assert log.columns["loss"] == ((0.0, 0.9), (1.0, 0.6), (2.0, 0.4), (2.0, 0.35))
    best = parse_run("mlruns/1/abc", files, LogValues.parse(["loss=min"]))
    assert best.scalars["loss"] == 0.35


@pytest.mark.parametrize("line", ["0.5", "17000 abc 1", "17000 0.5 1 extra"])
def test_a_bad_metric_line_names_the_file_and_the_line(line: str) -> None:
    with pytest.raises(InputError) as excinfo:
        parse_run("mlruns/1/abc", {"metrics/loss": f"1700 0.4 0\n{line}\n"}, LogValues())
    one_line_error(excinfo, "mlruns/1/abc/metrics/loss", "line 2", "<timestamp> <value> <step>")


def test_a_folder_that_is_not_a_run_is_still_refused_in_one_line() -> None:
    with pytest.raises(InputError) as excinfo:
        read_metric_files([RUNS.parent])
    one_line_error(excinfo, "mlruns")
