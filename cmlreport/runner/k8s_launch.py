"""`runner launch --cloud kubernetes`: register, start the runner's pod, wait until online.

The order matters for the secret: the pod is created first (it waits in ContainerCreating
until its secret exists), then the Secret with an ownerReference to the pod's uid, so that the
cluster deletes the secret with the pod, whoever deletes the pod.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from cmlreport.errors import CmlReportError, RemoteError
from cmlreport.forges.runners import Registration, RunnerRegistry
from cmlreport.redact import register as register_secret
from cmlreport.runner.interrupts import deferred
from cmlreport.runner.k8s import Kubernetes
from cmlreport.runner.k8s_placement import PodPlacement
from cmlreport.runner.k8s_requests import (
    RunnerPod,
    pod_body,
    pod_name,
    secret_body,
)
from cmlreport.runner.progress import (
    ONLINE,
    PENDING,
    REGISTERED,
    REQUESTED,
    RUNNING,
    LaunchProgress,
    as_launch_progress,
)
from cmlreport.runner.rollback import CleanUp, Track, after_clean_up, end_registration
from cmlreport.runner.spec import RunnerSpec


@dataclass
class PodTrack:
    """What the launch has created: the registration (perhaps only asked for), the pod."""

    forge: Track
    pod_sent: bool = False  # the pod (and so perhaps its secret) may exist
    remaining: list[str] = field(default_factory=list)


def launch_pod(
    spec: RunnerSpec,
    place: PodPlacement,
    registry: RunnerRegistry,
    kube: Kubernetes,
    progress: Callable[[str], None],
    *,
    announce: Callable[[RunnerPod], None] | None = None,
    now: datetime | None = None,
    sleep: Callable[[float], None] = time.sleep,
    poll_interval: float = 5.0,
) -> RunnerPod:
    """Register, create the pod and its secret, wait; then ``announce`` the pod.

    Whatever stops it before ``announce`` returns (an error, SIGINT, SIGTERM) deletes the pod
    and its secret and removes the registration; the error then says what was cleaned up.
    """
    phases = as_launch_progress(progress)
    runner = spec.runner
    track = PodTrack(Track(name=runner.name, forge=spec.repo.forge))
    try:
        track.forge.registering = True
        track.forge.phase = f"while registering the runner at {spec.repo.forge}"
        reg = registry.register(runner.name, runner.labels, runner.single)
        track.forge.registration = reg
        register_secret(reg.secret)
        if reg.kind != "registration-token":
            phases.reached(
                REGISTERED, f"{runner.name} at {spec.repo.forge}, offline until its pod runs"
            )
        started = now or datetime.now(timezone.utc)
        expires = started + timedelta(seconds=runner.max_lifetime)
        track.forge.phase = "while creating the pod"
        track.pod_sent = True
        pod = kube.create_pod(pod_body(spec, place, expires))
        phases.reached(REQUESTED, f"pod {place.namespace}/{pod.name} created")
        kube.create_secret(secret_body(spec, place, _encoded(reg), pod.uid))
        pod = wait_ready(spec, registry, kube, pod.name, phases, sleep, poll_interval, track)
        track.forge.phase = "after the launch"
        if announce is not None:
            announce(pod)
    except BaseException as exc:
        with deferred():
            cleaned = clean_up_pod(track, registry, kube, pod_name(runner.name))
        error = after_clean_up(exc, track.forge, cleaned)
        if error is exc:
            phases(f"cleaned up after the error below: {cleaned.line()}")
            raise
        raise error from exc
    return pod


def _encoded(reg: Registration) -> str:
    # The one place the secret leaves its wrapper: into the Secret's data, base64 as the API
    # wants it (the encoded form is masked too: redact knows a secret's base64 forms).
    return base64.b64encode(reg.secret.reveal().encode()).decode()


def wait_ready(
    spec: RunnerSpec,
    registry: RunnerRegistry,
    kube: Kubernetes,
    name: str,
    phases: LaunchProgress,
    sleep: Callable[[float], None],
    interval: float,
    track: PodTrack,
) -> RunnerPod:
    """Until the pod runs and (with ``wait_online``) the forge lists the runner online."""
    runner, timeout = spec.runner.name, spec.online_timeout
    while True:
        pod = kube.read_pod(name)
        if pod is None or pod.deleting:
            raise RemoteError(f"pod {kube.namespace}/{name} was deleted while the launch waited")
        if pod.finished:
            raise RemoteError(
                f"pod {kube.namespace}/{name} ended ({pod.phase}) before runner {runner} came "
                f"online{_why(pod)}; see kubectl logs -n {kube.namespace} {name}"
            )
        if pod.phase == "Pending":
            phases.reached(PENDING, f"pod {name} is waiting to be scheduled and started")
        elif pod.phase == "Running":
            phases.reached(PENDING, f"pod {name} was scheduled")
            phases.reached(RUNNING, f"pod {name} runs the {spec.repo.forge} runner")
            track.forge.phase = "while waiting for the runner to come online"
            if not spec.wait_online:
                return pod
            found = next((r for r in registry.list_runners() if r.name == runner), None)
            if found is not None:
                phases.reached(REGISTERED, f"{runner} is listed at the forge")
            if found is not None and found.online:
                phases.reached(ONLINE, f"runner {runner} is online at the forge")
                return pod
        awaited = _awaited(pod, runner)
        if phases.elapsed >= timeout:
            raise phases.timed_out(
                timeout,
                awaited,
                f"see kubectl describe pod -n {kube.namespace} {name}; raise --timeout for a "
                "slow image pull",
            )
        phases.waiting(awaited)
        sleep(min(interval, max(timeout - phases.elapsed, 0.1)))


def _why(pod: RunnerPod) -> str:
    return f" ({'; '.join(pod.waiting)})" if pod.waiting else ""


def _awaited(pod: RunnerPod, runner: str) -> str:
    if pod.phase == "Pending":
        if pod.waiting:
            return f"the pod to start ({'; '.join(pod.waiting)})"
        return "the pod to be scheduled and its image pulled"
    return f"runner {runner} to come online"


def clean_up_pod(track: PodTrack, registry: RunnerRegistry, kube: Kubernetes, name: str) -> CleanUp:
    """Delete the pod and its secret, then remove the registration, each with short timeouts."""
    result = CleanUp()
    if track.pod_sent:
        try:
            gone = kube.hurried().delete(name)
            result.done.append(
                f"deleted pod {kube.namespace}/{name} and its secret"
                if gone
                else "no pod had been created"
            )
        except CmlReportError as exc:
            result.remaining.append(f"pod {kube.namespace}/{name} may still exist ({exc.message})")
    if track.forge.registering:
        try:
            result.done.append(end_registration(registry.hurried(), track.forge))
        except CmlReportError as exc:
            result.remaining.append(
                f"runner {track.forge.name} may still be registered at the forge ({exc.message})"
            )
    return result
