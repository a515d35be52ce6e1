"""A two-level document's scalars, unflattened, answer as the flattened dict and diff alike."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from cmlreport.errors import InputError
from cmlreport.metrics.diff import diff_metrics
from cmlreport.metrics.direction import Directions
from cmlreport.metrics.grouped import GroupedScalars, grouped_scalars
from cmlreport.metrics.load import parse_metrics
from cmlreport.metrics.model import Scalar

# Few names, so that base and head share most keys, and dots where a leaf may hold them.
TOPS = st.sampled_from(["train", "eval", "loss", "n_samples", "", "a:b"])
LEAVES = st.sampled_from(["f1", "loss", "acc", "support", "x.y", "epoch", "", "time"])
VALUES = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, 1.0, -1.0, 0.5, float("nan")]),
    st.booleans(),
    st.none(),
    st.sampled_from(["a", "1.0", ""]),
)
GROUP = st.dictionaries(LEAVES, VALUES, max_size=6)
DOCUMENT = st.dictionaries(TOPS, st.one_of(GROUP, VALUES), max_size=5)


def flattened(document: dict[str, Any]) -> dict[str, Scalar]:
    """As dvc names keys: nested mappings joined with '.'."""
    flat: dict[str, Scalar] = {}
    for top, value in document.items():
        if isinstance(value, dict):
            flat.update({f"{top}.{leaf}": v for leaf, v in value.items()})
        else:
            flat[top] = value
    return flat


def grouped(document: dict[str, Any]) -> GroupedScalars:
    scalars = grouped_scalars(document, limit=10_000)
    assert scalars is not None
    return scalars


@settings(max_examples=500, deadline=None)
@given(DOCUMENT)
def test_the_grouped_scalars_are_the_flattened_dict(document: dict[str, Any]) -> None:
    scalars, flat = grouped(document), flattened(document)
    assert repr(list(scalars.items())) == repr(list(flat.items()))
    assert repr(list(scalars.values())) == repr(list(flat.values()))
    assert list(scalars) == list(flat)
    assert len(scalars) == len(flat)
    for key in [*flat, "train", "train.", "eval.f1.x", "nope", "a:b.x.y", ".f1"]:
        assert (key in scalars) is (key in flat)
        if key in flat:
            assert repr(scalars[key]) == repr(flat[key])


@settings(max_examples=1500, deadline=None)
@given(DOCUMENT, DOCUMENT, st.booleans(), st.booleans())
@example({"g": {"f1": 1.0}}, {"g": {"f1": True}}, False, False)  # equal groups, as dicts
@example({"g": {"f1": float("nan")}}, {"g": {"f1": float("nan")}}, False, False)
@example({"g": 0.5}, {"g": {"x": 0.5}}, False, False)  # a scalar became a group
def test_the_grouped_diff_is_the_flat_diff(
    base: dict[str, Any], head: dict[str, Any], unchanged: bool, rules: bool
) -> None:
    directions = Directions.from_patterns(["*loss"], ["eval.*"]) if rules else None
    fast = diff_metrics(grouped(base), grouped(head), directions, unchanged=unchanged)
    slow = diff_metrics(flattened(base), flattened(head), directions, unchanged=unchanged)
    assert repr(fast) == repr(slow)


def test_a_two_level_json_file_is_read_grouped_and_a_deeper_one_walked() -> None:
    two = parse_metrics("m.json", json.dumps({"eval": {"f1": 0.9, "loss": 0.1}, "acc": 0.8}))
    assert isinstance(two.scalars, GroupedScalars)
    assert dict(two.scalars) == {"eval.f1": 0.9, "eval.loss": 0.1, "acc": 0.8}
    assert two.sources["eval.f1"] == "m.json"
    deep = parse_metrics("m.json", json.dumps({"eval": {"test": {"f1": 0.9}}}))
    assert not isinstance(deep.scalars, GroupedScalars)
    assert dict(deep.scalars) == {"eval.test.f1": 0.9}


def test_what_the_walk_must_check_is_not_read_grouped() -> None:
    # An int (too long? a counter?), a dotted top-level key (could clash), a list, a list of
    # records (a table): each needs the key-by-key walk.
    for document in (
        {"eval": {"n": 3}},
        {"a.b": {"c": 1.0}, "a": {"b.c": 2.0}},
        {"eval": {"curve": [1.0, 2.0]}},
        {"classes": [{"label": "cat", "f1": 0.5}]},
    ):
        assert grouped_scalars(document, limit=10_000) is None
    assert grouped_scalars({"eval": {"f1": 0.5, "acc": 0.5}}, limit=2) is None  # 3 visited


def test_a_dotted_clash_is_still_refused_with_the_walks_message() -> None:
    text = json.dumps({"a.b": {"c": 1.0}, "a": {"b.c": 2.0}})
    with pytest.raises(InputError, match=r"key 'a\.b\.c' appears twice"):
        parse_metrics("m.json", text)


def test_nan_groups_keep_their_nan() -> None:
    scalars = grouped({"g": {"x": float("nan")}})
    value = scalars["g.x"]
    assert isinstance(value, float) and math.isnan(value)
