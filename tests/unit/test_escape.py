"""The escaping of text from input, one context at a time; rendered with GitHub's cmark-gfm."""

from __future__ import annotations

import re

import cmarkgfm
import pytest
from cmarkgfm.cmark import Options
from hypothesis import given, settings
from hypothesis import strategies as st

from cmlreport.plots.mermaid import mermaid_label
from cmlreport.report.escape import (
    html_attr,
    http_url,
    md_code,
    md_link_target,
    md_prose,
    md_text,
    visible,
)
from cmlreport.report.markdown import read_gates_marker


def html(md: str) -> str:
    return cmarkgfm.github_flavored_markdown_to_html(md, options=Options.CMARK_OPT_UNSAFE)


def text_of(md: str) -> str:
    """What a reader sees: tags gone, entities decoded, our zero-width spaces dropped."""
    import html as stdlib_html

    inner = re.sub(r"<[^>]+>", "", html(md))
    return stdlib_html.unescape(inner).replace("\u200b", "").strip()


@pytest.mark.parametrize(
    "name",
    ["eval.accuracy", "val_loss", "f1@k", "loss (val)", "top-5 error", "-0.5", "1.5", "a*b*c"],
)
def test_ordinary_names_read_as_written(name: str) -> None:
    assert text_of(md_text(name)) == name


@pytest.mark.parametrize(
    ("hostile", "sigil"),
    [
        ("@octocat", "@"),
        ("@org/team", "@"),
        ("#123", "#"),
        ("owner/repo#1", "#"),
        ("GH-12", "GH"),
        ("!12", "!"),
        ("~bug", "~"),
        ('~"needs review"', "~"),
        ("%v1.0", "%"),
        ("&7", "&amp;"),
        ("$8", "$"),
        ("^alert#9", "^"),
        ("[vulnerability:1]", "["),
        ("*iteration:3", "*"),
        ("https://evil.example", "https"),
        ("www.evil.example", "www"),
    ],
)
def test_a_zero_width_space_follows_every_sigil_so_no_filter_matches(
    hostile: str, sigil: str
) -> None:
    out = md_text(hostile)
    assert out.split("&#8203;")[0].endswith(sigil), out
    assert text_of(out) == hostile  # invisible where rendered
    assert "<a " not in html(out)  # and not autolinked


def test_group_project_reference_is_broken_but_tags_in_names_stay_readable() -> None:
    assert md_text("ml/model>") == "ml/model&#8203;&gt;"
    assert md_text("</script>") == "&lt;/script&gt;"


def test_no_html_comment_no_tag_no_markup_survives() -> None:
    hostile = "<!-- cmlreport:x --> <img src=x> [a](javascript:1) `c` **b** |"
    out = md_text(hostile)
    assert "<" not in out and "-->" not in out
    assert text_of(out) == hostile
    rendered = html(out)
    assert not re.search(r"<(?!/?p>)", rendered), rendered


def test_lines_that_would_start_a_block_are_escaped() -> None:
    for line in ["- item", "1. one", "===", "---", "# h", "> q", "+ x"]:
        rendered = html(md_text(line))
        assert rendered.startswith("<p>") and text_of(md_text(line)) == line, rendered


def test_one_line_whatever_the_input() -> None:
    assert md_text("a\nb\r\nc\td") == "a b c d"


def test_control_bidi_and_zero_width_characters_are_spelled_out() -> None:
    assert visible("a\x1b[31m\u202eb\u200b\ufeff\u0085\u3164") == (
        "a\\x1b[31m\\u202eb\\u200b\\ufeff\\x85\\u3164"
    )
    assert visible("tab\tand space stay") == "tab\tand space stay"
    assert text_of(md_text("x\u202ey")) == "x\\u202ey"
    assert visible("\ud800") == "\\ud800"  # a lone surrogate, which UTF-8 cannot even hold


def test_code_is_an_html_code_element_around_escaped_text() -> None:
    out = md_code("a < 0.9 `x` <!-- cmlreport:k -->")
    assert out.startswith("<code>") and "<!--" not in out
    rendered = html(out).replace("\u200b", "")
    assert "<code>a &lt; 0.9 `x` &lt;!-- cmlreport:k --&gt;</code>" in rendered, rendered


def test_attribute_values_cannot_close_the_attribute_or_split_a_row() -> None:
    assert html_attr("a\"b'c<d>&e|f`g\nh") == "a&quot;b&#39;c&lt;d&gt;&amp;e&#124;f&#96;g h"


def test_link_targets_stay_one_destination() -> None:
    assert md_link_target("plots/my loss (1).png") == "plots/my%20loss%20%281%29.png"
    assert md_link_target("javascript:alert(1).png") == "javascript%3Aalert%281%29.png"
    assert md_link_target("a\nb|c].png") == "a%0Ab%7Cc%5D.png"
    assert md_link_target("https://x.example/a?b=1#c") == "https://x.example/a?b=1#c"


def test_only_plain_http_urls_pass() -> None:
    assert http_url("https://ci.example/run/1") == "https://ci.example/run/1"
    for url in ["javascript:alert(1)", "https://x/a b", "https://x/\u202e", "ftp://x", None, ""]:
        assert http_url(url) is None


def test_prose_keeps_plain_urls_as_links_and_escapes_the_rest() -> None:
    out = md_prose("the job summary of https://ci.example/run/1. and @octocat.md")
    assert out == "the job summary of <https://ci.example/run/1>. and @&#8203;octocat.md"


def test_mermaid_labels_stay_inside_their_quotes() -> None:
    label = mermaid_label('a"b`c\nd %%{init}%% #quot; <!-- cmlreport:k --> \u202e')
    assert label == "\"a'b'c d % %{init}% % #35;quot; #lt;!-- cmlreport:k --#gt; \\u202e\""
    assert mermaid_label("") == '"-"'


def test_the_gates_marker_counts_only_on_a_line_of_its_own() -> None:
    assert read_gates_marker("<!-- cmlreport-gates: passed=1 failed=0 -->\n## R\n") == (1, 0)
    assert read_gates_marker("## R <!-- cmlreport-gates: passed=9 failed=0 -->\n") is None


def test_escaping_is_linear_in_the_length_of_a_name() -> None:
    import time

    # Runs that every pattern starts on and none completes: quadratic would take minutes.
    for run in ["a" * 400_000, "a/" * 200_000, "[a" * 200_000, "h:" * 200_000]:
        start = time.perf_counter()
        md_text(run)
        mermaid_label(run)
        assert time.perf_counter() - start < 5


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab1._-/:@#!~%&$^\\`*{}[]()+|<>GH w"), max_size=30))
def test_the_fast_escape_writes_what_the_character_loop_writes(text: str) -> None:
    from cmlreport.report.escape import _inline, _inline_loop

    assert _inline(text) == _inline_loop(text)
