"""The local HTML preview: what `cmlreport demo` opens in a browser instead of a PR comment."""

from __future__ import annotations

import base64
import io
import random
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest
from PIL import Image as PILImage

from cmlreport.errors import InputError
from cmlreport.metrics.diff import diff_metrics
from cmlreport.metrics.gates import evaluate_gates, parse_gates
from cmlreport.metrics.model import SliceTable
from cmlreport.metrics.slices import summarize_slices
from cmlreport.plots.mermaid import line_chart
from cmlreport.report.charts import Chart, Image
from cmlreport.report.footer import Revisions
from cmlreport.report.markdown import ReportData, render_report
from cmlreport.report.preview import markdown_to_html, render_preview, write_preview


def encoded(fmt: str) -> bytes:
    out = io.BytesIO()
    PILImage.new("RGB", (4, 3), (200, 30, 30)).save(out, fmt)
    return out.getvalue()


PNG = encoded("PNG")
JPEG = encoded("JPEG")
GIF = encoded("GIF")
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>'
VOID = {"br", "img", "hr", "meta"}


@dataclass
class Element:
    tag: str
    attrs: dict[str, str | None] = field(default_factory=dict)
    children: list[Element | str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text for c in self.children)

    def find_all(self, tag: str) -> list[Element]:
        found: list[Element] = []
        for child in self.children:
            if isinstance(child, Element):
                found += ([child] if child.tag == tag else []) + child.find_all(tag)
        return found

    def find(self, tag: str) -> Element:
        found = self.find_all(tag)
        assert found, f"no <{tag}> in {self}"
        return found[0]


class TreeBuilder(HTMLParser):
    """A strict tree: a closing tag that does not match the innermost open one is an error."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("root")
        self.open = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, dict(attrs))
        self.open[-1].children.append(element)
        if tag not in VOID:
            self.open.append(element)

    def handle_endtag(self, tag: str) -> None:
        assert self.open[-1].tag == tag, f"</{tag}> closes <{self.open[-1].tag}>"
        self.open.pop()

    def handle_data(self, data: str) -> None:
        self.open[-1].children.append(data)


def tree(html: str) -> Element:
    builder = TreeBuilder()
    builder.feed(html)
    builder.close()
    assert builder.open == [builder.root], f"left open: {[e.tag for e in builder.open[1:]]}"
    return builder.root


def rows(html_or_element: str | Element) -> list[list[str]]:
    root = tree(html_or_element) if isinstance(html_or_element, str) else html_or_element
    return [[c.text for c in tr.children if isinstance(c, Element)] for tr in root.find_all("tr")]


def elements(root: Element) -> list[Element]:
    found: list[Element] = []
    for child in root.children:
        if isinstance(child, Element):
            found += [child, *elements(child)]
    return found


# --- blocks -----------------------------------------------------------------------------------


def test_paragraphs_keep_single_newlines_as_breaks_like_a_github_comment():
    doc = tree(markdown_to_html("first line\nsecond line\n\nnext paragraph"))
    first, second = doc.find_all("p")
    assert [c.tag for c in first.children if isinstance(c, Element)] == ["br"]
    assert first.text.split() == ["first", "line", "second", "line"]
    assert second.text == "next paragraph"


def test_notes_blockquote_and_horizontal_rule():
    html = markdown_to_html("> no base revision\n> every metric is new\n\n---\n<sub>footer</sub>")
    doc = tree(html)
    quote = doc.find("blockquote")
    assert "no base revision" in quote.text and "every metric is new" in quote.text
    assert doc.find_all("hr") and doc.find("sub").text == "footer"


def test_table_alignment_row_sets_each_column_alignment():
    md = "| metric | base | Δ | mark |\n|:--|--:|:-:|---|\n| acc | 0.8 | +0.04 | 🟢 |"
    doc = tree(markdown_to_html(md))
    aligns = [th.attrs.get("align") for th in doc.find_all("th")]  # as on github.com
    assert aligns == ["left", "right", "center", None]
    assert rows(markdown_to_html(md)) == [
        ["metric", "base", "Δ", "mark"],
        ["acc", "0.8", "+0.04", "🟢"],
    ]


def test_fenced_code_is_escaped_and_keeps_its_language():
    doc = tree(markdown_to_html("```python\nif a < b and c > d: print('<b>')\n```"))
    code = doc.find("pre").find("code")
    assert doc.find("pre").attrs["lang"] == "python"  # GitHub's <pre lang>
    assert code.text == "if a < b and c > d: print('<b>')\n"
    assert not doc.find_all("b")


def test_mermaid_block_is_shown_as_source_with_a_caption():
    html = markdown_to_html("```mermaid\nxychart-beta\n    line [3, 2, 1]\n```")
    doc = tree(html)
    pre = doc.find("pre")
    assert pre.attrs["class"] == "mermaid" and "line [3, 2, 1]" in pre.text
    assert "renders on GitHub/GitLab" in doc.find("figcaption").text


def test_bullet_and_numbered_lists_with_a_nested_level():
    md = "- fixed the tokenizer\n- more data\n  - politics\n\n3. third\n4. fourth"
    doc = tree(markdown_to_html(md))
    outer = doc.find("ul")
    items = [li for li in outer.children if isinstance(li, Element)]
    assert [li.text.split("\n")[0] for li in items] == ["fixed the tokenizer", "more data"]
    assert items[1].find("ul").find("li").text == "politics"
    ol = doc.find("ol")
    assert ol.attrs["start"] == "3" and [li.text for li in ol.find_all("li")] == ["third", "fourth"]


# --- inline -----------------------------------------------------------------------------------


def test_bold_italic_and_code_spans():
    doc = tree(markdown_to_html("**14 worse** and _fresh_ *data* with `lr=1e-3`"))
    assert doc.find("strong").text == "14 worse"
    assert [e.text for e in doc.find_all("em")] == ["fresh", "data"]
    assert doc.find("code").text == "lr=1e-3"


def test_links_and_images():
    md = '[the run](https://ci.example/run/7 "CI") ![loss curve](plots/loss.png)'
    doc = tree(markdown_to_html(md))
    link = doc.find("a")
    assert (link.attrs["href"], link.attrs["title"], link.text) == (
        "https://ci.example/run/7",
        "CI",
        "the run",
    )
    img = doc.find("img")
    assert (img.attrs["src"], img.attrs["alt"]) == ("plots/loss.png", "loss curve")


def test_entities_pass_through_and_bare_ampersands_are_escaped():
    html = markdown_to_html("a &lt;b&gt; &copy; &#65; AT&T &bogus;")
    assert "&lt;b&gt;" in html and "AT&amp;T" in html and "&amp;bogus;" in html
    assert tree(html).find("p").text == "a <b> © A AT&T &bogus;"


def test_allowed_raw_tags_pass_with_only_allowed_attributes():
    md = (
        '<span title="higher is better" onclick="x()" style="color:red">acc</span> '
        "<b>b</b> <i>i</i> <code>c</code> <sub>s</sub><br/>"
        '<a href="https://ci/1" target="_blank">run</a> <img src="p.png" alt="p" width="9">'
    )
    doc = tree(markdown_to_html(md))
    assert doc.find("span").attrs == {"title": "higher is better"}
    assert [doc.find(t).text for t in ("b", "i", "code", "sub")] == ["b", "i", "c", "s"]
    assert doc.find("a").attrs == {"href": "https://ci/1"}
    assert doc.find("img").attrs == {"src": "p.png", "alt": "p", "width": "9"}  # as GitHub
    assert doc.find_all("br")


def test_html_comments_such_as_the_sticky_marker_are_dropped():
    html = markdown_to_html("<!-- cmlreport:train -->\n## Report\n\ntext <!-- hidden --> end")
    assert "cmlreport:train" not in html and "hidden" not in html
    assert tree(html).find("h2").text == "Report"


def test_a_stray_raw_tag_in_a_metric_name_does_not_swallow_the_page():
    doc = tree(markdown_to_html("| m |\n|--|\n| <sub>a |\n\nafter </sub> <details>"))
    assert doc.find("td").find("sub").text == "a"
    assert doc.find_all("p")[0].text.startswith("after")


# --- safety -----------------------------------------------------------------------------------

SCRIPT = "<script>alert(1)</script>"


@pytest.mark.parametrize(
    ("md", "shown"),
    [
        (f"## Report {SCRIPT}", SCRIPT),
        (f"| metric |\n|--|\n| acc{SCRIPT} |", SCRIPT),
        (f"the model {SCRIPT} improved", SCRIPT),
        (f"<details><summary>{SCRIPT}</summary>\n\n</details>", SCRIPT),
        (f"> {SCRIPT}", SCRIPT),
        ("<SCRIPT src=x></SCRIPT><iframe src=x>", "<SCRIPT src=x></SCRIPT><iframe src=x>"),
        ('<style>p{}</style><img src="p.png" onerror="alert(1)">', "<style>p{}</style>"),
    ],
)
def test_script_and_other_tags_come_out_as_visible_text(md, shown):
    html = markdown_to_html(md)
    assert "<script" not in html.lower()
    doc = tree(html)
    assert shown in doc.text
    for element in elements(doc):
        assert element.tag not in {"script", "iframe", "style"}
        assert not any(name.startswith("on") for name in element.attrs)


@pytest.mark.parametrize(
    "md",
    [
        "[click](javascript:alert(1))",
        "[click]( JavaScript:alert(1) )",
        '<a href="jav&#x61;script:alert(1)">click</a>',
        '<a href="java\tscript:alert(1)">click</a>',
        "[click](vbscript:msgbox(1))",
        "![x](javascript:alert(1))",
        '<img src="data:text/html,<script>alert(1)</script>" alt="x">',
    ],
)
def test_script_urls_are_neutralised(md):
    doc = tree(markdown_to_html(md))
    for element in doc.find_all("a") + doc.find_all("img"):
        assert "href" not in element.attrs and "src" not in element.attrs
    assert "script:" not in markdown_to_html(md).lower().replace("&#x61;", "a")


def test_random_markdown_never_yields_tags_or_attributes_outside_the_allowlist():
    allowed = {
        *("p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "ul", "ol", "li", "hr", "br"),
        *("table", "thead", "tbody", "tr", "th", "td", "pre", "code", "em", "strong", "a"),
        *("img", "details", "summary", "sub", "span", "b", "i", "figure", "figcaption"),
    }
    pieces = [
        *("*", "_", "**", "`", "\\", "[", "](", ")", "!", "<", ">", "&", "#", "- ", "1. "),
        *("> ", "|", "\n", "\n\n", "```", "---", "a", ":--", "<details>", "</details>"),
        *("<sub>", "</sub>", "<b>", "</i>", "<!--", "-->", "javascript:", "https://e.x/"),
        *('<a href="javascript:x">', "<img src=x onerror=y>", "<span title='a\" onclick=b'>"),
    ]
    rnd = random.Random(7)
    for _ in range(400):
        md = "".join(rnd.choice(pieces) for _ in range(rnd.randint(1, 30)))
        doc = tree(markdown_to_html(md))  # also: every tag it opens, it closes, in order
        for element in elements(doc):
            assert element.tag in allowed, (md, element.tag)
            assert set(element.attrs) <= {"href", "src", "alt", "title", "class", "align", "lang"}


# --- details ----------------------------------------------------------------------------------


def test_details_wraps_its_summary_and_the_table_between_the_html_lines():
    md = (
        "<details><summary>All metrics (3; 2 changed)</summary>\n\n"
        "| metric | head |\n|:--|--:|\n| acc | 0.84 |\n| loss | 0.4 |\n\n</details>\n\nafter"
    )
    doc = tree(markdown_to_html(md))
    details = doc.find("details")
    assert details.children[0] == details.find("summary")
    assert details.find("summary").text == "All metrics (3; 2 changed)"
    assert [r[0] for r in rows(markdown_to_html(md))] == ["metric", "acc", "loss"]
    assert details.find_all("tr") and doc.find_all("p")[-1].text == "after"
    assert not details.find_all("p")  # "after" is outside the details


# --- the page ---------------------------------------------------------------------------------


def data_of(src: str) -> tuple[str, bytes]:
    m = re.fullmatch(r"data:([^;]+);base64,(.*)", src)
    assert m, src
    return m[1], base64.b64decode(m[2])


def not_loaded(page: str) -> dict[str, str]:
    """The images the page shows as text instead: label -> the source in the tooltip."""
    prefix = "not loaded in the preview: "
    return {
        span.text: str(span.attrs["title"]).removeprefix(prefix)
        for span in tree(page).find_all("span")
        if str(span.attrs.get("title", "")).startswith(prefix)
    }


def test_page_inlines_only_checked_local_images_as_data_uris():
    md = (
        "![loss](plots/loss.png) ![cm](plots/cm.svg) ![photo](a.JPG)\n\n"
        '<img src="plots/drift%20overlay.gif" alt="drift">\n\n'
        "![remote](https://example.com/x.png) ![missing](plots/none.png) "
        '![fake](fake.png) <img src="https://example.com/y.png" alt="raw remote">'
    )
    images = {
        "plots/loss.png": PNG,
        "plots/cm.svg": SVG,
        "a.JPG": JPEG,
        "plots/drift overlay.gif": GIF,
        "fake.png": b"\x89PNG\r\n\x1a\n<html>",
    }
    page = render_preview(md, "Report", images)
    srcs = {img.attrs["alt"]: img.attrs["src"] for img in tree(page).find_all("img")}
    assert data_of(srcs["loss"]) == ("image/png", PNG)
    assert data_of(srcs["photo"]) == ("image/jpeg", JPEG)
    assert data_of(srcs["drift"]) == ("image/gif", GIF)
    assert set(srcs) == {"loss", "photo", "drift"}
    assert not_loaded(page) == {
        "[cm]": "plots/cm.svg",  # SVG is never inlined: it is refused for publishing too
        "[remote]": "https://example.com/x.png",
        "[missing]": "plots/none.png",
        "[fake]": "fake.png",
        "[raw remote]": "https://example.com/y.png",
    }


def test_page_is_standalone_with_no_script_and_no_external_resources():
    page = render_preview("## Model <report>\n\ntext", "Model <report> & co", {})
    doc = tree(page)
    assert doc.find("title").text == "Model <report> & co"
    assert doc.find("style").text.strip() and not doc.find_all("link")
    assert "<script" not in page and not re.search(r"https?:|url\(|@import", page)
    policy = doc.find_all("meta")[-1].attrs["content"]
    assert policy == "default-src 'none'; img-src data:; style-src 'unsafe-inline'"
    assert doc.find("h2").text == "Model "  # GitHub drops the unknown <report> tag too


def test_write_preview_reads_the_report_and_its_images_next_to_it(tmp_path: Path):
    (tmp_path / "plots").mkdir()
    (tmp_path / "plots" / "my plot.png").write_bytes(PNG)
    report = tmp_path / "report.md"
    report.write_text(
        "## Demo &amp; friends\n\n![curve](plots/my%20plot.png) ![gone](plots/gone.png) "
        "![web](https://example.com/a.png)\n",
        encoding="utf-8",
    )
    out = write_preview(report, tmp_path / "site" / "report.html")
    assert out == tmp_path / "site" / "report.html"
    doc = tree(out.read_text(encoding="utf-8"))
    srcs = {img.attrs["alt"]: img.attrs["src"] for img in doc.find_all("img")}
    assert data_of(srcs["curve"]) == ("image/png", PNG) and set(srcs) == {"curve"}
    assert not_loaded(str(out.read_text(encoding="utf-8"))) == {
        "[gone]": "plots/gone.png",
        "[web]": "https://example.com/a.png",
    }
    assert doc.find("title").text == "Demo & friends"


def test_write_preview_uses_the_given_title(tmp_path: Path):
    report = tmp_path / "r.md"
    report.write_text("no heading here\n", encoding="utf-8")
    assert tree(write_preview(report, tmp_path / "a.html").read_text()).find("title").text == "r.md"
    titled = write_preview(report, tmp_path / "b.html", title="Nightly")
    assert tree(titled.read_text()).find("title").text == "Nightly"


def test_write_preview_of_a_missing_report_names_the_file(tmp_path: Path):
    missing = tmp_path / "nope.md"
    with pytest.raises(InputError, match=r"nope\.md not found"):
        write_preview(missing, tmp_path / "out.html")
    assert not (tmp_path / "out.html").exists()


# --- a whole report ---------------------------------------------------------------------------


def realistic_report() -> str:
    hostile = "a|b<script>alert(1)</script>**x**"
    diffs = diff_metrics(
        {"eval.accuracy": 0.81, "eval.recall": 0.40, "train.loss": 0.52, hostile: 1.0},
        {"eval.accuracy": 0.84, "eval.recall": 0.25, "train.loss": 0.47, hostile: 2.0, "new_m": 3},
    )
    gates = evaluate_gates(parse_gates(["eval.recall < 0.3"], ["eval.accuracy:0.01"]), diffs)

    def labels(shift: float) -> SliceTable:
        rows = {
            f"r/{i}": {"f1": 0.5 + shift * ((-1) ** i) * i / 50, "support": 10 * i}
            for i in range(30)
        }
        return SliceTable("per_label", "label", ("f1", "support"), rows)

    data = ReportData(
        "Subreddit classifier <v2>",
        diffs,
        gates=gates,
        slices=[summarize_slices(labels(1.0), labels(0.5), top_n=3)],
        charts=[Chart("loss", mermaid=line_chart("loss", [1, 2, 3], {"head": [0.9, 0.6, 0.47]}))],
        images=[Image("confusion matrix", "plots/confusion matrix.png")],
        notes=["base metrics from main", "2 metrics are new"],
        revisions=Revisions("a" * 40, "main", "merge base", "b" * 40, "https://ci.example/run/1"),
    )
    return render_report(data)


def test_a_realistic_report_renders_as_well_formed_html_with_every_section():
    md = realistic_report()
    page = render_preview(md, "report", {"plots/confusion matrix.png": PNG})
    doc = tree(page)  # raises if any tag is closed out of order or left open
    for tag in ("table", "tr", "td", "th", "details", "summary", "p", "h2", "h3", "blockquote"):
        assert doc.find_all(tag), tag
    assert "<script" not in page
    headings = [h.text for h in doc.find_all("h3")]
    assert headings[0] == "❌ Gates: 1 of 2 failed" and "Headline metrics" in headings
    assert doc.find("h2").text == "Subreddit classifier <v2>"
    folded = [d.find("summary").text for d in doc.find_all("details")]
    # The improvements are folded; every metric is in the headline, so no details repeat it.
    assert folded == ["Top 3 improvements"]
    headline = doc.find_all("table")[1]
    metric_cells = [r[0] for r in rows(headline)][1:]
    assert "a|b<script>alert(1)</script>**x**" in metric_cells
    assert data_of(doc.find("img").attrs["src"]) == ("image/png", PNG)
    assert doc.find("pre").attrs["class"] == "mermaid"
    assert doc.find_all("a")[-1].attrs["href"] == "https://ci.example/run/1"
