"""The flags and helpers the commands share: metrics inputs, forge flags, choices, numbers."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from cmlreport.report.discover import DvcProject

F = TypeVar("F", bound=Callable[..., Any])


def warn(message: str) -> None:
    click.echo(f"cmlreport: warning: {message}", err=True)


def choice_option(*names: str, choices: Sequence[str], help: str) -> Callable[[F], F]:
    """A flag taking one of ``choices``; the first is the default."""
    return click.option(
        *names, type=click.Choice(list(choices)), default=choices[0], show_default=True, help=help
    )


def number_option(
    flag: str, default: float, help: str, low: float | None = None, high: float | None = None
) -> Callable[[F], F]:
    """A number flag within ``low`` and ``high``: whole numbers when ``default`` is an int."""
    kind: click.ParamType[float] = click.FloatRange(min=low, max=high)
    if isinstance(default, int):
        kind = click.IntRange(min=_whole(low), max=_whole(high))
    return click.option(flag, type=kind, default=default, show_default=True, help=help)


def _whole(bound: float | None) -> int | None:
    return None if bound is None else int(bound)


def precision_option(help: str) -> Callable[[F], F]:
    return number_option("--precision", 4, help, low=1, high=12)


@dataclass(frozen=True)
class MetricInputs:
    """The metrics files to read, what to compare them with and the direction flags."""

    paths: tuple[str, ...]
    base: str | None
    no_base: bool
    higher: tuple[str, ...]
    lower: tuple[str, ...]
    label_column: str | None = None
    log_values: tuple[str, ...] = ()
    dvc: DvcProject | None = None  # where the paths came from when no file was named


_LABEL_COLUMN = click.option(
    "--label-column",
    metavar="COLUMN",
    help="The column naming each row of a per-class table (default: label, class, name, "
    "model... in any case, else the first text column).",
)
_METRICS = click.option(
    "-m",
    "--metrics",
    multiple=True,
    metavar="FILE",
    help="Metrics file (JSON, YAML, TOML, CSV, TSV, JSON lines; a training log such as "
    "results.csv or Keras' training.log; an MLflow run folder). Repeat, or list more "
    "files after it (default in a DVC project: the metrics dvc.yaml declares).",
)
_LOG_VALUE = click.option(
    "--log-value",
    "log_values",
    multiple=True,
    metavar="[PATTERN=]last|best|min|max",
    help="Which value of a training log's column is its metric (default: the last logged); "
    "best follows the metric's direction. PATTERN is a column or glob: 'val_*=best'. Repeatable.",
)


_METRICS_OPTIONS = [
    # Plain text, not click.Path: the file checks (folders, FIFOs, devices) are
    # cmlreport.files's, with one line naming the file.
    click.argument("files", nargs=-1, metavar="[FILES]..."),
    _METRICS,
    click.option(
        "--base",
        metavar="REV",
        help="Compare with this revision (default: the PR/MR target branch, else the "
        "remote's default branch; the merge base with HEAD is used).",
    ),
    click.option("--no-base", is_flag=True, help="Do not compare: show every metric as new."),
    click.option(
        "--higher-is-better",
        "higher",
        multiple=True,
        metavar="PATTERN",
        help="Metrics (name or glob) where higher is better. Repeatable.",
    ),
    click.option(
        "--lower-is-better",
        "lower",
        multiple=True,
        metavar="PATTERN",
        help="Metrics (name or glob) where lower is better (default for loss, error, mae, "
        "rmse, latency, *_time ...). Repeatable.",
    ),
    _LABEL_COLUMN,
    _LOG_VALUE,
]


def metrics_options(func: Callable[..., None]) -> Callable[..., None]:
    """--metrics, --base, --no-base, direction and log flags as one ``inputs: MetricInputs``."""

    @functools.wraps(func)
    def command(
        files: tuple[str, ...],
        metrics: tuple[str, ...],
        base: str | None,
        no_base: bool,
        higher: tuple[str, ...],
        lower: tuple[str, ...],
        label_column: str | None,
        log_values: tuple[str, ...],
        **flags: Any,
    ) -> None:
        paths = tuple(dict.fromkeys(metrics + files))
        # --predictions or --drift alone is a report too; in a DVC project, dvc.yaml's metrics
        # join it.
        alone = flags.get("predictions") or flags.get("drift")
        dvc = None if paths else _from_dvc_yaml(required=not alone)
        if dvc is not None:
            paths = dvc.metrics
        inputs = MetricInputs(paths, base, no_base, higher, lower, label_column, log_values, dvc)
        func(inputs=inputs, **flags)

    wrapped: Callable[..., None] = command
    for decorator in reversed(_METRICS_OPTIONS):
        wrapped = decorator(wrapped)
    return wrapped


def _from_dvc_yaml(required: bool = True) -> DvcProject | None:
    """No file named: inside a DVC project, the metrics its dvc.yaml declares."""
    from cmlreport.report.discover import discover_dvc

    dvc = discover_dvc(Path.cwd())
    if dvc is None and not required:
        return None
    if dvc is None:
        raise click.UsageError(
            "give at least one metrics file: --metrics FILE (or --predictions FILE, or "
            "--drift REFERENCE:CURRENT, or run in a DVC project, where dvc.yaml declares them)"
        )
    for line in dvc.notes():
        click.echo(f"cmlreport: {line}", err=True)
    return dvc


def project_root(cwd: Path) -> Path:
    """Settings live at the repository root; outside git, in the current folder."""
    from cmlreport import baseline
    from cmlreport.errors import GitError

    try:
        return baseline.repo_root(cwd)
    except GitError:
        return cwd


def forge_options(func: F) -> F:
    """--repo, --token-env and --forge: where send-comment and check talk to."""
    decorators = [
        click.option(
            "--repo",
            metavar="OWNER/NAME",
            help="Repository (default: from the CI, else the 'origin' remote).",
        ),
        click.option(
            "--token-env",
            metavar="VAR",
            help="Environment variable holding the token (default: GITHUB_TOKEN, then GH_TOKEN).",
        ),
        choice_option(
            "--forge",
            choices=("auto", "github", "gitlab"),
            help="Which forge the repository lives on (auto: from the CI or the remote's host).",
        ),
    ]
    for decorator in reversed(decorators):
        func = decorator(func)
    return func


def write_output(env: dict[str, str], name: str, value: str) -> None:
    """A step output for later steps (GitHub Actions' GITHUB_OUTPUT file), when there is one."""
    from cmlreport.output import append_text

    path = env.get("GITHUB_OUTPUT")
    if path:
        # A newline in the value would start another output (or a forged delimiter line):
        # only one-line values are written, the way the runner's file commands read them.
        if "\n" in value or "\r" in value or "\n" in name or "=" in name:
            from cmlreport.errors import InputError

            raise InputError(f"step output {name!r}: the value must be one line")
        append_text(path, f"{name}={value}\n")
