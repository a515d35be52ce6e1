"""`cmlreport runner stop`: deregister runners at the forge and terminate their machines."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

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
from cmlreport.cli.runner.k8s import cloud_option, kube_options, open_kube

if TYPE_CHECKING:
    from cmlreport.forges.select import ForgeContext
    from cmlreport.runner.spot import RerunPolicy


@click.command()
@forge_options
@click.option("--name", metavar="N", help="Stop the runner of this name.")
@click.option("--labels", metavar="a,b", help="Stop the runners having all these labels.")
@click.option("--instance-id", metavar="I", help="Stop the runner on this instance.")
@region_option
@cloud_option
@kube_options
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
    cloud: str,
    kubeconfig: str | None,
    namespace: str,
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

    With --cloud kubernetes: delete the runner's pod and its secret (--instance-id: the pod).

    Exits 3, naming what remains, when a registration or a machine could not be removed.
    """
    from cmlreport.errors import InputError
    from cmlreport.runner.spot import RerunPolicy

    if not (name or labels or instance_id):
        raise InputError("runner stop: pass --name, --labels or --instance-id")
    ctx = forge_of(repo, token_env, forge)
    wanted = [x.strip() for x in (labels or "").split(",") if x.strip()]
    if cloud == "kubernetes":
        _stop_pods(ctx, kubeconfig, namespace, name, wanted, instance_id)
        return
    if run_id is not None and not run_id.isdigit():
        raise InputError(f"--run-id {run_id!r}: give the run's number")
    policy = RerunPolicy(rerun_on_spot, max_attempts, run_id, run_attempt)
    _stop_machines(ctx, region, name, wanted, instance_id, policy)


def _stop_machines(
    ctx: ForgeContext,
    region: str | None,
    name: str | None,
    wanted: list[str],
    instance_id: str | None,
    policy: RerunPolicy,
) -> None:
    from cmlreport.forges.select import open_registry
    from cmlreport.runner.spot import rerun_after_spot
    from cmlreport.runner.stop import stop_runners

    ec2 = open_ec2(region)
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
    policy = replace(policy, attempt=policy.attempt or _env_attempt(env))
    problems = rerun_after_spot(registry, interrupted, policy, progress, forge=ctx.provider)
    write_output(env, "spot-interrupted", "true" if interrupted else "false")
    if not (done.terminated or done.removed_runners or done.remaining or interrupted):
        click.echo("nothing to stop: no live instance or registered runner matches")
    left_behind("stop", done.remaining + problems)


def _stop_pods(
    ctx: ForgeContext,
    kubeconfig: str | None,
    namespace: str,
    name: str | None,
    wanted: list[str],
    instance_id: str | None,
) -> None:
    from cmlreport.forges.select import open_registry
    from cmlreport.runner.k8s_stop import find_pods, stop_pods

    kube = open_kube(kubeconfig, namespace)
    pods = find_pods(kube, ctx.repository, name=name, labels=wanted or None)
    pods = [p for p in pods if instance_id is None or p.name == instance_id]
    done = stop_pods(open_registry(ctx), kube, pods, {name} if name else set())
    if not done.terminated and not done.removed_runners and not done.remaining:
        click.echo("nothing to stop: no live pod or registered runner matches")
        return
    for runner_name in done.removed_runners:
        click.echo(f"removed runner {runner_name} at {ctx.provider}")
    for pod in done.terminated:
        click.echo(f"deleted pod {pod}")
    left_behind("stop", done.remaining)


def _env_attempt(env: dict[str, str]) -> int | None:
    attempt = env.get("GITHUB_RUN_ATTEMPT", "") if env.get("GITHUB_ACTIONS") == "true" else ""
    return int(attempt) if attempt.isdigit() and len(attempt) < 6 else None
