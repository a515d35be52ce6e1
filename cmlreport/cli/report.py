"""`cmlreport report`: metrics (and plots) in, report.md out."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from cmlreport.ci import environment
from cmlreport.cli.common import (
    MetricInputs,
    choice_option,
    metrics_options,
    number_option,
    precision_option,
    project_root,
    warn,
)
from cmlreport.cli.predictions import predictions_options
from cmlreport.errors import GateFailed
from cmlreport.report.budget import GITHUB_COMMENT_LIMIT, GITLAB_NOTE_LIMIT

if TYPE_CHECKING:
    from cmlreport.report.build import BuiltReport


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
    metavar="KEY[@DROP]",
    help="Gate: fail when worse than base by more than DROP (absolute, or '2%' of base); "
    "KEY may be a glob ('eval.*'). A key two files hold is 'path:key', e.g. "
    "'results/train/metrics.json:dice_multi@0.01'; 'KEY:DROP' still works. Counts and "
    "indices (support, epoch, n_*) have no direction: name one with --higher-is-better. "
    "Repeatable.",
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
@number_option(
    "--slice-threshold",
    0.05,
    "A class counts as moved when its metric changed by more than this.",
    low=0,
)
@number_option(
    "--top", 10, "How many top regressions and improvements per slice table.", low=1, high=200
)
@precision_option("Decimals shown.")
@number_option(
    "--max-chars",
    GITHUB_COMMENT_LIMIT,
    f"Size budget: GitHub comments hold {GITHUB_COMMENT_LIMIT:,} characters, GitLab notes "
    f"{GITLAB_NOTE_LIMIT:,}.",
    low=2_000,
)
@choice_option(
    "--charts",
    choices=("png", "mermaid", "none"),
    help="Automatic charts (headline bars, per-class delta histograms): PNG files next to the "
    "report, mermaid blocks (no image hosting needed), or none.",
)
@click.option(
    "--history",
    type=click.IntRange(0, 500),
    default=0,
    metavar="N",
    help="Compare head with the metrics at the base branch's last N first-parent commits "
    "(up to 500): a sparkline, mean, min, max and z-score per headline metric, and the "
    "ratchet --fail-on-regression 'KEY@3sigma' (which reads 20 commits by default).",
)
@predictions_options
@click.option(
    "--drift",
    multiple=True,
    metavar="[NAME=]REF:CUR",
    help="Compare two CSV/TSV/JSON-lines/Parquet files column by column (e.g. the test set's "
    "scores and live ones): PSI, KS, Wasserstein, Jensen-Shannon, chi-square as "
    "drift.NAME.COLUMN.* metrics any gate can use. NAME (letters, digits, _.-) defaults to "
    "CUR's stem; a path holding ':' is split where both sides are files. Repeatable.",
)
@click.option(
    "--json",
    "json_path",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="Also write the report as data: each metric's base, head, delta, direction and "
    "intervals, the gates and their results (shape in the README).",
)
@click.option(
    "--name",
    metavar="LEG",
    help="This job's leg of a matrix (the model, the dataset), recorded in the --json file "
    "so `cmlreport merge` can combine the legs into one report.",
)
@click.option(
    "--gitlab-metrics",
    "gitlab_metrics",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="Also write the head's numeric metrics and the gates' counts as GitLab's metrics "
    "report (`name value` lines; point `artifacts:reports:metrics` at FILE and the merge "
    "request's metrics widget shows each change).",
)
def report(inputs: MetricInputs, max_chars: int, gitlab_metrics: Path | None, **flags: Any) -> None:
    """Build a markdown report: metrics vs the base branch, gates, per-class slices, plots.

    \b
    Examples:
      cmlreport report --metrics metrics.json --plot plots/ -o report.md
      cmlreport report -m metrics.json -m per_class.csv --fail-if "eval.f1 < 0.9"
      cmlreport report -m metrics.json --fail-on-regression "eval.*@1%" --base origin/main
      cmlreport report        # in a DVC project: the metrics and plots dvc.yaml declares
      cmlreport report --predictions p.csv --fail-on-regression "predictions.*@1%" --significant
      cmlreport report -m metrics.json --history 50 --fail-on-regression "eval.f1@3sigma"
      cmlreport report -m m.json --drift conf=test.csv:live.csv \\
          --fail-if "drift.conf.score.psi > 0.2"

    Exits 1 when a gate fails, after the report is written.
    """
    from cmlreport.ci import detect_ci
    from cmlreport.metrics.direction import Directions
    from cmlreport.report.build import ReportOptions, write_report
    from cmlreport.settings import load_settings

    if flags["name"] is not None:
        from cmlreport.report.legs import check_name

        if flags["json_path"] is None:
            raise click.UsageError("--name goes with --json FILE: the leg's name is kept there")
        flags["name"] = check_name(flags["name"], "--name")
    cwd = Path.cwd()
    if inputs.dvc is not None:  # no -m: dvc.yaml's metrics, and its plots unless --plot
        flags["plots"] = flags["plots"] or inputs.dvc.images
        flags["dvc"] = inputs.dvc
    # The other flags are named as the options' fields: they become the options as they are.
    opts = ReportOptions(
        metrics=inputs.paths,
        base=inputs.base,
        no_base=inputs.no_base,
        label_column=inputs.label_column,
        directions=Directions.from_patterns(inputs.higher, inputs.lower),
        log_values=inputs.log_values,
        budget=max_chars,
        **flags,
    ).with_settings(load_settings(project_root(cwd)))
    built = write_report(opts, detect_ci(environment()), cwd, warn)
    click.echo(f"wrote {opts.output} ({len(built.markdown):,} characters)")
    if built.full_path:
        click.echo(f"  cut to fit --max-chars {max_chars:,}; the uncut report is {built.full_path}")
    if gitlab_metrics is not None:
        _write_gitlab_metrics(gitlab_metrics, built)
    for path in built.files:
        click.echo(f"wrote {path}")
    if built.gates:
        failed = built.gates_failed
        click.echo(f"gates: {len(built.gates) - len(failed)} passed, {len(failed)} failed")
        for g in failed:
            click.echo(f"  FAILED {g.gate.text}: {g.detail}", err=True)
        if failed:
            raise GateFailed(
                f"{len(failed)} of {len(built.gates)} gates failed (see {opts.output})"
            )


def _write_gitlab_metrics(path: Path, built: BuiltReport) -> None:
    from cmlreport.errors import InputError
    from cmlreport.output import write_text
    from cmlreport.report.openmetrics import metrics_text

    try:
        write_text(path, metrics_text(built.diffs, built.gates))
    except OSError as exc:
        raise InputError(f"--gitlab-metrics {path}: cannot write it: {exc.strerror}") from None
    built.files.append(path)
