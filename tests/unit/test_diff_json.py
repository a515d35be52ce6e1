"""`cmlreport diff --format json` is what json.dumps(indent=2) would write, whatever the values."""

from __future__ import annotations

import json
import math
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from cmlreport.metrics.diff import diff_metrics
from cmlreport.report.diffview import json_chunks, to_json

scalars = (
    st.floats(allow_nan=True, allow_infinity=True)
    | st.integers(-(10**30), 10**30)
    | st.booleans()
    | st.none()
    | st.text(max_size=12)
)
sides = st.dictionaries(st.text(max_size=10), scalars, max_size=8)


def reference(diffs: Any) -> str:
    """The entries as a dict, through the standard library (what `to_json` once did)."""

    def number(value: Any) -> Any:
        if isinstance(value, float) and not math.isfinite(value):
            return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
        return value

    out = {}
    for d in diffs:
        entry: dict[str, Any] = {"status": d.status.value}
        if d.has_old:
            entry["old"] = number(d.old)
        if d.has_new:
            entry["new"] = number(d.new)
        if d.delta is not None:
            entry["diff"] = number(d.delta)
        if d.rel_delta is not None:
            entry["rel_diff"] = number(d.rel_delta)
        entry["direction"] = d.direction.value
        entry["verdict"] = d.verdict.value
        out[d.key] = entry
    return json.dumps(out, indent=2, ensure_ascii=False, allow_nan=False)


@settings(max_examples=300, deadline=None)
@given(base=sides, head=sides)
def test_the_json_is_the_standard_librarys_byte_for_byte(base: Any, head: Any) -> None:
    diffs = diff_metrics(base, head)
    assert to_json(diffs) == reference(diffs)


def test_pieces_join_into_the_same_document() -> None:
    base = {f"k{i}": i / 7 for i in range(25)}
    head = {f"k{i}": i / 9 for i in range(3, 30)}
    diffs = diff_metrics(base, head)
    pieces = list(json_chunks(diffs, size=4))
    assert len(pieces) > 5
    assert "".join(pieces) == reference(diffs)
    assert json.loads("".join(pieces))["k1"]["status"] == "removed"
