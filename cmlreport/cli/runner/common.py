"""What the runner commands share: the --region flag, the forge they talk to, the EC2 client."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from cmlreport.ci import environment
from cmlreport.errors import RemoteError

if TYPE_CHECKING:
    from cmlreport.forges.select import ForgeContext
    from cmlreport.runner.ec2 import Ec2
    from cmlreport.runner.ec2_requests import CiRun

F = TypeVar("F", bound=Callable[..., Any])

region_option = click.option(
    "--region", metavar="R", help="AWS region (default: AWS_REGION, then AWS_DEFAULT_REGION)."
)


def on_by_default(flags: str, help: str) -> Callable[[F], F]:
    """A --x/--no-x switch that is on unless turned off."""
    return click.option(flags, default=True, show_default=True, help=help)


def aws_region(env: Mapping[str, str], flag: str | None) -> str:
    """--region, else AWS_REGION (what most tools and the AWS actions set), else boto3's own."""
    return flag or env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or ""


def open_ec2(flag: str | None) -> Ec2:
    """EC2 in the region --region (or the environment) names."""
    from cmlreport.runner.ec2 import Ec2
    from cmlreport.runner.ec2_errors import TOKEN_FILE_VARIABLE, check_token_file

    env = environment()
    token_file = env.get(TOKEN_FILE_VARIABLE, "")
    if token_file:
        check_token_file(token_file)
    return Ec2(aws_region(env, flag), token_file=token_file)


def forge_of(repo: str | None, token_env: str | None, forge: str) -> ForgeContext:
    """The repository the --repo, --token-env and --forge flags (or the CI, or git) name."""
    from cmlreport.forges.select import forge_context

    return forge_context(environment(), Path.cwd(), repo=repo, token_env=token_env, forge=forge)


def progress(message: str) -> None:
    click.echo(f"cmlreport: {message}", err=True)


def left_behind(command: str, remaining: list[str]) -> None:
    """Exit 3 while a machine bills or a registration lingers: the step must fail."""
    if remaining:
        raise RemoteError(f"runner {command} left something behind: {'; '.join(remaining)}")


def ci_run(env: Mapping[str, str]) -> CiRun | None:
    """The CI run this command serves: GitHub's run and attempt, GitLab's pipeline and job."""
    from cmlreport.runner.ec2_requests import CiRun

    if env.get("GITHUB_ACTIONS") == "true" and env.get("GITHUB_RUN_ID", "").isdigit():
        attempt = env.get("GITHUB_RUN_ATTEMPT", "")
        return CiRun(env["GITHUB_RUN_ID"], int(attempt) if attempt.isdigit() else 1)
    if env.get("GITLAB_CI") == "true" and env.get("CI_PIPELINE_ID", "").isdigit():
        job = env.get("CI_JOB_ID", "")
        return CiRun(env["CI_PIPELINE_ID"], 1, job if job.isdigit() else "")
    return None
