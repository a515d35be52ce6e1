"""`cmlreport runner list`: the runner machines cmlreport started, as a table."""

from __future__ import annotations

from datetime import datetime, timezone

import click

from cmlreport.cli.runner.common import open_ec2, region_option


@click.command("list")
@region_option
@click.option("--repo", metavar="OWNER/NAME", help="Only this repository's runners.")
def list_(region: str | None, repo: str | None) -> None:
    """Tagged runner instances: name, type, state, age, expiry, labels."""
    from tabulate import tabulate

    now = datetime.now(timezone.utc)
    rows = [
        [
            i.name,
            i.id,
            i.instance_type + (" (spot)" if i.spot else ""),
            i.state,
            _age(now, i.launched_at),
            i.expires_at.strftime("%Y-%m-%d %H:%M UTC") if i.expires_at else "?",
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
