"""A runner pod on Kubernetes as values: the Pod and Secret bodies, their labels, the answers.

Pure: the bodies are plain JSON (the API's camelCase field names) that ``runner/k8s.py`` sends
through the official client. Runner names allow what a pod name does not (capitals, ``_``,
``.``), and a repository holds ``/``, which no label value may: the pod is named from a
DNS-1123 form of the runner name, and the labels that find ours hold label-safe forms (a hash
when one would not fit); the exact values ride in annotations.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cmlreport.runner.ec2_requests import format_expiry, parse_expiry
from cmlreport.runner.k8s_placement import PodPlacement, Toleration
from cmlreport.runner.spec import RunnerSpec

GITHUB_IMAGE = "ghcr.io/actions/actions-runner"  # tagged with the runner version
GITLAB_IMAGE = "gitlab/gitlab-runner:v17.5.3"
GPU_RESOURCE = "nvidia.com/gpu"

LABEL_MANAGED = "app.kubernetes.io/managed-by"
MANAGED = "cmlreport"
LABEL_RUNNER = "cmlreport.io/runner"
LABEL_REPO = "cmlreport.io/repo"
LABEL_RUN = "cmlreport.io/run-id"
NOTE_RUNNER = "cmlreport.io/runner-name"
NOTE_REPO = "cmlreport.io/repository"
NOTE_LABELS = "cmlreport.io/labels"
NOTE_EXPIRES = "cmlreport.io/expires-at"
SECRET_KEY = "runner-secret"


def label_value(text: str) -> str:
    """``text`` as a label value: invalid characters become '.', too long gets a hash."""
    value = re.sub(r"[^A-Za-z0-9_.-]", ".", text).strip("._-")
    if len(value) > 63 or value != text:
        digest = hashlib.sha256(text.encode()).hexdigest()[:10]
        value = f"{value[:50].strip('._-')}-{digest}".lstrip("-")
    return value


def pod_name(runner_name: str) -> str:
    """A DNS-1123 name for the runner's pod (the secret takes the same one)."""
    name = re.sub(r"[^a-z0-9-]", "-", runner_name.lower()).strip("-")
    if name != runner_name:
        name = f"{name[:50].strip('-')}-{hashlib.sha256(runner_name.encode()).hexdigest()[:8]}"
    return name.strip("-")


def repo_selector(repository: str) -> str:
    """The label selector of every runner pod cmlreport started for ``repository``."""
    return f"{LABEL_MANAGED}={MANAGED},{LABEL_REPO}={label_value(repository)}"


def managed_selector() -> str:
    return f"{LABEL_MANAGED}={MANAGED}"


def _metadata(spec: RunnerSpec, place: PodPlacement) -> dict[str, Any]:
    labels = {
        LABEL_MANAGED: MANAGED,
        LABEL_RUNNER: label_value(spec.runner.name),
        LABEL_REPO: label_value(spec.repo.repository),
    }
    if place.run_id:
        labels[LABEL_RUN] = label_value(place.run_id)
    return {
        "name": pod_name(spec.runner.name),
        "namespace": place.namespace,
        "labels": labels,
        "annotations": {
            NOTE_RUNNER: spec.runner.name,
            NOTE_REPO: spec.repo.repository,
            NOTE_LABELS: ",".join(spec.runner.labels),
        },
    }


def pod_body(spec: RunnerSpec, place: PodPlacement, expires_at: datetime) -> dict[str, Any]:
    """The runner's Pod: one container running the forge's runner, its secret from the Secret
    of the same name, ended by the cluster after ``max_lifetime`` (activeDeadlineSeconds)."""
    container: dict[str, Any] = {
        "name": "runner",
        **_runner_process(spec, place),
        "resources": _resources(place.gpus),
        "securityContext": {"allowPrivilegeEscalation": False},
    }
    meta = _metadata(spec, place)
    meta["annotations"][NOTE_EXPIRES] = format_expiry(expires_at)
    body: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": meta,
        "spec": {
            "restartPolicy": "Never",
            "activeDeadlineSeconds": spec.runner.max_lifetime,
            "automountServiceAccountToken": False,  # jobs get no handle on the cluster
            "terminationGracePeriodSeconds": 30,
            "containers": [container],
        },
    }
    if place.node_selector:
        body["spec"]["nodeSelector"] = dict(place.node_selector)
    if place.tolerations:
        body["spec"]["tolerations"] = [_toleration(t) for t in place.tolerations]
    return body


def _resources(gpus: int) -> dict[str, Any]:
    if not gpus:
        return {}
    return {"limits": {GPU_RESOURCE: str(gpus)}}


def _toleration(tol: Toleration) -> dict[str, str]:
    found: dict[str, str] = {"key": tol.key, "operator": "Equal" if tol.value else "Exists"}
    if tol.value:
        found["value"] = tol.value
    if tol.effect:
        found["effect"] = tol.effect
    return found


def _secret_env(name: str, pod: str) -> dict[str, Any]:
    return {"name": name, "valueFrom": {"secretKeyRef": {"name": pod, "key": SECRET_KEY}}}


def _runner_process(spec: RunnerSpec, place: PodPlacement) -> dict[str, Any]:
    """The image, command and environment: the runner reads its secret from the environment
    (as on EC2), never from its command line."""
    runner, pod = spec.runner, pod_name(spec.runner.name)
    if spec.repo.forge == "gitlab":
        command = ["gitlab-runner", "run-single", "--executor", "shell", "--name", runner.name]
        # run-single: --wait-timeout is how long it waits for its first job (the idle timeout).
        command += ["--wait-timeout", str(runner.idle_timeout)]
        if runner.single:
            command += ["--max-builds", "1"]
        env = [{"name": "CI_SERVER_URL", "value": spec.repo.url.rstrip("/")}]
        env.append(_secret_env("CI_SERVER_TOKEN", pod))
        return {"image": place.image or GITLAB_IMAGE, "command": command, "env": env}
    image = place.image or f"{GITHUB_IMAGE}:{runner.version}"
    if runner.single:
        env = [_secret_env("ACTIONS_RUNNER_INPUT_JITCONFIG", pod)]
        return {"image": image, "command": ["/home/runner/run.sh"], "env": env}
    # config.sh reads --url, --name, --labels and --token from ACTIONS_RUNNER_INPUT_* too.
    env = [
        {"name": "ACTIONS_RUNNER_INPUT_URL", "value": spec.repo.url.rstrip("/")},
        {"name": "ACTIONS_RUNNER_INPUT_NAME", "value": runner.name},
        {"name": "ACTIONS_RUNNER_INPUT_LABELS", "value": ",".join(runner.labels)},
        _secret_env("ACTIONS_RUNNER_INPUT_TOKEN", pod),
    ]
    script = "./config.sh --unattended --replace && exec ./run.sh"
    return {
        "image": image,
        "workingDir": "/home/runner",
        "command": ["/bin/bash", "-c", script],
        "env": env,
    }


def secret_body(
    spec: RunnerSpec, place: PodPlacement, secret_b64: str, owner_uid: str
) -> dict[str, Any]:
    """The Secret holding the runner's secret (already base64), owned by its pod: deleting the
    pod deletes it (the garbage collector follows ownerReferences)."""
    meta = _metadata(spec, place)
    meta["ownerReferences"] = [
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "name": meta["name"],
            "uid": owner_uid,
            "blockOwnerDeletion": True,
        }
    ]
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": meta,
        "type": "Opaque",
        "immutable": True,
        "data": {SECRET_KEY: secret_b64},
    }


@dataclass(frozen=True)
class RunnerPod:
    """A runner pod as the cluster describes it, read back from its labels and annotations."""

    name: str
    namespace: str
    uid: str
    runner: str
    repo: str
    phase: str  # Pending | Running | Succeeded | Failed | Unknown
    labels: tuple[str, ...]
    created_at: datetime | None
    expires_at: datetime | None
    deleting: bool = False
    waiting: tuple[str, ...] = field(default_factory=tuple)  # why it is not running yet

    @property
    def finished(self) -> bool:
        return self.phase in ("Succeeded", "Failed")


def runner_pod(pod: Mapping[str, Any]) -> RunnerPod:
    """A pod as JSON (the API's field names) as a ``RunnerPod``."""
    meta, status = pod.get("metadata") or {}, pod.get("status") or {}
    notes = meta.get("annotations") or {}
    created = meta.get("creationTimestamp")
    return RunnerPod(
        name=str(meta.get("name", "")),
        namespace=str(meta.get("namespace", "")),
        uid=str(meta.get("uid", "")),
        runner=str(notes.get(NOTE_RUNNER, meta.get("name", ""))),
        repo=str(notes.get(NOTE_REPO, "")),
        phase=str(status.get("phase") or "Pending"),
        labels=tuple(x for x in str(notes.get(NOTE_LABELS, "")).split(",") if x),
        created_at=parse_expiry(created) if isinstance(created, str) else None,
        expires_at=parse_expiry(notes.get(NOTE_EXPIRES)),
        deleting=bool(meta.get("deletionTimestamp")),
        waiting=waiting_reasons(status),
    )


def waiting_reasons(status: Mapping[str, Any]) -> tuple[str, ...]:
    """Why a pod is not running: unschedulable (the scheduler's message names the resource,
    e.g. "Insufficient nvidia.com/gpu"), an image that cannot be pulled, a missing secret."""
    found: list[str] = []
    for cond in status.get("conditions") or []:
        if cond.get("type") == "PodScheduled" and cond.get("status") == "False":
            found.append(f"{cond.get('reason') or 'not scheduled'}: {cond.get('message') or ''}")
    for cs in status.get("containerStatuses") or []:
        waiting = (cs.get("state") or {}).get("waiting") or {}
        if waiting.get("reason") and waiting["reason"] != "ContainerCreating":
            found.append(f"{waiting['reason']}: {waiting.get('message') or ''}")
    return tuple(reason.rstrip(": ") for reason in found)
