"""`cmlreport runner launch|stop|list|cleanup`: a cloud GPU machine as this repository's runner."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import click

from cmlreport.ci import environment
from cmlreport.cli.common import forge_options, write_output
from cmlreport.output import write_text

DOTENV = Path("cmlreport-runner.env")
# Every runner command takes it; _region() resolves it the way the help says.
region_option = click.option(
    "--region", metavar="R", help="AWS region (default: AWS_REGION, then AWS_DEFAULT_REGION)."
)


def _region(flag: str | None) -> str:
    """--region, else AWS_REGION (what most tools and the AWS actions set), else boto3's own."""
    env = environment()
    return flag or env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or ""


def _progress(message: str) -> None:
    click.echo(f"cmlreport: {message}", err=True)


@click.group()
def runner() -> None:
    """Start a cloud GPU machine registered as a self-hosted runner, and make sure it ends.

    \b
    The machine shuts itself down (and, with shutdown behaviour terminate, stops the bill)
    after --idle-timeout without a job and always after --max-lifetime; `runner stop` and
    `runner cleanup` are the belt to those braces.
    """


@runner.command()
@forge_options
@click.option(
    "--cloud",
    type=click.Choice(["aws"]),
    default="aws",
    show_default=True,
    help="Cloud to launch in (AWS EC2; credentials from the usual AWS variables or role).",
)
@click.option(
    "--gpu",
    type=click.Choice(["t4", "a10g", "l4", "v100", "a100", "h100", "none"]),
    default="t4",
    show_default=True,
    help="GPU preset: t4 g4dn.xlarge, a10g g5.xlarge, l4 g6.xlarge, v100 p3.2xlarge, "
    "a100 p4d.24xlarge, h100 p5.48xlarge, none a general-purpose type.",
)
@click.option("--instance-type", metavar="TYPE", help="Override the preset's instance type.")
@region_option
@click.option("--spot", is_flag=True, help="Ask for a one-time spot instance.")
@click.option(
    "--spot-fallback/--no-spot-fallback",
    default=True,
    show_default=True,
    help="Fall back to on-demand when spot has no capacity or the price is too low.",
)
@click.option(
    "--disk-size",
    type=click.IntRange(8, 16_384),
    default=100,
    show_default=True,
    metavar="GB",
    help="Root volume size (encrypted gp3).",
)
@click.option(
    "--image",
    metavar="AMI",
    help="AMI id (default: the newest AWS Deep Learning "
    "Base GPU AMI for Ubuntu; plain Ubuntu for --gpu none).",
)
@click.option("--labels", default="", metavar="a,b", help="Extra runner labels / GitLab tags.")
@click.option(
    "--name",
    metavar="N",
    help="Runner name (default: cmlreport-GPU-RUNID); it is "
    "also a label, so `runs-on:` can target exactly this machine.",
)
@click.option(
    "--idle-timeout",
    default="10m",
    show_default=True,
    help="Shut down after this long without a job (e.g. 90s, 10m, 1h).",
)
@click.option(
    "--max-lifetime", default="6h", show_default=True, help="Always shut down after this long."
)
@click.option("--subnet", metavar="ID", help="Subnet to launch in (default: the default VPC's).")
@click.option(
    "--security-group",
    "security_groups",
    multiple=True,
    metavar="ID",
    help="Security group (default: the VPC's default group). Repeatable.",
)
@click.option(
    "--instance-profile",
    metavar="NAME",
    help="IAM instance profile for the machine (default: none).",
)
@click.option(
    "--single/--no-single",
    default=True,
    show_default=True,
    help="One job, then shut down (GitHub: an ephemeral just-in-time runner).",
)
@click.option(
    "--wait/--no-wait",
    default=True,
    show_default=True,
    help="Wait until the runner is online at the forge.",
)
def launch(
    repo: str | None,
    token_env: str | None,
    forge: str,
    cloud: str,
    gpu: str,
    instance_type: str | None,
    region: str | None,
    spot: bool,
    spot_fallback: bool,
    disk_size: int,
    image: str | None,
    labels: str,
    name: str | None,
    idle_timeout: str,
    max_lifetime: str,
    subnet: str | None,
    security_groups: tuple[str, ...],
    instance_profile: str | None,
    single: bool,
    wait: bool,
) -> None:
    """Launch a GPU machine on EC2 and register it as a runner for this repository.

    \b
    SIGINT or SIGTERM at any point ends the machine and removes the registration (within
    seconds, before a CI's SIGKILL), then exits 130 or 143 with one line saying so.
    """
    from cmlreport.forges.select import forge_context, open_registry
    from cmlreport.runner.ec2 import Ec2
    from cmlreport.runner.interrupts import trapped
    from cmlreport.runner.lifecycle import Launched, RunnerRequest, default_name, launch_runner
    from cmlreport.runner.presets import default_image_query, instance_type_for, parse_duration

    # Before anything is created; undone when the command ends. From here on a signal unwinds
    # into the launch's clean-up instead of killing the process.
    click.get_current_context().with_resource(trapped())
    env = environment()
    ctx = forge_context(env, Path.cwd(), repo=repo, token_env=token_env, forge=forge)
    run_id = env.get("GITHUB_RUN_ID") or env.get("CI_JOB_ID")
    runner_name = name or default_name(gpu, run_id)
    extra = tuple(label.strip() for label in labels.split(",") if label.strip())
    all_labels = tuple(dict.fromkeys((runner_name, *extra)))
    repo_url = (
        f"{ctx.server_url.rstrip('/')}/{ctx.repository}"
        if ctx.provider == "github"
        else ctx.server_url
    )
    request = RunnerRequest(
        forge=ctx.provider,
        repository=ctx.repository,
        repo_url=repo_url,
        name=runner_name,
        labels=all_labels,
        region=_region(region),
        instance_type=instance_type_for(gpu, instance_type),
        image_id=image,
        image_query=None if image else default_image_query(gpu),
        idle_timeout=parse_duration(idle_timeout, "--idle-timeout"),
        max_lifetime=parse_duration(max_lifetime, "--max-lifetime"),
        single=single,
        spot=spot,
        spot_fallback=spot_fallback,
        disk_size_gb=disk_size,
        subnet_id=subnet,
        security_group_ids=security_groups,
        instance_profile=instance_profile,
        wait_online=wait,
    )
    ec2 = Ec2(_region(region))

    def announce(launched: Launched) -> None:
        click.echo(f"runner:   {launched.name}")
        click.echo(f"labels:   {','.join(launched.labels)}")
        click.echo(f"instance: {launched.instance.id} ({launched.instance.instance_type})")
        write_output(env, "runner-label", launched.name)
        write_output(env, "runner-name", launched.name)
        write_output(env, "instance-id", launched.instance.id)
        if ctx.provider == "gitlab":
            write_text(
                DOTENV,
                f"CMLREPORT_RUNNER_TAG={launched.name}\nCMLREPORT_RUNNER_NAME={launched.name}\n"
                f"CMLREPORT_INSTANCE_ID={launched.instance.id}\n",
            )
            click.echo(f"wrote {DOTENV} (artifacts:reports:dotenv for later jobs' tags)")

    # Outputs are written inside the launch: a signal meanwhile still ends the machine.
    launch_runner(request, open_registry(ctx), ec2, _progress, announce=announce)


@runner.command()
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
    from cmlreport.errors import InputError, RemoteError
    from cmlreport.forges.select import forge_context, open_registry
    from cmlreport.runner.ec2 import Ec2
    from cmlreport.runner.lifecycle import stop_runners

    if not (name or labels or instance_id):
        raise InputError("runner stop: pass --name, --labels or --instance-id")
    env = environment()
    ctx = forge_context(env, Path.cwd(), repo=repo, token_env=token_env, forge=forge)
    ec2 = Ec2(_region(region))
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
    if done.remaining:
        # Exit 3: the step must fail while a machine bills or a registration lingers.
        raise RemoteError(f"runner stop left something behind: {'; '.join(done.remaining)}")


@runner.command("list")
@region_option
@click.option("--repo", metavar="OWNER/NAME", help="Only this repository's runners.")
def list_(region: str | None, repo: str | None) -> None:
    """Tagged runner instances: name, type, state, age, expiry, labels."""
    from tabulate import tabulate

    from cmlreport.runner.ec2 import Ec2

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
        for i in Ec2(_region(region)).list(repo)
    ]
    if not rows:
        click.echo("no cmlreport runners")
        return
    click.echo(
        tabulate(rows, headers=["name", "instance", "type", "state", "age", "expires", "labels"])
    )


@runner.command()
@forge_options
@region_option
@click.option("--dry-run", is_flag=True, help="Say what would be ended; change nothing.")
def cleanup(
    repo: str | None, token_env: str | None, forge: str, region: str | None, dry_run: bool
) -> None:
    """End instances past their expires-at tag and remove offline runners cmlreport created."""
    from cmlreport.errors import CmlReportError, RemoteError
    from cmlreport.forges.select import forge_context, open_registry
    from cmlreport.runner.ec2 import Ec2
    from cmlreport.runner.lifecycle import orphaned_runners

    env = environment()
    ctx = forge_context(env, Path.cwd(), repo=repo, token_env=token_env, forge=forge)
    ec2 = Ec2(_region(region))
    expired = ec2.expired(datetime.now(timezone.utc))
    registry = open_registry(ctx)
    live = {i.name for i in ec2.list()} - {i.name for i in expired}
    orphans = orphaned_runners(registry, live)
    verb = "would end" if dry_run else "ended"
    if not dry_run:
        ec2.terminate([i.id for i in expired])  # said only once done: a failure is exit 3
    for instance in expired:
        click.echo(f"{verb} {instance.id} ({instance.name}, expired {instance.expires_at})")
    remaining: list[str] = []
    for orphan in orphans:
        if not dry_run:
            try:
                registry.remove(orphan.id)
            except CmlReportError as exc:
                remaining.append(f"runner {orphan.name} is still registered ({exc.message})")
                continue
        click.echo(f"{'would remove' if dry_run else 'removed'} offline runner {orphan.name}")
    if remaining:
        raise RemoteError(f"runner cleanup left something behind: {'; '.join(remaining)}")
    if not dry_run and not expired and not orphans:
        click.echo("nothing to clean up")


def _age(now: datetime, start: datetime | None) -> str:
    if start is None:
        return "?"
    minutes = int((now - start).total_seconds() // 60)
    return f"{minutes // 60}h{minutes % 60:02d}m" if minutes >= 60 else f"{minutes}m"
