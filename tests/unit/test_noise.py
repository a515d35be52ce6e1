"""Is the move noise? The predictions metrics with intervals, Wilson's for aggregated accuracies,
and `--significant` gates that fail only on a significant regression."""

from __future__ import annotations

from pathlib import Path

import pytest
from sklearn import metrics as sk

from cmlreport.metrics.diff import diff_metrics
from cmlreport.metrics.gates import evaluate_gates, parse_gates
from cmlreport.metrics.model import Significance
from cmlreport.metrics.noise_gates import apply_significance
from cmlreport.metrics.predictions import parse_predictions
from cmlreport.metrics.proportions import wilson_intervals
from cmlreport.metrics.significance import evaluate_predictions
from cmlreport.stats import binomial

DATA = Path(__file__).resolve().parents[1] / "data" / "predictions"


def sample(side: str) -> tuple[str, str]:
    text = (DATA / f"{side}.csv").read_text(encoding="utf-8")
    return f"{side}.csv", text


def columns(side: str) -> tuple[list[str], list[str]]:
    lines = (DATA / f"{side}.csv").read_text(encoding="utf-8").split()[1:]
    cells = [line.split(",") for line in lines]
    return [c[1] for c in cells], [c[2] for c in cells]


def test_the_sample_files_score_as_scikit_learn_scores_them_and_pair_by_id() -> None:
    head = parse_predictions(*sample("head"))
    base = parse_predictions(*sample("base"))
    r = evaluate_predictions(head, base, resamples=300, seed=0)
    true, pred = columns("head")
    assert r.head.scalars["predictions.accuracy"] == pytest.approx(sk.accuracy_score(true, pred))
    f1 = sk.f1_score(true, pred, average="macro", zero_division=0)
    assert r.head.scalars["predictions.f1_macro"] == pytest.approx(f1)
    table = r.head.tables["predictions"]
    per_class = sk.f1_score(true, pred, average=None, labels=["politics"], zero_division=0)
    assert table.rows["politics"]["f1"] == pytest.approx(per_class[0])
    assert table.rows["politics"]["support"] == true.count("politics")
    assert r.pairing == "paired by id (2,000 examples)"
    # McNemar on the discordant examples, as scipy's binomial test computes it.
    _, base_pred = columns("base")
    fixed = sum(p == t != b for t, p, b in zip(true, pred, base_pred, strict=True))
    broken = sum(b == t != p for t, p, b in zip(true, pred, base_pred, strict=True))
    assert r.discordant == (fixed, broken)
    accuracy = r.significance["predictions.accuracy"]
    assert accuracy.p_value == pytest.approx(binomial.mcnemar_exact(fixed, broken))
    assert accuracy.method == "paired bootstrap + McNemar exact"


def test_every_predictions_metric_has_head_and_delta_intervals_around_its_values() -> None:
    head = parse_predictions(*sample("head"))
    base = parse_predictions(*sample("base"))
    r = evaluate_predictions(head, base, resamples=300, seed=0)
    assert r.base is not None
    for key, value in r.head.scalars.items():
        s = r.significance[key]
        assert s.ci_low is not None and s.ci_high is not None
        assert s.delta_ci_low is not None and s.delta_ci_high is not None
        assert s.ci_low <= value <= s.ci_high, key
        delta = value - r.base.scalars[key]  # type: ignore[operator]
        assert s.delta_ci_low <= delta <= s.delta_ci_high, key
        assert s.significant is not None


def test_a_real_regression_on_many_examples_is_significant_a_small_one_is_not() -> None:
    rows = [f"ex{i},{'ab'[i % 2]}" for i in range(4000)]
    truth = "id,y_true,y_pred\n" + "\n".join(f"{r},{r[-1]}" for r in rows)  # all right
    # Head: 400 of 4,000 wrong (-10 points); small: 4 wrong (-0.1 point).
    worse = truth.replace(",a,a\n", ",a,b\n", 200).replace(",b,b\n", ",b,a\n", 200)
    slightly = truth.replace(",a,a\n", ",a,b\n", 4)
    base = parse_predictions("base.csv", truth)
    big = evaluate_predictions(parse_predictions("head.csv", worse), base, resamples=200)
    small = evaluate_predictions(parse_predictions("head.csv", slightly), base, resamples=200)
    assert big.significance["predictions.f1_macro"].significant is True
    assert big.significance["predictions.accuracy"].significant is True
    assert small.significance["predictions.accuracy"].significant is False
    assert small.significance["predictions.accuracy"].p_value == pytest.approx(0.125)  # 4 vs 0


def test_without_a_base_only_head_intervals_and_no_verdict() -> None:
    r = evaluate_predictions(parse_predictions(*sample("head")), None, resamples=200)
    s = r.significance["predictions.f1_macro"]
    assert s.ci_low is not None and s.delta_ci_low is None and s.significant is None
    assert s.method == "bootstrap" and r.discordant is None


def test_unpaired_files_get_unpaired_intervals_and_no_mcnemar() -> None:
    head = parse_predictions(*sample("head"))
    name, text = sample("base")
    base = parse_predictions(name, "\n".join(text.splitlines()[:1500]) + "\n")  # fewer ids
    r = evaluate_predictions(head, base, resamples=200)
    assert r.pairing.startswith("unpaired: the ids differ (501 only at head, 0 only at base)")
    assert r.significance["predictions.accuracy"].method == "unpaired bootstrap"
    assert r.significance["predictions.accuracy"].p_value is None and r.discordant is None


def test_wilson_for_an_accuracy_with_its_example_count_and_nothing_else() -> None:
    head = {"eval.accuracy": 0.91, "eval.support": 1000, "eval.f1": 0.8, "eval_accuracy": 0.5}
    head |= {"eval_samples": 10, "train.acc": 0.99}  # train.acc: no count beside it
    base = {"eval.accuracy": 0.88, "eval.support": 1000}
    got = wilson_intervals(head, base)
    assert set(got) == {"eval.accuracy", "eval_accuracy"}
    low, high = binomial.wilson(910, 1000, 0.95)
    assert (got["eval.accuracy"].ci_low, got["eval.accuracy"].ci_high) == (low, high)
    d_low, _ = binomial.newcombe_difference((910, 1000), (880, 1000), 0.95)
    assert got["eval.accuracy"].delta_ci_low == d_low and got["eval.accuracy"].significant
    assert got["eval_accuracy"].delta_ci_low is None  # no base count: head's interval only
    assert wilson_intervals({"eval.accuracy": 1.2, "eval.support": 10}, None) == {}
    # Means over classes are no share of the examples: no interval from a count.
    for name in ("balanced_accuracy", "mean_class_accuracy", "macro_acc", "per_class_accuracy"):
        assert wilson_intervals({f"eval.{name}": 0.6, "eval.support": 100}, None) == {}
    assert set(wilson_intervals({"eval.top5_accuracy": 0.9, "eval.support": 100}, None)) == {
        "eval.top5_accuracy"
    }
    assert wilson_intervals({"eval.accuracy": 0.5, "eval.support": 10.5}, None) == {}


def test_the_report_names_the_wilson_method_and_the_count_it_used() -> None:
    from cmlreport.report.markdown import metrics_table
    from cmlreport.report.noise import interval_note

    head = {"eval.accuracy": 0.91, "eval.support": 1000, "live_acc": 0.7, "live_samples": 40}
    base = {"eval.accuracy": 0.88, "eval.support": 800}
    significance = wilson_intervals(head, base)
    diffs = diff_metrics(base, head)
    note = interval_note(diffs, significance) or ""
    assert "Wilson score interval" in note and "Newcombe's interval" in note
    assert "<code>eval.accuracy</code>: eval.support = 1,000 at head, 800 at base" in note
    assert "<code>live\\_acc</code>: live\\_samples = 40" in note  # head only: no base count
    assert "[0.8" in metrics_table(diffs, 4, significance)  # the interval the note explains
    # Head alone: no delta interval, so no word of Newcombe.
    alone = interval_note(diff_metrics({}, head), wilson_intervals(head, None)) or ""
    assert "Wilson" in alone and "Newcombe" not in alone
    assert interval_note(diffs, {}) is None


def gated(
    significance: dict[str, Significance], base: float, head: float, key: str = "m.f1"
) -> tuple[bool, str]:
    diffs = diff_metrics({key: base}, {key: head})
    results = evaluate_gates(parse_gates((), (f"{key}@1%",)), diffs)
    (result,) = apply_significance(results, diffs, significance)
    return result.passed, result.detail


def test_significant_gates_fail_only_on_a_significant_regression() -> None:
    noisy = {"m.f1": Significance("paired bootstrap", 0.7, 0.8, -0.05, 0.01, significant=False)}
    passed, detail = gated(noisy, 0.80, 0.75)
    assert passed and "within noise (95 % CI of Δ [-0.05, +0.01])" in detail
    real = {"m.f1": Significance("paired bootstrap", 0.7, 0.8, -0.07, -0.03, significant=True)}
    passed, detail = gated(real, 0.80, 0.75)
    assert not passed and "significant (95 % CI of Δ [-0.07, -0.03])" in detail
    passed, detail = gated({}, 0.80, 0.75)
    assert not passed and "no interval for m.f1, so --significant cannot clear it" in detail
    assert gated(real, 0.80, 0.80)[0]  # not worse: passes as it always did


def test_a_significant_drop_of_a_lower_is_better_metric_is_a_rise() -> None:
    rise = {"m.loss": Significance("Wilson", None, None, 0.02, 0.09, significant=True)}
    passed, _ = gated(rise, 0.30, 0.36, key="m.loss")
    assert not passed
    mcnemar = {"m.accuracy": Significance("McNemar exact", p_value=0.2, significant=False)}
    passed, detail = gated(mcnemar, 0.9, 0.8, key="m.accuracy")
    assert passed and "within noise (McNemar p = 0.2)" in detail


def test_no_bootstrap_leaves_mcnemar_alone() -> None:
    head = parse_predictions(*sample("head"))
    base = parse_predictions(*sample("base"))
    r = evaluate_predictions(head, base, resamples=0)
    assert "predictions.f1_macro" not in r.significance
    accuracy = r.significance["predictions.accuracy"]
    assert accuracy.method == "McNemar exact" and accuracy.ci_low is None
    assert accuracy.p_value is not None and accuracy.significant is False


def test_the_summary_names_what_judged_the_changes() -> None:
    from cmlreport.report.noise import noise_fact

    head = parse_predictions(*sample("head"))
    base = parse_predictions(*sample("base"))
    r = evaluate_predictions(head, base, resamples=0)
    assert r.base is not None
    diffs = diff_metrics(r.base.scalars, r.head.scalars)
    # No bootstrap: McNemar's test alone judged, and the line must not claim an interval.
    fact = noise_fact(diffs, r.significance)
    assert "CI" not in fact and "(McNemar's exact test, p < 0.05)" in fact
    boot = evaluate_predictions(head, base, resamples=200)
    fact = noise_fact(diffs, boot.significance)
    assert "(95 % CI; McNemar's exact test for accuracy)" in fact
    unpaired = {k: s for k, s in boot.significance.items() if s.p_value is None}
    assert "(95 % CI)" in noise_fact(diffs, unpaired)


def test_a_huge_test_set_gets_fewer_resamples_and_the_report_says_so() -> None:
    from cmlreport.metrics.significance import affordable_resamples

    assert affordable_resamples(1000, 100_000) == 1000  # the measure keeps all
    assert affordable_resamples(1000, 1_000_000) == 200
    assert affordable_resamples(5000, 2_000) == 5000
    assert affordable_resamples(0, 1_000_000) == 0
    rows = "\n".join(f"{'ab'[i % 2]},{'ab'[i % 3 % 2]}" for i in range(400_000))
    head = parse_predictions("head.csv", f"y_true,y_pred\n{rows}\n")
    r = evaluate_predictions(head, None, resamples=1000)
    assert r.resamples == 500
    assert r.notes == (
        "Bootstrap: 500 resamples instead of 1,000 for 400,000 examples, to keep the report "
        "within a minute.",
    )
