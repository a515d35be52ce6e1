"""`cmlreport merge`: the `report --json` files of a matrix's legs in, one report.md out."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from cmlreport.ci import environment
from cmlreport.cli.common import number_option, precision_option
from cmlreport.errors import GateFailed, InputError
from cmlreport.report.budget import GITHUB_COMMENT_LIMIT, GITLAB_NOTE_LIMIT

if TYPE_CHECKING:
    from cmlreport.report.legs import Leg


def split_leg(arg: str) -> tuple[str | None, str]:
    """``NAME=FILE`` or ``FILE`` (a file whose own name holds ``=`` is a file)."""
    name, sep, path = arg.partition("=")
    if not sep or Path(arg).exists():
        return None, arg
    return name, path


@click.command()
@click.argument("legs", nargs=-1, required=True, metavar="[NAME=]LEG.json...")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("report.md"),
    show_default=True,
    help="Where to write the merged report.",
)
@click.option(
    "--json",
    "json_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the legs' gates as JSON (each with its leg and metrics file) and the "
    "report's digest: `check` beside it (report.json for report.md) annotates the failed gates.",
)
@click.option("--title", default="Metrics report", show_default=True, help="Report heading.")
@precision_option("Decimals shown.")
@number_option(
    "--max-chars",
    GITHUB_COMMENT_LIMIT,
    f"Size budget: GitHub comments hold {GITHUB_COMMENT_LIMIT:,} characters, GitLab notes "
    f"{GITLAB_NOTE_LIMIT:,}. Legs are cut from the last, never the summary or the gates.",
    low=2_000,
)
def merge(
    legs: tuple[str, ...],
    output: Path,
    json_path: Path | None,
    title: str,
    precision: int,
    max_chars: int,
) -> None:
    """Merge the reports of a matrix's legs into one report: a combined summary and gates
    table, the legs side by side on the metrics they share, one section per leg.

    Each LEG.json is what `cmlreport report --name LEG --json LEG.json` wrote in that job;
    NAME=LEG.json names (or renames) a leg here. Send the result with send-comment or check.

    \b
    Examples:
      cmlreport merge legs/*/report.json -o report.md
      cmlreport merge resnet=a/report.json vit=b/report.json --title "Models"
      cmlreport merge legs/*/report.json && cmlreport send-comment report.md
      cmlreport merge legs/*/leg.json --json report.json && cmlreport check report.md

    Exits 1 when a gate failed in any leg, after the report is written; 2 for a leg that
    cannot be read or two legs with one name.
    """
    from cmlreport.ci import detect_ci
    from cmlreport.output import append_text, write_text
    from cmlreport.report.budget import STEP_SUMMARY_LIMIT, cut_markdown
    from cmlreport.report.merge import MergeOptions, render_merged

    read = _read_legs(legs)
    ci = detect_ci(environment())
    full_path = output.with_name(f"{output.stem}.full{output.suffix or '.md'}")
    opts = MergeOptions(title, precision, max_chars, full_report_hint=full_path.name)
    markdown = render_merged(read, opts)
    full = render_merged(read, opts, max(max_chars, GITLAB_NOTE_LIMIT))
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        write_text(output, markdown)
        click.echo(f"wrote {output} ({len(markdown):,} characters, {len(read)} legs)")
        if markdown != full:
            write_text(full_path, full)
            click.echo(f"  cut to fit --max-chars {max_chars:,}; the uncut report is {full_path}")
        elif full_path.exists():
            full_path.unlink()  # a stale uncut copy from an earlier run would mislead
        if json_path is not None:
            _write_json(json_path, output, read)
        if ci.step_summary_path:
            append_text(ci.step_summary_path, cut_markdown(full, STEP_SUMMARY_LIMIT, None) + "\n")
    except OSError as exc:
        raise InputError(f"cannot write {exc.filename or output}: {exc.strerror}") from exc
    _fail_on_gates(read, output)


def _read_legs(legs: tuple[str, ...]) -> list[Leg]:
    from cmlreport.files import read_text
    from cmlreport.report.legs import parse_leg
    from cmlreport.report.merge import check_names

    read = []
    files = []
    for arg in legs:
        name, path = split_leg(arg)
        read.append(parse_leg(read_text(path, inside="leg reports"), path, name))
        files.append(path)
    check_names(read, files)
    return read


def _fail_on_gates(read: list[Leg], output: Path) -> None:
    failing = [leg for leg in read if leg.failed]
    for leg in failing:
        for gate in leg.failed:
            click.echo(f"  FAILED {leg.name}: {gate.gate}: {gate.detail}", err=True)
    if failing:
        failed = sum(len(leg.failed) for leg in failing)
        raise GateFailed(f"{failed} gate(s) failed in {len(failing)} leg(s) (see {output})")


def _write_json(json_path: Path, output: Path, legs: list[Leg]) -> None:
    import hashlib

    from cmlreport.output import write_text
    from cmlreport.report.merge import merged_json

    digest = hashlib.sha256(output.read_bytes()).hexdigest()
    write_text(json_path, merged_json(legs, (output.name, digest)))
    click.echo(f"wrote {json_path} (the gates of {len(legs)} legs)")
