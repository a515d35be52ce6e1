"""Counts and indices are shown but never better or worse (issue 11, point 3)."""

from __future__ import annotations

import pytest

from cmlreport.metrics.diff import Verdict, diff_metrics
from cmlreport.metrics.direction import Direction, Directions, guess_direction
from cmlreport.report.markdown import ReportData, choose_headline, render_report


@pytest.mark.parametrize(
    "key",
    [
        "support",
        "weighted avg.support",
        "epoch",
        "step",
        "global_step",
        "globalStep",
        "total_flos",
        "train_samples",
        "eval_samples",
        "n_samples",
        "num_train_epochs",
        "nb_classes",
        "count",
        "best_epoch",
        "Instances",
        "results/train/metrics.json:step",
        "iteration",
        "timestamp",  # MLflow and dvclive logs
        "seed",
        "fold",
    ],
)
def test_counters(key):
    assert guess_direction(key) is Direction.COUNTER


@pytest.mark.parametrize(
    ("key", "direction"),
    [
        ("train_loss_step", Direction.LOWER),  # Lightning: a loss logged per step
        ("epoch_time", Direction.LOWER),
        ("error_count", Direction.LOWER),
        ("train_samples_per_second", Direction.HIGHER),  # a rate, not a count
        ("train_steps_per_second", Direction.HIGHER),
        ("no_finding_f1", Direction.HIGHER),
        ("metric.number_5", Direction.HIGHER),
        ("ndcg@10", Direction.HIGHER),
        ("macro avg.f1-score", Direction.HIGHER),
    ],
)
def test_not_counters(key, direction):
    assert guess_direction(key) is direction


def test_a_flag_gives_a_counter_a_direction():
    assert Directions.from_patterns(higher=["support"]).of("support") is Direction.HIGHER


def test_a_moved_counter_is_neither_better_nor_worse():
    diffs = diff_metrics({"epoch": 3, "acc": 0.8}, {"epoch": 5, "acc": 0.9})
    assert [(d.key, d.verdict) for d in diffs] == [
        ("epoch", Verdict.UNKNOWN),
        ("acc", Verdict.BETTER),
    ]
    md = render_report(ReportData("T", diffs))
    assert "2 metrics changed (1 better, 0 worse)" in md
    assert "neither better nor worse" in md  # the hover hint on the counter's name


def test_counters_never_lead_the_headline():
    base = {f"m{i}": 1.0 for i in range(30)} | {"n_samples": 10, "epoch": 1}
    head = {f"m{i}": 1.0 + i / 1000 for i in range(30)} | {"n_samples": 10_000, "epoch": 50}
    chosen = [d.key for d in choose_headline(diff_metrics(base, head), (), ())]
    assert chosen[0] == "m29" and "n_samples" not in chosen and "epoch" not in chosen


def test_a_direction_flag_naming_the_key_holds_for_every_file_that_has_it():
    directions = Directions.from_patterns(lower=["dice_multi"], higher=["st*"])
    assert directions.of("results/train/metrics.json:dice_multi") is Direction.LOWER
    assert directions.of("results/train/metrics.json:step") is Direction.HIGHER
    assert directions.of("results/train/metrics.json:eval.loss") is Direction.LOWER  # the guess
