"""`cmlreport runner stop`: deregister runners at the forge and terminate their machines."""

from __future__ import annotations

import click

from cmlreport.ci import environment
from cmlreport.cli.common import forge_options, write_output
from cmlreport.cli.runner.common import (
    forge_of,
    left_behind,
    on_by_default,
    open_ec2,
    progress,
    region_option,
)


@click.command()
@forge_options
@click.option("--name", metavar="N", help="Stop the runner of this name.")
@click.option("--labels", metavar="a,b", help="Stop the runners having all these labels.")
@click.option("--instance-id", metavar="I", help="Stop the runner on this instance.")
@region_option
@on_by_default(
    "--rerun-on-spot/--no-rerun-on-spot",
    "When EC2 reclaimed the spot machine, re-run the failed jobs (needs actions: write on GitHub).",
)
@click.option(
    "--max-attempts",
    type=click.IntRange(1, 10),
    default=2,
    show_default=True,
    help="Re-run only while the run's attempt is below this (1: never re-run).",
)
@click.option(
    "--run-id",
    metavar="ID",
    help="The CI run to re-run (default: the one the machine served; a workflow_run "
    "workflow passes github.event.workflow_run.id).",
)
@click.option(
    "--run-attempt",
    type=click.IntRange(1, 1000),
    help="Its attempt (default: GITHUB_RUN_ATTEMPT, else the one the machine served).",
)
def stop(
    repo: str | None,
    token_env: str | None,
    forge: str,
    name: str | None,
    labels: str | None,
    instance_id: str | None,
    region: str | None,
    rerun_on_spot: bool,
    max_attempts: int,
    run_id: str | None,
    run_attempt: int | None,
) -> None:
    """Deregister at the forge and terminate; stopping twice is fine.

    \b
    A machine EC2 reclaimed (spot interruption) is named in one line, and the run's failed
    jobs are re-run once (docs/runners.md, "Spot interruptions"):
      cmlreport runner stop --labels gpu-$GITHUB_RUN_ID

    Exits 3, naming what remains, when a registration or a machine could not be removed.
    """
    from cmlreport.errors import InputError
    from cmlreport.forges.select import open_registry
    from cmlreport.runner.spot import RerunPolicy, rerun_after_spot
    from cmlreport.runner.stop import stop_runners

    if not (name or labels or instance_id):
        raise InputError("runner stop: pass --name, --labels or --instance-id")
    ctx = forge_of(repo, token_env, forge)
    ec2 = open_ec2(region)
    wanted = [x.strip() for x in (labels or "").split(",") if x.strip()]
    if run_id is not None and not run_id.isdigit():
        raise InputError(f"--run-id {run_id!r}: give the run's number")
    instances = ec2.find(name=name, labels=wanted or None, instance_id=instance_id)
    interrupted = [
        i for i in ec2.interrupted(name=name, labels=wanted) if instance_id in (None, i.id)
    ]
    registry = open_registry(ctx)
    # A reclaimed machine is gone, its registration maybe not: removed by name.
    names = ({name} if name else set()) | {i.name for i in interrupted}
    done = stop_runners(registry, ec2, instances, names)
    for runner_name in done.removed_runners:
        click.echo(f"removed runner {runner_name} at {ctx.provider}")
    for iid in done.terminated:
        click.echo(f"terminated {iid}")
    env = environment()
    policy = RerunPolicy(
        rerun_on_spot,
        max_attempts,
        run_id,
        run_attempt or _env_attempt(env),
    )
    problems = rerun_after_spot(registry, interrupted, policy, progress, forge=ctx.provider)
    write_output(env, "spot-interrupted", "true" if interrupted else "false")
    if not (done.terminated or done.removed_runners or done.remaining or interrupted):
        click.echo("nothing to stop: no live instance or registered runner matches")
    left_behind("stop", done.remaining + problems)


def _env_attempt(env: dict[str, str]) -> int | None:
    attempt = env.get("GITHUB_RUN_ATTEMPT", "") if env.get("GITHUB_ACTIONS") == "true" else ""
    return int(attempt) if attempt.isdigit() and len(attempt) < 6 else None
