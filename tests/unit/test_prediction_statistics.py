"""The numbers behind `report --predictions`, checked against scikit-learn and scipy on generated
data: exact where the definition is exact, within the bootstrap's own noise where it is not."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as scipy_stats
from sklearn import metrics as sk

from cmlreport.stats import binomial, bootstrap, classification


def generated(seed: int, n: int, classes: int, right: float) -> tuple[np.ndarray, np.ndarray]:
    """Labels and predictions right ``right`` of the time, errors spread over every class; a
    few classes only ever predicted, never true (and the other way round), as real data has."""
    rng = np.random.default_rng(seed)
    true = rng.integers(0, classes - 1, n)  # the last class is never true
    return true, predict(rng, true, classes, right)


def predict(rng: np.random.Generator, true: np.ndarray, classes: int, right: float) -> np.ndarray:
    wrong = rng.integers(1, classes, len(true))  # class 0 is never a wrong guess
    return np.where(rng.random(len(true)) < right, true, wrong)


CASES = [(1, 500, 2, 0.8), (2, 2_000, 5, 0.6), (3, 5_000, 300, 0.3), (4, 50, 40, 0.5)]


@pytest.mark.parametrize(("seed", "n", "classes", "right"), CASES)
def test_scores_are_scikit_learns(seed: int, n: int, classes: int, right: float) -> None:
    true, pred = generated(seed, n, classes, right)
    got = classification.scores(classification.count(true, pred, classes))
    assert got["accuracy"] == pytest.approx(sk.accuracy_score(true, pred), abs=1e-12)
    for average in ("macro", "micro"):
        p, r, f, _ = sk.precision_recall_fscore_support(
            true, pred, average=average, zero_division=0
        )
        assert got[f"precision_{average}"] == pytest.approx(p, abs=1e-12)
        assert got[f"recall_{average}"] == pytest.approx(r, abs=1e-12)
        assert got[f"f1_{average}"] == pytest.approx(f, abs=1e-12)


def test_per_class_scores_are_scikit_learns_with_zero_division_0() -> None:
    true, pred = generated(5, 3_000, 60, 0.4)
    counts = classification.count(true, pred, 60)
    precision, recall, f1 = classification.per_class(counts)
    labels = np.arange(60)
    p, r, f, support = sk.precision_recall_fscore_support(
        true, pred, labels=labels, average=None, zero_division=0
    )
    np.testing.assert_allclose(precision, p, atol=1e-12)
    np.testing.assert_allclose(recall, r, atol=1e-12)
    np.testing.assert_allclose(f1, f, atol=1e-12)
    np.testing.assert_array_equal(counts.support, support)
    assert counts.support[59] == 0 and recall[59] == 0.0  # never true: recall 0, not NaN


def test_each_resample_scores_as_scikit_learn_scores_the_same_examples() -> None:
    # The batched bincounts must give, resample by resample, what scikit-learn gives on the
    # examples drawn: rebuild the draws from the same seeded generator.
    true, pred = generated(6, 300, 12, 0.5)
    (got,) = bootstrap.resampled_scores(true, [pred], 12, resamples=5, seed=9)
    draws = np.random.default_rng(9).integers(0, 300, size=(5, 300), dtype=np.int32)
    for row, idx in enumerate(draws):
        t, p = true[idx], pred[idx]
        f1 = sk.f1_score(t, p, average="macro", zero_division=0)
        assert got["f1_macro"][row] == pytest.approx(f1, abs=1e-12)
        assert got["accuracy"][row] == pytest.approx(sk.accuracy_score(t, p), abs=1e-12)


def test_paired_bootstrap_interval_agrees_with_scipys() -> None:
    true, head = generated(7, 1_500, 6, 0.75)
    # The base model is right on mostly the same examples: pairing is what narrows the interval.
    base = np.where(
        np.random.default_rng(8).random(1_500) < 0.9,
        head,
        predict(np.random.default_rng(9), true, 6, 0.70),
    )
    head_s, base_s = bootstrap.resampled_scores(true, [head, base], 6, resamples=2_000, seed=1)
    low, high = bootstrap.percentile_interval(head_s["f1_macro"] - base_s["f1_macro"], 0.95)

    def f1(t: np.ndarray, p: np.ndarray) -> float:
        # The per-resample scores are scikit-learn's (the test above); scipy does the resampling.
        return float(classification.scores(classification.count(t, p, 6))["f1_macro"])

    def delta(t: np.ndarray, h: np.ndarray, b: np.ndarray) -> float:
        return f1(t, h) - f1(t, b)

    ref = scipy_stats.bootstrap(
        (true, head, base),
        delta,
        paired=True,
        vectorized=False,
        n_resamples=2_000,
        method="percentile",
        confidence_level=0.95,
        random_state=np.random.default_rng(2),
    ).confidence_interval
    # Two bootstraps of the same statistic: their ends differ by their own Monte Carlo noise,
    # a small share of the interval's width (about 5 % here), never by a systematic shift.
    width = ref.high - ref.low
    assert abs(low - ref.low) < 0.15 * width and abs(high - ref.high) < 0.15 * width


def test_unpaired_head_interval_covers_what_the_normal_approximation_says() -> None:
    true, pred = generated(9, 4_000, 3, 0.8)
    (s,) = bootstrap.resampled_scores(true, [pred], 3, resamples=1_000, seed=3)
    low, high = bootstrap.percentile_interval(s["accuracy"], 0.95)
    acc = float(np.mean(true == pred))
    half = 1.959964 * math.sqrt(acc * (1 - acc) / 4_000)  # the accuracy is a proportion
    assert low == pytest.approx(acc - half, abs=0.2 * half)
    assert high == pytest.approx(acc + half, abs=0.2 * half)


def test_the_same_seed_gives_the_same_numbers_and_another_seed_others() -> None:
    true, pred = generated(10, 800, 7, 0.6)
    first = bootstrap.resampled_scores(true, [pred], 7, resamples=200, seed=5)[0]
    again = bootstrap.resampled_scores(true, [pred], 7, resamples=200, seed=5)[0]
    other = bootstrap.resampled_scores(true, [pred], 7, resamples=200, seed=6)[0]
    np.testing.assert_array_equal(first["f1_macro"], again["f1_macro"])
    assert not np.array_equal(first["f1_macro"], other["f1_macro"])


def test_mcnemar_exact_is_the_binomial_test_on_the_discordant_pairs() -> None:
    # 10 fixed, 2 broken: p = 2 · P(X ≤ 2 | n = 12, 1/2) = 2 · (1 + 12 + 66) / 4096.
    assert binomial.mcnemar_exact(10, 2) == pytest.approx(2 * 79 / 4096, rel=1e-12)
    assert binomial.mcnemar_exact(2, 10) == binomial.mcnemar_exact(10, 2)
    assert binomial.mcnemar_exact(0, 0) == 1.0
    assert binomial.mcnemar_exact(6, 6) == pytest.approx(1.0)


def test_wilson_interval_is_the_closed_form() -> None:
    x, n, z = 81, 263, 1.959963984540054
    p = x / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    low, high = binomial.wilson(x, n, 0.95)
    assert low == pytest.approx(centre - half, abs=1e-9)
    assert high == pytest.approx(centre + half, abs=1e-9)


def test_newcombe_difference_matches_the_published_example() -> None:
    # Newcombe (1998), Statistics in Medicine 17:873, table II: 56/70 - 48/80, method 10.
    low, high = binomial.newcombe_difference((56, 70), (48, 80), 0.95)
    assert low == pytest.approx(0.0524, abs=5e-5)
    assert high == pytest.approx(0.3339, abs=5e-5)
