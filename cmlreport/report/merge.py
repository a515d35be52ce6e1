"""``cmlreport merge``: the reports of a matrix's legs as one report, one comment for the PR.

Pure: legs in, markdown out. The order of sections is what the cutter keeps longest: the
summary and the gates of every leg (required), the legs side by side, then one section per leg,
dropped from the last leg first when the budget is short.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from cmlreport import __version__
from cmlreport.errors import InputError
from cmlreport.metrics.diff import MetricDiff, Status, Verdict
from cmlreport.report.budget import GITHUB_COMMENT_LIMIT, Section, fit
from cmlreport.report.columns import Column, column
from cmlreport.report.escape import md_code, md_text
from cmlreport.report.format import mark, plural, short_sha
from cmlreport.report.legs import Leg
from cmlreport.report.markdown import choose_headline, metrics_table

# Rows of the side-by-side table in its shorter renderings, tried before it is left out.
SHORTER_ROWS = (50, 15)


@dataclass(frozen=True)
class MergeOptions:
    title: str = "Metrics report"
    precision: int = 4
    budget: int = GITHUB_COMMENT_LIMIT
    full_report_hint: str | None = None


def check_names(legs: Sequence[Leg], files: Sequence[str]) -> None:
    """Two legs may not share a name (letter case aside): their sections would be confused."""
    seen: dict[str, str] = {}
    for leg, file in zip(legs, files, strict=True):
        folded = leg.name.casefold()
        if folded in seen:
            raise InputError(
                f"{file}: leg name {leg.name!r} is also the name of {seen[folded]}; name each "
                "leg once (report --name LEG, or NAME=FILE)"
            )
        seen[folded] = file


def gates_marker(legs: Sequence[Leg]) -> str:
    """The marker `cmlreport check` reads (report/markdown.py writes the same line)."""
    total = sum(len(leg.gates) for leg in legs)
    failed = sum(len(leg.failed) for leg in legs)
    return f"<!-- cmlreport-gates: passed={total - failed} failed={failed} -->"


def merged_json(legs: Sequence[Leg], report: tuple[str, str]) -> str:
    """The merged gates as ``report --json`` writes them, each with its leg, and the report's
    file and sha256: what ``check`` annotates the failed gates from."""
    from cmlreport.report.legs import JSON_VERSION

    gates = [
        {
            "leg": leg.name,
            "gate": g.gate,
            "key": g.key,
            "passed": g.passed,
            "detail": f"{leg.name}: {g.detail}",
            "file": g.file,
        }
        for leg in legs
        for g in leg.gates
    ]
    failed = sum(1 for g in gates if not g["passed"])
    doc = {
        "version": JSON_VERSION,
        "legs": [leg.name for leg in legs],
        "summary": {"gates_passed": len(gates) - failed, "gates_failed": failed},
        "gates": gates,
        "report": {"file": report[0], "sha256": report[1]},
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def _counts(diffs: Sequence[MetricDiff]) -> str:
    better = sum(1 for d in diffs if d.verdict is Verdict.BETTER)
    worse = sum(1 for d in diffs if d.verdict is Verdict.WORSE)
    changed = sum(1 for d in diffs if d.status is Status.CHANGED)
    return f"{plural(changed, 'metric')} changed ({better} better, {worse} worse)"


def _gates_fact(gates: int, failing: Sequence[Leg]) -> str:
    failed = sum(len(leg.failed) for leg in failing)
    if not failed:
        return f"✅ {plural(gates, 'gate')} passed"
    names = ", ".join(md_text(leg.name) for leg in failing[:5])
    more = f" and {len(failing) - 5:,} more" if len(failing) > 5 else ""
    return f"❌ **{failed} of {plural(gates, 'gate')} failed** (in {names}{more})"


def _summary(legs: Sequence[Leg]) -> str:
    parts = [plural(len(legs), "leg")]
    gates = sum(len(leg.gates) for leg in legs)
    if gates:
        parts.insert(0, _gates_fact(gates, [leg for leg in legs if leg.failed]))
    parts.append(_counts([d for leg in legs for d in leg.diffs]))
    bases = {leg.base_sha for leg in legs}
    if len(bases) == 1 and (base := legs[0].base_sha):
        ref = f" {md_text(legs[0].base_ref)}" if legs[0].base_ref else ""
        parts.append(f"vs base{ref} `{short_sha(base)}`")
    return " · ".join(parts)


def _gates_section(legs: Sequence[Leg]) -> Section:
    rows = [(leg, g) for leg in legs for g in leg.gates]
    failed = sum(1 for _, g in rows if not g.passed)
    head = (
        f"### ❌ Gates: {failed} of {len(rows)} failed"
        if failed
        else f"### ✅ Gates: all {len(rows)} passed"
    )
    lines = [head, "", "| | leg | gate | result |", "|:-:|:--|:--|:--|"]
    for leg, g in sorted(rows, key=lambda row: row[1].passed):  # failures first, order kept
        icon = "✅" if g.passed else "❌"
        lines.append(f"| {icon} | {md_text(leg.name)} | {md_code(g.gate)} | {md_text(g.detail)} |")
    return Section("gates", "\n".join(lines), required=True)


def shared_keys(legs: Sequence[Leg]) -> list[str]:
    """Metrics at least two legs report, gate keys first, else in the order the legs list them."""
    count: dict[str, int] = {}
    for leg in legs:
        for key in dict.fromkeys(d.key for d in leg.diffs):
            count[key] = count.get(key, 0) + 1
    shared = [key for key, n in count.items() if n >= 2]
    gated = {g.key for leg in legs for g in leg.gates}
    return [k for k in shared if k in gated] + [k for k in shared if k not in gated]


def _cell(d: MetricDiff | None, col: Column) -> str:
    if d is None:
        return "—"
    return f"{md_text(col.value(d.new)) if d.has_new else '—'} {mark(d)}"


def _side_by_side(legs: Sequence[Leg], keys: Sequence[str], precision: int, total: int) -> str:
    by_key = [{d.key: d for d in leg.diffs} for leg in legs]
    lines = [
        "| metric | " + " | ".join(md_text(leg.name) for leg in legs) + " |",
        "|:--|" + "--:|" * len(legs),
    ]
    for key in keys:
        cells = [found.get(key) for found in by_key]
        col = column([d.new for d in cells if d is not None], precision)
        row = " | ".join(_cell(d, col) for d in cells)
        lines.append(f"| {md_text(key)} | {row} |")
    if len(keys) < total:
        lines += ["", f"_{len(keys):,} of {total:,} shared metrics shown._"]
    return "\n".join(lines)


def _comparison(legs: Sequence[Leg], precision: int) -> list[Section]:
    keys = shared_keys(legs)
    if not keys:
        return []
    head = "### Legs side by side\n\nHead values of the metrics several legs share, marked "
    head += "against each leg's base.\n\n"
    shorter = tuple(
        (head + _side_by_side(legs, keys[:n], precision, len(keys)), f"{len(keys) - n:,} rows")
        for n in SHORTER_ROWS
        if n < len(keys)
    )
    text = head + _side_by_side(legs, keys, precision, len(keys))
    return [Section("legs side by side", text, shorter=shorter)]


def _leg_section(leg: Leg, precision: int) -> Section:
    lines = [f"### Leg {md_code(leg.name)}", ""]
    facts = [_counts(leg.diffs)]
    if leg.gates:
        failed = len(leg.failed)
        gates = plural(len(leg.gates), "gate")
        facts.insert(0, f"❌ {failed} of {gates} failed" if failed else f"✅ {gates} passed")
    lines.append(" · ".join(facts))
    lines += [f"> {md_text(note)}" for note in leg.notes[:10]]
    chosen = choose_headline(leg.diffs, (), [g.key for g in leg.gates])
    if chosen:
        lines += ["", metrics_table(chosen, precision)]
        if len(chosen) < len(leg.diffs):
            lines += ["", f"_{len(chosen)} of {len(leg.diffs):,} metrics shown._"]
    return Section(f"leg {md_text(leg.name)}", "\n".join(lines))


def _footer(legs: Sequence[Leg]) -> str:
    heads = {leg.head_sha for leg in legs if leg.head_sha}
    bits = [f"merged from {plural(len(legs), 'leg')}"]
    if len(heads) == 1:
        bits.append(f"head <code>{short_sha(heads.pop())}</code>")
    bits.append(f"cmlreport {__version__}")
    return "---\n<sub>" + " · ".join(bits) + "</sub>"


def merge_sections(legs: Sequence[Leg], opts: MergeOptions) -> list[Section]:
    title = f"## {md_text(opts.title)}\n\n{_summary(legs)}"
    if any(leg.gates for leg in legs):
        title = f"{gates_marker(legs)}\n{title}"
    sections = [Section("title", title, required=True)]
    if any(leg.gates for leg in legs):
        sections.append(_gates_section(legs))
    sections += _comparison(legs, opts.precision)
    sections += [_leg_section(leg, opts.precision) for leg in legs]
    return sections


def render_merged(legs: Sequence[Leg], opts: MergeOptions, budget: int | None = None) -> str:
    """The merged report within ``budget`` (default: the options' budget)."""
    sections = merge_sections(legs, opts)
    return fit(sections, _footer(legs), budget or opts.budget, opts.full_report_hint)
