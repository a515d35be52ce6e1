"""What raw HTML a report may carry into the preview, and which URLs it may point at.

A metric name can hold anything, so the preview escapes text by default and rebuilds only a short
list of tags, each with a short list of attributes, from what the markdown says. URLs in those
attributes (and in markdown links) pass only if following them cannot run script. The raw tags
are kept balanced so a stray ``<sub>`` cannot swallow the rest of the page. Pure: text in, text out.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from html.entities import html5

__all__ = [
    "ResolveSrc",
    "Tags",
    "entity",
    "escape_attr",
    "escape_text",
    "raw_tag",
    "safe_url",
    "unshown_image",
]

# An image source -> what the page loads instead; None: nothing is loaded, the alt text shows.
ResolveSrc = Callable[[str], "str | None"]

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


def entity(text: str, i: int) -> tuple[str, int]:
    """The ``&`` at ``i``: a known entity passes through ("&lt;" stays "&lt;"), else ``&amp;``."""
    m = _ENTITY.match(text, i)
    if m and (m[1] is None or m[1] + ";" in html5):
        return m[0], m.end()
    return "&amp;", i + 1


class Tags:
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


def raw_tag(
    text: str, i: int, tags: Tags, resolve_src: ResolveSrc, *, autolink: bool
) -> tuple[str, int]:
    """What a ``<`` starts: a comment (dropped), an autolink, an allowed tag, or text."""
    if text.startswith("<!--", i) and (end := text.find("-->", i + 4)) >= 0:
        return "", end + 3
    if autolink and (m := _AUTOLINK.match(text, i)):
        href = safe_url(m[1])
        if href is None:
            return escape_text(m[1]), m.end()
        return f'<a href="{escape_attr(href)}">{escape_text(m[1])}</a>', m.end()
    if (m := _CLOSE_TAG.match(text, i)) and m[1].lower() in _ALLOWED:
        return tags.close(m[1].lower()), m.end()
    if (m := _OPEN_TAG.match(text, i)) and m[1].lower() in _ALLOWED:
        name = m[1].lower()
        values, unshown = _attrs(name, m[2], resolve_src)
        if unshown is not None:
            return unshown_image(escape_text(values.get("alt", "")), unshown), m.end()
        attrs = "".join(f' {key}="{escape_attr(value)}"' for key, value in values.items())
        return tags.open(name, attrs), m.end()
    return "&lt;", i + 1


def unshown_image(alt: str, src: str) -> str:
    """An image the page does not load (remote, or a local file that failed the checks): its
    alt text, with the source in a tooltip. ``alt`` is HTML already, ``src`` is not."""
    return f'<span title="not loaded in the preview: {escape_attr(src)}">[{alt or "image"}]</span>'


def _attrs(name: str, text: str, resolve_src: ResolveSrc) -> tuple[dict[str, str], str | None]:
    """The attributes ``name`` may carry, first of each kind, with unsafe URLs dropped; and the
    image source ``resolve_src`` refused to load, if it did."""
    out: dict[str, str] = {}
    unshown: str | None = None
    for m in _ATTR_PARTS.finditer(text):
        key = m[1].lower()
        if key not in _ALLOWED[name] or key in out:
            continue
        raw = html.unescape(next((g for g in m.groups()[1:] if g), ""))
        value = safe_url(raw, image=key == "src") if key in ("href", "src") else raw
        if value is not None and key == "src":
            resolved = resolve_src(value)
            if resolved is None:
                unshown = value
            value = resolved
        if value is not None:
            out[key] = value
    return out, unshown
