import random

import pytest

from cmlreport.errors import InputError
from cmlreport.metrics.direction import Direction
from cmlreport.metrics.model import SliceTable
from cmlreport.metrics.slices import histogram, pick_metric_column, summarize_slices


def table(rows, name="per_class"):
    columns = tuple(dict.fromkeys(c for r in rows.values() for c in r))
    return SliceTable(name, "label", columns, rows, source="per_class.csv")


def four_thousand_labels(seed=7):
    rng = random.Random(seed)
    base, head = {}, {}
    for i in range(4000):
        f1 = rng.uniform(0.5, 0.95)
        support = rng.randint(1, 500)
        base[f"label{i}"] = {"f1": f1, "support": support}
        head[f"label{i}"] = {"f1": f1 * (1 + rng.gauss(0, 0.07)), "support": support}
    head["label42"]["f1"] = base["label42"]["f1"] - 0.4  # the burst of political news
    head["label42"]["support"] = base["label42"]["support"] = 300
    return table(base), table(head)


def test_top_regressions_and_improvements_of_4000_labels():
    base, head = four_thousand_labels()
    s = summarize_slices(head, base, top_n=10)
    assert s.metric == "f1" and s.support_column == "support"
    assert s.n_labels == 4000 and s.n_compared == 4000
    assert len(s.regressions) == 10 and len(s.improvements) == 10
    assert s.regressions[0].label == "label42"
    deltas = [r.delta for r in s.regressions]
    assert deltas == sorted(deltas)  # worst first
    assert all(r.delta < 0 for r in s.regressions)
    assert all(i.delta > 0 for i in s.improvements)
    assert len(s.deltas) == 4000 and sum(s.histogram.counts) == 4000
    expected_regressed = sum(
        1 for label, row in head.rows.items() if row["f1"] - base.rows[label]["f1"] < -0.05
    )
    assert s.n_regressed == expected_regressed


def test_min_support_filters_small_classes():
    base = table({"a": {"f1": 0.9, "support": 2}, "b": {"f1": 0.9, "support": 50}})
    head = table({"a": {"f1": 0.1, "support": 2}, "b": {"f1": 0.85, "support": 50}})
    s = summarize_slices(head, base, min_support=10)
    assert s.n_low_support == 1
    assert [r.label for r in s.regressions] == ["b"]


def test_lower_is_better_flips_rankings():
    base = table({"a": {"error": 0.1}, "b": {"error": 0.1}})
    head = table({"a": {"error": 0.3}, "b": {"error": 0.05}})
    s = summarize_slices(head, base, metric="error", direction=Direction.LOWER)
    assert [r.label for r in s.regressions] == ["a"]
    assert [r.label for r in s.improvements] == ["b"]


def test_new_and_removed_labels_and_no_base():
    base = table({"a": {"f1": 0.5}, "gone": {"f1": 0.5}})
    head = table({"a": {"f1": 0.6}, "fresh": {"f1": 0.7}})
    s = summarize_slices(head, base)
    assert (s.n_new, s.n_removed, s.n_compared) == (1, 1, 1)
    alone = summarize_slices(head, None)
    assert not alone.has_base and alone.n_compared == 0 and alone.regressions == ()


def test_metric_column_choice():
    t = table({"a": {"support": 3, "precision": 0.5, "f1-score": 0.4}})
    assert pick_metric_column(t) == "f1-score"
    assert pick_metric_column(t, "precision") == "precision"
    with pytest.raises(InputError, match=r"--slice-metric 'recall'.*per_class\.csv"):
        pick_metric_column(t, "recall")


def test_histogram_bins_every_value():
    h = histogram([-0.2, -0.1, 0.0, 0.1, 0.2, float("nan")], bins=4)
    assert sum(h.counts) == 5 and len(h.edges) == 5
    assert h.edges[0] == -0.2 and h.edges[-1] == pytest.approx(0.2)
    assert histogram([0.0, 0.0]).counts == (2,)
    assert histogram([]).counts == ()
