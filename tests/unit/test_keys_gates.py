"""Gates name keys as the report writes them: ``path:key`` for a key two files hold (issue 11)."""

from __future__ import annotations

import pytest

from cmlreport.errors import InputError
from cmlreport.metrics.diff import diff_metrics
from cmlreport.metrics.gates import evaluate_gates, parse_gates, parse_regression

# The keys of iterative/example-get-started-experiments, whose two dvclive files both hold
# dice_multi (tests/data/dvclive-two-files).
TRAIN = "results/train/metrics.json"
EVAL = "results/evaluate/metrics.json"
BASE = {f"{TRAIN}:dice_multi": 0.9136, f"{EVAL}:dice_multi": 0.8695, "train.loss": 0.0317}
HEAD = {f"{TRAIN}:dice_multi": 0.8921, f"{EVAL}:dice_multi": 0.9029, "train.loss": 0.0238}


def regression(*texts: str, base=BASE, head=HEAD):
    return evaluate_gates(parse_gates((), texts), diff_metrics(base, head))


def test_a_prefixed_key_is_the_whole_gate_not_key_and_drop():
    (result,) = regression(f"{TRAIN}:dice_multi")
    assert result.key == f"{TRAIN}:dice_multi" and not result.passed


@pytest.mark.parametrize("sep", ["@", ":"])
def test_a_prefixed_key_takes_an_allowed_drop(sep):
    (result,) = regression(f"{TRAIN}:dice_multi{sep}0.05")
    assert result.key == f"{TRAIN}:dice_multi" and result.passed
    assert "within 0.05" in result.detail
    (relative,) = regression(f"{TRAIN}:dice_multi{sep}1%")
    assert not relative.passed and "1% = " in relative.detail


def test_the_old_key_colon_drop_still_works_and_at_is_the_same():
    for text in ("train.loss:0.001", "train.loss@0.001", "train.loss @ 0.001"):
        (result,) = regression(text)
        assert result.key == "train.loss" and result.passed


def test_a_key_with_an_at_sign_is_a_key_first():
    base, head = {"ndcg@10": 0.5}, {"ndcg@10": 0.4}
    (whole,) = regression("ndcg@10", base=base, head=head)
    assert whole.key == "ndcg@10" and not whole.passed
    (dropped,) = regression("ndcg@10@0.2", base=base, head=head)
    assert dropped.key == "ndcg@10" and dropped.passed


def test_globs_over_prefixed_keys():
    results = regression("*:dice_multi@0.01")
    assert {r.key for r in results} == {f"{TRAIN}:dice_multi", f"{EVAL}:dice_multi"}
    assert [r.passed for r in results] == [False, True]


def test_the_unprefixed_name_suggests_the_prefixed_keys():
    with pytest.raises(InputError) as err:
        regression("dice_multi@0.01")
    message = err.value.message
    assert "'dice_multi'" in message and f"'{TRAIN}:dice_multi'" in message
    assert f"'{EVAL}:dice_multi'" in message and "\n" not in message
    with pytest.raises(InputError, match=f"did you mean '{TRAIN}:dice_multi'") as err:
        evaluate_gates(
            parse_gates(["dice_mult < 0.9"], ()),
            diff_metrics({}, {f"{TRAIN}:dice_multi": 0.9, "loss": 0.1}),
        )


def test_a_drop_that_is_no_number_names_the_flag_and_the_fix():
    with pytest.raises(InputError, match=r"--fail-on-regression.*KEY@DROP") as err:
        regression("train.loss:lots")
    assert "did you mean 'train.loss'" in err.value.message


def test_bad_drops_still_fail_while_parsing():
    with pytest.raises(InputError, match="negative"):
        parse_regression("train.loss@-1")
    with pytest.raises(InputError, match="out of range"):
        parse_regression("train.loss@1e999")
    with pytest.raises(InputError, match="KEY"):
        parse_regression("@0.1")


def test_a_counter_has_no_direction_for_a_ratchet():
    base, head = {"step": 8, "acc": 0.9, "support": 40}, {"step": 10, "acc": 0.8, "support": 30}
    with pytest.raises(InputError, match=r"'step' is a count or an index.*--higher-is-better"):
        regression("step", base=base, head=head)
    # A glob leaves counts out instead of failing on them.
    assert [r.key for r in regression("*", base=base, head=head)] == ["acc"]
    # A threshold on a count needs no direction.
    (result,) = evaluate_gates(parse_gates(["support < 35"], ()), diff_metrics(base, head))
    assert not result.passed
