"""The runner commands' Kubernetes side: its flags, the client, the launch's announcement."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from cmlreport.ci import environment
from cmlreport.cli.common import write_output
from cmlreport.output import write_text

if TYPE_CHECKING:
    from cmlreport.forges.select import ForgeContext
    from cmlreport.runner.k8s import Kubernetes
    from cmlreport.runner.k8s_requests import RunnerPod
    from cmlreport.runner.spec import RunnerSpec

F = TypeVar("F", bound=Callable[..., Any])
KUBE_FLAGS = ("kubeconfig", "namespace", "gpus", "node_selector", "toleration", "pod_image")
DOTENV = Path("cmlreport-runner.env")

cloud_option = click.option(
    "--cloud",
    type=click.Choice(["aws", "kubernetes"]),
    default="aws",
    show_default=True,
    help="Where the runners are: EC2 machines, or pods on an existing Kubernetes cluster.",
)


def kube_options(command: F) -> F:
    """--kubeconfig and --namespace, for every runner command."""
    command = click.option(
        "--namespace",
        default="default",
        show_default=True,
        metavar="NS",
        help="Kubernetes namespace of the runner pods (--cloud kubernetes).",
    )(command)
    return click.option(
        "--kubeconfig",
        metavar="FILE",
        help="Kubernetes configuration (default: KUBECONFIG, ~/.kube/config, else the "
        "in-cluster service account).",
    )(command)


def pod_options(command: F) -> F:
    """The launch's pod flags: GPUs, where the pod may go, its image."""
    for option in reversed(
        [
            click.option(
                "--gpus",
                type=click.IntRange(0, 64),
                metavar="N",
                help="nvidia.com/gpu limit of the pod (default: the --gpu preset's count, "
                "1 for t4, 8 for a100, 0 for none).",
            ),
            click.option(
                "--node-selector",
                multiple=True,
                metavar="K=V",
                help="Node label the pod must land on (repeatable), e.g. "
                "nvidia.com/gpu.product=Tesla-T4.",
            ),
            click.option(
                "--toleration",
                multiple=True,
                metavar="K=V:EFFECT",
                help="Taint the pod tolerates (repeatable), e.g. "
                "nvidia.com/gpu=present:NoSchedule.",
            ),
            click.option(
                "--pod-image",
                metavar="IMAGE",
                help="Runner image (default: ghcr.io/actions/actions-runner, "
                "gitlab/gitlab-runner).",
            ),
        ]
    ):
        command = option(command)
    return kube_options(command)


def open_kube(kubeconfig: str | None, namespace: str) -> Kubernetes:
    from cmlreport.runner.k8s import Kubernetes, kube_config
    from cmlreport.runner.k8s_placement import PodPlacement

    place = PodPlacement(namespace=namespace)  # checks the namespace before any request
    return Kubernetes(kube_config(environment(), kubeconfig, Path.home()), place.namespace)


def launch_on_kubernetes(
    ctx: ForgeContext, spec: RunnerSpec, kube_flags: dict[str, Any], progress: Any
) -> None:
    from cmlreport.forges.select import open_registry
    from cmlreport.runner.k8s_launch import launch_pod
    from cmlreport.runner.k8s_placement import (
        PRESET_GPUS,
        PodPlacement,
        parse_node_selector,
        parse_toleration,
    )

    env = environment()
    place = PodPlacement(
        namespace=kube_flags["namespace"],
        gpus=kube_flags["gpus"]
        if kube_flags["gpus"] is not None
        else PRESET_GPUS[kube_flags["gpu"]],
        node_selector=parse_node_selector(kube_flags["node_selector"]),
        tolerations=tuple(parse_toleration(t) for t in kube_flags["toleration"]),
        run_id=env.get("GITHUB_RUN_ID") or env.get("CI_PIPELINE_ID") or "",
        image=kube_flags["pod_image"],
    )
    kube = open_kube(kube_flags["kubeconfig"], place.namespace)

    def announce(pod: RunnerPod) -> None:
        name = spec.runner.name
        click.echo(f"runner:   {name}")
        click.echo(f"labels:   {','.join(spec.runner.labels)}")
        click.echo(f"pod:      {pod.namespace}/{pod.name}")
        outputs = {"runner-label": name, "runner-name": name, "pod": pod.name}
        for key, value in outputs.items():
            write_output(env, key, value)
        if spec.repo.forge == "gitlab":
            write_text(
                DOTENV,
                f"CMLREPORT_RUNNER_TAG={name}\nCMLREPORT_RUNNER_NAME={name}\n"
                f"CMLREPORT_POD={pod.name}\n",
            )
            click.echo(f"wrote {DOTENV} (artifacts:reports:dotenv for later jobs' tags)")

    launch_pod(spec, place, open_registry(ctx), kube, progress, announce=announce)


def cleanup_pods(ctx: ForgeContext, kubeconfig: str | None, namespace: str, dry_run: bool) -> None:
    """`runner cleanup --cloud kubernetes`: this repository's finished or expired pods."""
    from datetime import datetime, timezone

    from cmlreport.cli.runner.common import left_behind
    from cmlreport.forges.select import open_registry
    from cmlreport.runner.k8s_stop import ended_pods, stop_pods

    kube = open_kube(kubeconfig, namespace)
    pods = ended_pods(kube, ctx.repository, datetime.now(timezone.utc))
    if not pods:
        click.echo("nothing to clean up")
        return
    if dry_run:
        for pod in pods:
            click.echo(f"would delete pod {pod.namespace}/{pod.name} ({pod.runner}, {pod.phase})")
        return
    done = stop_pods(open_registry(ctx), kube, pods, set())
    for name in done.terminated:
        click.echo(f"deleted pod {name}")
    for name in done.removed_runners:
        click.echo(f"removed runner {name}")
    left_behind("cleanup", done.remaining)
