"""`cmlreport runner stop`: deregister runners at the forge and terminate their machines."""

from __future__ import annotations

import click

from cmlreport.cli.common import forge_options
from cmlreport.cli.runner.common import forge_of, left_behind, open_ec2, region_option


@click.command()
@forge_options
@click.option("--name", metavar="N", help="Stop the runner of this name.")
@click.option("--labels", metavar="a,b", help="Stop the runners having all these labels.")
@click.option("--instance-id", metavar="I", help="Stop the runner on this instance.")
@region_option
def stop(
    repo: str | None,
    token_env: str | None,
    forge: str,
    name: str | None,
    labels: str | None,
    instance_id: str | None,
    region: str | None,
) -> None:
    """Deregister at the forge and terminate; stopping twice is fine.

    Exits 3, naming what remains, when a registration or a machine could not be removed.
    """
    from cmlreport.errors import InputError
    from cmlreport.forges.select import open_registry
    from cmlreport.runner.stop import stop_runners

    if not (name or labels or instance_id):
        raise InputError("runner stop: pass --name, --labels or --instance-id")
    ctx = forge_of(repo, token_env, forge)
    ec2 = open_ec2(region)
    wanted = [x.strip() for x in (labels or "").split(",") if x.strip()]
    instances = ec2.find(name=name, labels=wanted or None, instance_id=instance_id)
    done = stop_runners(open_registry(ctx), ec2, instances, {name} if name else set())
    if not done.terminated and not done.removed_runners and not done.remaining:
        click.echo("nothing to stop: no live instance or registered runner matches")
        return
    for runner_name in done.removed_runners:
        click.echo(f"removed runner {runner_name} at {ctx.provider}")
    for iid in done.terminated:
        click.echo(f"terminated {iid}")
    left_behind("stop", done.remaining)
