"""Ending runner pods: `runner stop` and `runner cleanup` with ``--cloud kubernetes``."""

from __future__ import annotations

from datetime import datetime

from cmlreport.errors import CmlReportError
from cmlreport.forges.runners import RunnerRegistry
from cmlreport.runner.k8s import Kubernetes
from cmlreport.runner.k8s_requests import RunnerPod
from cmlreport.runner.stop import Stopped


def find_pods(
    kube: Kubernetes, repository: str, *, name: str | None, labels: list[str] | None
) -> list[RunnerPod]:
    """This repository's runner pods of runner ``name`` and/or having all ``labels``."""
    return [
        pod
        for pod in kube.list(repository)
        if (name is None or pod.runner == name) and (not labels or set(labels) <= set(pod.labels))
    ]


def stop_pods(
    registry: RunnerRegistry | None, kube: Kubernetes, pods: list[RunnerPod], names: set[str]
) -> Stopped:
    """Deregister these runners at the forge, then delete their pods and secrets.

    A failure on one does not stop the others; it is listed in ``remaining`` (exit 3).
    """
    wanted = names | {p.runner for p in pods}
    removed: list[str] = []
    remaining: list[str] = []
    if registry is not None and wanted:
        try:
            runners = [r for r in registry.list_runners() if r.name in wanted]
        except CmlReportError as exc:
            runners = []
            remaining.append(
                f"runner {', '.join(sorted(wanted))} may still be registered ({exc.message})"
            )
        for runner in runners:
            try:
                if registry.remove(runner.id):
                    removed.append(runner.name)
            except CmlReportError as exc:
                remaining.append(f"runner {runner.name} is still registered ({exc.message})")
    deleted: list[str] = []
    for pod in pods:
        try:
            if kube.delete(pod.name):
                deleted.append(f"{pod.namespace}/{pod.name}")
        except CmlReportError as exc:
            remaining.append(f"pod {pod.namespace}/{pod.name} may still exist ({exc.message})")
    return Stopped(deleted, removed, remaining)


def ended_pods(kube: Kubernetes, repository: str, now: datetime) -> list[RunnerPod]:
    """What `runner cleanup` ends: pods past their expiry, and pods that have finished (their
    one job done, the runner crashed, or the cluster ended them at activeDeadlineSeconds)."""
    return [
        pod
        for pod in kube.list(repository)
        if pod.finished or (pod.expires_at is not None and pod.expires_at <= now)
    ]
