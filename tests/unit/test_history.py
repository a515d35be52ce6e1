"""The history's statistics, the N-sigma ratchet and the history section, on values."""

from __future__ import annotations

import json
import statistics
from pathlib import Path

import pytest

from cmlreport.errors import InputError
from cmlreport.metrics.diff import diff_metrics
from cmlreport.metrics.direction import Direction, Directions
from cmlreport.metrics.gates import RegressionGate, evaluate_gates, parse_gates
from cmlreport.metrics.history import SigmaGate, check_sigma, parse_sigma, summarize_all
from cmlreport.report.build import ReportOptions
from cmlreport.report.history import History
from cmlreport.report.historyview import add_history, history_sections, sparkline


def test_statistics_agree_with_the_standard_library() -> None:
    commits = [{"f1": v, "name": "x"} for v in (0.8, 0.82, 0.79, 0.81, 0.78)]
    commits[2] = {"f1": float("nan")}  # a NaN point is skipped, like a missing one
    commits.append({"renamed_f1": 0.5})
    h = summarize_all({"f1": 0.7}, commits)["f1"]
    kept = [0.8, 0.82, 0.81, 0.78]
    assert h.values == tuple(kept)
    assert h.mean == pytest.approx(statistics.mean(kept))
    assert h.std == pytest.approx(statistics.stdev(kept))
    assert (h.low, h.high) == (0.78, 0.82)
    assert h.z == pytest.approx((0.7 - statistics.mean(kept)) / statistics.stdev(kept))
    assert summarize_all({"gone": 1.0, "flag": 1.0}, [{"flag": True}]) == {}


def test_sigma_gates_are_parsed_in_both_spellings_and_other_gates_are_not() -> None:
    gates = parse_gates((), ["eval.f1@3sigma", "a.json:loss:2.5sigma", "ndcg@10", "f1@.5 SIGMA"])
    assert gates[0] == SigmaGate("eval.f1", 3.0, "eval.f1@3sigma")
    assert gates[1] == SigmaGate("a.json:loss", 2.5, "a.json:loss:2.5sigma")
    assert isinstance(gates[2], RegressionGate)
    assert gates[3] == SigmaGate("f1", 0.5, "f1@.5 SIGMA")
    with pytest.raises(InputError, match="above 0"):
        parse_sigma("eval.f1@0sigma")


def test_the_ratchet_is_direction_aware() -> None:
    gate = SigmaGate("k", 3.0, "k@3sigma")
    history = [{"acc": v, "loss": v} for v in (0.80, 0.81, 0.79, 0.80, 0.80)]  # σ ≈ 0.0071
    h = summarize_all({"acc": 0.77, "loss": 0.77}, history)
    passed, detail = check_sigma(gate, "acc", Direction.HIGHER, h["acc"])
    assert not passed and "worse by more than 3σ" in detail
    passed, _ = check_sigma(gate, "loss", Direction.LOWER, h["loss"])  # lower loss: better
    assert passed
    with pytest.raises(InputError, match="count or an index"):
        check_sigma(gate, "acc", Direction.COUNTER, h["acc"])


def test_a_constant_history_fails_on_any_drop_and_few_points_never_fail() -> None:
    gate = SigmaGate("acc", 3.0, "acc@3sigma")
    flat = summarize_all({"acc": 0.899}, [{"acc": 0.9}] * 6)["acc"]
    passed, detail = check_sigma(gate, "acc", Direction.HIGHER, flat)
    assert not passed and "constant history" in detail
    few = summarize_all({"acc": 0.1}, [{"acc": 0.9}] * 4)["acc"]
    passed, detail = check_sigma(gate, "acc", Direction.HIGHER, few)
    assert passed and "4 points of history, 5 needed" in detail
    assert check_sigma(gate, "acc", Direction.HIGHER, None)[0]
    passed, detail = check_sigma(gate, "drift.conf.score.psi", Direction.LOWER, None)
    assert passed and "not --drift files" in detail and "read more" not in detail


@pytest.mark.parametrize("value", [0.8, 0.1, 0.7, 0.3, 1 / 3, 123.456])
@pytest.mark.parametrize("points", [5, 6, 7, 10, 12])
def test_a_constant_history_is_constant_whatever_its_value(value: float, points: int) -> None:
    # 0.8 summed six times is not 4.8 in binary: the spread must still be exactly none.
    gate = SigmaGate("acc", 3.0, "acc@3sigma")
    flat = summarize_all({"acc": value}, [{"acc": value}] * points)["acc"]
    assert (flat.mean, flat.std, flat.z) == (value, 0.0, None)
    passed, detail = check_sigma(gate, "acc", Direction.HIGHER, flat)
    assert passed and "constant history" in detail and "z =" not in detail
    lower = summarize_all({"acc": value * 0.99}, [{"acc": value}] * points)["acc"]
    passed, detail = check_sigma(gate, "acc", Direction.HIGHER, lower)
    assert not passed and "(constant history)" in detail


def test_a_head_a_hair_below_a_constant_history_is_not_written_as_equal_to_it() -> None:
    gate = SigmaGate("acc", 3.0, "acc@3sigma")
    flat = summarize_all({"acc": 0.7999999}, [{"acc": 0.8}] * 6)["acc"]

    passed, detail = check_sigma(gate, "acc", Direction.HIGHER, flat)

    assert not passed
    assert "acc = 0.7999999 vs mean 0.8 of 6 commits" in detail


def test_evaluate_gates_judges_sigma_gates_on_the_history_and_globs_too() -> None:
    diffs = diff_metrics({"eval.f1": 0.8}, {"eval.f1": 0.7, "eval.loss": 0.3}, Directions())
    h = summarize_all({"eval.f1": 0.7}, [{"eval.f1": v} for v in (0.8, 0.81, 0.79, 0.8, 0.8)])
    results = evaluate_gates(parse_gates((), ["eval.*@3sigma"]), diffs, h)
    by_key = {r.key: r for r in results}
    assert not by_key["eval.f1"].passed
    assert by_key["eval.loss"].passed and "0 points of history" in by_key["eval.loss"].detail
    with pytest.raises(InputError, match="not in the head metrics"):
        evaluate_gates(parse_gates((), ["eval.f2@3sigma"]), diffs, h)


def test_sparkline_scales_to_the_range_and_folds_long_histories() -> None:
    assert sparkline([0, 1, 2, 3, 4, 5, 6, 7], 0, 7) == "▁▂▃▄▅▆▇█"
    assert sparkline([5, 5], 5, 5) == "▄▄"
    assert len(sparkline([float(i) for i in range(500)], 0, 499)) == 40


def test_hostile_refs_and_keys_are_escaped_and_json_holds_each_block() -> None:
    key = "<img src=x onerror=alert(1)>|@team"
    h = summarize_all({key: 0.5}, [{key: v} for v in (0.4, 0.5, 0.6, 0.5, 0.5)])
    history = History("main<script>`", 5, ("a" * 40,) * 5, h, ("History: x is *missing*",))
    diffs = diff_metrics({key: 0.5}, {key: 0.5}, Directions())
    opts = ReportOptions(metrics=(), charts="mermaid", output=Path("report.md"))
    text = history_sections(history, diffs, opts, [])[0].text
    assert "```mermaid" in text  # a code block: nothing in it is markup or a mention
    text = text.split("```mermaid")[0]
    assert "<script>" not in text and "<img" not in text and "@team" not in text
    doc = {"metrics": [{"key": key}]}
    add_history(doc, history)
    block = json.loads(json.dumps(doc))["metrics"][0]["history"]
    assert block["points"] == 5 and block["mean"] == pytest.approx(0.5)
    assert set(block) == {"points", "values", "mean", "std", "min", "max", "z"}
