"""A local HTML preview of a report: roughly what the PR comment will look like, offline.

``render_preview`` is pure (markdown and image bytes in, a standalone page out); ``write_preview``
is the thin edge that reads the report and the images it references, and writes the page.
The page loads nothing: its policy allows only inline styles and ``data:`` images, and only
images that pass the checks of :mod:`cmlreport.publishable` (the same as for publishing) are
inlined; remote and refused ones show as their alt text.
"""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from urllib.parse import unquote

from cmlreport.errors import InputError
from cmlreport.publishable.decode import BY_SUFFIX, image_problem
from cmlreport.report.mdhtml import escape_text, image_sources, markdown_to_html

__all__ = ["data_uri", "markdown_to_html", "render_preview", "write_preview"]

# Any "scheme:" (http, data, mailto...) is not a local file; "C:\\" and "C:/" are.
_URL_SCHEME = re.compile(r"^(?![A-Za-z]:[\\/])[A-Za-z][A-Za-z0-9+.-]*:|^//")
_FIRST_HEADING = re.compile(r"^ {0,3}#{1,6}[ \t]+(.+)$", re.MULTILINE)

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


def data_uri(name: str, data: bytes) -> str | None:
    """``data:`` URI for an image file named ``name`` (type from its extension), None if the
    extension is not an image type a browser shows."""
    mime = BY_SUFFIX.get(PurePosixPath(_path_part(name)).suffix.lower())
    if mime is None:
        return None
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def render_preview(md: str, title: str, images: Mapping[str, bytes]) -> str:
    """A complete standalone HTML page for the report ``md``; every image whose source is a key
    of ``images`` (as written, or URL-decoded) and whose bytes pass the image checks is inlined
    as a ``data:`` URI. Any other image is not loaded: its alt text shows instead."""

    def inline_image(src: str) -> str | None:
        if src.lower().startswith("data:"):
            return src if _sound_data_uri(src) else None
        data = images.get(src)
        if data is None:
            data = images.get(unquote(src))
        if data is None:
            return None
        declared = BY_SUFFIX.get(PurePosixPath(_path_part(src)).suffix.lower())
        if declared is None or image_problem(data, declared) is not None:
            return None
        return data_uri(src, data)

    body = markdown_to_html(md, inline_image)
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en">',
            "<head>",
            '<meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">',
            f"<title>{escape_text(title)}</title>",
            f"<style>{_CSS}</style>",
            "</head>",
            "<body>",
            '<div class="comment">',
            '<div class="comment-header"><strong>cmlreport</strong> commented · '
            "local preview (GitHub renders the same markdown)</div>",
            f'<div class="markdown-body">\n{body}</div>',
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
    local = [src for src in image_sources(md) if not _URL_SCHEME.match(src)]
    checked = publishable.preview_images(local, md_path.parent, root)
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


def _sound_data_uri(uri: str) -> bool:
    from cmlreport.publishable import data_uri_image

    try:
        data_uri_image(uri, 1, "the preview")
    except InputError:
        return False
    return True


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
    text = html.unescape(re.sub(r"<[^>]*>", "", markdown_to_html(heading[1]))).strip()
    return text or md_path.name
