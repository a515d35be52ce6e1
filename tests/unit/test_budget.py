from cmlreport.report.budget import Section, fit


def test_everything_fits_untouched():
    text = fit([Section("a", "A"), Section("b", "B")], "footer", 1000, None)
    assert text == "A\n\nB\n\nfooter\n"


def test_optional_sections_are_dropped_from_the_end_and_named():
    sections = [
        Section("title", "T" * 50, required=True),
        Section("slices", "S" * 300),
        Section("plots", "P" * 300),
    ]
    text = fit(sections, "F", 600, "the job summary")
    assert "S" * 300 in text and "P" * 300 not in text
    assert "left out plots. The full report is in the job summary." in text
    assert len(text) <= 600


def test_shorter_renderings_are_tried_before_dropping():
    sections = [
        Section("title", "T", required=True),
        Section("all metrics", "X" * 900, shorter=(("x" * 100, "800 rows"),)),
    ]
    text = fit(sections, "F", 400, None)
    assert "x" * 100 in text and "X" * 900 not in text
    assert "left out 800 rows (from all metrics)." in text


def test_required_sections_are_kept_and_hard_cut_last():
    sections = [Section("title", "line\n" * 400, required=True)]
    text = fit(sections, "F", 500, None)
    assert len(text) <= 500 and text.rstrip().endswith("Cut at 500 characters.")


def test_cut_markdown_keeps_the_head_and_footer_and_names_what_it_left_out():
    from cmlreport.report.budget import cut_markdown

    md = (
        "<!-- x -->\n## Report\n\nsummary\n\n### Headline metrics\n\n" + "h" * 100 + "\n\n"
        "### Slices: per_class\n\n" + "s" * 3000 + "\n\n"
        "<details><summary>All metrics (9)</summary>\n\n" + "a" * 3000 + "\n\n</details>\n\n"
        "---\n<sub>base <code>abc</code></sub>\n"
    )
    cut = cut_markdown(md, 1000, "the job summary")
    assert len(cut) <= 1000
    assert cut.startswith("<!-- x -->\n## Report") and "h" * 100 in cut
    assert (
        "left out Slices: per_class, All metrics (9). The full report is in the job summary." in cut
    )
    assert cut.rstrip().endswith("</sub>")
    assert cut_markdown(md, 100_000, None) == md


def test_the_notice_names_eight_left_out_sections_and_counts_the_rest():
    sections = [Section("title", "T", required=True)]
    sections += [Section(f"s{i}", "x" * 100) for i in range(100)]
    text = fit(sections, "F", 1000, None)
    assert len(text) <= 1000 and "x" * 100 in text
    kept = text.count("x" * 100)
    named = ", ".join(f"s{i}" for i in range(kept, kept + 8))
    assert f"left out {named} and {100 - kept - 8:,} more sections." in text
