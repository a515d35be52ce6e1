"""`cmlreport send-comment`: post the report on the PR/MR, commit or issue, and keep it updated."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from cmlreport.ci import environment
from cmlreport.cli.common import choice_option, forge_options, warn, write_output
from cmlreport.cli.watch import Watched, check_watch_flags, run_watch


@click.command("send-comment")
@click.argument("report", type=click.Path(dir_okay=False, path_type=Path), required=False)
@click.argument("command", nargs=-1, metavar="[-- COMMAND...]")
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
@click.option(
    "--mode",
    type=click.Choice(["update", "recreate", "new", "once"]),
    help="update (default): edit our comment in place; recreate: post anew at the bottom and "
    "delete ours; new: always a new comment; once: post only if none of ours is there.",
)
@click.option(
    "--hide-old",
    is_flag=True,
    help="With --mode new or recreate on GitHub: minimise our earlier comments (same key) as "
    "outdated instead of leaving or deleting them.",
)
@click.option(
    "--delete",
    is_flag=True,
    help="Delete our comments for the key (no REPORT): a pull request that no longer "
    "touches the model.",
)
@click.option("--no-sticky", is_flag=True, help="Always post a new comment (--mode new).")
@click.option(
    "--place-status/--no-place-status",
    default=True,
    show_default=True,
    help="Keep where the comment is as a commit status (`cmlreport comment #N: KEY`, on "
    "GitLab `!N`; its Details link the comment) when it is not among the first 100, so later "
    "runs find it in 2-3 requests on a thread of thousands; GitHub: statuses: write, GitLab: "
    "Developer.",
)
@click.option("--dry-run", is_flag=True, help="Print what would be posted; write nothing.")
@choice_option(
    "--images",
    choices=("assets", "mermaid", "none"),
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
@click.option(
    "--watch",
    is_flag=True,
    help="Keep the comment in step with REPORT while training rewrites it: an update when the "
    "text changed, at most one per --interval, and a final one when the training ends "
    "(-- COMMAND: run it and exit with its code; --pid PID) or on SIGTERM/SIGINT (exit 143/130).",
)
@click.option(
    "--interval",
    type=click.FloatRange(min=0.1),
    default=30.0,
    show_default=True,
    metavar="SECONDS",
    help="With --watch: the least time between two updates.",
)
@click.option(
    "--pid",
    type=click.IntRange(min=1),
    metavar="PID",
    help="With --watch: the training process to follow (the final update when it ends).",
)
def send_comment(
    report: Path | None,
    command: tuple[str, ...],
    repo: str | None,
    token_env: str | None,
    forge: str,
    target: str,
    key: str | None,
    mode: str | None,
    hide_old: bool,
    delete: bool,
    no_sticky: bool,
    place_status: bool,
    dry_run: bool,
    images: str,
    image_root: Path | None,
    watch: bool,
    interval: float,
    pid: int | None,
) -> None:
    """Post REPORT (markdown) as a comment that later runs update in place.

    \b
    Examples:
      cmlreport send-comment report.md
      cmlreport send-comment report.md --target pr/12 --key nightly
      cmlreport send-comment report.md --mode recreate
      cmlreport send-comment report.md --mode new --hide-old
      cmlreport send-comment --delete
      cmlreport send-comment report.md --dry-run
      cmlreport send-comment report.md --watch -- python train.py
      cmlreport send-comment report.md --watch --interval 60 --pid "$TRAIN_PID"
    """
    from cmlreport.forges.send import SendOptions, choose_mode, send_report

    env = environment()
    options = SendOptions(
        report,
        target,
        key,
        mode=choose_mode(report, mode, no_sticky=no_sticky, hide_old=hide_old, delete=delete),
        hide_old=hide_old,
        place_status=place_status,
        dry_run=dry_run,
        images=images,
        image_root=image_root,
        repo=repo,
        token_env=token_env,
        forge=forge,
    )
    check_watch_flags(options, watch, pid, command)
    if watch:
        code = run_watch(options, env, interval, Watched(command, pid), warn)
        if code:
            sys.exit(code)
        return
    url = send_report(options, env, Path.cwd(), warn)
    if url is not None:
        write_output(env, "comment-url", url)
