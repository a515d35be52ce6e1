"""The per-group sections of the report (``--slice-by``): the gap, who lost most, the table.

Pure: values in, markdown out. Groups are sorted by the accuracy change, worst first; the table
shows at most ``SHOWN_GROUPS`` of them (10,000 groups must not fill a comment), folded in
``<details>``, and a shorter rendering of ``FOLD_AFTER`` rows lets the budget cut it further.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np

from cmlreport.metrics.model import Significance
from cmlreport.report.budget import Section
from cmlreport.report.escape import md_code, md_text
from cmlreport.report.format import plural

if TYPE_CHECKING:
    from cmlreport.metrics.groups import GroupSlice

SHOWN_GROUPS = 30
FOLD_AFTER = 10


def _name(group: str) -> str:
    return md_text(group) if group else "_(empty)_"


def _number(v: float) -> str:
    return "—" if not np.isfinite(v) else f"{v:.4f}"


def _gap_line(s: GroupSlice, metric: str, significance: Mapping[str, Significance]) -> str:
    head = s.gaps(s.head).get(s.key(metric))
    base = s.gaps(s.base).get(s.key(metric))
    if head is None and base is None:
        return ""
    text = f"- {md_code(s.key(metric))}: "  # a code span would show md_text's backslashes
    text += f"base {base:.4f} → " if base is not None else ""
    text += f"head {head:.4f}" if head is not None else "head —"
    sig = significance.get(s.key(metric))
    if head is not None and base is not None:
        text += f" (Δ {head - base:+.4f}"
        if sig is not None and sig.delta_ci_low is not None and sig.delta_ci_high is not None:
            verdict = "**significant**" if sig.significant else "within noise"
            text += f", 95 % CI [{sig.delta_ci_low:+.4f}, {sig.delta_ci_high:+.4f}], {verdict}"
        text += ")"
    return text


def group_section(s: GroupSlice, significance: Mapping[str, Significance]) -> Section:
    from cmlreport.metrics.groups import GAP_METRICS, MIN_GROUP_EXAMPLES

    title = f"### Groups by {md_text(s.column)}"
    lines = [
        title,
        "",
        f"{plural(len(s.names), 'group')}. Gap: the best group minus the worst, over "
        f"groups of at least {MIN_GROUP_EXAMPLES} examples (lower is better).",
    ]
    gaps = [g for g in (_gap_line(s, m, significance) for m in GAP_METRICS) if g]
    if gaps:
        lines += ["", *gaps]
    worst = s.lost_most()
    if worst is not None and s.head is not None and s.base is not None:
        h, b = s.head.scores.accuracy[worst], s.base.scores.accuracy[worst]
        n = int(s.head.scores.examples[worst])
        lines += [
            "",
            f"**{_name(s.names[worst])} lost most**: accuracy {b:.4f} → {h:.4f} "
            f"({h - b:+.4f}, {n:,} examples at head).",
        ]
    if s.notes:
        lines += ["", *(f"> {md_text(n)}" for n in s.notes)]
    table, rows = _table(s, SHOWN_GROUPS)
    full = "\n".join([*lines, "", _fold(table, rows, len(s.names))])
    short_table, short_rows = _table(s, FOLD_AFTER)
    shorter = "\n".join([*lines, "", _fold(short_table, short_rows, len(s.names))])
    name = f"groups by {md_text(s.column)}"
    return Section(name, full, shorter=((shorter, f"{rows - short_rows} group rows"),))


def _fold(table: str, rows: int, total: int) -> str:
    more = f"; {total - rows:,} more in the --json output" if rows < total else ""
    # Folded however short: the gap and who lost most (above) are what a reviewer reads first.
    summary = f"Per group ({rows:,} of {total:,}, worst first{more})"
    return f"<details><summary>{summary}</summary>\n\n{table}\n\n</details>"


def _table(s: GroupSlice, limit: int) -> tuple[str, int]:
    head, base = s.head, s.base
    if head is None and base is None:
        return "", 0
    if head is not None and base is not None:
        change = head.scores.accuracy - base.scores.accuracy
        order = np.argsort(np.where(np.isfinite(change), change, np.inf), kind="stable")
    else:
        only = head if head is not None else base
        assert only is not None
        acc = only.scores.accuracy
        order = np.argsort(np.where(np.isfinite(acc), acc, np.inf), kind="stable")
    shown = order[:limit]
    lines = [
        "| group | base n | base acc. | head n | head acc. (95 % CI) | Δ acc. | head F1 macro |",
        "|:--|--:|--:|--:|--:|--:|--:|",
    ]
    for g in shown:
        b_n = f"{int(base.scores.examples[g]):,}" if base is not None else "—"
        b_acc = _number(base.scores.accuracy[g]) if base is not None else "—"
        h_n, h_acc, h_f1, delta = "—", "—", "—", "—"
        if head is not None:
            h_n = f"{int(head.scores.examples[g]):,}"
            low, high = head.ci[0][g], head.ci[1][g]
            h_acc = _number(head.scores.accuracy[g])
            if np.isfinite(low):
                h_acc += f" [{low:.3f}, {high:.3f}]"
            h_f1 = _number(head.scores.f1_macro[g])
            if base is not None:
                d = head.scores.accuracy[g] - base.scores.accuracy[g]
                delta = "—" if not np.isfinite(d) else f"{d:+.4f}"
        lines.append(
            f"| {_name(s.names[g])} | {b_n} | {b_acc} | {h_n} | {h_acc} | {delta} | {h_f1} |"
        )
    return "\n".join(lines), len(shown)
