"""The report's last line: what was compared with what, stated as it is."""

from __future__ import annotations

from dataclasses import dataclass

from cmlreport import __version__
from cmlreport.report.escape import html_attr, http_url, md_code, md_text
from cmlreport.report.format import short_sha


@dataclass(frozen=True)
class Revisions:
    base_sha: str | None = None
    base_ref: str | None = None  # the branch or revision asked for, or what the base is
    base_how: str | None = None  # how it was chosen ("merge base with origin/main")
    head_sha: str | None = None
    run_url: str | None = None
    head_ref: str | None = None  # what head is when it is no commit (the demo's bundled run)
    head_dirty: bool = False  # the files read differ from head_sha's (uncommitted changes)
    base_files: tuple[str, ...] = ()  # base values read from files, not a revision


def footer(rev: Revisions, version: str = __version__) -> str:
    bits = [_base(rev), _head(rev)]
    if run_url := http_url(rev.run_url):
        bits.append(f'<a href="{html_attr(run_url)}">CI run</a>')
    bits.append(f"cmlreport {version}")
    return "---\n<sub>" + " · ".join(b for b in bits if b) + "</sub>"


def _base(rev: Revisions) -> str:
    files = ", ".join(md_code(f) for f in rev.base_files)
    if rev.base_sha:
        how = f" ({md_text(rev.base_how)})" if rev.base_how else ""
        said = f"base <code>{short_sha(rev.base_sha)}</code>{how}"
        return said + (f"; base predictions {files}" if files else "")
    if rev.base_ref:
        how = f" ({md_text(rev.base_how)})" if rev.base_how else ""
        said = f"base: {md_text(rev.base_ref)}{how}"
        return said + (f"; base predictions {files}" if files else "")
    if files:
        return f"base: {files} (no base revision)"
    return "no base revision"


def _head(rev: Revisions) -> str:
    if rev.head_sha:
        said = f"head <code>{short_sha(rev.head_sha)}</code>"
        return said + (" + uncommitted changes" if rev.head_dirty else "")
    if rev.head_ref:
        return f"head: {md_text(rev.head_ref)}"
    return "head: the files as they are (no commit)"
