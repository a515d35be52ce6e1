import math

from hypothesis import given, settings
from hypothesis import strategies as st

from cmlreport.metrics.diff import Status, Verdict, diff_metrics, diff_one
from cmlreport.metrics.direction import Direction, Directions, guess_direction


def by_key(base, head, directions=None):
    return {d.key: d for d in diff_metrics(base, head, directions)}


def test_numeric_change_has_delta_relative_delta_and_verdict():
    d = by_key({"eval.f1": 0.80}, {"eval.f1": 0.84})["eval.f1"]
    assert d.status is Status.CHANGED
    assert math.isclose(d.delta, 0.04)
    assert math.isclose(d.rel_delta, 0.05)
    assert d.verdict is Verdict.BETTER


def test_loss_going_down_is_better_and_up_is_worse():
    diffs = by_key({"train.loss": 0.5, "val_loss": 0.4}, {"train.loss": 0.4, "val_loss": 0.5})
    assert diffs["train.loss"].verdict is Verdict.BETTER
    assert diffs["val_loss"].verdict is Verdict.WORSE


def test_added_and_removed_keys():
    diffs = by_key({"old": 1, "both": 2}, {"both": 2, "new": 3})
    assert diffs["new"].status is Status.ADDED and not diffs["new"].has_old
    assert diffs["old"].status is Status.REMOVED and not diffs["old"].has_new
    assert diffs["both"].status is Status.UNCHANGED and diffs["both"].delta == 0
    assert diffs["new"].delta is None


def test_head_order_then_base_only_keys():
    keys = [d.key for d in diff_metrics({"z": 1, "a": 1}, {"b": 1, "a": 2})]
    assert keys == ["b", "a", "z"]


def test_strings_and_bools_are_shown_not_diffed():
    diffs = by_key({"model": "a", "ok": True}, {"model": "b", "ok": False})
    assert diffs["model"].status is Status.CHANGED
    assert diffs["model"].delta is None and diffs["model"].verdict is Verdict.UNKNOWN
    assert diffs["ok"].delta is None


def test_nan_and_inf_do_not_crash():
    nan, inf = float("nan"), float("inf")
    diffs = by_key(
        {"a": nan, "b": 1.0, "c": inf, "d": 1.0, "e": inf},
        {"a": nan, "b": nan, "c": inf, "d": inf, "e": 2.0},
    )
    assert diffs["a"].status is Status.UNCHANGED
    assert diffs["b"].status is Status.CHANGED and diffs["b"].delta is None
    assert diffs["b"].verdict is Verdict.UNKNOWN
    assert diffs["c"].status is Status.UNCHANGED
    assert diffs["d"].delta == inf and diffs["d"].verdict is Verdict.BETTER
    assert diffs["e"].delta == -inf and diffs["e"].rel_delta is None


def test_zero_base_has_no_relative_delta():
    d = by_key({"x": 0}, {"x": 2})["x"]
    assert d.delta == 2 and d.rel_delta is None


def test_int_and_float_equal_values_are_unchanged():
    assert by_key({"n": 3}, {"n": 3.0})["n"].status is Status.UNCHANGED


def test_direction_heuristic():
    lower = [
        "loss",
        "eval.val_loss",
        "error_rate",
        "mae",
        "test.rmse",
        "latency_ms",
        "inference_time",
        "trainTime",
        "perf.p95_latency",
        "wer",
    ]
    higher = ["accuracy", "eval.f1", "auc", "recall", "throughput", "precision_macro"]
    assert all(guess_direction(k) is Direction.LOWER for k in lower), lower
    assert all(guess_direction(k) is Direction.HIGHER for k in higher), higher


def test_flags_override_config_and_exact_beats_glob():
    flags = Directions.from_patterns(higher=["eval.*"], lower=["eval.f1"])
    config = Directions.from_patterns(lower=["eval.accuracy", "custom"])
    directions = flags.then(config)
    assert directions.of("eval.f1") is Direction.LOWER  # exact flag beats glob flag
    assert directions.of("eval.accuracy") is Direction.HIGHER  # flag glob beats config
    assert directions.of("custom") is Direction.LOWER  # config beats heuristic
    assert directions.of("loss") is Direction.LOWER  # heuristic


def test_direction_override_changes_verdict():
    directions = Directions.from_patterns(lower=["score"])
    assert by_key({"score": 1.0}, {"score": 2.0}, directions)["score"].verdict is Verdict.WORSE


@settings(max_examples=300, deadline=None)
@given(
    old=st.floats(allow_nan=True, allow_infinity=True) | st.integers(-(10**20), 10**20),
    new=st.floats(allow_nan=True, allow_infinity=True) | st.integers(-(10**20), 10**20),
    key=st.sampled_from(["eval.f1", "val_loss", "support", "a:epoch"]),
)
def test_the_fast_path_for_two_floats_gives_what_the_general_one_does(
    old: float, new: float, key: str
) -> None:
    # diff_metrics takes a shortcut for two finite floats; diff_one is the definition.
    directions = Directions()
    (fast,) = diff_metrics({key: old}, {key: new}, directions)
    general = diff_one(key, old, new, True, True, directions.of(key))
    assert fast == general or (math.isnan(old) or math.isnan(new))
    assert repr(fast) == repr(general)  # NaN != NaN: compare what is shown
