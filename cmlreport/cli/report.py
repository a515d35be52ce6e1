"""`cmlreport report`: metrics (and plots) in, report.md out."""

from __future__ import annotations

from pathlib import Path

import click

from cmlreport.ci import environment
from cmlreport.cli.common import metric_paths, metrics_options, project_root, warn
from cmlreport.errors import GateFailed, InputError
from cmlreport.output import append_text, write_text

STEP_SUMMARY_LIMIT = 1_000_000  # GitHub's job summary takes up to 1 MiB per step


@click.command()
@metrics_options
@click.option(
    "-p",
    "--plot",
    "plots",
    multiple=True,
    metavar="FILE_OR_DIR",
    help="Image (PNG, SVG, JPG, GIF) or folder of images to include. Repeatable.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("report.md"),
    show_default=True,
    help="Where to write the report.",
)
@click.option("--title", default="Metrics report", show_default=True, help="Report heading.")
@click.option(
    "--fail-if",
    multiple=True,
    metavar="EXPR",
    help="Gate: fail (exit 1) when true at head, e.g. 'eval.accuracy < 0.9'. Repeatable.",
)
@click.option(
    "--fail-on-regression",
    multiple=True,
    metavar="KEY[:DROP]",
    help="Gate: fail when worse than base by more than DROP (absolute, or '2%' of base); "
    "KEY may be a glob ('eval.*'). Repeatable.",
)
@click.option(
    "--headline",
    multiple=True,
    metavar="PATTERN",
    help="Metrics (name or glob) for the headline table (default: all when few, else the "
    "biggest moves). Repeatable.",
)
@click.option("--slice-metric", metavar="COLUMN", help="Per-class column to compare (default f1).")
@click.option(
    "--min-support",
    type=click.FloatRange(min=0),
    default=0.0,
    help="Leave out classes with less support than this from the slice rankings.",
)
@click.option(
    "--slice-threshold",
    type=click.FloatRange(min=0),
    default=0.05,
    show_default=True,
    help="A class counts as moved when its metric changed by more than this.",
)
@click.option(
    "--top",
    type=click.IntRange(min=1, max=200),
    default=10,
    show_default=True,
    help="How many top regressions and improvements per slice table.",
)
@click.option(
    "--precision",
    type=click.IntRange(min=1, max=12),
    default=4,
    show_default=True,
    help="Decimals shown.",
)
@click.option(
    "--max-chars",
    type=click.IntRange(min=2_000),
    default=65_536,
    show_default=True,
    help="Size budget: GitHub comments hold 65,536 characters, GitLab notes 1,000,000.",
)
@click.option(
    "--charts",
    type=click.Choice(["png", "mermaid", "none"]),
    default="png",
    show_default=True,
    help="Automatic charts (headline bars, per-class delta histograms): PNG files next to the "
    "report, mermaid blocks (no image hosting needed), or none.",
)
def report(
    files: tuple[str, ...],
    metrics: tuple[str, ...],
    base: str | None,
    no_base: bool,
    higher: tuple[str, ...],
    lower: tuple[str, ...],
    plots: tuple[str, ...],
    output: Path,
    title: str,
    fail_if: tuple[str, ...],
    fail_on_regression: tuple[str, ...],
    headline: tuple[str, ...],
    slice_metric: str | None,
    min_support: float,
    slice_threshold: float,
    top: int,
    precision: int,
    max_chars: int,
    charts: str,
) -> None:
    """Build a markdown report: metrics vs the base branch, gates, per-class slices, plots.

    \b
    Examples:
      cmlreport report --metrics metrics.json --plot plots/ -o report.md
      cmlreport report -m metrics.json -m per_class.csv --fail-if "eval.f1 < 0.9"
      cmlreport report -m metrics.json --fail-on-regression "eval.*:1%" --base origin/main

    Exits 1 when a gate fails, after the report is written.
    """
    from cmlreport.ci import detect_ci
    from cmlreport.metrics.direction import Directions
    from cmlreport.metrics.gates import parse_gates
    from cmlreport.report.build import ReportOptions, build_report, load_runs
    from cmlreport.settings import load_settings

    cwd = Path.cwd()
    paths = metric_paths(metrics, files)
    opts = ReportOptions(
        metrics=paths,
        plots=plots,
        base=base,
        no_base=no_base,
        output=output,
        title=title,
        fail_if=fail_if,
        fail_on_regression=fail_on_regression,
        directions=Directions.from_patterns(higher, lower),
        headline=headline,
        slice_metric=slice_metric,
        min_support=min_support,
        slice_threshold=slice_threshold,
        top=top,
        precision=precision,
        budget=max_chars,
        charts=charts,
    ).with_settings(load_settings(project_root(cwd)))
    parse_gates(opts.fail_if, opts.fail_on_regression)  # bad gate text fails before any git work
    ci = detect_ci(environment())
    runs = load_runs(opts, ci, cwd, warn)
    full_path = output.with_name(f"{output.stem}.full{output.suffix or '.md'}")
    hint = full_path.name
    if ci.step_summary_path:
        hint = f"the job summary{f' of {ci.run_url}' if ci.run_url else ''} and {full_path.name}"
    built = build_report(runs, opts, full_report_hint=hint)
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        write_text(output, built.markdown)
        if built.was_cut:
            write_text(full_path, built.full_markdown)
        elif full_path.exists():
            full_path.unlink()  # a stale uncut copy from an earlier run would mislead
        if ci.step_summary_path:
            append_text(ci.step_summary_path, built.full_markdown[:STEP_SUMMARY_LIMIT] + "\n")
    except OSError as exc:
        raise InputError(
            f"cannot write the report to {exc.filename or output}: {exc.strerror}"
        ) from exc
    click.echo(f"wrote {output} ({len(built.markdown):,} characters)")
    if built.was_cut:
        click.echo(f"  cut to fit --max-chars {max_chars:,}; the uncut report is {full_path}")
    for path in built.files:
        click.echo(f"wrote {path}")
    if built.gates:
        failed = built.gates_failed
        click.echo(f"gates: {len(built.gates) - len(failed)} passed, {len(failed)} failed")
        for g in failed:
            click.echo(f"  FAILED {g.gate.text}: {g.detail}", err=True)
        if failed:
            raise GateFailed(f"{len(failed)} of {len(built.gates)} gates failed (see {output})")
