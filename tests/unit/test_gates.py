import re

import pytest

from cmlreport.errors import InputError
from cmlreport.metrics.diff import diff_metrics
from cmlreport.metrics.gates import (
    evaluate_gates,
    parse_gates,
    parse_regression,
    parse_threshold,
)


def run(base, head, fail_if=(), regression=()):
    return evaluate_gates(parse_gates(fail_if, regression), diff_metrics(base, head))


@pytest.mark.parametrize(
    ("expr", "key", "op", "value"),
    [
        ("eval.accuracy < 0.9", "eval.accuracy", "<", 0.9),
        ("eval.accuracy<=0.9", "eval.accuracy", "<=", 0.9),
        ("  loss >= 1e-3 ", "loss", ">=", 0.001),
        ("a b c != -2", "a b c", "!=", -2.0),
    ],
)
def test_parse_threshold(expr, key, op, value):
    gate = parse_threshold(expr)
    assert (gate.key, gate.op, gate.value) == (key, op, value)


@pytest.mark.parametrize(
    ("expr", "message"),
    [
        ("eval.accuracy < high", "not a number"),
        ("eval.accuracy", "expected 'KEY OP NUMBER'"),
        ("__import__('os').system('x') < 1", None),  # parsed as a key, never evaluated
        ("eval.accuracy < 0.9; rm -rf /", "expected .KEY OP NUMBER."),
    ],
)
def test_bad_threshold_expressions(expr, message):
    if message is None:
        gate = parse_threshold(expr)
        assert gate.key.startswith("__import__")
        with pytest.raises(InputError, match="not in the head metrics"):
            evaluate_gates([gate], diff_metrics({}, {"acc": 1.0}))
        return
    with pytest.raises(InputError, match=message) as err:
        parse_threshold(expr)
    assert "--fail-if" in err.value.message and "\n" not in err.value.message


def test_parse_regression_absolute_relative_and_default():
    assert parse_regression("eval.f1:0.01").tolerance == 0.01
    rel = parse_regression("eval.f1: 2%")
    assert rel.relative and rel.tolerance == pytest.approx(0.02)
    zero = parse_regression("eval.f1")
    assert zero.tolerance == 0 and not zero.relative
    # Issue 11: 'KEY:TEXT' may be a key held by two files ('train.json:f1'), so a drop that is
    # no number is an error once the metrics are known, not while parsing.
    with pytest.raises(InputError, match=r"--fail-on-regression.*not a number"):
        evaluate_gates([parse_regression("eval.f1:lots")], diff_metrics({}, {"eval.f1": 1.0}))
    with pytest.raises(InputError, match="negative"):
        parse_regression("eval.f1:-1")


def test_threshold_gate_fails_with_margin():
    (result,) = run({}, {"eval.accuracy": 0.85}, fail_if=["eval.accuracy < 0.9"])
    assert not result.passed
    assert "0.85 < 0.9" in result.detail and "off by 0.05" in result.detail


def test_threshold_gate_passes():
    (result,) = run({}, {"eval.accuracy": 0.95}, fail_if=["eval.accuracy < 0.9"])
    assert result.passed


def test_nan_fails_a_threshold_gate():
    (result,) = run({}, {"acc": float("nan")}, fail_if=["acc < 0.9"])
    assert not result.passed and "NaN" in result.detail


def test_regression_respects_direction():
    higher = run({"f1": 0.80}, {"f1": 0.78}, regression=["f1:0.01"])[0]
    assert not higher.passed and "over by 0.01" in higher.detail
    lower = run({"loss": 0.30}, {"loss": 0.28}, regression=["loss:0.0"])[0]
    assert lower.passed
    lower_worse = run({"loss": 0.30}, {"loss": 0.35}, regression=["loss:0.01"])[0]
    assert not lower_worse.passed


def test_relative_regression_tolerance():
    ok = run({"f1": 0.80}, {"f1": 0.795}, regression=["f1:1%"])[0]
    bad = run({"f1": 0.80}, {"f1": 0.79}, regression=["f1:1%"])[0]
    assert ok.passed and "within 1% = 0.008" in ok.detail
    assert not bad.passed


def test_regression_exactly_at_tolerance_passes_despite_float_rounding():
    assert run({"f1": 0.3}, {"f1": 0.2}, regression=["f1:0.1"])[0].passed


def test_regression_without_base_passes_with_explanation():
    (result,) = run({}, {"f1": 0.5}, regression=["f1:0"])
    assert result.passed and "no numeric base" in result.detail


def test_regression_glob_checks_every_numeric_match():
    results = run(
        {"eval.a": 1.0, "eval.b": 1.0, "eval.name": "x"},
        {"eval.a": 0.5, "eval.b": 1.5, "eval.name": "y"},
        regression=["eval.*"],
    )
    assert {r.key: r.passed for r in results} == {"eval.a": False, "eval.b": True}


def test_unknown_key_suggests_the_closest():
    with pytest.raises(InputError, match=r"did you mean 'eval\.accuracy'"):
        run({}, {"eval.accuracy": 1.0}, fail_if=["eval.acuracy < 0.9"])


@pytest.mark.parametrize(
    ("gate", "flag"),
    [
        ("predictions.accuracy < 0.9", "--predictions FILE"),
        ("groups.user.accuracy.gap > 0.1", "--slice-by COLUMN"),
        ("drift.live.score.psi > 0.2", "--drift REFERENCE:CURRENT"),
    ],
)
def test_a_gate_on_a_computed_family_without_its_flag_names_the_flag(gate, flag):
    with pytest.raises(InputError, match=re.escape(flag)):
        run({}, {"eval.accuracy": 1.0, "eval.groups": 3.0}, fail_if=[gate])


def test_a_typo_of_a_metric_that_could_not_be_computed_suggests_it():
    diffs = diff_metrics({}, {"predictions.accuracy": 0.9, "predictions.f1_micro": 0.9})
    missing = {"predictions.ece": "no score column"}
    with pytest.raises(InputError, match=r"did you mean 'predictions\.ece'"):
        evaluate_gates(parse_gates(["predictions.eec > 0.1"], ()), diffs, None, missing)


def test_non_numeric_metric_in_gate_is_an_input_error():
    with pytest.raises(InputError, match="not a number"):
        run({}, {"model": "bert"}, fail_if=["model < 1"])


def test_metric_removed_at_head_fails_regression_gate():
    (result,) = run({"f1": 0.5}, {"other": 1}, regression=["f1"])
    assert not result.passed and "missing at head" in result.detail


def test_a_gate_on_a_metric_that_could_not_be_computed_fails_with_the_reason():
    diffs = diff_metrics({"drift.x.a.psi": 0.1}, {"drift.x.a.psi": 0.3, "acc": 0.9})
    missing = {"drift.x.b.psi": "the reference is constant", "drift.x.b.js": "the same"}
    gates = parse_gates(["drift.x.b.psi > 0.2"], ["drift.x.b.psi@0.01", "drift.x.b.js:3sigma"])
    results = evaluate_gates(gates, diffs, None, missing)
    assert [(r.key, r.passed) for r in results] == [
        ("drift.x.b.psi", False), ("drift.x.b.psi", False), ("drift.x.b.js", False)
    ]  # fmt: skip
    assert results[0].detail == "drift.x.b.psi was not computed: the reference is constant"
    # A glob names the metrics there are; it reaches the uncomputed only when nothing else.
    [only] = evaluate_gates(parse_gates((), ["drift.x.*.psi@0.5"]), diffs, None, missing)
    assert only.key == "drift.x.a.psi" and only.passed
    none_left = evaluate_gates(parse_gates((), ["drift.x.b.*@0.5"]), diffs, None, missing)
    assert {r.key for r in none_left} == {"drift.x.b.psi", "drift.x.b.js"}
    assert not any(r.passed for r in none_left)
    with pytest.raises(InputError, match="not in the head metrics"):
        evaluate_gates(parse_gates(["drift.x.c.psi > 1"], ()), diffs, None, missing)
