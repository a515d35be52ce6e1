"""`cmlreport diff`: the metrics diff alone, like `dvc metrics diff`."""

from __future__ import annotations

from pathlib import Path

import click

from cmlreport.ci import environment
from cmlreport.cli.common import (
    MetricInputs,
    choice_option,
    metrics_options,
    precision_option,
    project_root,
    warn,
)


@click.command()
@metrics_options
@choice_option(
    "--format",
    "fmt",
    choices=("table", "md", "json"),
    help="Terminal table, markdown table, or JSON for scripts.",
)
@click.option("--all", "show_all", is_flag=True, help="Also show unchanged metrics.")
@precision_option("Decimals shown (table and md).")
def diff(inputs: MetricInputs, fmt: str, show_all: bool, precision: int) -> None:
    """Show how the metrics moved against the base revision.

    \b
    Examples:
      cmlreport diff metrics.json
      cmlreport diff -m metrics.json --base main --format json
      cmlreport diff          # in a DVC project: the metrics dvc.yaml declares
    """
    from cmlreport.ci import detect_ci
    from cmlreport.metrics.diff import diff_metrics
    from cmlreport.metrics.direction import Directions
    from cmlreport.metrics.logs import LogValues
    from cmlreport.metrics.table_diff import diff_tables
    from cmlreport.report import diffview
    from cmlreport.report.runs import load_runs
    from cmlreport.settings import load_settings

    cwd = Path.cwd()
    settings = load_settings(project_root(cwd))
    directions = Directions.from_patterns(inputs.higher, inputs.lower).then(
        Directions.from_patterns(settings.higher_is_better, settings.lower_is_better)
    )
    env = detect_ci(environment())
    values = LogValues.parse(inputs.log_values + settings.log_value, directions)
    runs = load_runs(
        inputs.paths,
        inputs.base,
        inputs.no_base,
        env,
        cwd,
        warn,
        label_column=inputs.label_column,
        log_values=values,
        dvc=inputs.dvc,
    )
    for note in runs.notes:
        warn(note)
    base_scalars = runs.base.scalars if runs.base is not None else {}
    moved = diff_metrics(base_scalars, runs.head.scalars, directions, unchanged=show_all)
    shown = diffview.visible(moved, show_all)
    tables = diff_tables(runs.base.tables, runs.head.tables) if runs.base is not None else []
    if fmt == "json":
        from cmlreport.textsafe import json_safe

        for chunk in diffview.json_chunks(shown):  # a million keys: printed as they come
            click.echo(json_safe(chunk), nl=False)
        click.echo()
    elif fmt == "md":
        for chunk in diffview.markdown_chunks(shown, precision, tables):
            click.echo(chunk, nl=False)
    else:
        for chunk in diffview.table_chunks(shown, precision, tables):
            click.echo(chunk, nl=False)
