"""`cmlreport demo`: see a full report without a token, a network or a repository."""

from __future__ import annotations

from pathlib import Path

import click


@click.command()
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("cmlreport-demo"),
    show_default=True,
    help="Folder for report.md, report.html and the plots.",
)
def demo(out: Path) -> None:
    """Build a full report from bundled example data and a local HTML preview of it.

    The example is a text classifier over 400 labels retrained on fresh data: accuracy is up,
    but recall on fresh data dropped and a few labels swung hard, so one gate fails on purpose.
    """
    from cmlreport.report.demo import run_demo

    result = run_demo(out)
    click.echo(f"report:  {result.report}")
    click.echo(f"preview: {result.html}  (open it in a browser)")
    click.echo(f"plots:   {len(result.plots)} files in {result.report.parent}")
    failed = result.built.gates_failed
    if failed:
        click.echo(
            f"gates:   {len(failed)} of {len(result.built.gates)} failed, as the example intends "
            "(in CI, `cmlreport report` would exit 1 here):"
        )
        for g in failed:
            click.echo(f"  - {g.gate.text}: {g.detail}")
