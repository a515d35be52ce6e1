"""`cmlreport runner launch`: a GPU machine on EC2, registered as this repository's runner."""

from __future__ import annotations

import sys
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from cmlreport.ci import environment
from cmlreport.cli.common import forge_options, write_output
from cmlreport.cli.runner.common import (
    aws_region,
    ci_run,
    forge_of,
    on_by_default,
    open_ec2,
    progress,
    region_option,
)
from cmlreport.cli.runner.k8s import KUBE_FLAGS, cloud_option, launch_on_kubernetes, pod_options
from cmlreport.cli.runner.reuse import check_reuse, reused
from cmlreport.output import write_text

if TYPE_CHECKING:
    from cmlreport.runner.ec2_requests import Instance
    from cmlreport.runner.spec import RunnerSpec

DOTENV = Path("cmlreport-runner.env")


@click.command()
@forge_options
@cloud_option
@pod_options
@click.option(
    "--gpu",
    type=click.Choice(["t4", "a10g", "l4", "v100", "a100", "h100", "none"]),
    default="t4",
    show_default=True,
    help="GPU preset: t4 g4dn.xlarge, a10g g5.xlarge, l4 g6.xlarge, v100 p3.2xlarge, "
    "a100 p4d.24xlarge, h100 p5.48xlarge, none a general-purpose type; each with larger "
    "alternatives tried when EC2 has no capacity (docs/runners.md).",
)
@click.option(
    "--instance-type",
    multiple=True,
    metavar="TYPE[,TYPE]",
    help="Instance types to try in order instead of the preset's; the next one when EC2 has "
    "no capacity. Comma-separated and/or repeated.",
)
@region_option
@click.option("--spot", is_flag=True, help="Ask for a one-time spot instance.")
@on_by_default(
    "--spot-fallback/--no-spot-fallback",
    "Fall back to on-demand when spot has no capacity or the price is too low.",
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
@click.option(
    "--subnet",
    multiple=True,
    metavar="ID[,ID]",
    help="Subnets to try in order, one per availability zone (default: the default VPC's). "
    "Comma-separated and/or repeated.",
)
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
@on_by_default(
    "--single/--no-single",
    "One job, then shut down (GitHub: an ephemeral just-in-time runner).",
)
@on_by_default(
    "--on-demand-after-interruption/--spot-after-interruption",
    "With --spot: when EC2 reclaimed this run's spot machine in an earlier attempt, launch "
    "the re-run on demand.",
)
@click.option(
    "--reuse-idle",
    is_flag=True,
    help="With --no-single: reuse an idle runner of this repository with the same labels "
    "(extending its lifetime) instead of launching a machine (docs/runners.md).",
)
@on_by_default("--wait/--no-wait", "Wait until the runner is online at the forge.")
@click.option(
    "--timeout",
    default="15m",
    show_default=True,
    help="Fail (ending the machine) when the runner is not online this long after the "
    "request; the error names the phase it was in.",
)
def launch(
    repo: str | None, token_env: str | None, forge: str, region: str | None, **flags: Any
) -> None:
    """Launch a GPU machine on EC2 and register it as a runner for this repository.

    \b
    One line per phase, with the time since the start: runner registered, requested,
    pending, running, bootstrap started, online.

    \b
    --cloud kubernetes starts the runner as a pod on an existing cluster instead:
      cmlreport runner launch --cloud kubernetes --gpu t4 --namespace ci \\
        --toleration nvidia.com/gpu=present:NoSchedule --labels gpu-$GITHUB_RUN_ID

    \b
    SIGINT or SIGTERM at any point ends the machine and removes the registration (within
    seconds, before a CI's SIGKILL), then exits 130 or 143 with one line saying so.
    """
    from cmlreport.forges.select import open_registry
    from cmlreport.runner.interrupts import trapped
    from cmlreport.runner.launch import launch_runner
    from cmlreport.runner.progress import LaunchProgress
    from cmlreport.runner.spec import forge_repo, runner_spec
    from cmlreport.runner.spot import after_interruption

    on_demand = flags.pop("on_demand_after_interruption")
    reuse = flags.pop("reuse_idle")
    check_reuse(reuse, flags)

    # Before anything is created; undone when the command ends. From here on a signal unwinds
    # into the launch's clean-up instead of killing the process.
    click.get_current_context().with_resource(trapped())
    env = environment()
    ctx = forge_of(repo, token_env, forge)
    kube_flags = {key: flags.pop(key) for key in KUBE_FLAGS}
    spec = runner_spec(
        forge_repo(ctx.provider, ctx.repository, ctx.server_url),
        region=aws_region(env, region),
        run_id=env.get("GITHUB_RUN_ID") or env.get("CI_JOB_ID"),
        **flags,
    )
    # On a terminal a line every poll while waiting; in a CI log one a minute (docs/runners.md).
    phases = LaunchProgress(progress, terminal=sys.stderr.isatty())
    if spec.machine.cloud == "kubernetes":
        launch_on_kubernetes(ctx, spec, {**kube_flags, "gpu": flags["gpu"]}, phases)
        return
    ec2 = open_ec2(region)
    registry = open_registry(ctx)
    if reuse and reused(spec, registry, ec2, partial(_announce, env)):
        return
    spec, _ = after_interruption(ec2, spec, ci_run(env), progress, on_demand=on_demand)
    # Outputs are written inside the launch: a signal meanwhile still ends the machine.
    launch_runner(spec, registry, ec2, phases, announce=partial(_announce, env, spec))


def _announce(
    env: dict[str, str], spec: RunnerSpec, instance: Instance, *, reused: bool = False
) -> None:
    name = spec.runner.name
    click.echo(f"runner:   {name}")
    click.echo(f"labels:   {','.join(spec.runner.labels)}")
    where = f", {instance.zone}" if instance.zone else ""
    click.echo(f"instance: {instance.id} ({instance.instance_type}, {instance.market}{where})")
    outputs = {
        "runner-label": name,
        "runner-name": name,
        "instance-id": instance.id,
        "instance-type": instance.instance_type,
        "market": instance.market,
        "availability-zone": instance.zone,
        "reused": str(reused).lower(),
    }
    for key, value in outputs.items():
        write_output(env, key, value)
    if spec.repo.forge == "gitlab":
        write_text(
            DOTENV,
            f"CMLREPORT_RUNNER_TAG={name}\nCMLREPORT_RUNNER_NAME={name}\n"
            f"CMLREPORT_INSTANCE_ID={instance.id}\n"
            f"CMLREPORT_INSTANCE_TYPE={instance.instance_type}\n"
            f"CMLREPORT_MARKET={instance.market}\n",
        )
        click.echo(f"wrote {DOTENV} (artifacts:reports:dotenv for later jobs' tags)")
