import re

from cmlreport.metrics.diff import diff_metrics
from cmlreport.metrics.gates import evaluate_gates, parse_gates
from cmlreport.metrics.model import SliceTable
from cmlreport.metrics.slices import summarize_slices
from cmlreport.report.charts import Image
from cmlreport.report.escape import md_text
from cmlreport.report.footer import Revisions
from cmlreport.report.format import fmt_delta, fmt_percent, fmt_value
from cmlreport.report.markdown import ReportData, choose_headline, render_report


def table_rows(md):
    return [line for line in md.splitlines() if line.startswith("| ")]


def unescaped_pipes(row):
    return len(re.findall(r"(?<!\\)\|", row))


def test_headline_table_shows_base_head_delta_and_marks():
    diffs = diff_metrics({"acc": 0.80, "loss": 0.5}, {"acc": 0.84, "loss": 0.6})
    md = render_report(ReportData("Report", diffs, revisions=Revisions("a" * 40, "main")))
    assert "| metric | base | head | Δ | Δ % | |" in md
    acc = next(r for r in table_rows(md) if ">acc<" in r)
    assert "0.80 | 0.84 | +0.04 | +5.0% | 🟢 ▲" in acc  # one precision per column (issue 11)
    loss = next(r for r in table_rows(md) if ">loss<" in r)
    assert "🔴 ▲" in loss  # loss went up: bad
    assert "`aaaaaaa`" in md  # base sha in the summary line


def test_hostile_metric_names_cannot_break_tables_or_inject_html():
    nasty = "a|b<script>alert(1)</script>**x**"
    diffs = diff_metrics({nasty: 1.0}, {nasty: 2.0, "ok": 1})
    md = render_report(ReportData("T", diffs))
    assert "<script>" not in md
    for row in table_rows(md):
        assert unescaped_pipes(row) == 7, row  # 6 columns -> 7 separators, always


def test_md_text_is_one_line():
    assert "\n" not in md_text("a\nb")
    assert md_text("x|y") == "x\\|y"


def test_gates_section_lists_failures_first():
    diffs = diff_metrics({"f1": 0.9}, {"f1": 0.8, "acc": 0.95})
    results = evaluate_gates(parse_gates(["acc < 0.9"], ["f1:0.01"]), diffs)
    md = render_report(ReportData("T", diffs, gates=results))
    assert "### ❌ Gates: 1 of 2 failed" in md
    gate_rows = [r for r in table_rows(md) if r.startswith("| ❌") or r.startswith("| ✅")]
    assert gate_rows[0].startswith("| ❌") and "f1:0.01" in gate_rows[0]
    assert "❌ **1 of 2 gates failed**" in md


def test_footer_has_shas_and_run_link():
    md = render_report(
        ReportData(
            "T",
            diff_metrics({}, {"a": 1}),
            revisions=Revisions(
                "b" * 40, "origin/main", "merge base", "c" * 40, "https://ci/run/1"
            ),
        )
    )
    footer = md.strip().splitlines()[-1]
    assert "<code>bbbbbbb</code>" in footer and "<code>ccccccc</code>" in footer
    assert '<a href="https://ci/run/1">CI run</a>' in footer


def test_all_metrics_are_in_a_details_block():
    diffs = diff_metrics({f"m{i}": i for i in range(40)}, {f"m{i}": i + (i % 2) for i in range(40)})
    md = render_report(ReportData("T", diffs))
    assert "<details><summary>All metrics (40; 20 changed or new)</summary>" in md
    assert "_15 of 40 metrics shown; all are below._" in md


def test_headline_prefers_gate_keys_then_biggest_moves():
    base = {f"m{i}": 1.0 for i in range(30)}
    head = dict(base, m29=5.0, m3=1.5) | {f"m{i}": 1.01 for i in range(10, 25)}
    chosen = choose_headline(diff_metrics(base, head), [], ["m7"])
    assert [d.key for d in chosen[:3]] == ["m7", "m29", "m3"]
    assert len(chosen) == 15
    assert [d.key for d in choose_headline(diff_metrics(base, head), ["m1*"], [])][:2] == [
        "m1",
        "m10",
    ]


def test_unchanged_rows_and_text_values_leave_the_headline_unless_a_gate_names_them():
    base = {"acc": 0.8, "loss": 0.3, "epochs": 10, "model": "bert", "seed": 1, "lr": 0.1}
    head = dict(base, acc=0.82, model="roberta")
    chosen = choose_headline(diff_metrics(base, head), [], ["lr"])
    assert [d.key for d in chosen] == ["acc", "lr"]  # lr: a gate reads it
    md = render_report(ReportData("T", diff_metrics(base, head)))
    headline = md.split("### Headline metrics")[1].split("<details>")[0]
    assert "acc" in headline and "model" not in headline and "loss" not in headline
    assert "_1 of 6 metrics shown; all are below._" in headline
    details = md.split("<details><summary>All metrics")[1]
    assert all(k in details for k in ("loss", "epochs", "model", "seed", "lr"))


def test_the_details_block_is_left_out_when_the_headline_shows_every_metric():
    md = render_report(
        ReportData("T", diff_metrics({"acc": 0.8, "f1": 0.7}, {"acc": 0.9, "f1": 0.6}))
    )
    assert "<details>" not in md and "all are below" not in md
    assert md.count("| <span") == 2  # each metric once


def test_nothing_changed_says_so_in_one_line():
    md = render_report(ReportData("T", diff_metrics({"acc": 0.8}, {"acc": 0.8})))
    headline = md.split("### Headline metrics")[1]
    assert "_No metric changed; every metric is in the details below._" in headline
    assert "<details><summary>All metrics (1; 0 changed or new)</summary>" in md


def test_report_fits_the_budget_and_says_what_was_cut():
    base = {f"metric.number_{i}": float(i) for i in range(10_000)}
    head = {k: v + 1 for k, v in base.items()}
    data = ReportData("T", diff_metrics(base, head), full_report_hint="report.full.md")
    md = render_report(data, budget=65_536)
    assert len(md) <= 65_536
    assert "✂️ Cut to fit the 65,536-character limit" in md and "report.full.md" in md
    assert "(from all metrics)" in md
    # Cut at a section boundary: the details block is closed and the footer survives.
    assert md.count("<details>") == md.count("</details>")
    assert md.rstrip().endswith("</sub>")
    big = render_report(data, budget=1_000_000)
    assert "Cut to fit" not in big and len(big) > 65_536


def test_images_are_linked_with_escaped_alt_and_encoded_paths():
    md = render_report(
        ReportData(
            "T", diff_metrics({}, {"a": 1}), images=[Image("loss [curve]", "plots/my loss.png")]
        )
    )
    assert "![loss \\[curve\\]](plots/my%20loss.png)" in md


def test_value_formatting():
    assert fmt_value(0.123456) == "0.1235"
    assert fmt_value(1234567.0) == "1234567"
    assert fmt_value(1e-7) == "1e-07" and fmt_value(-1.234567e-6) == "-1.235e-06"
    # 0.7135 - 0.7136 is -9.99999e-05 in floats: shown as the 4 decimals make it, not in e-notation
    assert fmt_value(0.7135 - 0.7136) == "-0.0001" and fmt_value(0.00004) == "4e-05"
    assert fmt_value(float("nan")) == "NaN" and fmt_value(float("-inf")) == "-∞"
    assert fmt_value(True) == "true" and fmt_value(None) == "null" and fmt_value(3) == "3"
    assert (
        fmt_delta(0.00001) == "+1e-05" and fmt_delta(-0.25) == "-0.25" and fmt_delta(0.1) == "+0.1"
    )
    assert (
        fmt_percent(0.05) == "+5.0%"
        and fmt_percent(None) == ""
        and fmt_percent(-0.0001) == "-<0.1%"
    )


def test_sparkline_histogram_scales_to_the_peak():
    from cmlreport.metrics.slices import Histogram
    from cmlreport.report.slices import sparkline_histogram

    line = sparkline_histogram(Histogram((-0.2, -0.1, 0.0, 0.1), (1, 8, 0)), 4)
    assert line == "Δ histogram: `-0.2 ▁█  +0.1` (peak 8 labels per bin)"


def test_gates_marker_round_trips_through_the_report():
    from cmlreport.report.markdown import read_gates_marker

    diffs = diff_metrics({"f1": 0.9}, {"f1": 0.8, "acc": 0.95})
    results = evaluate_gates(parse_gates(["acc < 0.9"], ["f1:0.01"]), diffs)
    md = render_report(ReportData("T", diffs, gates=results))
    assert read_gates_marker(md) == (1, 1)
    assert read_gates_marker(render_report(ReportData("T", diffs))) is None


def test_tables_that_cannot_fit_the_budget_are_not_formatted(monkeypatch):
    # 100k metrics in a 65k comment: formatting every row (twice) made `report` take 9 s.
    import cmlreport.report.markdown as markdown

    sizes = []
    real = markdown.metrics_table
    monkeypatch.setattr(
        markdown,
        "metrics_table",
        lambda rows, *rest: sizes.append(len(rows)) or real(rows, *rest),
    )
    base = {f"metric.number_{i}": float(i) for i in range(20_000)}
    head = {k: v + 1 for k, v in base.items()}
    md = render_report(ReportData("T", diff_metrics(base, head)), budget=65_536)
    assert "(from all metrics)" in md and len(md) <= 65_536
    assert max(sizes) * len("|  |  |  |  |  |  |\n") <= 65_536


def test_the_first_line_names_the_failed_gates_and_the_drift_verdict():
    """A reviewer reads why the job is red, and whether the data moved, before any table."""
    diffs = diff_metrics(
        {"f1": 0.9, "recall": 0.9, "p": 0.9, "q": 0.9},
        {"f1": 0.8, "recall": 0.8, "p": 0.8, "q": 0.8, "drift.live.score.psi": 0.31},
    )
    gates = ["f1:0.01", "recall:0.01", "p:0.01", "q:0.01"]
    results = evaluate_gates(parse_gates([], gates), diffs)
    verdict = ["drift: major drift in live.score (PSI 0.31)"]
    first = summary_line(render_report(ReportData("T", diffs, gates=results, verdicts=verdict)))
    named = "<code>f1:0.01</code>, <code>recall:0.01</code>, <code>p:0.01</code>"
    assert first.startswith(f"❌ **4 of 4 gates failed**: {named}")
    assert "and 1 more" in first and "q:0.01" not in first
    assert "drift: major drift in live.score" in first and "PSI 0.31" in first
    assert "new" not in first  # drift statistics exist at head only: no news in themselves


def test_a_long_hostile_gate_name_stays_one_code_span_on_the_first_line():
    key = "a|`b" + "x" * 70
    diffs = diff_metrics({key: 0.9}, {key: 0.8})
    results = evaluate_gates(parse_gates([f"{key} < 0.85"], []), diffs)
    first = summary_line(render_report(ReportData("T", diffs, gates=results)))
    assert first.count("…") == 1 and first.count("<code>") == 1
    assert unescaped_pipes(first) == 0 and "a\\|\\`b" in first  # escaped as md_code does


def summary_line(md: str) -> str:
    return next(line for line in md.splitlines() if line.startswith(("❌", "✅")))


def test_the_first_plot_stays_open_and_the_others_are_folded_by_name():
    images = [Image(n, f"plots/{n}.png") for n in ("drift", "confusion", "curves")]
    md = render_report(ReportData("T", diff_metrics({}, {"a": 1}), images=images))
    plots = md.split("### Plots")[1]
    opened, folded = plots.split("<details>", 1)
    assert "![drift](plots/drift.png)" in opened and "confusion" not in opened
    assert folded.startswith("<summary>2 more: confusion, curves</summary>")
    assert "![curves](plots/curves.png)" in folded.split("</details>")[0]


def test_a_single_plot_is_not_folded():
    md = render_report(ReportData("T", diff_metrics({}, {"a": 1}), images=[Image("x", "x.png")]))
    assert "<details>" not in md.split("### Plots")[1].split("<details><summary>All")[0]


def test_slice_regressions_read_open_and_the_improvements_are_folded():
    def table(shift: float) -> SliceTable:
        rows = {f"c{i}": {"f1": 0.5 + shift * ((-1) ** i) * i / 50} for i in range(30)}
        return SliceTable("per_class", "label", ("f1",), rows)

    summary = summarize_slices(table(0.0), table(1.0), top_n=3)
    md = render_report(ReportData("T", diff_metrics({}, {"a": 1}), slices=[summary]))
    section = md.split("### Slices")[1]
    assert "**Top 3 regressions**" in section.split("<details>")[0]
    assert "<details><summary>Top 3 improvements</summary>" in section
