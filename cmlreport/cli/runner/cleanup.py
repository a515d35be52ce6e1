"""`cmlreport runner cleanup`: end expired runner machines and the forge's orphaned runners."""

from __future__ import annotations

from datetime import datetime, timezone

import click

from cmlreport.cli.common import forge_options
from cmlreport.cli.runner.common import forge_of, left_behind, open_ec2, region_option
from cmlreport.cli.runner.k8s import cloud_option, kube_options


@click.command()
@forge_options
@region_option
@click.option("--dry-run", is_flag=True, help="Say what would be ended; change nothing.")
@cloud_option
@kube_options
def cleanup(
    repo: str | None,
    token_env: str | None,
    forge: str,
    region: str | None,
    dry_run: bool,
    cloud: str,
    kubeconfig: str | None,
    namespace: str,
) -> None:
    """End instances past their expires-at tag and remove offline runners cmlreport created.

    With --cloud kubernetes: delete this repository's runner pods (and secrets) that are past
    their max lifetime or have finished, and deregister their runners.
    """
    from cmlreport.forges.select import open_registry
    from cmlreport.runner.stop import Stopped, end_expired, find_expired

    ctx = forge_of(repo, token_env, forge)
    if cloud == "kubernetes":
        from cmlreport.cli.runner.k8s import cleanup_pods

        cleanup_pods(ctx, kubeconfig, namespace, dry_run)
        return
    ec2 = open_ec2(region)
    registry = open_registry(ctx)
    found = find_expired(registry, ec2, datetime.now(timezone.utc))
    # Said only once done: a failure to terminate is exit 3 before any line claims it.
    done = Stopped([], []) if dry_run else end_expired(registry, ec2, found)
    verb = "would end" if dry_run else "ended"
    for instance in found.instances:
        click.echo(f"{verb} {instance.id} ({instance.name}, expired {instance.expires_at})")
    if dry_run:
        for orphan in found.orphans:
            click.echo(f"would remove offline runner {orphan.name}")
    for name in done.removed_runners:
        click.echo(f"removed offline runner {name}")
    left_behind("cleanup", done.remaining)
    if not dry_run and not found.instances and not found.orphans:
        click.echo("nothing to clean up")
