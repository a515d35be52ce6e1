"""`cmlreport pr create`: retraining results committed to a branch, proposed as a pull request."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from cmlreport.ci import environment
from cmlreport.cli.common import forge_options, write_output
from cmlreport.forges.proposal import DEFAULT_BRANCH, DEFAULT_TITLE

if TYPE_CHECKING:
    from cmlreport.forges.proposal import ProposedFile


@click.group()
def pr() -> None:
    """Propose changes as a pull request (GitHub) or merge request (GitLab)."""


@pr.command()
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
@click.option(
    "--branch",
    default=DEFAULT_BRANCH,
    show_default=True,
    help="The branch to commit to; rebuilt on --base each run, so keep it for cmlreport.",
)
@click.option(
    "--base", metavar="BRANCH", help="The branch to merge into (default: the repository's)."
)
@click.option("--title", default=DEFAULT_TITLE, show_default=True, help="Title and commit message.")
@click.option(
    "--body-file",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="The pull request's description, e.g. the report.md that `cmlreport report` wrote "
    "(default: the list of files).",
)
@forge_options
def create(
    paths: tuple[str, ...],
    branch: str,
    base: str | None,
    title: str,
    body_file: Path | None,
    repo: str | None,
    token_env: str | None,
    forge: str,
) -> None:
    """Commit PATH... (files or folders of this work tree) to --branch and open a pull request.

    For scheduled retraining: the refreshed metrics, lock file and model card reach review
    with the report as the description. The commit is made through the forge's API with the
    same token as send-comment (no push, no git credentials). A rerun updates the same branch
    and pull request; with the same files it changes nothing, and
    files the same as on the base open nothing (exit 0).

    \b
    Examples:
      cmlreport report -o report.md
      cmlreport pr create metrics.json dvc.lock MODEL_CARD.md --body-file report.md
      cmlreport pr create results/ --branch retrain/weekly --base develop
    """
    from cmlreport.forges.proposal import Proposal, check_branch, collect_files
    from cmlreport.forges.select import forge_context, open_proposals

    env = environment()
    check_branch(branch)
    if base is not None:
        check_branch(base, "--base")
    if not title.strip() or "\n" in title or len(title) > 250:
        raise click.BadParameter("one line of at most 250 characters", param_hint="--title")
    files = collect_files(paths, Path.cwd())
    ctx = forge_context(env, Path.cwd(), repo=repo, token_env=token_env, forge=forge)
    body = _body(body_file, files, ctx.provider)
    proposal = Proposal(branch, base, title.strip(), body, files)
    result = open_proposals(ctx).propose(proposal)
    noun = "pull request" if ctx.provider == "github" else "merge request"
    if result is None:
        # A scheduled run whose retraining changed nothing: no failure, nothing opened.
        click.echo(f"nothing to propose: the files are the same as on {base or 'the base'}")
        return
    done = "opened" if result.opened else "updated"
    commit = "new commit" if result.committed else "files unchanged"
    click.echo(f"{noun} {done} ({commit} on {result.branch}): {result.url}")
    write_output(env, "pr-url", result.url)


def _body(body_file: Path | None, files: tuple[ProposedFile, ...], provider: str) -> str:
    from cmlreport.files import read_text
    from cmlreport.forges.select import COMMENT_LIMITS
    from cmlreport.redact import mask
    from cmlreport.report.budget import cut_markdown

    if body_file is None:
        from cmlreport.report.escape import md_code

        listed = [f"- {md_code(f.path)}" for f in files]
        return "Files refreshed by cmlreport:\n\n" + "\n".join(listed) + "\n"
    text = read_text(body_file, inside="report")
    # A report that quotes a token publishes it masked; a long one is cut at a section.
    return cut_markdown(mask(text), COMMENT_LIMITS[provider], None)
