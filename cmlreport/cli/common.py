"""Flag definitions and edge helpers shared by the `report` and `diff` commands."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


def warn(message: str) -> None:
    click.echo(f"cmlreport: warning: {message}", err=True)


def metrics_options(func: F) -> F:
    """--metrics, --base, --no-base and the direction flags: how both commands pick their inputs."""
    decorators = [
        # Plain text, not click.Path: the file checks (folders, FIFOs, devices) are
        # cmlreport.files's, with one line naming the file.
        click.argument("files", nargs=-1, metavar="[FILES]..."),
        click.option(
            "-m",
            "--metrics",
            multiple=True,
            metavar="FILE",
            help="Metrics file (JSON, YAML, TOML, CSV, TSV). Repeat, or list more files after it.",
        ),
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
    ]
    for decorator in reversed(decorators):
        func = decorator(func)
    return func


def metric_paths(metrics: tuple[str, ...], files: tuple[str, ...]) -> tuple[str, ...]:
    paths = tuple(dict.fromkeys(metrics + files))
    if not paths:
        raise click.UsageError("give at least one metrics file: --metrics FILE")
    return paths


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
        click.option(
            "--forge",
            type=click.Choice(["auto", "github", "gitlab"]),
            default="auto",
            show_default=True,
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
