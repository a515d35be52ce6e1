"""Drift between two files: each statistic checked against scipy on generated data, the
verdict words, how `--drift` text is split, and the files refused in one line."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats
from scipy.spatial.distance import jensenshannon

from cmlreport.errors import InputError
from cmlreport.metrics.drift import compare, drift_metrics, overall_verdict, verdict
from cmlreport.metrics.drift_spec import parse_spec
from cmlreport.stats.drift import EPSILON, PSI_BINS


def csv(columns: dict[str, list[object]]) -> str:
    names = list(columns)
    rows = zip(*columns.values(), strict=True)
    return ",".join(names) + "\n" + "".join(",".join(map(str, r)) + "\n" for r in rows)


@pytest.fixture(scope="module")
def samples() -> tuple[np.ndarray, np.ndarray, list[str], list[str]]:
    rng = np.random.default_rng(7)
    ref = np.round(rng.beta(5, 4, 3000), 6)
    cur = np.round(rng.beta(4, 4, 2000), 6)
    ref_cat = list(rng.choice(["cat", "dog", "eel"], 3000, p=[0.5, 0.3, 0.2]))
    cur_cat = list(rng.choice(["cat", "dog", "eel"], 2000, p=[0.4, 0.3, 0.3]))
    return ref, cur, ref_cat, cur_cat


def test_numeric_statistics_agree_with_scipy(samples: tuple) -> None:
    ref, cur, ref_cat, cur_cat = samples
    comp = compare(
        "conf",
        ("test.csv", csv({"score": list(ref), "kind": ref_cat})),
        ("live.csv", csv({"score": list(cur), "kind": cur_cat})),
    )
    m = drift_metrics([comp])
    ks = stats.ks_2samp(ref, cur)
    assert m["drift.conf.score.ks"] == pytest.approx(ks.statistic)
    assert m["drift.conf.score.ks_p"] == pytest.approx(ks.pvalue)
    assert m["drift.conf.score.wasserstein"] == pytest.approx(stats.wasserstein_distance(ref, cur))
    # The bins written out independently: deciles of the reference, open outer bins.
    edges = np.quantile(ref, np.linspace(0, 1, PSI_BINS + 1))
    edges[0], edges[-1] = -np.inf, np.inf
    r = np.histogram(ref, edges)[0] / len(ref)
    c = np.histogram(cur, edges)[0] / len(cur)
    assert r == pytest.approx(np.full(PSI_BINS, 0.1), abs=0.002)
    r_, c_ = np.maximum(r, EPSILON), np.maximum(c, EPSILON)
    assert m["drift.conf.score.psi"] == pytest.approx(np.sum((c_ - r_) * np.log(c_ / r_)), rel=0.02)
    assert m["drift.conf.score.js"] == pytest.approx(jensenshannon(r, c, base=2), rel=0.02)


def test_categorical_statistics_agree_with_scipy(samples: tuple) -> None:
    _, _, ref_cat, cur_cat = samples
    comp = compare(
        "c",
        ("a.csv", csv({"kind": ref_cat})),
        ("b.csv", csv({"kind": cur_cat})),
    )
    m = drift_metrics([comp])
    table = np.array([[ref_cat.count(k) for k in ("cat", "dog", "eel")],
                      [cur_cat.count(k) for k in ("cat", "dog", "eel")]])  # fmt: skip
    test = stats.chi2_contingency(table, correction=False)
    assert m["drift.c.kind.chi2"] == pytest.approx(test.statistic)
    assert m["drift.c.kind.chi2_p"] == pytest.approx(test.pvalue)
    r, c = table[0] / table[0].sum(), table[1] / table[1].sum()
    assert m["drift.c.kind.js"] == pytest.approx(jensenshannon(r, c, base=2))
    assert m["drift.c.kind.psi"] == pytest.approx(np.sum((c - r) * np.log(c / r)))
    assert "drift.c.kind.ks" not in m  # no order between categories
    assert comp.columns[0].categorical is not None
    assert comp.columns[0].categorical.categories == ("cat", "dog", "eel")


def test_same_distribution_is_no_drift_and_a_shift_is_major() -> None:
    rng = np.random.default_rng(1)
    base = rng.normal(0, 1, 5000)
    same = compare(
        "x", ("a.csv", csv({"v": list(base[:2500])})), ("b.csv", csv({"v": list(base[2500:])}))
    )
    moved = compare("y", ("a.csv", csv({"v": list(base)})), ("b.csv", csv({"v": list(base + 1.5)})))
    assert same.columns[0].verdict == "no drift"
    assert moved.columns[0].verdict == "major drift"
    assert overall_verdict([same]) == "no drift (1 column)"
    assert overall_verdict([same, moved]).startswith("major drift in y.v (PSI ")
    assert [verdict(p) for p in (0.0, 0.099, 0.1, 0.25, 0.2501)] == [
        "no drift", "no drift", "moderate drift", "moderate drift", "major drift",
    ]  # fmt: skip


@pytest.mark.parametrize(("n", "m"), [(100, 100), (1000, 200), (5000, 5000)])
def test_the_psi_noise_floor_is_what_equal_distributions_reach(n: int, m: int) -> None:
    # Two samples of one distribution, drawn 400 times: 95 % of their PSIs stay below the
    # floor (within the simulation's own noise).
    from cmlreport.stats.drift import numeric_drift

    rng = np.random.default_rng(n + m)
    psis = [numeric_drift(rng.normal(size=n), rng.normal(size=m)).binned for _ in range(400)]
    observed = np.quantile([b.psi for b in psis if b is not None], 0.95)
    floor = psis[0].noise if psis[0] is not None else 0.0
    assert floor == pytest.approx(stats.chi2.ppf(0.95, PSI_BINS - 1) * (1 / n + 1 / m))
    assert observed == pytest.approx(floor, rel=0.2)


def test_drift_on_a_handful_of_rows_is_said_to_be_within_noise() -> None:
    few = compare(
        "x", ("a.csv", csv({"v": [0.1, 0.2, 0.3, 0.4]})), ("b.csv", csv({"v": [0.9, 0.8, 0.7]}))
    )
    col = few.columns[0]
    assert col.verdict == "major drift" and col.drift_within_noise
    assert col.psi_noise is not None and col.psi is not None and col.psi <= col.psi_noise
    assert "within sampling noise" in (overall_verdict([few]) or "")
    from cmlreport.report.driftsection import column_sentence

    assert "**major drift**, but only 4 → 3 rows: sampling alone gives PSI up to" in (
        column_sentence(col)
    )
    rng = np.random.default_rng(2)
    base = rng.normal(0, 1, 4000)
    real = compare("y", ("a.csv", csv({"v": list(base)})), ("b.csv", csv({"v": list(base + 1)})))
    assert not real.columns[0].drift_within_noise
    # The drift beyond noise is the one the first line names, however large the tiny one's PSI.
    assert (overall_verdict([few, real]) or "").startswith("major drift in y.v and 1 more (PSI")


def test_a_constant_reference_has_ks_but_no_psi_and_says_why() -> None:
    comp = compare("k", ("a.csv", csv({"v": [1] * 50})), ("b.csv", csv({"v": [1] * 25 + [2] * 25})))
    col = comp.columns[0]
    m = drift_metrics([comp])
    assert "drift.k.v.psi" not in m and "drift.k.v.js" not in m
    assert m["drift.k.v.ks"] == pytest.approx(0.5)
    assert col.verdict is None and col.numeric is not None
    assert "constant" in col.numeric.why_not_binned


def test_a_mostly_zero_column_still_gets_two_bins() -> None:
    ref = [0] * 95 + [1] * 5
    cur = [0] * 70 + [1] * 30
    m = drift_metrics([compare("b", ("a.csv", csv({"flag": ref})), ("b.csv", csv({"flag": cur})))])
    r, c = np.array([0.95, 0.05]), np.array([0.7, 0.3])
    assert m["drift.b.flag.psi"] == pytest.approx(np.sum((c - r) * np.log(c / r)))


def test_empty_cells_are_left_out_and_counted() -> None:
    comp = compare("e", ("a.csv", "v,w\n1,\n2,\n3,\n"), ("b.csv", "v,w\n1,x\n,y\n4,x\n"))
    v, w = comp.columns
    assert v.counts == (3, 2) and v.missing == (0, 1)
    assert w.why_not == "no values in a.csv"


def test_json_lines_are_read_like_csv() -> None:
    ref = "".join(f'{{"score": {x / 10}, "tag": "a"}}\n' for x in range(10))
    cur = "".join(f'{{"score": {x / 20}, "tag": "b"}}\n' for x in range(10))
    m = drift_metrics([compare("j", ("a.jsonl", ref), ("b.jsonl", cur))])
    assert m["drift.j.score.ks"] == pytest.approx(
        stats.ks_2samp(np.arange(10) / 10, np.arange(10) / 20).statistic
    )
    assert m["drift.j.tag.chi2_p"] < 0.001


def test_the_name_and_the_files_are_split_as_documented() -> None:
    assert parse_spec("conf=test.csv:live.csv") == ("conf", [("test.csv", "live.csv")])
    assert parse_spec("test.csv:live.csv") == (None, [("test.csv", "live.csv")])
    assert parse_spec("./a=b.csv:c.csv") == (None, [("./a=b.csv", "c.csv")])
    assert parse_spec("n=a:b.csv:c.csv") == ("n", [("a", "b.csv:c.csv"), ("a:b.csv", "c.csv")])
    with pytest.raises(InputError, match="REFERENCE:CURRENT"):
        parse_spec("only.csv")


@pytest.mark.parametrize(
    ("ref", "cur", "message"),
    [
        ("a,b\n1,2\n", "c,d\n1,2\n", "b.csv: no column in common with a.csv"),
        ("v\n1\n2\n", "v\n1\nnan\n", "b.csv: line 3 column 'v' is nan; drift needs finite"),
        ("v\n1\n2\n", "v\n1\ninf\n", "b.csv: line 3 column 'v' is inf"),
        (
            "v\n1\nx\n",
            "v\n1\n2\n",
            "a.csv: column 'v' mixes numbers (line 2) and text (line 3: 'x')",
        ),
        ("v\nx\ny\n", "v\n1\n2\n", "a.csv: column 'v' holds text, but numbers in b.csv"),
        ("", "v\n1\n", "a.csv: file is empty"),
        ("v\n", "v\n1\n", "a.csv: no data rows"),
    ],
)
def test_bad_files_are_refused_in_one_line_naming_file_and_column(
    ref: str, cur: str, message: str
) -> None:
    with pytest.raises(InputError) as err:
        compare("n", ("a.csv", ref), ("b.csv", cur))
    assert err.value.message.startswith(message)
    assert "\n" not in err.value.message


def test_an_id_column_is_not_compared_as_categories() -> None:
    ref = csv({"id": [f"u{i}" for i in range(1500)], "v": list(range(1500))})
    cur = csv({"id": [f"w{i}" for i in range(10)], "v": list(range(10))})
    ids = compare("i", ("a.csv", ref), ("b.csv", cur)).columns[0]
    assert ids.categorical is None and "distinct values" in ids.why_not


def test_a_reference_mostly_at_its_minimum_splits_the_minimum_from_the_rest() -> None:
    # 95 zeros, three ones, two twos: the ones moving to 38 % is drift, not "PSI 0".
    ref = csv({"f": [0] * 95 + [1] * 3 + [2] * 2})
    cur = csv({"f": [0] * 60 + [1] * 38 + [2] * 2})
    col = compare("x", ("a.csv", ref), ("b.csv", cur)).columns[0]
    r, c = np.array([0.95, 0.05]), np.array([0.60, 0.40])
    assert col.psi == pytest.approx(float(np.sum((c - r) * np.log(c / r))))
    assert col.verdict == "major drift"
