"""Calibration, the grown confusions and the per-group scores, checked against scikit-learn and
scipy on generated data: exact where the definition is exact, within the bootstrap's noise where
it is not."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats as scipy_stats
from sklearn.calibration import calibration_curve
from sklearn.metrics import brier_score_loss, confusion_matrix, f1_score

from cmlreport.metrics.confusion_delta import confusion_delta
from cmlreport.metrics.pairing import Labelled
from cmlreport.stats import bootstrap
from cmlreport.stats import calibration as cal
from cmlreport.stats import groups as group_stats


def scored(seed: int, n: int, classes: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """True labels, softmax probabilities that favour them, and the argmax predictions."""
    rng = np.random.default_rng(seed)
    true = rng.integers(0, classes, n)
    logits = rng.normal(size=(n, classes))
    logits[np.arange(n), true] += 1.5
    proba = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    return true, proba, proba.argmax(axis=1)


@pytest.mark.parametrize(("seed", "n", "classes"), [(1, 3_000, 2), (2, 5_000, 7), (3, 800, 40)])
def test_reliability_bins_and_ece_are_calibration_curves(seed: int, n: int, classes: int) -> None:
    true, proba, pred = scored(seed, n, classes)
    run = cal.proba_input(proba, true, pred)
    bins = cal.reliability(run)
    prob_true, prob_pred = calibration_curve(run.correct, run.confidence, n_bins=15)
    filled = bins.counts > 0
    assert bins.accuracy[filled] == pytest.approx(prob_true, abs=1e-12)
    assert bins.confidence[filled] == pytest.approx(prob_pred, abs=1e-12)
    weights = bins.counts[filled] / n
    assert cal.ece(run) == pytest.approx(np.sum(weights * np.abs(prob_true - prob_pred)), abs=1e-12)


def test_a_confidence_on_a_bin_edge_falls_in_the_lower_bin_as_scikit_learn_puts_it() -> None:
    confidence = np.array([0.0, 1 / 15, 2 / 15, 0.5, 1.0])
    assert list(cal.bin_of(confidence)) == [0, 0, 1, 7, 14]


def test_brier_scores_are_scikit_learns() -> None:
    true, proba, pred = scored(4, 4_000, 5)
    multiclass = cal.brier(cal.proba_input(proba, true, pred))
    # scikit-learn's multiclass Brier score is the same sum over classes (not halved).
    assert multiclass == pytest.approx(
        brier_score_loss(true, proba, labels=list(range(5)), scale_by_half=False), abs=1e-12
    )
    top1 = cal.top1_input(proba.max(axis=1), true == pred)
    assert cal.brier(top1) == pytest.approx(
        brier_score_loss(true == pred, proba.max(axis=1)), abs=1e-12
    )


def test_the_bootstrap_of_ece_and_brier_centres_on_the_values_and_is_seeded() -> None:
    true, proba, pred = scored(5, 2_000, 4)
    run = cal.proba_input(proba, true, pred)
    statistic = cal.resampled(run)

    def draw(seed: int) -> dict[str, np.ndarray]:
        return bootstrap.resampled_scores(true, [pred], 4, 400, seed, [statistic])[1]

    samples = draw(7)
    assert np.array_equal(samples["ece"], draw(7)["ece"])
    for name, value in (("ece", cal.ece(run)), ("brier", cal.brier(run))):
        low, high = bootstrap.percentile_interval(samples[name], 0.95)
        assert low < value < high
    # The Brier score is a mean: its bootstrap spread is the standard error's.
    se = run.brier.std(ddof=1) / np.sqrt(len(true))
    assert np.std(samples["brier"]) == pytest.approx(se, rel=0.15)


def test_confusion_delta_is_the_difference_of_scikit_learns_matrices() -> None:
    rng = np.random.default_rng(6)
    names = tuple(f"c{i}" for i in range(8))
    true = rng.integers(0, 8, 3_000)
    base = np.where(rng.random(3_000) < 0.7, true, rng.integers(0, 8, 3_000))
    head = np.where(rng.random(3_000) < 0.6, true, (true + 1) % 8)  # a confusion that grew
    d = confusion_delta(Labelled(true, head), Labelled(true, base), names)
    grown = confusion_matrix(true, head, labels=range(8)) - confusion_matrix(
        true, base, labels=range(8)
    )
    np.fill_diagonal(grown, 0)
    expected = sorted(((int(grown[t, p]), t, p) for t in range(8) for p in range(8)), reverse=True)
    assert [c.delta for c in d.top] == [float(v) for v, _, _ in expected[:10] if v > 0]
    assert (d.top[0].true, d.top[0].pred) in {(f"c{t}", f"c{(t + 1) % 8}") for t in range(8)}
    for c in d.top:
        t, p = names.index(c.true), names.index(c.pred)
        assert c.head - c.base == grown[t, p]
        row, col = d.heatmap_classes.index(c.true), d.heatmap_classes.index(c.pred)
        assert d.heatmap[row, col] == grown[t, p]


def test_group_scores_are_scikit_learns_within_each_group() -> None:
    rng = np.random.default_rng(8)
    n, classes, groups = 6_000, 30, 12
    group = rng.integers(0, groups, n)
    true = rng.integers(0, classes, n)
    pred = np.where(rng.random(n) < 0.5 + 0.03 * group, true, rng.integers(0, classes, n))
    got = group_stats.group_scores(group, true, pred, groups + 1, classes)  # the last one empty
    for g in range(groups):
        inside = group == g
        assert got.accuracy[g] == pytest.approx(np.mean(true[inside] == pred[inside]), abs=1e-12)
        f1 = f1_score(true[inside], pred[inside], average="macro", zero_division=0)
        assert got.f1_macro[g] == pytest.approx(f1, abs=1e-12)
    assert got.examples[groups] == 0 and np.isnan(got.accuracy[groups])
    low, high = group_stats.wilson(got.correct, got.examples, 0.95)
    for g in range(groups):
        ci = scipy_stats.binomtest(int(got.correct[g]), int(got.examples[g])).proportion_ci(
            confidence_level=0.95, method="wilson"
        )
        assert (low[g], high[g]) == pytest.approx((ci.low, ci.high), abs=1e-12)


def test_the_resampled_gap_is_the_gap_of_each_resample() -> None:
    rng = np.random.default_rng(9)
    group = rng.integers(0, 3, 900)
    correct = rng.random(900) < np.array([0.9, 0.7, 0.5])[group]
    statistic = group_stats.resampled_gap(group, correct, 3, 10, "gap")
    idx = rng.integers(0, 900, size=(5, 900))
    got = statistic(idx)["gap"]
    for row, sample in enumerate(idx):
        accuracy = [correct[sample][group[sample] == g].mean() for g in range(3)]
        assert got[row] == pytest.approx(max(accuracy) - min(accuracy), abs=1e-12)
