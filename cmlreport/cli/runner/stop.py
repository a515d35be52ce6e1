"""`cmlreport runner stop`: deregister runners at the forge and terminate their machines."""

from __future__ import annotations

import click

from cmlreport.cli.common import forge_options
from cmlreport.cli.runner.common import forge_of, left_behind, open_ec2, region_option
from cmlreport.cli.runner.k8s import cloud_option, kube_options, open_kube


@click.command()
@forge_options
@click.option("--name", metavar="N", help="Stop the runner of this name.")
@click.option("--labels", metavar="a,b", help="Stop the runners having all these labels.")
@click.option("--instance-id", metavar="I", help="Stop the runner on this instance.")
@region_option
@cloud_option
@kube_options
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
) -> None:
    """Deregister at the forge and terminate; stopping twice is fine.

    With --cloud kubernetes: delete the runner's pod and its secret (--instance-id: the pod).

    Exits 3, naming what remains, when a registration or a machine could not be removed.
    """
    from cmlreport.errors import InputError
    from cmlreport.forges.select import open_registry
    from cmlreport.runner.stop import stop_runners

    if not (name or labels or instance_id):
        raise InputError("runner stop: pass --name, --labels or --instance-id")
    ctx = forge_of(repo, token_env, forge)
    wanted = [x.strip() for x in (labels or "").split(",") if x.strip()]
    if cloud == "kubernetes":
        from cmlreport.runner.k8s_stop import find_pods, stop_pods

        kube = open_kube(kubeconfig, namespace)
        pods = find_pods(kube, ctx.repository, name=name, labels=wanted or None)
        pods = [p for p in pods if instance_id is None or p.name == instance_id]
        done = stop_pods(open_registry(ctx), kube, pods, {name} if name else set())
    else:
        ec2 = open_ec2(region)
        instances = ec2.find(name=name, labels=wanted or None, instance_id=instance_id)
        done = stop_runners(open_registry(ctx), ec2, instances, {name} if name else set())
    if not done.terminated and not done.removed_runners and not done.remaining:
        click.echo("nothing to stop: no live instance or registered runner matches")
        return
    for runner_name in done.removed_runners:
        click.echo(f"removed runner {runner_name} at {ctx.provider}")
    for iid in done.terminated:
        click.echo(f"{'deleted pod' if cloud == 'kubernetes' else 'terminated'} {iid}")
    left_behind("stop", done.remaining)
