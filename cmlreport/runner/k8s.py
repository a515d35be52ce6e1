"""The one module that calls the Kubernetes API: runner pods and their secrets.

Through the official ``kubernetes`` client (imported here, lazily: `--help` stays fast), with
its configuration from a kubeconfig file or, inside a cluster, the pod's service account.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cmlreport.errors import InputError, RemoteError
from cmlreport.runner.k8s_requests import (
    RunnerPod,
    managed_selector,
    repo_selector,
    runner_pod,
)

# (connect, read) seconds per request; the clean-up of an interrupted launch is quicker.
TIMEOUT = (10.0, 30.0)
HURRIED_TIMEOUT = (2.0, 3.0)


@dataclass(frozen=True)
class KubeConfig:
    """Where the cluster's configuration comes from: a kubeconfig file, or in-cluster."""

    kubeconfig: str | None  # None: the service account of the pod we run in
    context: str | None = None


def kube_config(env: Mapping[str, str], flag: str | None, home: Path) -> KubeConfig:
    """--kubeconfig, else KUBECONFIG (its first existing file), else ~/.kube/config, else the
    in-cluster service account when KUBERNETES_SERVICE_HOST says we run in a pod."""
    if flag:
        if not Path(flag).is_file():
            raise InputError(f"--kubeconfig {flag}: no such file")
        return KubeConfig(flag)
    listed = [p for p in env.get("KUBECONFIG", "").split(os.pathsep) if p]
    for path in [*listed, str(home / ".kube" / "config")]:
        if Path(path).is_file():
            return KubeConfig(path)
    if env.get("KUBERNETES_SERVICE_HOST"):
        return KubeConfig(None)
    raise InputError(
        "no Kubernetes configuration: pass --kubeconfig FILE, set KUBECONFIG, or run in a pod "
        "with a service account"
    )


class Kubernetes:
    """Runner pods and secrets in one namespace; every failure is a one-line RemoteError."""

    def __init__(self, config: KubeConfig, namespace: str, *, hurried: bool = False) -> None:
        self.config, self.namespace = config, namespace
        self._timeout = HURRIED_TIMEOUT if hurried else TIMEOUT
        self._api = _core_api(config, retries=1 if hurried else 4)
        self.host = str(self._api.api_client.configuration.host)

    def hurried(self) -> Kubernetes:
        """Short timeouts and one retry: the clean-up of an interrupted launch."""
        return Kubernetes(self.config, self.namespace, hurried=True)

    def create_pod(self, body: dict[str, Any]) -> RunnerPod:
        return runner_pod(self._call("create the pod", "create_namespaced_pod", body=body))

    def create_secret(self, body: dict[str, Any]) -> None:
        self._call("create the runner's secret", "create_namespaced_secret", body=body)

    def read_pod(self, name: str) -> RunnerPod | None:
        found = self._call(f"read pod {name}", "read_namespaced_pod", name=name, missing=True)
        return None if found is None else runner_pod(found)

    def delete(self, name: str) -> bool:
        """Delete the pod and its secret; False when both were already gone."""
        options = {"propagationPolicy": "Background", "gracePeriodSeconds": 10}
        pod = self._call(
            f"delete pod {name}", "delete_namespaced_pod", name=name, body=options, missing=True
        )
        # Its owner's deletion takes the secret too; deleting it here does not wait for that.
        secret = self._call(
            f"delete secret {name}", "delete_namespaced_secret", name=name, missing=True
        )
        return pod is not None or secret is not None

    def list(self, repository: str | None = None) -> list[RunnerPod]:
        selector = repo_selector(repository) if repository else managed_selector()
        found = self._call("list the runner pods", "list_namespaced_pod", label_selector=selector)
        pods = [runner_pod(item) for item in found.get("items") or []]
        return [p for p in pods if repository is None or p.repo == repository]

    def _call(self, what: str, method: str, *, missing: bool = False, **kwargs: Any) -> Any:
        """The API's answer as JSON (the API's own field names); None for a 404 if ``missing``."""
        import urllib3.exceptions
        from kubernetes.client.exceptions import ApiException

        try:
            answer = getattr(self._api, method)(
                namespace=self.namespace,
                _preload_content=False,
                _request_timeout=self._timeout,
                **kwargs,
            )
            return answer.json()
        except ApiException as exc:
            if missing and exc.status == 404 and _kind(exc) in ("pods", "secrets"):
                return None
            raise RemoteError(
                f"Kubernetes: cannot {what}: {_refusal(exc, self.namespace)}"
            ) from None
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise RemoteError(
                f"Kubernetes: cannot {what}: no answer from {self.host} ({type(exc).__name__})",
                transient=True,
            ) from None


def _core_api(config: KubeConfig, retries: int) -> Any:
    from kubernetes import client
    from kubernetes import config as kube_config_loader
    from kubernetes.config.config_exception import ConfigException
    from urllib3.util.retry import Retry

    configuration = client.Configuration()
    try:
        if config.kubeconfig is None:
            kube_config_loader.load_incluster_config(client_configuration=configuration)
        else:
            kube_config_loader.load_kube_config(
                config_file=config.kubeconfig,
                context=config.context,
                client_configuration=configuration,
            )
    except (ConfigException, OSError, ValueError, TypeError) as exc:
        where = config.kubeconfig or "the in-cluster service account"
        raise InputError(f"Kubernetes configuration {where}: {str(exc).splitlines()[0]}") from None
    # Reads and deletes again after a 5xx or a lost connection; a create only when it was
    # refused before anything happened (429): a create sent twice is answered 409.
    configuration.retries = Retry(
        total=retries,
        backoff_factor=0.5,
        status_forcelist=(429, 500, 502, 503, 504),
        allowed_methods=frozenset({"GET", "DELETE"}),
        raise_on_status=False,
    )
    return client.CoreV1Api(client.ApiClient(configuration))


def _kind(exc: Any) -> str:
    details = (_status(exc).get("details") or {}) if exc.body else {}
    return str(details.get("kind") or "")


def _status(exc: Any) -> dict[str, Any]:
    import json

    try:
        found = json.loads(exc.body)
    except (TypeError, ValueError):
        return {}
    return found if isinstance(found, dict) else {}


def _refusal(exc: Any, namespace: str) -> str:
    message = str(_status(exc).get("message") or exc.reason or "").splitlines()
    text = f"HTTP {exc.status}: {message[0] if message else 'no message'}"
    if exc.status in (401, 403):
        return f"{text} (the account needs the Role in docs/runners.md in namespace {namespace})"
    if exc.status == 404:
        return f"{text} (does namespace {namespace} exist?)"
    return text
