"""What send-comment does around the forge: image modes, where the full report is, forks."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from pathlib import Path

import click

from cmlreport.forges.select import ForgeContext
from cmlreport.output import append_text, write_text
from cmlreport.publishable.image import LocalImage

FORK_DIR = Path("cmlreport-comment")


def prepare_images(
    md: str,
    report_dir: Path,
    mode: str,
    warn: Callable[[str], None],
    report_name: str,
    root: Path | None = None,
) -> tuple[str, list[LocalImage]]:
    """Validate every local image before anything is written; mermaid mode swaps in sidecars.

    ``root`` is where images may come from (:func:`cmlreport.publishable.image_root`).
    """
    from cmlreport.publishable import collect_images, mermaid_sidecars
    from cmlreport.publishable.references import find_images, replace_images

    if mode == "none":
        return md, []
    if mode == "mermaid":
        sidecars = mermaid_sidecars(md, report_dir, root)
        md = replace_images(md, sidecars)
        left = [ref.ref for ref in find_images(md)]
        if left:
            warn(
                f"{len(left)} image(s) have no mermaid sidecar and stay as links: "
                + ", ".join(left[:5])
            )
        return md, []
    return md, collect_images(md, report_dir, report_name=report_name, root=root)


def fork_images(
    md: str,
    report_dir: Path,
    mode: str,
    checked: Sequence[LocalImage],
    warn: Callable[[str], None],
    report_name: str,
    root: Path,
) -> Sequence[LocalImage]:
    """The images the fork fallback folder carries: in assets mode those already checked; in
    the other modes (nothing was published) the ones that pass the same checks now, the rest
    staying links, with a warning each."""
    from cmlreport.publishable import collect_images

    if mode == "assets":
        return checked

    def skipped(message: str) -> None:
        warn(f"not carried to {FORK_DIR}/: {message}")

    return collect_images(md, report_dir, report_name=report_name, root=root, skip=skipped)


def fork_fallback(
    ctx: ForgeContext,
    md: str,
    key: str,
    *,
    reason: str,
    images: Sequence[LocalImage],
) -> None:
    """A fork's token cannot comment: keep the report where a second workflow can post it.

    The folder is self-contained: the local images the report links are written next to it,
    so `send-comment cmlreport-comment/report.md` in the second workflow finds them. They are
    the ``images`` that passed :mod:`cmlreport.publishable`'s checks, byte for byte; nothing is
    copied from the disk here.
    """
    summary = ctx.ci.step_summary_path
    if summary:
        append_text(summary, md.rstrip() + "\n")
    FORK_DIR.mkdir(exist_ok=True)
    md = _write_images(md, images, FORK_DIR)
    write_text(FORK_DIR / "report.md", md)
    meta = {"repository": ctx.repository, "pr": ctx.ci.pr_number, "key": key}
    write_text(FORK_DIR / "target.json", json.dumps(meta, indent=2) + "\n")
    number = ctx.ci.pr_number
    click.echo(
        f"not commenting: {reason}. The report is in "
        f"{'the job summary and ' if summary else ''}{FORK_DIR}/; upload that folder as an "
        f"artifact and post it from a workflow_run job with "
        f"`cmlreport send-comment {FORK_DIR}/report.md --target pr/{number or 'N'} --key {key!r}`"
    )


def _write_images(md: str, images: Sequence[LocalImage], into: Path) -> str:
    from cmlreport.publishable.references import find_images, rewrite_images

    checked = {image.ref: image for image in images}
    moved: dict[str, str] = {}
    for n, ref in enumerate(find_images(md)):
        image = checked.get(ref.ref)
        if ref.path is None or image is None or ref.ref in moved:
            continue  # data: URIs stay inline; what was not checked is not carried
        stem = re.sub(r"[^A-Za-z0-9._-]+", "_", image.name).strip("._-") or "image"
        name = f"images/{n}-{stem}"
        (into / "images").mkdir(exist_ok=True)
        (into / name).write_bytes(image.data)
        moved[ref.ref] = name
    return rewrite_images(md, moved) if moved else md
