"""A local HTML preview of a report: the PR comment as GitHub would show it, offline.

The markdown goes through GitHub's own renderer (cmark-gfm, with the options github.com uses for
comments), then through nh3 with an allow-list close to GitHub's sanitiser, so the page shows
what the comment will show and nothing a metric name smuggles in can run. ``render_preview`` is
pure (markdown and image bytes in, a page out); ``write_preview`` is the edge that reads the
report and its images and writes the page. The page loads nothing: its policy allows inline
styles and ``data:`` images only, and only images that pass the checks of
:mod:`cmlreport.publishable` (the same as for publishing) are inlined; others show as text.
"""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Callable, Mapping
from pathlib import Path, PurePosixPath
from urllib.parse import unquote

import cmarkgfm
import nh3
from cmarkgfm.cmark import Options

from cmlreport.errors import InputError
from cmlreport.publishable.decode import BY_SUFFIX, image_problem

__all__ = ["markdown_to_html", "render_preview", "write_preview"]

# What github.com asks of cmark-gfm for a comment (html-pipeline's MarkdownFilter): raw HTML is
# kept for the sanitiser to judge, and a single newline is a line break. The cmarkgfm wrapper
# adds the rest GitHub uses: fences as <pre lang>, tables, strikethrough, autolinks, the tag
# filter (<script>, <style>, <iframe>... shown as text) and task lists.
_CMARK_OPTIONS = Options.CMARK_OPT_UNSAFE | Options.CMARK_OPT_HARDBREAKS

# GitHub's sanitiser allow-list (html-pipeline's SanitizationFilter), trimmed to what a comment
# shows offline: no script, style, iframe, form, meta, base, link, object, embed, svg or math;
# no event handler or style attribute; links to http(s), mailto or relative URLs only. "data"
# passes the scheme check only for image sources, which the preview judges itself below.
_SANITISER = nh3.Cleaner(
    tags={
        *("h1", "h2", "h3", "h4", "h5", "h6", "p", "br", "hr", "div", "span", "blockquote"),
        *("b", "i", "strong", "em", "del", "s", "strike", "ins", "sub", "sup", "q", "tt"),
        *("code", "pre", "kbd", "samp", "var", "a", "img", "details", "summary"),
        *("ul", "ol", "li", "dl", "dt", "dd", "input", "ruby", "rt", "rp"),
        *("table", "thead", "tbody", "tfoot", "tr", "th", "td"),
    },
    attributes={
        "*": {"align", "dir", "lang", "title"},
        "a": {"href"},
        "img": {"src", "alt", "width", "height"},
        "ol": {"start"},
        "td": {"colspan", "rowspan"},
        "th": {"colspan", "rowspan"},
        "details": {"open"},
    },
    # Every <input> becomes what a task list draws: a checkbox nobody can tick.
    tag_attribute_values={"input": {"checked": {""}}},
    set_tag_attribute_values={"input": {"type": "checkbox", "disabled": ""}},
    url_schemes={"http", "https", "mailto", "data"},
    attribute_filter=lambda tag, name, value: None if name == "href" and _is_data(value) else value,
    link_rel=None,
)

# nh3 writes every tag the same way (lower case, every value in double quotes, "<" escaped in
# text), so its <img> tags and mermaid fences are found exactly.
_IMG = re.compile(r'<img\b(?:[^>"]|"[^"]*")*>')
_ATTR = re.compile(r'([^\s="/>]+)(?:="([^"]*)")?')
_MERMAID = re.compile(r'<pre lang="mermaid"><code>([^<]*)</code></pre>', re.IGNORECASE)
_MERMAID_FIGURE = (
    r'<figure class="mermaid"><pre class="mermaid">\1</pre>'
    "<figcaption>mermaid chart (renders on GitHub/GitLab)</figcaption></figure>"
)
# Any "scheme:" (http, data, mailto...) is not a local file; "C:\\" and "C:/" are.
_URL_SCHEME = re.compile(r"^(?![A-Za-z]:[\\/])[A-Za-z][A-Za-z0-9+.-]*:|^//")
_FIRST_HEADING = re.compile(r"^ {0,3}#{1,6}[ \t]+.+$", re.MULTILINE)

# An image source -> the data: URI the page shows instead; None: not loaded, its alt text shows.
Resolve = Callable[[str], "str | None"]

# GitHub's light theme for comments (Primer colours), trimmed to what a report contains.
_CSS = """
body { margin: 0; padding: 24px 16px; background: #f6f8fa; color: #1f2328;
  font: 14px/1.5 -apple-system, BlinkMacSystemFont, "Segoe UI", "Noto Sans", Helvetica, Arial,
  sans-serif, "Apple Color Emoji", "Segoe UI Emoji"; }
.comment { max-width: 880px; margin: 0 auto; background: #fff; border: 1px solid #d1d9e0;
  border-radius: 6px; }
.comment-header { padding: 8px 16px; background: #f6f8fa; border-bottom: 1px solid #d1d9e0;
  border-radius: 6px 6px 0 0; color: #59636e; }
.comment-header strong { color: #1f2328; }
.markdown-body { padding: 16px; overflow-wrap: break-word; }
.markdown-body > :first-child { margin-top: 0 !important; }
.markdown-body > :last-child { margin-bottom: 0 !important; }
h1, h2, h3, h4, h5, h6 { margin: 24px 0 16px; font-weight: 600; line-height: 1.25; }
h1 { font-size: 2em; } h2 { font-size: 1.5em; } h3 { font-size: 1.25em; }
h4 { font-size: 1em; } h5 { font-size: .875em; } h6 { font-size: .85em; color: #59636e; }
h1, h2 { padding-bottom: .3em; border-bottom: 1px solid #d1d9e0b3; }
p, blockquote, ul, ol, table, pre, details, figure { margin: 0 0 16px; }
a { color: #0969da; text-decoration: none; } a:hover { text-decoration: underline; }
blockquote { padding: 0 1em; color: #59636e; border-left: .25em solid #d1d9e0; }
blockquote > :last-child { margin-bottom: 0; }
hr { height: .25em; margin: 24px 0; padding: 0; background: #d1d9e0; border: 0; }
ul, ol { padding-left: 2em; } li + li { margin-top: .25em; }
li > input[type="checkbox"] { margin: 0 .2em .25em 0; vertical-align: middle; }
table { display: block; width: max-content; max-width: 100%; overflow: auto;
  border-spacing: 0; border-collapse: collapse; font-variant: tabular-nums; }
th, td { padding: 6px 13px; border: 1px solid #d1d9e0; }
th { font-weight: 600; }
tr { background: #fff; border-top: 1px solid #d1d9e0b3; }
tr:nth-child(2n) { background: #f6f8fa; }
code, pre { font: 85% ui-monospace, SFMono-Regular, "SF Mono", Menlo, Consolas, monospace; }
code { padding: .2em .4em; background: #818b981f; border-radius: 6px; white-space: break-spaces; }
pre { padding: 16px; overflow: auto; line-height: 1.45; background: #f6f8fa; border-radius: 6px; }
pre code { padding: 0; font-size: 100%; background: transparent; white-space: pre; }
img { max-width: 100%; box-sizing: content-box; background: #fff; }
details summary { cursor: pointer; }
details[open] > summary { margin-bottom: 16px; }
sub { font-size: 75%; color: #59636e; }
span[title] { text-decoration: underline dotted #59636e; }
figure.mermaid { margin-left: 0; margin-right: 0; }
figcaption { font-size: 12px; color: #59636e; }
"""

# No script may run and nothing may be fetched, whatever slipped through: inline styles and
# inlined images only (a remote image would tell its host who opened the report, and when).
_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"


def markdown_to_html(md: str, images: Mapping[str, bytes] | None = None) -> str:
    """The HTML GitHub would show for the comment ``md``, sanitised. With ``images`` (source as
    written, or URL-decoded -> file bytes) every image is inlined as a ``data:`` URI if its
    bytes pass the image checks, or shown as its alt text; without, sources stay as written.
    A ``data:`` URI in ``md`` is shown only if it holds a sound image."""
    resolve = _resolver(images)
    body = _IMG.sub(lambda tag: _image(tag[0], resolve), _sanitised(md))
    return _MERMAID.sub(_MERMAID_FIGURE, body)


def render_preview(md: str, title: str, images: Mapping[str, bytes]) -> str:
    """A complete standalone HTML page for the report ``md``; see :func:`markdown_to_html` for
    which of ``images`` it inlines."""
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en">',
            "<head>",
            '<meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">',
            f"<title>{html.escape(title, quote=False)}</title>",
            f"<style>{_CSS}</style>",
            "</head>",
            "<body>",
            '<div class="comment">',
            '<div class="comment-header"><strong>cmlreport</strong> commented · '
            "local preview (GitHub renders the same markdown)</div>",
            f'<div class="markdown-body">\n{markdown_to_html(md, images)}</div>',
            "</div>",
            "</body>",
            "</html>",
            "",
        ]
    )


def write_preview(
    md_path: Path, html_path: Path, title: str | None = None, image_root: Path | None = None
) -> Path:
    """Read the report at ``md_path`` and the local images it references (relative to its
    folder, inside the root that :func:`cmlreport.publishable.image_root` gives for
    ``image_root``), write the standalone page to ``html_path``, and return ``html_path``."""
    from cmlreport import publishable

    md = _read_report(md_path)
    root = publishable.image_root(md_path, image_root)
    checked = publishable.preview_images(_local_sources(md), md_path.parent, root)
    images = {src: image.data for src, image in checked.items()}
    page = render_preview(md, title or _title_of(md, md_path), images)
    try:
        html_path.parent.mkdir(parents=True, exist_ok=True)
        html_path.write_text(page, encoding="utf-8")
    except OSError as exc:
        raise InputError(
            f"cannot write the HTML preview {html_path}: {exc.strerror or exc}; "
            "choose a writable path"
        ) from exc
    return html_path


def _sanitised(md: str) -> str:
    return _SANITISER.clean(cmarkgfm.github_flavored_markdown_to_html(md, options=_CMARK_OPTIONS))


def _is_data(url: str) -> bool:
    # Browsers skip blanks and control characters around and inside a scheme ("da\tta:").
    return re.sub(r"[\x00-\x20\x7f]", "", url)[:5].lower() == "data:"


def _attrs(tag: str) -> dict[str, str]:
    return {name: html.unescape(value) for name, value in _ATTR.findall(tag[len("<img") : -1])}


def _image(tag: str, resolve: Resolve) -> str:
    """An <img> as the page shows it: its source resolved, or its alt text with the source in
    a tooltip. One whose source the sanitiser refused loads nothing and stays as it is."""
    attrs = _attrs(tag)
    src = attrs.pop("src", None)
    if src is None:
        return tag
    shown = resolve(src)
    if shown is None:
        alt = html.escape(attrs.get("alt") or "image")
        return f'<span title="not loaded in the preview: {html.escape(src)}">[{alt}]</span>'
    rest = "".join(f' {name}="{html.escape(value)}"' for name, value in attrs.items())
    return f'<img src="{html.escape(shown)}"{rest}>'


def _resolver(images: Mapping[str, bytes] | None) -> Resolve:
    def resolve(src: str) -> str | None:
        if _is_data(src):
            return _checked_data_uri(src)
        if images is None:
            return src
        data = images.get(src)
        if data is None:
            data = images.get(unquote(src))
        declared = BY_SUFFIX.get(PurePosixPath(_path_part(src)).suffix.lower())
        if data is None or declared is None or image_problem(data, declared) is not None:
            return None
        return _data_uri(declared, data)

    return resolve


def _checked_data_uri(uri: str) -> str | None:
    """The image a ``data:`` URI in the report holds, re-encoded; None unless it is sound."""
    from cmlreport.publishable import data_uri_image

    try:
        image = data_uri_image(uri, 1, "the preview")
    except InputError:
        return None
    return _data_uri(image.content_type, image.data)


def _data_uri(content_type: str, data: bytes) -> str:
    return f"data:{content_type};base64,{base64.b64encode(data).decode('ascii')}"


def _local_sources(md: str) -> list[str]:
    """Every image source the preview looks up on disk, in order, each once."""
    found = (_attrs(tag).get("src", "") for tag in _IMG.findall(_sanitised(md)))
    return list(dict.fromkeys(src for src in found if src and not _URL_SCHEME.match(src)))


def _path_part(src: str) -> str:
    """The file a relative image source names: no query or fragment, %20 and friends decoded."""
    return unquote(src.split("#", 1)[0].split("?", 1)[0])


def _read_report(md_path: Path) -> str:
    try:
        return md_path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise InputError(
            f"report {md_path} not found: write it first (cmlreport report -o {md_path})"
        ) from exc
    except UnicodeDecodeError as exc:
        raise InputError(f"report {md_path} is not UTF-8 text: pass the markdown report") from exc
    except OSError as exc:
        raise InputError(f"cannot read the report {md_path}: {exc.strerror or exc}") from exc


def _title_of(md: str, md_path: Path) -> str:
    heading = _FIRST_HEADING.search(md)
    if heading is None:
        return md_path.name
    text = html.unescape(nh3.clean(_sanitised(heading[0]), tags=set())).strip()
    return text or md_path.name
