"""`cmlreport send-comment`: post the report on the PR/MR, commit or issue, and keep it updated."""

from __future__ import annotations

from pathlib import Path

import click

from cmlreport.ci import environment
from cmlreport.cli.common import forge_options, warn, write_output


@click.command("send-comment")
@click.argument("report", type=click.Path(dir_okay=False, path_type=Path))
@forge_options
@click.option(
    "--target",
    default="auto",
    show_default=True,
    help="auto, pr, pr/N, commit, commit/SHA or issue/N. auto: this event's pull request; on a "
    "push, the open pull request of this commit; else a commit comment.",
)
@click.option(
    "--key",
    help="Names this report's sticky comment, for several reports on one PR "
    "(default: workflow/job).",
)
@click.option("--no-sticky", is_flag=True, help="Always post a new comment.")
@click.option("--dry-run", is_flag=True, help="Print what would be posted; write nothing.")
@click.option(
    "--images",
    type=click.Choice(["assets", "mermaid", "none"]),
    default="assets",
    show_default=True,
    help="Local images: commit them to the cmlreport-assets branch and link them; use their "
    "mermaid sidecars (X.mmd next to X.png) instead; or leave the links alone.",
)
@click.option(
    "--image-root",
    type=click.Path(file_okay=False, path_type=Path),
    metavar="DIR",
    help="Publish only images inside DIR (default: the git work tree holding REPORT, or "
    "REPORT's folder outside git); e.g. the downloaded artifact in a workflow_run job.",
)
def send_comment(
    report: Path,
    repo: str | None,
    token_env: str | None,
    forge: str,
    target: str,
    key: str | None,
    no_sticky: bool,
    dry_run: bool,
    images: str,
    image_root: Path | None,
) -> None:
    """Post REPORT (markdown) as a comment that later runs update in place.

    \b
    Examples:
      cmlreport send-comment report.md
      cmlreport send-comment report.md --target pr/12 --key nightly
      cmlreport send-comment report.md --dry-run
    """
    from cmlreport.errors import NoWriteAccess
    from cmlreport.files import read_text
    from cmlreport.forges.base import parse_target
    from cmlreport.forges.publish import fork_fallback, fork_images, prepare_images, summary_hint
    from cmlreport.forges.select import COMMENT_LIMITS, default_key, forge_context, open_forge
    from cmlreport.forges.sticky import check_key, marker, post_sticky
    from cmlreport.publishable import image_root as find_image_root
    from cmlreport.redact import mask
    from cmlreport.report.budget import cut_markdown
    from cmlreport.report.images import rewrite_images

    env = environment()
    md = read_text(report, inside="report")
    spec = parse_target(target)
    key = check_key(key or default_key(env))
    ctx = forge_context(env, Path.cwd(), repo=repo, token_env=token_env, forge=forge)
    root = find_image_root(report, image_root)
    md = mask(md)  # a report that quotes a token (a pasted log, a clone URL) posts it masked
    md, local_images = prepare_images(md, report.parent, images, warn, report.as_posix(), root)
    md = mask(md)  # again: --images mermaid pasted the sidecars' text in
    # Room for the marker lines send-comment adds in front of the report.
    limit = COMMENT_LIMITS[ctx.provider] - len(marker(key)) - 64
    hint = summary_hint(ctx)
    if dry_run:
        body = cut_markdown(md, limit, hint)
        click.echo(
            f"dry run: would post to {ctx.repository} ({ctx.provider}), target {target}, "
            f"key {key!r}, {'new comment' if no_sticky else 'sticky'}"
        )
        for image in local_images:
            click.echo(f"dry run: would publish {image.ref} ({len(image.data):,} bytes)")
        click.echo(body, nl=not body.endswith("\n"))
        return
    if ctx.ci.is_fork:
        carried = fork_images(
            md, report.parent, images, local_images, warn, report.as_posix(), root
        )
        fork_fallback(
            ctx, md, key, env, reason="the pull request comes from a fork", images=carried
        )
        return
    forge_api = open_forge(ctx)
    resolved = forge_api.resolve_target(spec)
    try:
        if local_images:
            md = rewrite_images(md, forge_api.publish_images(local_images, resolved))
        body = cut_markdown(md, limit, hint)
        outcome = post_sticky(forge_api, resolved, body, key, sticky=not no_sticky)
    except NoWriteAccess as exc:
        # "The token cannot write" on a pull request event is the fork case seen from inside:
        # keep the report for a workflow_run job instead of failing the build.
        if ctx.ci.event_name in ("pull_request", "pull_request_target") and ctx.ci.pr_number:
            carried = fork_images(
                md, report.parent, images, local_images, warn, report.as_posix(), root
            )
            fork_fallback(ctx, md, key, env, reason=exc.message, images=carried)
            return
        raise
    verb = {"created": "posted", "updated": "updated", "unchanged": "unchanged (no write)"}
    click.echo(f"{verb[outcome.action]}: {outcome.comment.url}")
    write_output(env, "comment-url", outcome.comment.url)
