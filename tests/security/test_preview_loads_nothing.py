"""The HTML preview loads nothing remote: a page opened from disk must not call anyone.

Its policy allows inline styles and ``data:`` images only, and the only images inlined are those
that pass the same checks as publishing; a remote, refused or missing image shows as text.
"""

from __future__ import annotations

import base64
import re
from html.parser import HTMLParser
from pathlib import Path

from tests.e2e.conftest import Run
from tests.gitrepo import GitRepo
from tests.security.hostile_images import DECODING_ATTACKS, seed

pytest_plugins = ["tests.security.cli_plugin"]

POLICY = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"
GOOD = seed("seed.png")


class Page(HTMLParser):
    """Every tag and attribute of a page, and its Content-Security-Policy."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def policy(self) -> str | None:
        metas = [a for t, a in self.tags if t == "meta" and a.get("http-equiv")]
        assert len(metas) == 1
        return metas[0].get("content")

    def image_sources(self) -> list[str]:
        return [str(a["src"]) for t, a in self.tags if t == "img" and "src" in a]

    def loads(self) -> list[str]:
        """Every attribute a browser would fetch without a click."""
        fetching = {"src", "srcset", "poster", "data", "background"}
        return [
            f"{t} {k}={v}"
            for t, a in self.tags
            for k, v in a.items()
            if k in fetching and not (t == "img" and k == "src" and str(v).startswith("data:"))
        ] + [t for t, _ in self.tags if t in ("link", "script", "iframe", "object", "embed")]


def test_the_demo_preview_inlines_its_plots_and_loads_nothing(run: Run, tmp_path: Path) -> None:
    result = run("demo", "--out", "out", cwd=tmp_path)
    assert result.code in (0, 1), result.stderr  # the demo fails one gate on purpose
    text = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    page = Page(text)
    assert page.policy() == POLICY
    sources = page.image_sources()
    assert sources and all(s.startswith("data:image/png;base64,") for s in sources)
    assert page.loads() == []
    assert not re.search(r"url\(|@import", text)
    assert "not loaded in the preview" not in text  # every plot cmlreport draws passes the checks


def hostile_report(tmp_path: Path) -> Path:
    root = GitRepo.init(tmp_path / "project").path
    (tmp_path / "secret.png").write_bytes(GOOD)
    (root / "plots").mkdir()
    (root / "plots" / "good.png").write_bytes(GOOD)
    (root / "plots" / "link.png").symlink_to(tmp_path / "secret.png")
    for name, (data, _) in DECODING_ATTACKS.items():
        (root / "plots" / name).write_bytes(data)
    polyglot_uri = "data:image/png;base64," + base64.b64encode(GOOD + b"<html>").decode()
    svg_uri = "data:image/svg+xml;base64," + base64.b64encode(seed("script.svg")).decode()
    lines = [
        "## Report",
        "![good](plots/good.png)",
        "![remote](https://tracker.example/pixel.png?who=me)",
        "![protocol-relative](//tracker.example/p.png)",
        '<img src="http://tracker.example/raw.png" alt="raw remote">',
        "<img src=https://tracker.example/bare.png alt=bare>",
        f"![file url](file://{tmp_path / 'secret.png'})",
        "![outside](../secret.png)",
        "![link out](plots/link.png)",
        f"![polyglot uri]({polyglot_uri})",
        f"![svg uri]({svg_uri})",
        *(f"![{name}](plots/{name})" for name in sorted(DECODING_ATTACKS)),
    ]
    report = root / "report.md"
    report.write_text("\n\n".join(lines) + "\n", encoding="utf-8")
    return report


def test_a_hostile_report_previews_with_only_its_checked_image(tmp_path: Path) -> None:
    from cmlreport.report.preview import write_preview

    report = hostile_report(tmp_path)

    text = write_preview(report, tmp_path / "preview.html").read_text(encoding="utf-8")

    page = Page(text)
    assert page.policy() == POLICY
    (only,) = page.image_sources()
    assert only == "data:image/png;base64," + base64.b64encode(GOOD).decode()
    assert page.loads() == []
    assert "tracker.example" not in "".join(page.image_sources())
    unshown = re.findall(r'<span title="not loaded in the preview: ([^"]*)">\[([^]]*)\]', text)
    shown_as_text = {label for _, label in unshown}
    assert {"remote", "raw remote", "bare", "outside", "link out", "svg uri"} <= shown_as_text
    assert {"polyglot uri", *DECODING_ATTACKS} <= shown_as_text


def test_the_image_root_of_the_preview_can_be_narrowed(tmp_path: Path) -> None:
    from cmlreport.report.preview import write_preview

    report = hostile_report(tmp_path)
    (report.parent / "results").mkdir()

    text = write_preview(
        report, tmp_path / "p.html", image_root=report.parent / "results"
    ).read_text()

    assert Page(text).image_sources() == []  # plots/good.png is outside results/
