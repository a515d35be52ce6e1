"""What send-comment does around the forge: image modes, where the full report is, forks."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path

import click

from cmlreport.forges.base import LocalImage
from cmlreport.forges.select import ForgeContext

FORK_DIR = Path("cmlreport-comment")


def prepare_images(
    md: str, report_dir: Path, mode: str, warn: Callable[[str], None], report_name: str
) -> tuple[str, list[LocalImage]]:
    """Validate every local image before anything is written; mermaid mode swaps in sidecars."""
    from cmlreport.forges.images import collect_images, mermaid_sidecars
    from cmlreport.report.images import find_images, replace_images

    if mode == "none":
        return md, []
    if mode == "mermaid":
        sidecars = mermaid_sidecars(md, report_dir)
        md = replace_images(md, sidecars)
        left = [ref.ref for ref in find_images(md)]
        if left:
            warn(
                f"{len(left)} image(s) have no mermaid sidecar and stay as links: "
                + ", ".join(left[:5])
            )
        return md, []
    return md, collect_images(md, report_dir, report_name=report_name)


def summary_hint(ctx: ForgeContext) -> str | None:
    if ctx.ci.provider == "github" and ctx.ci.run_url:
        return f"the job summary of {ctx.ci.run_url}"
    if ctx.ci.run_url:
        return f"the job log of {ctx.ci.run_url}"
    return None


def fork_fallback(
    ctx: ForgeContext, md: str, key: str, env: Mapping[str, str], *, reason: str
) -> None:
    """A fork's token cannot comment: keep the report where a second workflow can post it."""
    summary = ctx.ci.step_summary_path
    if summary:
        with open(summary, "a", encoding="utf-8") as out:
            out.write(md.rstrip() + "\n")
    FORK_DIR.mkdir(exist_ok=True)
    (FORK_DIR / "report.md").write_text(md, encoding="utf-8")
    meta = {"repository": ctx.repository, "pr": ctx.ci.pr_number, "key": key}
    (FORK_DIR / "target.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    number = ctx.ci.pr_number
    click.echo(
        f"not commenting: {reason}. The report is in "
        f"{'the job summary and ' if summary else ''}{FORK_DIR}/; upload that folder as an "
        f"artifact and post it from a workflow_run job with "
        f"`cmlreport send-comment {FORK_DIR}/report.md --target pr/{number or 'N'} --key {key!r}`"
    )
