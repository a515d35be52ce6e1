"""Markdown to HTML for the local preview: the GitHub-flavoured subset our reports are made of.

No markdown library: the report generator emits a known subset (headings, paragraphs, tables,
blockquotes, lists, fences, a few raw tags), and a preview must never run markup that came from a
metric name. So text is escaped by default and only a short list of tags, with a short list of
attributes, is rebuilt from what the markdown says. Pure: text in, text out.

Two halves: inline spans (emphasis, code, links, raw tags) and blocks (tables, quotes, lists).
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Callable
from html.entities import html5

__all__ = ["escape_attr", "escape_text", "image_sources", "markdown_to_html", "safe_url"]

ResolveSrc = Callable[[str], str]

# ---------------------------------------------------------------------------------------------
# Raw HTML: the tags GitHub keeps that our reports use, each with the attributes it may carry

_ALLOWED: dict[str, frozenset[str]] = {
    **{t: frozenset({"title"}) for t in ("details", "summary", "sub", "code", "span", "b", "i")},
    "br": frozenset(),
    "a": frozenset({"href", "title"}),
    "img": frozenset({"src", "alt", "title"}),
}
_VOID = frozenset({"br", "img"})
_ATTR = r"""\s+[a-zA-Z_:][a-zA-Z0-9_.:-]*(?:\s*=\s*(?:[^\s"'=<>`]+|'[^']*'|"[^"]*"))?"""
_OPEN_TAG = re.compile(rf"<([A-Za-z][A-Za-z0-9-]*)((?:{_ATTR})*)\s*/?>")
_CLOSE_TAG = re.compile(r"</([A-Za-z][A-Za-z0-9-]*)\s*>")
_ATTR_PARTS = re.compile(
    r"""([a-zA-Z_:][a-zA-Z0-9_.:-]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?"""
)
_AUTOLINK = re.compile(r"<([A-Za-z][A-Za-z0-9+.-]{1,31}:[^\s<>]*)>")
_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|([A-Za-z][A-Za-z0-9]{1,31}));")
_SCHEME = re.compile(r"^([a-z][a-z0-9+.-]*):")
_SAFE_SCHEMES = frozenset({"http", "https", "mailto"})
_CONTROL_OR_SPACE = re.compile(r"[\x00-\x20\x7f]+")
_MD_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
_PLAIN = re.compile(r"[^\\`<&*_!\[\nh]+")
_BARE_URL = re.compile(r"https?://[^\s<>]+")


def escape_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def escape_attr(text: str) -> str:
    return escape_text(text).replace('"', "&quot;")


def safe_url(url: str, *, image: bool = False) -> str | None:
    """``url`` if following it cannot run script (http/https/mailto, relative, or for images a
    ``data:image/`` URI), else None."""
    # Browsers ignore entities, blanks and control characters inside a scheme ("jav&#x61;script:",
    # " javascript:", "java\tscript:"), so judge the URL the way they will read it.
    plain = _CONTROL_OR_SPACE.sub("", html.unescape(url)).lower()
    scheme = _SCHEME.match(plain)
    if scheme is None or scheme[1] in _SAFE_SCHEMES:
        return url
    return url if image and plain.startswith("data:image/") else None


def _unescape(text: str) -> str:
    """A link destination or info string as meant: backslash escapes and entities resolved."""
    return html.unescape(_MD_ESCAPE.sub(r"\1", text))


def _amp(text: str, i: int) -> tuple[str, int]:
    m = _ENTITY.match(text, i)
    if m and (m[1] is None or m[1] + ";" in html5):
        return m[0], m.end()  # entities pass through: "&lt;" stays "&lt;"
    return "&amp;", i + 1


class _Tags:
    """Raw tags open so far. What a piece of markdown opens, it closes, so a stray ``<sub>`` in
    a metric name cannot swallow the rest of the page; ``floor`` bounds what a closer may close."""

    def __init__(self) -> None:
        self.stack: list[str] = []
        self.ids: list[int] = []  # one serial per opening, so two <b>s are told apart
        self.serial = 0
        self.floor = 0

    def state(self) -> tuple[int, ...]:
        return tuple(self.ids)

    def open(self, name: str, attrs: str) -> str:
        if name not in _VOID:
            self.serial += 1
            self.stack.append(name)
            self.ids.append(self.serial)
        return f"<{name}{attrs}>"

    def _pop(self) -> str:
        self.ids.pop()
        return f"</{self.stack.pop()}>"

    def close(self, name: str) -> str:
        if name not in self.stack[self.floor :]:
            return ""  # a closer with no opener is dropped, as a browser would
        out: list[str] = []
        while not out or out[-1] != f"</{name}>":
            out.append(self._pop())
        return "".join(out)

    def close_above(self, depth: int) -> str:
        out = [self._pop() for _ in range(len(self.stack) - depth)]
        return "".join(out)

    def close_inline(self) -> str:
        out: list[str] = []
        while len(self.stack) > self.floor and self.stack[-1] != "details":
            out.append(self._pop())
        return "".join(out)


# ---------------------------------------------------------------------------------------------
# Inline spans


def _is_space(ch: str) -> bool:
    return ch.isspace()


def _is_punct(ch: str) -> bool:
    return unicodedata.category(ch)[0] in "PS"


class _Delim:
    """A run of ``*`` or ``_``: emphasis markers if a matching run is found, else literal."""

    def __init__(self, char: str, count: int, can_open: bool, can_close: bool) -> None:
        self.char, self.count, self.length = char, count, count
        self.can_open, self.can_close = can_open, can_close
        # The raw tags open at this run: a pair must agree, or it would give <em><b></em></b>.
        self.tags: tuple[int, ...] = ()
        self.opens: list[str] = []
        self.closes: list[str] = []

    def html(self) -> str:
        return "".join(self.closes) + self.char * self.count + "".join(self.opens)


def _delim_run(text: str, i: int) -> tuple[_Delim, int]:
    char, j = text[i], i
    while j < len(text) and text[j] == char:
        j += 1
    before = text[i - 1] if i else " "
    after = text[j] if j < len(text) else " "
    # CommonMark's flanking rules: "snake_case_name" and "2 * 3 * 4" stay literal.
    left = not _is_space(after) and (not _is_punct(after) or _is_space(before) or _is_punct(before))
    right = not _is_space(before) and (
        not _is_punct(before) or _is_space(after) or _is_punct(after)
    )
    if char == "*":
        return _Delim(char, j - i, left, right), j
    can_open = left and (not right or _is_punct(before))
    can_close = right and (not left or _is_punct(after))
    return _Delim(char, j - i, can_open, can_close), j


def _match_emphasis(items: list[str | _Delim]) -> None:
    """CommonMark's delimiter algorithm, without its bookkeeping shortcuts."""
    stack = [it for it in items if isinstance(it, _Delim)]
    c = 0
    while c < len(stack):
        closer = stack[c]
        if not closer.can_close or closer.count == 0:
            c += 1
            continue
        o = next((k for k in range(c - 1, -1, -1) if _pairs(stack[k], closer)), None)
        if o is None:
            c += 1
            continue
        opener = stack[o]
        use = 2 if opener.count >= 2 and closer.count >= 2 else 1
        tag = "strong" if use == 2 else "em"
        opener.count -= use
        closer.count -= use
        opener.opens.insert(0, f"<{tag}>")
        closer.closes.append(f"</{tag}>")
        del stack[o + 1 : c]  # runs between them can no longer match anything
        c = o + 1


def _pairs(opener: _Delim, closer: _Delim) -> bool:
    if opener.char != closer.char or not opener.can_open or opener.count == 0:
        return False
    if opener.tags != closer.tags:
        return False
    both = opener.can_close or closer.can_open
    total = opener.length + closer.length
    # The "rule of 3": "*foo**bar*" is one emphasis, not two.
    return not (both and total % 3 == 0 and (opener.length % 3 or closer.length % 3))


def _code_span(text: str, i: int) -> tuple[str, int]:
    j = i
    while j < len(text) and text[j] == "`":
        j += 1
    end = re.compile(rf"(?<!`)`{{{j - i}}}(?!`)").search(text, j)
    if end is None:
        return "`" * (j - i), j
    body = text[j : end.start()].replace("\n", " ")
    if body.startswith(" ") and body.endswith(" ") and body.strip():
        body = body[1:-1]
    return f"<code>{escape_text(body)}</code>", end.end()


def _find_bracket(text: str, i: int) -> int | None:
    """The ``]`` closing the ``[`` before ``i``, skipping escapes and code spans."""
    depth = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "`":
            _, i = _code_span(text, i)
            continue
        if ch == "[":
            depth += 1
        elif ch == "]":
            if depth == 0:
                return i
            depth -= 1
        i += 1
    return None


def _skip_space(text: str, i: int) -> int:
    while i < len(text) and text[i] in " \t\n":
        i += 1
    return i


def _link_tail(text: str, i: int) -> tuple[str, str | None, int] | None:
    """``(dest "title")`` starting after the ``(``: the destination, title and end index."""
    n = len(text)
    i = _skip_space(text, i)
    if i < n and text[i] == "<":
        end = text.find(">", i)
        if end < 0 or "\n" in text[i:end]:
            return None
        dest, j = text[i + 1 : end], end + 1
    else:
        j, depth = i, 0
        while j < n and not text[j].isspace():
            if text[j] == "\\":
                j += 2
                continue
            if text[j] == "(":
                depth += 1
            elif text[j] == ")":
                if depth == 0:
                    break
                depth -= 1
            j += 1
        dest = text[i:j]
    k = _skip_space(text, j)
    title = None
    if k > j and k < n and text[k] in "\"'(":
        close = ")" if text[k] == "(" else text[k]
        end = k + 1
        while end < n and text[end] != close:
            end += 2 if text[end] == "\\" else 1
        if end >= n:
            return None
        title = _unescape(text[k + 1 : end])
        k = _skip_space(text, end + 1)
    if k >= n or text[k] != ")":
        return None
    return _unescape(dest), title, k + 1


def _bare_url(text: str, i: int) -> tuple[str, int] | None:
    """GitHub links a bare http(s) URL; trailing punctuation stays outside."""
    m = _BARE_URL.match(text, i)
    if m is None or (i and text[i - 1] not in " \t\n(*_~"):
        return None
    url = m[0]
    while url and (
        url[-1] in "?!.,:;*_~'\"" or (url[-1] == ")" and url.count(")") > url.count("("))
    ):
        url = url[:-1]
    if len(url) <= len("https://"):
        return None
    return f'<a href="{escape_attr(url)}">{escape_text(url)}</a>', i + len(url)


class _Inline:
    def __init__(self, resolve_src: ResolveSrc) -> None:
        self.resolve_src = resolve_src
        self.tags = _Tags()

    def render(self, text: str, in_link: bool = False) -> str:
        saved, self.tags.floor = self.tags.floor, len(self.tags.stack)
        items: list[str | _Delim] = []
        i = 0
        while i < len(text):
            if plain := _PLAIN.match(text, i):
                items.append(escape_text(plain[0]))
                i = plain.end()
                continue
            piece, i = self._special(text, i, in_link)
            if isinstance(piece, _Delim):
                piece.tags = self.tags.state()
            items.append(piece)
        _match_emphasis(items)
        out = "".join(it if isinstance(it, str) else it.html() for it in items)
        out += self.tags.close_above(self.tags.floor)
        self.tags.floor = saved
        return out

    def _special(self, text: str, i: int, in_link: bool) -> tuple[str | _Delim, int]:
        c = text[i]
        nxt = text[i + 1 : i + 2]
        if c == "\\":
            if nxt == "\n":
                return "<br>\n", i + 2
            return (escape_text(nxt), i + 2) if nxt and _MD_ESCAPE.match(text, i) else ("\\", i + 1)
        if c == "`":
            return _code_span(text, i)
        if c in "*_":
            return _delim_run(text, i)
        if c == "\n":
            # GitHub comments (unlike READMEs) keep single newlines as line breaks.
            return "<br>\n", i + 1
        if c == "[" or (c == "!" and nxt == "["):
            link = self._link(text, i, c == "!", in_link)
            return link or (c, i + 1)
        if c == "<":
            return self.angle(text, i, autolink=not in_link)
        if c == "&":
            return _amp(text, i)
        if c == "h" and not in_link and (url := _bare_url(text, i)):
            return url
        return escape_text(c), i + 1

    def _link(self, text: str, i: int, image: bool, in_link: bool) -> tuple[str, int] | None:
        start = i + 2 if image else i + 1
        close = _find_bracket(text, start)
        if close is None or text[close + 1 : close + 2] != "(" or (in_link and not image):
            return None
        tail = _link_tail(text, close + 2)
        if tail is None:
            return None
        dest, title, end = tail
        title_attr = f' title="{escape_attr(title)}"' if title else ""
        inner = self.render(text[start:close], in_link=True)
        if image:
            alt = re.sub(r"<[^>]*>", "", inner).replace('"', "&quot;")
            src = safe_url(dest, image=True)
            src_attr = "" if src is None else f' src="{escape_attr(self.resolve_src(src))}"'
            return f'<img{src_attr} alt="{alt}"{title_attr}>', end
        href = safe_url(dest)
        href_attr = "" if href is None else f' href="{escape_attr(href)}"'
        return f"<a{href_attr}{title_attr}>{inner}</a>", end

    def angle(self, text: str, i: int, autolink: bool) -> tuple[str, int]:
        """What a ``<`` starts: a comment (dropped), an autolink, an allowed tag, or text."""
        if text.startswith("<!--", i) and (end := text.find("-->", i + 4)) >= 0:
            return "", end + 3
        if autolink and (m := _AUTOLINK.match(text, i)):
            href = safe_url(m[1])
            if href is None:
                return escape_text(m[1]), m.end()
            return f'<a href="{escape_attr(href)}">{escape_text(m[1])}</a>', m.end()
        if (m := _CLOSE_TAG.match(text, i)) and m[1].lower() in _ALLOWED:
            return self.tags.close(m[1].lower()), m.end()
        if (m := _OPEN_TAG.match(text, i)) and m[1].lower() in _ALLOWED:
            name = m[1].lower()
            return self.tags.open(name, self._attrs(name, m[2])), m.end()
        return "&lt;", i + 1

    def _attrs(self, name: str, text: str) -> str:
        out: dict[str, str] = {}
        for m in _ATTR_PARTS.finditer(text):
            key = m[1].lower()
            if key not in _ALLOWED[name] or key in out:
                continue
            raw = html.unescape(next((g for g in m.groups()[1:] if g), ""))
            value = safe_url(raw, image=key == "src") if key in ("href", "src") else raw
            if value is not None and key == "src":
                value = self.resolve_src(value)
            if value is not None:
                out[key] = f' {key}="{escape_attr(value)}"'
        return "".join(out.values())


# ---------------------------------------------------------------------------------------------
# Blocks

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
    return _Blocks(_Inline(resolve_src or (lambda src: src))).render(lines) + "\n"


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

    def __init__(self, inline: _Inline) -> None:
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
        lang = _unescape(info.split()[0]) if info else ""
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
            piece, i = self.inline.angle(text, i, False) if text[i] == "<" else _amp(text, i)
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
