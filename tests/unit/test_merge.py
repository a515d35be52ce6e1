"""`cmlreport merge`'s pure part: legs read back from `report --json`, rendered as one report."""

from __future__ import annotations

import json
from typing import Any

import pytest

from cmlreport.errors import InputError
from cmlreport.report.budget import GITHUB_COMMENT_LIMIT
from cmlreport.report.legs import parse_leg
from cmlreport.report.markdown import read_gates_marker
from cmlreport.report.merge import MergeOptions, check_names, render_merged, shared_keys


def metric(key: str, base: float, head: float, direction: str = "higher") -> dict[str, Any]:
    delta = head - base
    good = (delta > 0) == (direction == "higher")
    verdict = "same" if delta == 0 else ("better" if good else "worse")
    return {
        "key": key, "base": base, "head": head, "delta": delta, "rel_delta": delta / base,
        "direction": direction, "status": "unchanged" if delta == 0 else "changed",
        "verdict": verdict,
    }  # fmt: skip


def leg_json(name: str | None, metrics: list[dict[str, Any]], failed: bool = False) -> str:
    doc: dict[str, Any] = {
        "version": 1,
        "summary": {},
        "revisions": {"base": "a" * 40, "base_ref": "main", "head": "b" * 40},
        "notes": [],
        "metrics": metrics,
        "gates": [
            {"gate": "eval.acc < 0.9", "key": "eval.acc", "passed": not failed, "detail": "d"}
        ],
        "predictions": None,
    }
    if name is not None:
        doc["name"] = name
    return json.dumps(doc)


def test_two_legs_become_one_report_with_a_side_by_side_table() -> None:
    resnet = parse_leg(leg_json("resnet", [metric("eval.acc", 0.9, 0.93)]), "a.json")
    vit = parse_leg(
        leg_json("vit", [metric("eval.acc", 0.9, 0.85), metric("vit.only", 1, 2)], failed=True),
        "b.json",
    )
    md = render_merged([resnet, vit], MergeOptions(title="Models"))
    assert md.startswith("<!-- cmlreport-gates: passed=1 failed=1 -->\n## Models")
    assert read_gates_marker(md) == (1, 1)
    assert "❌ **1 of 2 gates failed** (in vit)" in md
    assert "| metric | resnet | vit |" in md
    assert "| eval.acc | 0.93 🟢 ▲ | 0.85 🔴 ▼ |" in md
    assert shared_keys([resnet, vit]) == ["eval.acc"]  # vit.only is one leg's: no comparison
    assert "### Leg <code>resnet</code>" in md and "### Leg <code>vit</code>" in md


def test_a_hostile_leg_name_is_text_and_never_a_marker() -> None:
    name = "<!-- cmlreport:train/report --> @team #1"
    leg = parse_leg(leg_json(name, [metric("m", 1, 1)]), "a.json")
    md = render_merged([leg], MergeOptions())
    assert "<!-- cmlreport:" not in md and "@team" not in md


def test_a_tight_budget_cuts_legs_from_the_last_and_keeps_summary_and_gates() -> None:
    many = [metric(f"k{i:03d}", 1.0, 1.5) for i in range(15)]
    legs = [parse_leg(leg_json(f"leg{n}", many, failed=n == 5), f"{n}.json") for n in range(6)]
    md = render_merged(legs, MergeOptions(budget=4_000, full_report_hint="report.full.md"))
    assert len(md) <= 4_000
    assert "(in leg5)" in md and "| ❌ | leg5 |" in md  # the failing leg's gate stays
    assert "### Leg <code>leg5</code>" not in md and "left out" in md
    full = render_merged(legs, MergeOptions(budget=GITHUB_COMMENT_LIMIT))
    assert "### Leg <code>leg5</code>" in full


def test_clashing_names_and_foreign_files_are_one_line_errors() -> None:
    a = parse_leg(leg_json("ResNet", []), "a.json")
    b = parse_leg(leg_json("resnet", []), "b.json")
    with pytest.raises(InputError, match=r"b\.json: leg name 'resnet' is also the name of a\.json"):
        check_names([a, b], ["a.json", "b.json"])
    with pytest.raises(InputError, match="no name"):
        parse_leg(leg_json(None, []), "c.json")
    assert parse_leg(leg_json(None, []), "c.json", name="given").name == "given"
    with pytest.raises(InputError, match="not a `cmlreport report --json` file"):
        parse_leg('{"eval": {"acc": 1}}', "metrics.json")
    with pytest.raises(InputError, match="version 2"):
        parse_leg(json.dumps({"version": 2, "metrics": []}), "new.json")
    bad = json.loads(leg_json("x", [metric("m", 1, 2)]))
    bad["metrics"][0]["status"] = "exploded"
    with pytest.raises(InputError, match=r"metrics\[0\] \('m'\): status"):
        parse_leg(json.dumps(bad), "x.json")
