"""The one place that turns text from input into text a forge's markdown shows as written."""

# Metric names, labels, file names, string values, titles and notes come from files anyone who can
# open a pull request controls. In a comment posted with a write token they must never open an
# HTML comment (and so never carry a sticky marker), mention or notify anyone, cross-link issues,
# merge requests, milestones, labels, epics or snippets, start a block, break a table or a link,
# or hide what they say behind control, bidi or zero-width characters.
#
# How the forges find references decides how they are defeated. GitHub (html-pipeline's
# MentionFilter and its issue/team filters) and GitLab (Banzai's ReferenceFilter subclasses) both
# run on the *rendered* HTML: they scan text nodes, after entities are decoded and backslash
# escapes are gone, and skip text inside ``pre``, ``code`` and ``a``. So a backslash never stops
# ``#123`` or ``~label``; what does is a character between the sigil and the name that the
# patterns do not allow. ``&#8203;`` (a zero-width space written as an entity, as Renovate does)
# is that character: invisible when rendered, and no raw invisible character in the markdown.
#
# Contexts, one function each:
#
# - ``md_text``: inline text anywhere in markdown, table cells included (one line, ``|`` escaped).
#   Every report string from input goes through it.
# - ``md_code``: the same text shown as code, as an HTML ``<code>`` element around ``md_text``: a
#   backtick code span cannot escape ``<`` (entities do not decode there), so ``<!--`` from input
#   would stay literal in the comment body; ``<code>`` also stops mentions on both forges.
# - ``html_attr``: a value inside a double-quoted attribute of raw HTML in the markdown.
# - ``md_link_target``: a path or http(s) URL as a link or image destination.
#
# Control and invisible characters are shown, not dropped: ``\u202e`` in the report tells a
# reviewer that a metric name holds a right-to-left override, where dropping it would make two
# different names look the same. Pure: text in, text out.

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit

from cmlreport.textsafe import one_line, visible

__all__ = [
    "html_attr",
    "http_url",
    "md_code",
    "md_link_target",
    "md_prose",
    "md_text",
    "visible",
]

ZWSP = "&#8203;"


# Backslash escapes for characters that start markdown constructs anywhere in a line:
# emphasis, code, links and images, tables, strikethrough, math, GitLab inline diffs.
_MD_PUNCT = frozenset("\\`*_{}[]()#+!~|$")
_HTML = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}

# Sigils the forges read as a reference when a name follows: GitHub @user, @org/team, #1,
# owner/repo#1, owner/repo@sha; GitLab @user, #1, !1, ~label, ~"a label", %milestone,
# %"a milestone", &epic, $snippet, ^alert.
_SIGILS = frozenset("@#!~%&$^")
_ESCAPES = str.maketrans({ch: _HTML.get(ch) or f"\\{ch}" for ch in _MD_PUNCT | set(_HTML)})
_BLOCK_START = re.compile(r"[-=]+$|- |\d{1,9}\.(?: |$)")
_URL = re.compile(r"https?://[^\s<>]+", re.IGNORECASE)
_NAME_START = re.compile(r'[\w"]')
# Other forms: GitHub's GH-123; GitLab's [vulnerability:1]-style references, project
# references (group/project>) and *iteration:1; URLs both forges autolink (scheme://, www.),
# which would make a metric name a clickable link in a bot's comment. The zero-width space goes
# where the group ends. Each alternative scans a run once: linear in the text, however long.
_BREAKS = re.compile(
    r"(?i:\bGH)(?=-\d)"  # GH-123
    r"|\[(?=[A-Za-z_]+:)"  # [vulnerability:1]
    r"|[\w.-]/[\w.-]+(?=>)"  # group/project>
    r"|\*(?=iteration:)"  # *iteration:1
    r"|(?<=[A-Za-z0-9+.-])(?=://)"  # https://...
    r"|(?i:\bwww)(?=\.)"  # www.example.com
)


def md_text(text: object) -> str:
    """``text`` as literal inline markdown: one line, no markup, no HTML, no mention or
    reference, safe in a table cell, a heading, a list item or after ``> ``."""
    escaped = _inline(one_line(str(text)))
    # Where the text is all of a line (a note after "> "), "- x", "1. x" or "===" would start a
    # list or underline a heading; "-0.5" and "1.5" start nothing and stay as they are.
    if _BLOCK_START.match(escaped):
        return re.sub(r"^(\d*)", r"\1\\", escaped, count=1)
    return escaped


def md_prose(text: object) -> str:
    """Like ``md_text``, but an http(s) URL in ``text`` stays a link: for sentences that name
    where something is (the CI run), written by cmlreport around values that may be input."""
    s = one_line(str(text))
    out: list[str] = []
    last = 0
    for m in _URL.finditer(s):
        url = m[0].rstrip(".,;:!?)'\"")
        if http_url(url) is None:
            continue
        out += [_inline(s[last : m.start()]), f"<{url}>"]
        last = m.start() + len(url)
    out.append(_inline(s[last:]))
    return "".join(out)


def _inline(s: str) -> str:
    if _SIGILS.isdisjoint(s) and not _BREAKS.search(s):
        return s.translate(_ESCAPES)  # what _inline_loop writes when no ZWSP goes in
    return _inline_loop(s)


def _inline_loop(s: str) -> str:
    breaks = {m.end() for m in _BREAKS.finditer(s)}
    out: list[str] = []
    for i, ch in enumerate(s):
        if i in breaks:
            out.append(ZWSP)
        out.append(_HTML.get(ch) or (f"\\{ch}" if ch in _MD_PUNCT else ch))
        if ch in _SIGILS and _NAME_START.match(s, i + 1):
            out.append(ZWSP)
    return "".join(out)


def md_code(text: object) -> str:
    """``text`` shown as inline code, safe in the same places as ``md_text``."""
    return f"<code>{md_text(text)}</code>"


def html_attr(text: object) -> str:
    """``text`` inside a double-quoted HTML attribute of markdown, table rows included."""
    s = one_line(str(text))
    # "|" would split a table row before the HTML is parsed; "`" could close a code span
    # opened before the tag.
    table = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}
    table |= {"|": "&#124;", "`": "&#96;"}
    return "".join(table.get(ch, ch) for ch in s)


def http_url(url: str | None) -> str | None:
    """``url`` if it is a plain http(s) URL that can stand in markdown as is, else None."""
    if not url or any(ch.isspace() or ch in '<>"`|\\' for ch in url) or visible(url) != url:
        return None
    parts = urlsplit(url)
    return url if parts.scheme.lower() in ("http", "https") and parts.netloc else None


def md_link_target(src: str) -> str:
    """A link or image destination that cannot end early, span lines or change scheme."""
    if http_url(src):
        # Reserved characters keep their meaning in a URL; parentheses, brackets and blanks
        # would end the destination.
        return quote(src, safe=";/?:@&=+$,#%-_.!~*'")
    # A relative path: everything but the plainest characters percent-encoded, ":" included,
    # so a file named "javascript:x.png" stays a path.
    return quote(src, safe="/._-~")
