"""`cmlreport runner list`: the runner machines cmlreport started, as a table."""

from __future__ import annotations

from datetime import datetime, timezone

import click

from cmlreport.cli.runner.common import open_ec2, region_option
from cmlreport.cli.runner.k8s import cloud_option, kube_options, open_kube


@click.command("list")
@region_option
@click.option("--repo", metavar="OWNER/NAME", help="Only this repository's runners.")
@cloud_option
@kube_options
def list_(
    region: str | None, repo: str | None, cloud: str, kubeconfig: str | None, namespace: str
) -> None:
    """Tagged runner instances (or, --cloud kubernetes, runner pods): name, type, state, age,
    expiry, labels."""
    from tabulate import tabulate

    now = datetime.now(timezone.utc)
    if cloud == "kubernetes":
        pods = [
            [
                p.runner,
                p.name,
                p.phase,
                _age(now, p.created_at),
                _expiry(p.expires_at),
                ",".join(p.labels),
            ]
            for p in open_kube(kubeconfig, namespace).list(repo)
        ]
        headers = ["name", "pod", "phase", "age", "expires", "labels"]
        click.echo(tabulate(pods, headers=headers) if pods else "no cmlreport runner pods")
        return
    rows = [
        [
            i.name,
            i.id,
            i.instance_type + (" (spot)" if i.spot else ""),
            i.state,
            _age(now, i.launched_at),
            _expiry(i.expires_at),
            ",".join(i.labels),
        ]
        for i in open_ec2(region).list(repo)
    ]
    if not rows:
        click.echo("no cmlreport runners")
        return
    click.echo(
        tabulate(rows, headers=["name", "instance", "type", "state", "age", "expires", "labels"])
    )


def _age(now: datetime, start: datetime | None) -> str:
    if start is None:
        return "?"
    minutes = int((now - start).total_seconds() // 60)
    return f"{minutes // 60}h{minutes % 60:02d}m" if minutes >= 60 else f"{minutes}m"


def _expiry(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "?"
