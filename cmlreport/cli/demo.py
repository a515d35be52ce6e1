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
    help="Folder for report.md, report.html, report.json and the plots.",
)
def demo(out: Path) -> None:
    """Build a full report from bundled example data and a local HTML preview of it.

    The example is a text classifier retrained after a burst of political news: eval accuracy
    is up but within noise, accuracy on fresh data fell for real (the gate that fails on
    purpose), confidence on new data drifted, the model became overconfident, and the test
    examples from the news burst lost while the others gained.
    """
    from cmlreport.report.demo import run_demo

    result = run_demo(out)
    click.echo(f"report:  {result.report}")
    click.echo(f"preview: {result.html}  (open it in a browser)")
    click.echo(f"data:    {result.json}  (what `report --json` writes)")
    click.echo(f"plots:   {len(result.plots)} files in {result.report.parent}")
    failed = result.built.gates_failed
    if failed:
        click.echo(
            f"gates:   {len(failed)} of {len(result.built.gates)} failed, as the example intends "
            "(in CI, `cmlreport report` would exit 1 here):"
        )
        for g in failed:
            click.echo(f"  - {g.gate.text}: {g.detail}")
