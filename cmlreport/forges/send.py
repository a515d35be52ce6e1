"""Sending a report as a sticky comment: what `cmlreport send-comment` does, file to comment."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

import click

from cmlreport.errors import NoWriteAccess
from cmlreport.forges.base import TargetSpec, full_report_hint, parse_target
from cmlreport.forges.publish import fork_fallback, fork_images, prepare_images
from cmlreport.forges.select import COMMENT_LIMITS, ForgeContext, default_key, forge_context
from cmlreport.forges.sticky import check_key, marker
from cmlreport.publishable.image import LocalImage

# Room for the marker lines send-comment adds in front of the report.
MARKER_ROOM = 64


@dataclass(frozen=True)
class SendOptions:
    """send-comment's flags, as the command line gave them."""

    report: Path
    target: str = "auto"
    key: str | None = None
    sticky: bool = True
    dry_run: bool = False
    images: str = "assets"  # assets | mermaid | none
    image_root: Path | None = None
    repo: str | None = None
    token_env: str | None = None
    forge: str = "auto"


@dataclass(frozen=True)
class Prepared:
    """The report ready to go: masked, images checked, and where it goes."""

    md: str
    images: list[LocalImage]
    spec: TargetSpec
    key: str
    ctx: ForgeContext
    root: Path
    limit: int  # characters the body may hold

    @property
    def hint(self) -> str | None:
        return full_report_hint(self.ctx.ci)


def send_report(
    options: SendOptions, env: Mapping[str, str], cwd: Path, warn: Callable[[str], None]
) -> str | None:
    """Post (or in a dry run, print) the report; the comment's URL when one was written."""
    from cmlreport.report.budget import cut_markdown

    ready = prepare(options, env, cwd, warn)
    if options.dry_run:
        body = cut_markdown(ready.md, ready.limit, ready.hint)
        click.echo(
            f"dry run: would post to {ready.ctx.repository} ({ready.ctx.provider}), target "
            f"{options.target}, key {ready.key!r}, {'sticky' if options.sticky else 'new comment'}"
        )
        for image in ready.images:
            click.echo(f"dry run: would publish {image.ref} ({len(image.data):,} bytes)")
        click.echo(body, nl=not body.endswith("\n"))
        return None
    if ready.ctx.ci.is_fork:
        _keep_for_later(options, ready, warn, "the pull request comes from a fork")
        return None
    return _post(options, ready, warn)


def prepare(
    options: SendOptions, env: Mapping[str, str], cwd: Path, warn: Callable[[str], None]
) -> Prepared:
    """Every input checked before anything is sent: the file, the flags, the images."""
    from cmlreport.files import read_text
    from cmlreport.publishable import image_root
    from cmlreport.redact import mask

    report = options.report
    md = read_text(report, inside="report")
    spec = parse_target(options.target)
    key = check_key(options.key or default_key(env))
    ctx = forge_context(
        env, cwd, repo=options.repo, token_env=options.token_env, forge=options.forge
    )
    root = image_root(report, options.image_root)
    md = mask(md)  # a report that quotes a token (a pasted log, a clone URL) posts it masked
    md, images = prepare_images(md, report.parent, options.images, warn, report.as_posix(), root)
    md = mask(md)  # again: --images mermaid pasted the sidecars' text in
    limit = COMMENT_LIMITS[ctx.provider] - len(marker(key)) - MARKER_ROOM
    return Prepared(md, images, spec, key, ctx, root, limit)


def _post(options: SendOptions, ready: Prepared, warn: Callable[[str], None]) -> str | None:
    from cmlreport.forges.select import open_forge
    from cmlreport.forges.sticky import post_sticky
    from cmlreport.publishable.references import rewrite_images
    from cmlreport.report.budget import cut_markdown

    forge = open_forge(ready.ctx)
    target = forge.resolve_target(ready.spec)
    md = ready.md
    try:
        if ready.images:
            md = rewrite_images(md, forge.publish_images(ready.images, target))
        body = cut_markdown(md, ready.limit, ready.hint)
        outcome = post_sticky(forge, target, body, ready.key, sticky=options.sticky)
    except NoWriteAccess as exc:
        # "The token cannot write" on a pull request event is the fork case seen from inside:
        # keep the report for a workflow_run job instead of failing the build.
        ci = ready.ctx.ci
        if ci.event_name in ("pull_request", "pull_request_target") and ci.pr_number:
            _keep_for_later(options, replace(ready, md=md), warn, exc.message)
            return None
        raise
    verb = {"created": "posted", "updated": "updated", "unchanged": "unchanged (no write)"}
    click.echo(f"{verb[outcome.action]}: {outcome.comment.url}")
    return outcome.comment.url


def _keep_for_later(
    options: SendOptions, ready: Prepared, warn: Callable[[str], None], reason: str
) -> None:
    report = options.report
    carried = fork_images(
        ready.md, report.parent, options.images, ready.images, warn, report.as_posix(), ready.root
    )
    fork_fallback(ready.ctx, ready.md, ready.key, reason=reason, images=carried)
