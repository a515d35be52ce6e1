"""The images a report's markdown shows: found, pointed at hosted copies, or swapped for text."""

# Pure text in, text out. Forges cannot show a comment's local files, so whoever posts a report
# finds the local images here, uploads them, and rewrites their sources; everything else in the
# markdown stays byte-identical. Only what a forge would render counts: images inside code (fenced
# blocks, inline spans) or HTML comments are text, not pictures.

from __future__ import annotations

import bisect
import html
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import unquote

from cmlreport.publishable.codespans import BLANK_LINE, escaped, skipped


@dataclass(frozen=True)
class ImageRef:
    """One image construct: ``![alt](src)``, ``![alt](<src> "title")`` or ``<img src=...>``."""

    ref: str  # the source exactly as written (inside the quotes/angle brackets), to replace it
    path: str | None  # the local file it names, decoded (%20 -> space); None for data: URIs
    data_uri: bool
    alt: str  # as a reader sees it: escapes and entities decoded
    start: int  # span of the whole construct in the markdown
    end: int
    file_url: bool = False  # file:///...: a local file in disguise, never to be published


@dataclass(frozen=True)
class _Found:
    image: ImageRef
    src_start: int
    src_end: int
    kind: str  # "md" (bare destination), "angle" (<...> destination), "html", "html-bare"


def find_images(md: str) -> list[ImageRef]:
    """Every local or ``data:`` image the markdown shows, in order (remote URLs are skipped)."""
    return [found.image for found in _scan(md)]


def rewrite_images(md: str, urls: Mapping[str, str]) -> str:
    """``md`` with the source of every image whose ref is a key of ``urls`` replaced by its URL."""

    def new_source(found: _Found) -> tuple[int, int, str] | None:
        url = urls.get(found.image.ref)
        return (
            None if url is None else (found.src_start, found.src_end, _encode_src(url, found.kind))
        )

    return _splice(md, new_source)


def replace_images(md: str, blocks: Mapping[str, str]) -> str:
    """``md`` with every whole image construct whose ref is a key of ``blocks`` replaced by
    that text (e.g. a mermaid block standing in for the PNG of the same chart)."""

    def new_construct(found: _Found) -> tuple[int, int, str] | None:
        text = blocks.get(found.image.ref)
        if text is None:
            return None
        start, end = found.image.start, found.image.end
        if text.lstrip().startswith(("```", "~~~")):
            # A fence only opens a code block at the start of a line, and only closes when
            # nothing follows it on its line: give the block lines of its own.
            line_start = md.rfind("\n", 0, start) + 1
            if md[line_start:start].strip():
                text = "\n" + text
            line_end = md.find("\n", end)
            if md[end : len(md) if line_end < 0 else line_end].strip():
                text += "\n"
        return start, end, text

    return _splice(md, new_construct)


def _splice(md: str, change: Callable[[_Found], tuple[int, int, str] | None]) -> str:
    """``md`` with each span that ``change`` gives for an image replaced by its text; the rest
    byte-identical."""
    out: list[str] = []
    done = 0
    for found in _scan(md):
        if (replacement := change(found)) is not None:
            start, end, text = replacement
            out += [md[done:start], text]
            done = end
    return "".join([*out, md[done:]])


# -- the two image syntaxes ------------------------------------------------------------------

_START = re.compile(r"!\[|<img(?=[\s/>])", re.IGNORECASE)


class _Index:
    """What the scan looks up instead of reading ahead from every candidate (quadratic on a
    report full of unclosed ``![``, ``(`` or quotes): the spans to skip, each ``[``'s closing
    ``]``, each ``(``'s closing ``)``, and where the unescaped quotes and the blanks are."""

    def __init__(self, md: str) -> None:
        self.skips = skipped(md)
        self.skip_starts = [s for s, _ in self.skips]
        self.brackets = _matches(md, "[", "]", stop_at_blank_line=True)
        self.parens = _matches(md, "(", ")", stop_at_blank_line=False)
        self.closers = {
            c: [m.start() for m in re.finditer(re.escape(c), md) if not escaped(md, m.start())]
            for c in "\"')"
        }
        self.spaces = [m.start() for m in re.finditer(r"\s", md)]

    def skip_at(self, i: int) -> tuple[int, int] | None:
        k = bisect.bisect_right(self.skip_starts, i) - 1
        return self.skips[k] if k >= 0 and i < self.skips[k][1] else None

    def next_closer(self, c: str, i: int) -> int | None:
        found = self.closers[c]
        k = bisect.bisect_left(found, i)
        return found[k] if k < len(found) else None

    def next_space(self, i: int, end: int) -> int:
        k = bisect.bisect_left(self.spaces, i)
        return min(self.spaces[k], end) if k < len(self.spaces) else end


def _matches(md: str, opener: str, closer: str, *, stop_at_blank_line: bool) -> dict[int, int]:
    """Each opener's position to its closer's (nesting counted, backslash escapes skipped); an
    opener never closed (with ``stop_at_blank_line``: not closed in its paragraph) has none."""
    out: dict[int, int] = {}
    stack: list[int] = []
    alternatives = [r"\\.", re.escape(opener), re.escape(closer)]
    if stop_at_blank_line:
        alternatives.append(r"\n")
    for m in re.finditer("|".join(alternatives), md, re.DOTALL):
        c = m[0]
        if c == opener:
            stack.append(m.start())
        elif c == closer:
            if stack:
                out[stack.pop()] = m.start()
        elif c == "\n" and BLANK_LINE.match(md, m.start()):
            stack.clear()
    return out


def _scan(md: str) -> list[_Found]:
    index = _Index(md)
    found: list[_Found] = []
    i = 0
    while (m := _START.search(md, i)) is not None:
        inside = index.skip_at(m.start())
        if inside is not None:
            i = inside[1]
            continue
        at = m.start()
        item = _markdown_image(md, at, index) if m[0] == "![" else _html_image(md, at)
        if item is None:
            i = m.end()
            continue
        if _is_local(item.image.ref):
            found.append(item)
        # An image nested in another's alt text is not shown: continue after the construct.
        i = item.image.end
    return found


def _markdown_image(md: str, i: int, index: _Index) -> _Found | None:
    if escaped(md, i):
        return None
    close = index.brackets.get(i + 1)
    if close is None or md[close + 1 : close + 2] != "(":
        return None
    k = _skip_space(md, close + 2)
    if md[k : k + 1] == "<":
        src_end = k + 1
        while src_end < len(md) and md[src_end] not in "<>\n":
            src_end += 2 if md[src_end] == "\\" else 1
        if md[src_end : src_end + 1] != ">":
            return None
        src_start, kind, k = k + 1, "angle", src_end + 1
    else:
        # The destination ends at a blank or at the ")" that closes the "(" before it.
        src_start = k
        k = index.next_space(k, index.parens.get(close + 1, len(md)))
        src_end, kind = k, "md"
    k = _skip_space(md, k)
    if md[k : k + 1] in ('"', "'", "("):
        at = index.next_closer(")" if md[k] == "(" else md[k], k + 1)
        k = _skip_space(md, len(md) if at is None else at + 1)
    if md[k : k + 1] != ")":
        return None
    ref = md[src_start:src_end]
    if not ref:
        return None
    alt = html.unescape(_unescape(md[i + 2 : close]))
    return _found(ref, _unescape(ref), alt, i, k + 1, src_start, src_end, kind)


def _skip_space(md: str, k: int) -> int:
    while k < len(md) and md[k] in " \t\r\n":
        k += 1
    return k


# CommonMark's attribute grammar, as the forges' renderers (cmark-gfm) read raw HTML: a name
# cannot hold "<", so `<img <img <img ...` fails at once instead of reading to the end each time.
_ATTR = re.compile(
    r"""\s*([A-Za-z_:][A-Za-z0-9_.:-]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?""",
    re.DOTALL,
)


def _html_image(md: str, i: int) -> _Found | None:
    k = i + 4
    attrs: dict[str, tuple[str, int, int, bool]] = {}
    while True:
        k = _skip_space(md, k)
        if md.startswith(">", k) or md.startswith("/>", k):
            end = k + (1 if md[k] == ">" else 2)
            break
        m = _ATTR.match(md, k)
        if m is None or m.end() == k:
            return None
        group = next((g for g in (2, 3, 4) if m[g] is not None), None)
        if group is not None:
            attrs.setdefault(m[1].lower(), (m[group], m.start(group), m.end(group), group != 4))
        k = m.end()
    if "src" not in attrs or not attrs["src"][0]:
        return None
    ref, src_start, src_end, quoted = attrs["src"]
    alt = html.unescape(attrs["alt"][0]) if "alt" in attrs else ""
    kind = "html" if quoted else "html-bare"
    return _found(ref, html.unescape(ref), alt, i, end, src_start, src_end, kind)


def _found(
    ref: str, url: str, alt: str, start: int, end: int, src_start: int, src_end: int, kind: str
) -> _Found:
    data_uri = url.lower().startswith("data:")
    file_url = _FILE_URL.match(html.unescape(url)) is not None
    path = None if data_uri or file_url else unquote(re.split(r"[?#]", url, maxsplit=1)[0])
    image = ImageRef(
        ref=ref, path=path, data_uri=data_uri, alt=alt, start=start, end=end, file_url=file_url
    )
    return _Found(image, src_start, src_end, kind)


_SCHEME = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]+:")
# Browsers ignore blanks and control characters around and inside a scheme.
_FILE_URL = re.compile(r"[\x00-\x20]*f[\t\n\r]*i[\t\n\r]*l[\t\n\r]*e[\t\n\r]*:", re.I)


def _is_local(ref: str) -> bool:
    """A file next to the report, a data: URI, or a file: URL (found so that it can be
    refused); not a web (or other scheme's) address."""
    if ref.lower().startswith("data:") or _FILE_URL.match(html.unescape(ref)):
        return True
    path = re.split(r"[?#]", ref, maxsplit=1)[0]
    return bool(path) and not ref.startswith("//") and not _SCHEME.match(ref)


def _unescape(text: str) -> str:
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", text)


def _encode_src(url: str, kind: str) -> str:
    if kind == "md":
        return "".join(
            {" ": "%20", "(": "%28", ")": "%29", "<": "%3C", ">": "%3E"}.get(c, c) for c in url
        )
    if kind == "angle":
        return url.replace("<", "%3C").replace(">", "%3E").replace("\n", "%0A")
    escaped = html.escape(url, quote=True)
    return escaped if kind == "html" else f'"{escaped}"'
