"""``cmlreport plot``: data files in, PNG/SVG plots (or mermaid charts) out."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import click

from cmlreport.errors import CmlReportError, InputError
from cmlreport.files import decode_text, read_text
from cmlreport.plots import figures
from cmlreport.plots.curves import Run, check_columns, mermaid_curves, panel_key
from cmlreport.plots.plotdata import (
    LogTable,
    is_index,
    parse_confusion,
    parse_log,
    parse_scores,
)

# Without --y every numeric column gets a subplot; past this many the image is a wall.
DEFAULT_CURVES_MAX = 12
# Wall-clock columns (dvclive's timestamp) are logged beside the metrics, not metrics themselves.
CLOCK_COLUMNS = ("timestamp", "time", "wall_time", "walltime")
_OUTPUT_HELP = (
    "File to write: .png or .svg (the extension picks the format; send-comment does not "
    "publish SVG)."
)


@click.group()
def plot() -> None:
    """Draw plots from data files: training curves, confusion matrices, drift overlays."""


@plot.command()
@click.argument("logs", metavar="LOG...", nargs=-1, required=True)
@click.option("--x", "x_col", metavar="COL", help="x axis column (default: step/epoch/iteration).")
@click.option("--y", "y_cols", metavar="COL", multiple=True, help="Column to plot; repeatable.")
@click.option("--base", "base_rev", metavar="REV", help="Overlay each LOG as it is at REV.")
@click.option("--no-base", is_flag=True, help="Draw this run only, with no base overlay.")
@click.option("--title", help="Title above the plots.")
@click.option("--mermaid", "as_mermaid", is_flag=True, help="Write mermaid charts instead.")
@click.option("-o", "--output", metavar="OUT", help=f"{_OUTPUT_HELP} With --mermaid: .md.")
def curves(
    logs: tuple[str, ...],
    x_col: str | None,
    y_cols: tuple[str, ...],
    base_rev: str | None,
    no_base: bool,
    title: str | None,
    as_mermaid: bool,
    output: str | None,
) -> None:
    """Training curves of one or more logs, this run against the base branch's.

    LOG is CSV, TSV, JSON lines or a JSON list of objects. Several logs (dvclive's
    train/loss.tsv and eval/loss.tsv) are overlaid, one panel per metric, each line named
    after its file. Without --base the base is the pull/merge request's target (or main);
    outside a git repository, or when it cannot be found, only this run is drawn.
    """
    if base_rev is not None and no_base:
        raise InputError("--base and --no-base contradict each other; pass only one of them")
    fmt = _output_format(output, as_mermaid=as_mermaid)
    heads = [parse_log(log, read_text(log)) for log in logs]
    names = [""] if len(logs) == 1 else distinct_names(logs)
    runs = [Run(name, head, None, x_col) for name, head in zip(names, heads, strict=True)]
    check_columns(runs, [])  # an unknown --x fails here, naming the file and its columns
    panels = _panels_to_plot(runs, y_cols)
    if not no_base:
        runs = [
            replace(run, base=_base_log(path, base_rev, run.log))
            for path, run in zip(logs, runs, strict=True)
        ]
    if not as_mermaid:
        assert output is not None
        _write(output, figures.overlaid_curves(runs, panels, title=title, fmt=fmt))
        return
    check_columns(runs, panels)
    charts = "\n".join(mermaid_curves(runs, panel, title) for panel in panels)
    if output is None:
        click.echo(charts, nl=False)
    else:
        _write(output, charts.encode("utf-8"))


@plot.command()
@click.argument("file")
@click.option("--normalize", is_flag=True, help="Show each actual label's row as shares.")
@click.option("-o", "--output", metavar="OUT", help=_OUTPUT_HELP)
def confusion(file: str, normalize: bool, output: str | None) -> None:
    """A confusion matrix from a square table or actual,predicted pairs."""
    fmt = _output_format(output)
    matrix = parse_confusion(file, read_text(file))
    assert output is not None
    _write(output, figures.confusion_matrix(matrix, normalize=normalize, fmt=fmt))


@plot.command()
@click.argument("a")
@click.argument("b")
@click.option("--label-a", metavar="TEXT", help="Legend for A (default: its file name).")
@click.option("--label-b", metavar="TEXT", help="Legend for B (default: its file name).")
@click.option("--column", metavar="COL", help="Column holding the scores in both files.")
@click.option("--title", help="Title above the plot.")
@click.option("-o", "--output", metavar="OUT", help=_OUTPUT_HELP)
def drift(
    a: str,
    b: str,
    label_a: str | None,
    label_b: str | None,
    column: str | None,
    title: str | None,
    output: str | None,
) -> None:
    """Two score distributions overlaid, with their means: a drift check.

    A and B hold one score per line, or a column of a CSV/TSV/JSON file (e.g. the top-1
    confidence on the test set and on fresh data).
    """
    fmt = _output_format(output)
    scores_a = parse_scores(a, read_text(a), column)
    scores_b = parse_scores(b, read_text(b), column)
    same_stem = Path(a).stem == Path(b).stem
    default_a, default_b = (a, b) if same_stem else (Path(a).stem, Path(b).stem)
    assert output is not None
    _write(
        output,
        figures.score_overlay(
            scores_a,
            scores_b,
            label_a or default_a,
            label_b or default_b,
            title=title,
            fmt=fmt,
        ),
    )


def _output_format(output: str | None, *, as_mermaid: bool = False) -> str:
    suffix = Path(output).suffix.lower() if output is not None else ""
    if as_mermaid:
        if output is not None and suffix not in (".md", ".markdown"):
            raise InputError(f"-o {output}: with --mermaid write a .md file, or omit -o for stdout")
        return "md"
    if output is None:
        raise InputError("-o/--output is missing: name the .png or .svg file to write")
    if suffix not in (".png", ".svg"):
        raise InputError(f"-o {output}: use a .png or .svg file name (or --mermaid for markdown)")
    return suffix[1:]


def _panels_to_plot(runs: list[Run], wanted: tuple[str, ...]) -> list[str]:
    if wanted:
        panels = list(dict.fromkeys(wanted))
        check_columns(runs, panels)
        return panels
    panels = list(
        dict.fromkeys(
            panel_key(c, runs)
            for r in runs
            for c in r.log.numeric_columns()
            if c != r.x_column and not is_index(c) and c.strip().lower() not in CLOCK_COLUMNS
        )
    )
    sources = ", ".join(r.log.source for r in runs)
    if not panels:
        x = ", ".join(dict.fromkeys(str(r.x_column) for r in runs))
        raise InputError(f"{sources} has no numeric column besides {x}; nothing to plot")
    if len(panels) > DEFAULT_CURVES_MAX:
        _note(
            f"{sources} has {len(panels)} numeric columns; drawing the first "
            f"{DEFAULT_CURVES_MAX} (pick others with --y)"
        )
    return panels[:DEFAULT_CURVES_MAX]


def distinct_names(paths: tuple[str, ...]) -> list[str]:
    """The shortest trailing parts of the paths that tell them apart: train/loss.tsv, eval/..."""
    parts = [Path(p).parts for p in paths]
    for n in range(1, max(len(p) for p in parts) + 1):
        names = ["/".join(p[-n:]) for p in parts]
        if len(set(names)) == len(names):
            return names
    return list(paths)  # the same file twice: nothing tells the copies apart


def _base_log(path: str, explicit: str | None, head: LogTable) -> LogTable | None:
    """The same log at the base revision, or None (with a note) when there is none to show."""
    from cmlreport import baseline, ci

    cwd = Path.cwd()
    try:
        rev = baseline.resolve_base(explicit, ci.detect_ci(ci.environment()), cwd)
        data = baseline.read_file_at(rev.sha, path, cwd)
        if data is None:
            _note(f"{path} does not exist at the base {rev.ref} ({rev.sha[:12]}); no base overlay")
            return None
        text = decode_text(data, f"{path} at {rev.ref}")
        base = parse_log(f"{path} at {rev.ref}", text)
    except CmlReportError as exc:
        if explicit is not None:
            raise
        _note(f"no base overlay for {path}: {exc.message}")
        return None
    if base.rows == head.rows and base.columns == head.columns:
        _note(f"{path} is the same at the base {rev.ref}; drawing it once")
        return None
    return base


def _write(output: str, data: bytes) -> None:
    target = Path(output)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    except OSError as exc:
        raise InputError(f"cannot write -o {output} ({exc.strerror}); pick another path") from None
    click.echo(output)


def _note(message: str) -> None:
    click.echo(f"cmlreport: note: {message}", err=True)
