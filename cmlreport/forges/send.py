"""Sending a report as a sticky comment: what `cmlreport send-comment` does, file to comment
(or, with ``--delete``, removing it)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

import click

from cmlreport.errors import InputError, NoWriteAccess
from cmlreport.forges.base import TargetSpec, full_report_hint, parse_target
from cmlreport.forges.publish import fork_fallback, fork_images, prepare_images
from cmlreport.forges.select import COMMENT_LIMITS, ForgeContext, default_key, forge_context
from cmlreport.forges.sticky import MODES, check_key, marker
from cmlreport.publishable.image import LocalImage

# Room for the marker lines send-comment adds in front of the report.
MARKER_ROOM = 64


@dataclass(frozen=True)
class SendOptions:
    """send-comment's flags, as the command line gave them."""

    report: Path | None
    target: str = "auto"
    key: str | None = None
    mode: str = "update"  # update | recreate | new | once | delete (``choose_mode``)
    hide_old: bool = False
    place_status: bool = True  # keep where the comment is (``Forge.remember_comment``)
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
    report: Path  # the file it came from

    @property
    def hint(self) -> str | None:
        return full_report_hint(self.ctx.ci)


def choose_mode(
    report: Path | None, mode: str | None, *, no_sticky: bool, hide_old: bool, delete: bool
) -> str:
    """The one mode the flags ask for, or an InputError naming the flags that clash."""
    if delete:
        if report is not None:
            raise InputError(f"--delete removes our comment: name no REPORT file ({report})")
        if mode or no_sticky or hide_old:
            raise InputError("--delete goes alone: not with --mode, --no-sticky or --hide-old")
        return "delete"
    if report is None:
        raise InputError("send-comment: name the REPORT file to post (or --delete ours)")
    if no_sticky:
        if mode not in (None, "new"):
            raise InputError(f"--no-sticky is --mode new: not with --mode {mode}")
        mode = "new"
    mode = mode or "update"
    if mode not in MODES:
        raise InputError(f"--mode {mode!r}: use one of {', '.join(MODES)}")
    if hide_old and mode not in ("new", "recreate"):
        raise InputError(
            f"--hide-old goes with --mode new or recreate: --mode {mode} keeps one comment"
        )
    return mode


def send_report(
    options: SendOptions, env: Mapping[str, str], cwd: Path, warn: Callable[[str], None]
) -> str | None:
    """Post (or in a dry run, print) the report; the comment's URL when one was written."""
    if options.mode == "delete":
        delete_report(options, env, cwd)
        return None
    return deliver(options, prepare(options, env, cwd, warn), warn)


def deliver(options: SendOptions, ready: Prepared, warn: Callable[[str], None]) -> str | None:
    """The prepared report posted (a dry run: printed; a fork's PR: kept for later)."""
    from cmlreport.report.budget import cut_markdown

    if options.dry_run:
        body = cut_markdown(ready.md, ready.limit, ready.hint)
        hide = ", hiding our earlier comments" if options.hide_old else ""
        click.echo(
            f"dry run: would post to {ready.ctx.repository} ({ready.ctx.provider}), target "
            f"{options.target}, key {ready.key!r}, mode {options.mode}{hide}"
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

    if options.report is None:
        raise InputError("send-comment: name the REPORT file to post")
    return prepare_text(options, read_text(options.report, inside="report"), env, cwd, warn)


def prepare_text(
    options: SendOptions, md: str, env: Mapping[str, str], cwd: Path, warn: Callable[[str], None]
) -> Prepared:
    """``prepare`` for the report's text ``md``, already read (``--watch`` reads it itself)."""
    from cmlreport.publishable import image_root
    from cmlreport.redact import mask

    report = options.report
    assert report is not None
    spec = parse_target(options.target)
    key = check_key(options.key or default_key(env))
    ctx = forge_context(
        env, cwd, repo=options.repo, token_env=options.token_env, forge=options.forge
    )
    if options.hide_old and ctx.provider == "gitlab":
        raise InputError(
            "--hide-old: GitLab cannot minimise a note (its API has no such call); "
            "--mode recreate leaves one note, at the bottom"
        )
    root = image_root(report, options.image_root)
    md = mask(md)  # a report that quotes a token (a pasted log, a clone URL) posts it masked
    md, images = prepare_images(md, report.parent, options.images, warn, report.as_posix(), root)
    md = mask(md)  # again: --images mermaid pasted the sidecars' text in
    limit = COMMENT_LIMITS[ctx.provider] - len(marker(key)) - MARKER_ROOM
    return Prepared(md, images, spec, key, ctx, root, limit, report)


def _post(options: SendOptions, ready: Prepared, warn: Callable[[str], None]) -> str | None:
    from cmlreport.forges.select import open_forge
    from cmlreport.forges.sticky import check_mode, post_sticky
    from cmlreport.publishable.references import rewrite_images
    from cmlreport.report.budget import cut_markdown

    forge = open_forge(ready.ctx)
    target = forge.resolve_target(ready.spec)
    check_mode(options.mode, target, hide_old=options.hide_old)  # before any image goes up
    md = ready.md
    try:
        if ready.images:
            md = rewrite_images(md, forge.publish_images(ready.images, target))
        body = cut_markdown(md, ready.limit, ready.hint)
        outcome = post_sticky(
            forge,
            target,
            body,
            ready.key,
            mode=options.mode,
            hide_old=options.hide_old,
            keep_place=options.place_status,
        )
    except NoWriteAccess as exc:
        # "The token cannot write" on a pull request event is the fork case seen from inside:
        # keep the report for a workflow_run job instead of failing the build.
        ci = ready.ctx.ci
        if ci.event_name in ("pull_request", "pull_request_target") and ci.pr_number:
            _keep_for_later(options, replace(ready, md=md), warn, exc.message)
            return None
        raise
    click.echo(f"{VERBS[outcome.action]}: {outcome.comment.url}")
    if outcome.note:
        warn(
            "could not record where the comment is, so later runs on this busy thread read "
            f"more pages: {outcome.note}"
        )
    if outcome.hidden:
        click.echo(f"hid {outcome.hidden} earlier comment(s) of ours as outdated")
    return outcome.comment.url


VERBS = {
    "created": "posted",
    "updated": "updated",
    "unchanged": "unchanged (no write)",
    "recreated": "posted anew",
    "kept": "kept (ours is there already: --mode once)",
}


def delete_report(options: SendOptions, env: Mapping[str, str], cwd: Path) -> None:
    """``--delete``: every comment of ours for the key goes (a dry run only says so)."""
    from cmlreport.forges.select import open_forge
    from cmlreport.forges.sticky import delete_sticky

    spec = parse_target(options.target)
    key = check_key(options.key or default_key(env))
    ctx = forge_context(
        env, cwd, repo=options.repo, token_env=options.token_env, forge=options.forge
    )
    if options.dry_run:
        click.echo(
            f"dry run: would delete our comments with key {key!r} on {ctx.repository} "
            f"({ctx.provider}), target {options.target}"
        )
        return
    forge = open_forge(ctx)
    target = forge.resolve_target(spec)
    gone = delete_sticky(forge, target, key)
    click.echo(f"deleted {len(gone)} comment(s) of ours with key {key!r} on {target.describe()}")


def _keep_for_later(
    options: SendOptions, ready: Prepared, warn: Callable[[str], None], reason: str
) -> None:
    report = ready.report
    carried = fork_images(
        ready.md, report.parent, options.images, ready.images, warn, report.as_posix(), ready.root
    )
    fork_fallback(ready.ctx, ready.md, ready.key, reason=reason, images=carried)
