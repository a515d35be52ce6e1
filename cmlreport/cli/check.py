"""`cmlreport check`: the report as a check run whose conclusion follows the gates."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from cmlreport.ci import environment
from cmlreport.cli.common import forge_options, project_root, write_output

if TYPE_CHECKING:
    from cmlreport.forges.base import Annotation
    from cmlreport.report.failed_gates import FailedGate


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
@click.option(
    "--json",
    "json_path",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="The JSON `report --json` wrote: on GitHub each failed gate becomes an annotation on "
    "its metrics file, at the line of its key (a failure; a warning when --conclusion says "
    "the gates do not fail the check), and the check's text lists them. Default: REPORT's "
    "sibling STEM.json when `report --json` wrote it with this very REPORT.",
)
def check(
    report: Path,
    repo: str | None,
    token_env: str | None,
    forge: str,
    name: str,
    conclusion: str,
    json_path: Path | None,
) -> None:
    """Publish REPORT as a check run on the head commit (GitHub) or a commit status (GitLab).

    \b
    Examples:
      cmlreport report -m metrics.json --fail-if "eval.f1 < 0.9" -o report.md --json report.json
      cmlreport check report.md   # annotates from report.json, written with it
      cmlreport check report.md --name "model quality" --conclusion neutral
    """
    from cmlreport.files import MAX_INPUT_BYTES, decode_text, read_bytes
    from cmlreport.forges.select import forge_context, open_forge
    from cmlreport.redact import mask
    from cmlreport.report.markdown import read_gates_marker

    env = environment()
    raw = read_bytes(report, inside="report", limit=MAX_INPUT_BYTES)
    md = decode_text(raw, report.as_posix())
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
    failures = _failed_gates(json_path, report, raw)
    level = "failure" if chosen == "failure" else "warning"
    annotations = [_annotation(g, level) for g in failures if g.path is not None]
    ctx = forge_context(env, Path.cwd(), repo=repo, token_env=token_env, forge=forge)
    md = mask(md)  # a report that quotes a token publishes it masked
    result = open_forge(ctx).set_check(
        name, chosen, title, md, ctx.ci.run_url, text=_text(failures), annotations=annotations
    )
    click.echo(f"check {name!r}: {result.conclusion}: {result.url}")
    if annotations:
        click.echo(f"annotated {len(annotations):,} failed gates")
    write_output(env, "check-url", result.url)


def _failed_gates(json_path: Path | None, report: Path, raw: bytes) -> list[FailedGate]:
    from cmlreport.report.failed_gates import read_failed_gates, sibling_json

    cwd = Path.cwd()
    root = project_root(cwd)
    if json_path is None:
        json_path = sibling_json(report, raw, cwd=cwd, root=root)
    return [] if json_path is None else read_failed_gates(json_path, cwd=cwd, root=root)


def _annotation(gate: FailedGate, level: str) -> Annotation:
    from cmlreport.forges.base import Annotation
    from cmlreport.redact import mask

    assert gate.path is not None
    title = mask(f"gate failed: {gate.gate}")
    return Annotation(gate.path, gate.line, level, title, mask(gate.detail))


def _text(failures: list[FailedGate]) -> str:
    """The failed gates as a markdown list, each at its file and line where it has one."""
    if not failures:
        return ""
    from cmlreport.redact import mask
    from cmlreport.report.escape import md_text

    lines = [f"### Failed gates ({len(failures):,})", ""]
    for gate in failures:
        where = f" ({md_text(gate.path)}:{gate.line})" if gate.path else ""
        lines.append(f"- {md_text(gate.gate)}{where}: {md_text(gate.detail)}")
    return mask("\n".join(lines))
