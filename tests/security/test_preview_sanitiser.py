"""Hostile reports previewed: whatever a report holds, report.html runs, fetches and sends nothing.

Each report in corpus/preview/ (its README says what each tries) is previewed next to a sound
plot, and the page is read twice: as bytes (nh3 writes "<" in text as "&lt;", so a literal
"<script" is a real tag), and parsed with html.parser as a browser builds it: only allow-listed
tags and attributes, no event handler and no style attribute, links to http(s), mailto or
relative URLs only, images only as the data: URI the preview made from the checked plot.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest

from cmlreport.report.preview import render_preview, write_preview
from tests.gitrepo import GitRepo
from tests.security.hostile_images import seed

CORPUS = Path(__file__).resolve().parent / "corpus" / "preview"
ATTACKS = sorted(CORPUS.glob("*.report.md"))
NAMES = [attack.name.removesuffix(".report.md") for attack in ATTACKS]
GOOD = seed("seed.png")
GOOD_URI = "data:image/png;base64," + base64.b64encode(GOOD).decode()
BODY_START = '<div class="markdown-body">'

# What GitHub's sanitiser keeps (html-pipeline's allow-list) and the preview's own mermaid
# figure: written out here, apart from the code, so that widening the code's list fails a test.
ALLOWED_TAGS = {
    *("h1", "h2", "h3", "h4", "h5", "h6", "p", "br", "hr", "div", "span", "blockquote"),
    *("b", "i", "strong", "em", "del", "s", "strike", "ins", "sub", "sup", "q", "tt"),
    *("code", "pre", "kbd", "samp", "var", "a", "img", "details", "summary"),
    *("ul", "ol", "li", "dl", "dt", "dd", "input", "ruby", "rt", "rp"),
    *("table", "thead", "tbody", "tfoot", "tr", "th", "td", "figure", "figcaption"),
}
ANY_TAG = {"align", "dir", "lang", "title"}
ALLOWED_ATTRIBUTES = {
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "ol": {"start"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
    "details": {"open"},
    "input": {"type", "checked", "disabled"},
    "figure": {"class"},
    "pre": {"class"},
}
# Tags that run, fetch, navigate or submit, or that parse their content differently.
DANGEROUS = re.compile(
    r"<(?:script|style|iframe|i?frame(?:set)?|object|embed|applet|portal|form|button|select|"
    r"textarea|isindex|base|link|meta|svg|math|noscript|template|xmp|plaintext|noembed|"
    r"noframes|title|video|audio|picture|source|area|map|image|use|animate|set)\b",
    re.IGNORECASE,
)
LINK_SCHEMES = {"http", "https", "mailto"}


@dataclass
class Body(HTMLParser):
    """The tags, attributes and markup oddities of the report part of a page."""

    tags: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    oddities: list[str] = field(default_factory=list)  # comments, declarations, instructions
    h2: list[str] = field(default_factory=list)
    text: list[str] = field(default_factory=list)
    _in_h2: bool = False

    def __post_init__(self) -> None:
        super().__init__(convert_charrefs=True)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {name: value or "" for name, value in attrs}))
        if tag == "h2":
            self._in_h2 = True
            self.h2.append("")

    def handle_endtag(self, tag: str) -> None:
        self._in_h2 = self._in_h2 and tag != "h2"

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._in_h2:
            self.h2[-1] += data

    def handle_comment(self, data: str) -> None:
        self.oddities.append(f"<!--{data}-->")

    def handle_decl(self, decl: str) -> None:
        self.oddities.append(f"<!{decl}>")

    def unknown_decl(self, data: str) -> None:
        self.oddities.append(f"<![{data}]>")

    def handle_pi(self, data: str) -> None:
        self.oddities.append(f"<?{data}>")


def scheme(url: str) -> str | None:
    """The scheme a browser reads in ``url``: blanks and control characters anywhere ignored."""
    m = re.match(r"([a-z][a-z0-9+.-]*):", re.sub(r"[\x00-\x20\x7f]", "", url).lower())
    return m[1] if m else None


def preview(tmp_path: Path, report_md: str) -> str:
    root = GitRepo.init(tmp_path / "project").path
    (root / "plots").mkdir()
    (root / "plots" / "good.png").write_bytes(GOOD)
    report = root / "report.md"
    report.write_text(report_md, encoding="utf-8")
    page = write_preview(report, tmp_path / "report.html", title="hostile")
    return page.read_bytes().decode("utf-8")


def parsed_body(page: str) -> Body:
    body = Body()
    body.feed(page.split(BODY_START, 1)[1])
    body.close()
    return body


@pytest.mark.parametrize("attack", ATTACKS, ids=NAMES)
def test_a_hostile_report_previews_inert(tmp_path: Path, attack: Path) -> None:
    page = preview(tmp_path, attack.read_text(encoding="utf-8"))

    # The page around the report is the preview's own, byte for byte: one policy, one style.
    head, _, report_part = page.partition(BODY_START)
    assert head == render_preview("", "hostile", {}).partition(BODY_START)[0]
    assert "url(" not in head
    # Bytes: no tag of a dangerous kind anywhere in the report.
    assert DANGEROUS.findall(report_part) == []
    tags = (re.sub(r'"[^"]*"', '""', tag) for tag in re.findall(r"<[A-Za-z][^>]*>", report_part))
    assert [tag for tag in tags if re.search(r"[\s/]on[a-z]+\s*=|\sstyle\s*=", tag)] == []

    body = parsed_body(page)
    assert body.oddities == []
    for tag, attrs in body.tags:
        assert tag in ALLOWED_TAGS, (tag, attrs)
        assert set(attrs) <= ANY_TAG | ALLOWED_ATTRIBUTES.get(tag, set()), (tag, attrs)
        if tag == "a" and "href" in attrs:
            assert scheme(attrs["href"]) in {None, *LINK_SCHEMES}, attrs
        if tag == "img" and "src" in attrs:
            assert attrs["src"] == GOOD_URI, attrs["src"][:80]
        if tag == "input":
            assert attrs.get("type") == "checkbox" and "disabled" in attrs, attrs
        if "class" in attrs:
            assert (tag, attrs["class"]) in {("figure", "mermaid"), ("pre", "mermaid")}
    # The report is still there: nothing swallowed the page or took it elsewhere.
    assert any(h.startswith("Report") for h in body.h2), body.h2


def test_the_corpus_covers_every_attack_the_readme_names() -> None:
    readme = (CORPUS / "README.md").read_text(encoding="utf-8")
    named = set(re.findall(r"^- `([a-z-]+)`", readme, re.MULTILINE))
    assert named == set(NAMES)


def test_mermaid_blocks_show_their_source_as_text_and_run_nothing(tmp_path: Path) -> None:
    page = preview(tmp_path, (CORPUS / "mermaid.report.md").read_text(encoding="utf-8"))

    body = parsed_body(page)
    figures = [attrs for tag, attrs in body.tags if tag == "figure"]
    assert len(figures) == 4  # the ``` and ~~~ fences, and the one left open
    text = "".join(body.text)
    assert 'click A href "javascript:alert(1)"' in text  # shown, never wired up
    assert "</code></pre><script>alert(1)</script>" in text
    assert "<script" not in page.split(BODY_START, 1)[1]


def test_the_sound_plot_still_shows_where_an_attack_sits_on_its_tag(tmp_path: Path) -> None:
    page = preview(tmp_path, (CORPUS / "event-handlers.report.md").read_text(encoding="utf-8"))

    images = [attrs for tag, attrs in parsed_body(page).tags if tag == "img"]
    assert images == [{"src": GOOD_URI, "alt": "good"}]
