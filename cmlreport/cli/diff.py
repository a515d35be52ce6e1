"""`cmlreport diff`: the metrics diff alone, like `dvc metrics diff`."""

from __future__ import annotations

from pathlib import Path

import click

from cmlreport.ci import environment
from cmlreport.cli.common import metric_paths, metrics_options, project_root, warn


@click.command()
@metrics_options
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "md", "json"]),
    default="table",
    show_default=True,
    help="Terminal table, markdown table, or JSON for scripts.",
)
@click.option("--all", "show_all", is_flag=True, help="Also show unchanged metrics.")
@click.option(
    "--precision",
    type=click.IntRange(min=1, max=12),
    default=4,
    show_default=True,
    help="Decimals shown (table and md).",
)
def diff(
    files: tuple[str, ...],
    metrics: tuple[str, ...],
    base: str | None,
    no_base: bool,
    higher: tuple[str, ...],
    lower: tuple[str, ...],
    fmt: str,
    show_all: bool,
    precision: int,
) -> None:
    """Show how the metrics moved against the base revision.

    \b
    Examples:
      cmlreport diff metrics.json
      cmlreport diff -m metrics.json --base main --format json
    """
    from cmlreport.ci import detect_ci
    from cmlreport.metrics.diff import diff_metrics
    from cmlreport.metrics.direction import Directions
    from cmlreport.report import diffview
    from cmlreport.report.build import ReportOptions, load_runs
    from cmlreport.settings import load_settings

    cwd = Path.cwd()
    settings = load_settings(project_root(cwd))
    directions = Directions.from_patterns(higher, lower).then(
        Directions.from_patterns(settings.higher_is_better, settings.lower_is_better)
    )
    opts = ReportOptions(metrics=metric_paths(metrics, files), base=base, no_base=no_base)
    runs = load_runs(opts, detect_ci(environment()), cwd, warn)
    for note in runs.notes:
        warn(note)
    base_scalars = runs.base.scalars if runs.base is not None else {}
    shown = diffview.visible(diff_metrics(base_scalars, runs.head.scalars, directions), show_all)
    if fmt == "json":
        from cmlreport.textsafe import json_safe

        click.echo(json_safe(diffview.to_json(shown)))
    elif fmt == "md":
        click.echo(diffview.to_markdown(shown, precision))
    else:
        click.echo(diffview.to_table(shown, precision))
