"""Hugging Face Trainer files: trainer_state.json's log_history, *_results.json as scalars."""

from __future__ import annotations

import json
from pathlib import Path

from cmlreport.metrics.load import read_metric_files

DATA = Path(__file__).parents[1] / "data" / "huggingface"


def test_trainer_state_gives_the_last_logged_loss_eval_and_learning_rate() -> None:
    [(_, metrics)] = read_metric_files([DATA / "trainer_state.json"])
    state = json.loads((DATA / "trainer_state.json").read_text())
    history = state["log_history"]
    last_eval = [entry for entry in history if "eval_loss" in entry][-1]
    last_train = [entry for entry in history if "loss" in entry][-1]
    assert metrics.scalars["eval_loss"] == last_eval["eval_loss"]
    assert metrics.scalars["loss"] == last_train["loss"]
    assert metrics.scalars["learning_rate"] == last_train["learning_rate"]
    assert metrics.scalars["global_step"] == state["global_step"]
    # The Trainer's own final epoch, as dvc reads it, not the log's copy.
    assert metrics.scalars["epoch"] == state["epoch"]


def test_trainer_state_leaves_nulls_out_as_dvc_does() -> None:
    [(_, metrics)] = read_metric_files([DATA / "trainer_state.json"])
    state = json.loads((DATA / "trainer_state.json").read_text())
    nulls = {key for key, value in state.items() if value is None}
    assert {"best_metric", "best_model_checkpoint", "trial_name"} <= nulls
    assert not nulls & set(metrics.scalars)
    assert None not in metrics.scalars.values()


def test_trainer_state_log_history_is_a_sparse_log_by_step() -> None:
    [(name, metrics)] = read_metric_files([DATA / "trainer_state.json"])
    history = json.loads((DATA / "trainer_state.json").read_text())["log_history"]
    log = metrics.logs[name]
    assert log.step == "step"
    assert [x for x, _ in log.columns["eval_loss"]] == [
        float(e["step"]) for e in history if "eval_loss" in e
    ]
    assert len(log.columns["loss"]) == sum(1 for e in history if "loss" in e)


def test_all_results_and_eval_results_are_plain_scalars() -> None:
    sets = read_metric_files([DATA / "all_results.json", DATA / "eval_results.json"])
    for path, metrics in sets:
        document = json.loads(Path(path).read_text())
        assert dict(metrics.scalars) == document
        assert metrics.logs == {}
    all_results = dict(sets[0][1].scalars)
    assert all_results["total_flos"] == 2.2882818626410906e17
    assert all_results["eval_rougeL"] == 29.4531
