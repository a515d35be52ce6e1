"""`cmlreport check`: the report as a check run whose conclusion follows the gates."""

from __future__ import annotations

from pathlib import Path

import click

from cmlreport.ci import environment
from cmlreport.cli.common import forge_options, write_output


@click.command()
@click.argument("report", type=click.Path(dir_okay=False, path_type=Path))
@forge_options
@click.option("--name", default="cmlreport", show_default=True, help="The check's name.")
@click.option(
    "--conclusion",
    type=click.Choice(["auto", "success", "failure", "neutral"]),
    default="auto",
    show_default=True,
    help="auto: failure when a gate in the report failed, success when all passed, neutral "
    "when the report has no gates.",
)
def check(
    report: Path,
    repo: str | None,
    token_env: str | None,
    forge: str,
    name: str,
    conclusion: str,
) -> None:
    """Publish REPORT as a check run on the head commit (GitHub)."""
    from cmlreport.files import read_text
    from cmlreport.forges.select import forge_context, open_forge
    from cmlreport.redact import mask
    from cmlreport.report.markdown import read_gates_marker

    env = environment()
    md = read_text(report, inside="report")
    gates = read_gates_marker(md)
    if gates is None:
        title = "metrics report (no gates)"
        auto = "neutral"
    else:
        passed, failed = gates
        total = passed + failed
        title = f"{failed} of {total} gates failed" if failed else f"all {total} gates passed"
        auto = "failure" if failed else "success"
    chosen = auto if conclusion == "auto" else conclusion
    ctx = forge_context(env, Path.cwd(), repo=repo, token_env=token_env, forge=forge)
    md = mask(md)  # a report that quotes a token publishes it masked
    result = open_forge(ctx).set_check(name, chosen, title, md, ctx.ci.run_url)
    click.echo(f"check {name!r}: {result.conclusion}: {result.url}")
    write_output(env, "check-url", result.url)
