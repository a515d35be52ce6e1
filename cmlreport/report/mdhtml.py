"""Markdown to HTML for the local preview: the GitHub-flavoured subset our reports are made of.

No markdown library: the report generator emits a known subset (headings, paragraphs, tables,
blockquotes, lists, fences, a few raw tags), and a preview must never run markup that came from a
metric name. So text is escaped by default and only a short list of tags, with a short list of
attributes, is rebuilt from what the markdown says. Pure: text in, text out.

This module reads the block structure (tables, quotes, lists, fences); ``mdinline`` renders the
spans inside each block and ``mdsafe`` judges raw tags and URLs.
"""

from __future__ import annotations

import re

from cmlreport.report.mdinline import Inline, unescape_markdown
from cmlreport.report.mdsafe import ResolveSrc, entity
from cmlreport.report.mdsafe import escape_attr as escape_attr
from cmlreport.report.mdsafe import escape_text as escape_text
from cmlreport.report.mdsafe import safe_url as safe_url

__all__ = ["escape_attr", "escape_text", "image_sources", "markdown_to_html", "safe_url"]

_FENCE = re.compile(r"^( {0,3})(`{3,}|~{3,})(.*)$")
_ATX = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?[ \t]*$")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_HR = re.compile(r"^ {0,3}(?:(?:\*[ \t]*){3,}|(?:-[ \t]*){3,}|(?:_[ \t]*){3,})$")
_QUOTE = re.compile(r"^ {0,3}> ?(.*)$")
_LIST = re.compile(r"^( {0,3})([-+*]|\d{1,9}[.)])(?:([ \t]+)(.*))?$")
_HTML_START = re.compile(r"^ {0,3}(?:<!--|</?(?:details|summary)(?:[\s/>]|$))", re.IGNORECASE)
_DELIM_ROW = re.compile(r"^ {0,3}\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$")
_HTML_PLAIN = re.compile(r"[^<&]+")
_MERMAID = (
    '<figure class="mermaid"><pre class="mermaid">{}</pre>'
    "<figcaption>mermaid chart (renders on GitHub/GitLab)</figcaption></figure>"
)


def markdown_to_html(md: str, resolve_src: ResolveSrc | None = None) -> str:
    """An HTML body fragment for ``md``. ``resolve_src`` may rewrite every image source (the
    preview swaps local files for ``data:`` URIs); it only ever sees sources judged safe."""
    text = md.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "\ufffd")
    lines = [_expand_leading_tabs(line) for line in text.split("\n")]
    return _Blocks(Inline(resolve_src or (lambda src: src))).render(lines) + "\n"


def image_sources(md: str) -> list[str]:
    """Every image source the preview would show, in order, each once (for finding files)."""
    seen: dict[str, None] = {}

    def record(src: str) -> str:
        seen.setdefault(src, None)
        return src

    markdown_to_html(md, record)
    return list(seen)


def _expand_leading_tabs(line: str) -> str:
    body = line.lstrip(" \t")
    return line[: len(line) - len(body)].expandtabs(4) + body


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _is_fence(line: str) -> re.Match[str] | None:
    m = _FENCE.match(line)
    # A backtick fence's info string cannot hold a backtick: "```a``` b" is inline code.
    return None if m is None or (m[2][0] == "`" and "`" in m[3]) else m


def _starts_block(line: str) -> bool:
    """Whether ``line`` begins a block that may interrupt a paragraph (CommonMark's rules)."""
    if _is_fence(line) or _ATX.match(line) or _HR.match(line) or _QUOTE.match(line):
        return True
    if _HTML_START.match(line):
        return True
    m = _LIST.match(line)
    # Only "1." may interrupt a paragraph, so "in 2024. we" wrapped on a line stays text.
    return bool(m and m[4] and m[4].strip() and (not m[2][0].isdigit() or int(m[2][:-1]) == 1))


def _cells(line: str) -> list[str]:
    row = line.strip()
    if row.startswith("|"):
        row = row[1:]
    if row.endswith("|") and not row.endswith("\\|"):
        row = row[:-1]
    cells: list[str] = []
    cur: list[str] = []
    i = 0
    while i < len(row):
        if row[i] == "\\" and i + 1 < len(row):
            # GFM unescapes \| before inline parsing, even inside code spans.
            cur.append("|" if row[i + 1] == "|" else row[i : i + 2])
            i += 2
            continue
        if row[i] == "|":
            cells.append("".join(cur).strip())
            cur = []
        else:
            cur.append(row[i])
        i += 1
    cells.append("".join(cur).strip())
    return cells


def _is_table(lines: list[str], i: int) -> bool:
    if i + 1 >= len(lines) or not _DELIM_ROW.match(lines[i + 1]):
        return False
    if "|" not in lines[i] and "|" not in lines[i + 1]:
        return False
    return len(_cells(lines[i])) == len(_cells(lines[i + 1]))


def _align(cell: str) -> str:
    left, right = cell.startswith(":"), cell.endswith(":")
    side = "center" if left and right else "right" if right else "left" if left else ""
    return f' style="text-align:{side}"' if side else ""


class _Blocks:
    """Block structure: each container (document, quote, list item) balances its raw tags."""

    def __init__(self, inline: Inline) -> None:
        self.inline = inline

    def render(self, lines: list[str], tight: bool = False) -> str:
        tags = self.inline.tags
        saved, tags.floor = tags.floor, len(tags.stack)
        out: list[str] = []
        i = 0
        while i < len(lines):
            if not lines[i].strip():
                i += 1
                continue
            html, i = self._block(lines, i, tight)
            if html:
                out.append(html)
        closing = tags.close_above(tags.floor)
        tags.floor = saved
        return "\n".join(out) + closing

    def _block(self, lines: list[str], i: int, tight: bool) -> tuple[str, int]:
        line = lines[i]
        if _indent(line) >= 4:
            return self._indented_code(lines, i)
        if fence := _is_fence(line):
            return self._fenced_code(lines, i, fence)
        if atx := _ATX.match(line):
            text = re.sub(r"(?:^|[ \t]+)#+$", "", (atx[2] or "").strip()).strip()
            level = len(atx[1])
            return f"<h{level}>{self.inline.render(text)}</h{level}>", i + 1
        if _HR.match(line):
            return "<hr>", i + 1
        if _QUOTE.match(line):
            return self._quote(lines, i)
        if _HTML_START.match(line):
            return self._html_block(lines, i)
        if _is_table(lines, i):
            return self._table(lines, i)
        if item := _LIST.match(line):
            return self._list(lines, i, item)
        return self._paragraph(lines, i, tight)

    def _paragraph(self, lines: list[str], i: int, tight: bool) -> tuple[str, int]:
        buf = [lines[i].strip()]
        i += 1
        while i < len(lines) and lines[i].strip():
            if setext := _SETEXT.match(lines[i]):
                level = 1 if setext[1][0] == "=" else 2
                return f"<h{level}>{self.inline.render(chr(10).join(buf))}</h{level}>", i + 1
            if _starts_block(lines[i]) or _is_table(lines, i):
                break
            buf.append(lines[i].strip())
            i += 1
        body = self.inline.render("\n".join(buf))
        return (body if tight else f"<p>{body}</p>"), i

    def _indented_code(self, lines: list[str], i: int) -> tuple[str, int]:
        buf: list[str] = []
        while i < len(lines) and (not lines[i].strip() or _indent(lines[i]) >= 4):
            buf.append(lines[i][4:])
            i += 1
        while buf and not buf[-1].strip():
            buf.pop()
        return f"<pre><code>{escape_text(chr(10).join(buf))}\n</code></pre>", i

    def _fenced_code(self, lines: list[str], i: int, fence: re.Match[str]) -> tuple[str, int]:
        indent, marks, info = len(fence[1]), fence[2], fence[3].strip()
        closing = re.compile(rf"^ {{0,3}}{re.escape(marks[0])}{{{len(marks)},}}[ \t]*$")
        body: list[str] = []
        i += 1
        while i < len(lines) and not closing.match(lines[i]):
            body.append(lines[i][min(indent, _indent(lines[i])) :])
            i += 1
        # An unclosed fence runs to the end of its container, as on GitHub.
        code = escape_text("\n".join(body)) + ("\n" if body else "")
        lang = unescape_markdown(info.split()[0]) if info else ""
        if lang.lower() == "mermaid":
            return _MERMAID.format(code), i + 1
        cls = f' class="language-{escape_attr(lang)}"' if lang else ""
        return f"<pre><code{cls}>{code}</code></pre>", i + 1

    def _quote(self, lines: list[str], i: int) -> tuple[str, int]:
        inner: list[str] = []
        while i < len(lines):
            if m := _QUOTE.match(lines[i]):
                inner.append(m[1])
            elif lines[i].strip() and inner and inner[-1].strip() and not _starts_block(lines[i]):
                inner.append(lines[i])  # a lazy continuation of the quoted paragraph
            else:
                break
            i += 1
        return f"<blockquote>\n{self.render(inner)}\n</blockquote>", i

    def _html_block(self, lines: list[str], i: int) -> tuple[str, int]:
        comment = lines[i].lstrip().startswith("<!--")
        buf: list[str] = []
        while i < len(lines) and (comment or lines[i].strip()):
            buf.append(lines[i])
            i += 1
            if comment and "-->" in buf[-1]:
                break
        return self._raw_html("\n".join(buf)), i

    def _raw_html(self, text: str) -> str:
        # GitHub does not read markdown inside an HTML block; only the tags and entities matter.
        out: list[str] = []
        i = 0
        while i < len(text):
            if plain := _HTML_PLAIN.match(text, i):
                out.append(escape_text(plain[0]))
                i = plain.end()
                continue
            piece, i = self.inline.angle(text, i, False) if text[i] == "<" else entity(text, i)
            out.append(piece)
        # <details> spans blocks (its table sits between the HTML lines); the rest does not.
        out.append(self.inline.tags.close_inline())
        return "".join(out).strip()

    def _table(self, lines: list[str], i: int) -> tuple[str, int]:
        aligns = [_align(c) for c in _cells(lines[i + 1])]

        def row(cells: list[str], tag: str) -> str:
            cells = (cells + [""] * len(aligns))[: len(aligns)]
            tds = (
                f"<{tag}{a}>{self.inline.render(c)}</{tag}>"
                for c, a in zip(cells, aligns, strict=True)
            )
            return "<tr>\n" + "\n".join(tds) + "\n</tr>"

        out = ["<table>", "<thead>", row(_cells(lines[i]), "th"), "</thead>"]
        i += 2
        body: list[str] = []
        while i < len(lines) and lines[i].strip() and not _starts_block(lines[i]):
            body.append(row(_cells(lines[i]), "td"))
            i += 1
        if body:
            out += ["<tbody>", *body, "</tbody>"]
        return "\n".join([*out, "</table>"]), i

    def _list(self, lines: list[str], i: int, first: re.Match[str]) -> tuple[str, int]:
        kind = first[2][-1]  # "-", "+", "*", "." or ")": a different one starts a new list
        ordered = first[2][0].isdigit()
        start = int(first[2][:-1]) if ordered else 1
        items: list[list[str]] = []
        offset = 0
        loose = blank = False
        while i < len(lines):
            line = lines[i]
            m = _LIST.match(line)
            sibling = m and m[2][-1] == kind and m[2][0].isdigit() == ordered
            if sibling and m and (not items or len(m[1]) < offset) and not _HR.match(line):
                spaces = len(m[3] or "")
                offset = len(m[1]) + len(m[2]) + (spaces if 1 <= spaces <= 4 else 1)
                loose = loose or (blank and bool(items))
                items.append([line[offset:]])
                blank = False
            elif not line.strip():
                items[-1].append("")
                blank = True
            elif _indent(line) >= offset:
                loose = loose or blank
                items[-1].append(line[offset:])
                blank = False
            elif not blank and items[-1][-1].strip() and not _starts_block(line):
                items[-1].append(line)  # lazy continuation
            else:
                break
            i += 1
        tag = "ol" if ordered else "ul"
        attr = f' start="{start}"' if ordered and start != 1 else ""
        lis = "\n".join(f"<li>{self.render(item, tight=not loose)}</li>" for item in items)
        return f"<{tag}{attr}>\n{lis}\n</{tag}>", i
