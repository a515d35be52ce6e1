"""Inline markdown spans for the preview: emphasis, code, links, images, line breaks, raw tags.

Follows CommonMark where our reports can reach (flanking runs, the delimiter algorithm, link
destinations and titles) and GitHub comments where they differ (bare URLs become links, a single
newline is a line break). Whatever is not markup is escaped; raw tags and URLs are judged by
``mdsafe``. Pure: text in, text out.
"""

from __future__ import annotations

import html
import re
import unicodedata

from cmlreport.report.mdsafe import (
    ResolveSrc,
    Tags,
    entity,
    escape_attr,
    escape_text,
    raw_tag,
    safe_url,
    unshown_image,
)

__all__ = ["Inline", "unescape_markdown"]

_MD_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
_PLAIN = re.compile(r"[^\\`<&*_!\[\nh]+")
_BARE_URL = re.compile(r"https?://[^\s<>]+")


def unescape_markdown(text: str) -> str:
    """A link destination or info string as meant: backslash escapes and entities resolved."""
    return html.unescape(_MD_ESCAPE.sub(r"\1", text))


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
        title = unescape_markdown(text[k + 1 : end])
        k = _skip_space(text, end + 1)
    if k >= n or text[k] != ")":
        return None
    return unescape_markdown(dest), title, k + 1


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


class Inline:
    """Renders inline text to HTML; ``tags`` is shared with the blocks, which balance it too."""

    def __init__(self, resolve_src: ResolveSrc) -> None:
        self.resolve_src = resolve_src
        self.tags = Tags()

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
            return entity(text, i)
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
            shown = None if src is None else self.resolve_src(src)
            if src is not None and shown is None:
                return unshown_image(alt, src), end
            src_attr = "" if shown is None else f' src="{escape_attr(shown)}"'
            return f'<img{src_attr} alt="{alt}"{title_attr}>', end
        href = safe_url(dest)
        href_attr = "" if href is None else f' href="{escape_attr(href)}"'
        return f"<a{href_attr}{title_attr}>{inner}</a>", end

    def angle(self, text: str, i: int, autolink: bool) -> tuple[str, int]:
        """What a ``<`` starts: a comment (dropped), an autolink, an allowed tag, or text."""
        return raw_tag(text, i, self.tags, self.resolve_src, autolink=autolink)
