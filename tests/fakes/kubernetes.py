"""A fake Kubernetes API server on 127.0.0.1: namespaces, pods and secrets, over real HTTP.

Enough of the core/v1 API for runner pods: create, read, list (by equality label selector) and
delete pods and secrets in a namespace, with a bearer token. Every body sent is checked
against the API's schema (``tests.fakes.kubernetes_schema``): a body the apiserver would refuse
is answered 422 and recorded as a violation, which fails the test at teardown. Deleting a pod
deletes what it owns (the garbage collector, at once). Nothing happens by itself: the test
moves a pod on (``schedule``, ``run``, ``finish``, ``unschedulable``).

    pytest_plugins = ["tests.fakes.kubernetes"]

    def test_pod(kube_server: FakeKubernetes) -> None:
        config = kube_server.kubeconfig(tmp_path)  # a kubeconfig file pointing here
"""

from __future__ import annotations

import itertools
import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.fakes.kubernetes_schema import problems
from tests.fakes.served import Faults, ForgeState, Reply, ServedFake, fixtures
from tests.fakes.transport import Answer

TOKEN = "kube-token-0123456789abcdef"
_PATH = re.compile(r"^/api/v1/namespaces/([^/]+)/(pods|secrets)(?:/([^/]+))?$")
_MODELS = {"pods": "V1Pod", "secrets": "V1Secret"}
_KINDS = {"pods": "Pod", "secrets": "Secret"}


@dataclass(frozen=True)
class Logged:
    method: str
    path: str
    body: Any


def status(code: int, reason: str, message: str, kind: str = "", name: str = "") -> dict[str, Any]:
    """A ``Status`` object, as the apiserver answers every error."""
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "details": {"name": name, "kind": kind},
        "code": code,
    }


def _default_body(code: int) -> dict[str, Any]:
    return status(code, "InternalError" if code >= 500 else "BadRequest", f"HTTP {code}")


class FakeKubernetes(ForgeState, ServedFake[Logged]):
    NAME = "fake Kubernetes API"

    def __init__(self, *, prefix: str = "", port: int = 0) -> None:
        ForgeState.__init__(self)
        self.serve_init(prefix=prefix, port=port, faults=Faults(_default_body))
        self.namespaces: set[str] = {"default"}
        self.objects: dict[tuple[str, str, str], dict[str, Any]] = {}  # (kind, ns, name)
        self.token = TOKEN
        self._uids = itertools.count(1)
        self._start = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)

    @property
    def url(self) -> str:
        return self.origin + self.prefix

    def kubeconfig(self, directory: Path, token: str | None = None) -> Path:
        """A kubeconfig file whose current context is this server, with ``token``."""
        config = {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": "fake", "cluster": {"server": self.url}}],
            "users": [{"name": "ci", "user": {"token": token or self.token}}],
            "contexts": [{"name": "fake", "context": {"cluster": "fake", "user": "ci"}}],
            "current-context": "fake",
        }
        path = directory / "kubeconfig"
        path.write_text(json.dumps(config), encoding="utf-8")  # JSON is YAML
        return path

    # -- what tests see and do ---------------------------------------------------------------

    def pods(self, namespace: str = "default") -> dict[str, dict[str, Any]]:
        with self.lock:
            return {
                n: o for (k, ns, n), o in self.objects.items() if k == "pods" and ns == namespace
            }

    def secrets(self, namespace: str = "default") -> dict[str, dict[str, Any]]:
        with self.lock:
            return {
                n: o for (k, ns, n), o in self.objects.items() if k == "secrets" and ns == namespace
            }

    def run(self, name: str, namespace: str = "default") -> None:
        """The pod is scheduled, its image pulled, its container started."""
        self._status(name, namespace, {"phase": "Running", "conditions": [_scheduled(True)]})

    def unschedulable(self, name: str, message: str, namespace: str = "default") -> None:
        """The scheduler found no node (``message`` as kube-scheduler words it)."""
        condition = {**_scheduled(False), "reason": "Unschedulable", "message": message}
        self._status(name, namespace, {"phase": "Pending", "conditions": [condition]})

    def finish(self, name: str, phase: str = "Succeeded", namespace: str = "default") -> None:
        self._status(name, namespace, {"phase": phase})

    def _status(self, name: str, namespace: str, new: dict[str, Any]) -> None:
        with self.lock:
            self.objects[("pods", namespace, name)]["status"] = new

    # -- HTTP --------------------------------------------------------------------------------

    def handle(self, method: str, target: str, headers: dict[str, str], raw: bytes) -> Answer:
        split = urlsplit(target)
        path = split.path[len(self.prefix) :]
        body: Any = None
        if raw:
            try:
                body = json.loads(raw)
            except ValueError:
                body = raw.decode(errors="replace")
        with self.lock:
            self.requests.append(Logged(method, path, body))
            injected = self.faults.take_injection(method, path)
            reply = injected or self._answer(method, path, split.query, headers, body)
        data = json.dumps(reply.body).encode()
        return Answer(reply.status, {"Content-Type": "application/json"}, data, 0.0)

    def _answer(
        self, method: str, path: str, query: str, headers: dict[str, str], body: Any
    ) -> Reply:
        if headers.get("authorization") != f"Bearer {self.token}":
            return Reply(401, status(401, "Unauthorized", "Unauthorized"))
        match = _PATH.match(path)
        if match is None:
            self.violations.append(f"{method} {path}: not a route of the fake Kubernetes API")
            return Reply(404, status(404, "NotFound", "the server could not find the resource"))
        namespace, kind, name = match.groups()
        if namespace not in self.namespaces:
            message = f'namespaces "{namespace}" not found'
            return Reply(404, status(404, "NotFound", message, "namespaces", namespace))
        if method == "POST" and name is None:
            return self._create(kind, namespace, body)
        if method == "GET" and name is None:
            return self._list(kind, namespace, parse_qs(query).get("labelSelector", [""])[0])
        if method in ("GET", "DELETE") and name is not None:
            found = self.objects.get((kind, namespace, name))
            if found is None:
                message = f'{kind} "{name}" not found'
                return Reply(404, status(404, "NotFound", message, kind, name))
            if method == "DELETE":
                self._delete(kind, namespace, name, body)
            return Reply(200, found)
        self.violations.append(f"{method} {path}: no such method in the fake Kubernetes API")
        return Reply(405, status(405, "MethodNotAllowed", "the server does not allow this method"))

    def _create(self, kind: str, namespace: str, body: Any) -> Reply:
        found = problems(body, _MODELS[kind])
        if isinstance(body, dict) and body.get("kind") not in (None, _KINDS[kind]):
            found.append(f"kind {body.get('kind')!r} sent to {kind}")
        meta = body.get("metadata") if isinstance(body, dict) else None
        if isinstance(meta, dict) and meta.get("namespace") not in (None, namespace):
            found.append("metadata.namespace does not match the namespace of the request")
        if found:
            self.violations += [f"POST {kind}: {p}" for p in found]
            return Reply(422, status(422, "Invalid", "; ".join(found), kind))
        assert isinstance(body, dict) and isinstance(meta, dict)
        name = str(meta["name"])
        if (kind, namespace, name) in self.objects:
            message = f'{kind} "{name}" already exists'
            return Reply(409, status(409, "AlreadyExists", message, kind, name))
        created = json.loads(json.dumps(body))
        created["metadata"].update(
            namespace=namespace,
            uid=f"0000-{next(self._uids):04d}",
            creationTimestamp=(self._start + timedelta(seconds=len(self.objects))).strftime(
                "%Y-%m-%dT%H:%M:%SZ"
            ),
            resourceVersion=str(len(self.requests)),
        )
        if kind == "pods":
            created["status"] = {"phase": "Pending"}
        self.objects[(kind, namespace, name)] = created
        return Reply(201, created)

    def _list(self, kind: str, namespace: str, selector: str) -> Reply:
        wanted = dict(part.split("=", 1) for part in selector.split(",") if "=" in part)
        items = [
            o
            for (k, ns, _), o in self.objects.items()
            if k == kind
            and ns == namespace
            and all((o["metadata"].get("labels") or {}).get(key) == v for key, v in wanted.items())
        ]
        return Reply(200, {"kind": f"{_KINDS[kind]}List", "apiVersion": "v1", "items": items})

    def _delete(self, kind: str, namespace: str, name: str, body: Any) -> None:
        if body is not None:
            self.violations += [f"DELETE {kind}: {p}" for p in problems(body, "V1DeleteOptions")]
        gone = self.objects.pop((kind, namespace, name))
        uid = gone["metadata"]["uid"]
        owned = [
            key
            for key, o in self.objects.items()
            if key[1] == namespace
            and any(ref.get("uid") == uid for ref in o["metadata"].get("ownerReferences") or [])
        ]
        for key in owned:  # the garbage collector, without its delay
            del self.objects[key]


def _scheduled(done: bool) -> dict[str, Any]:
    return {"type": "PodScheduled", "status": "True" if done else "False"}


_server, _factory = fixtures(FakeKubernetes, "fake Kubernetes API", "request(s) it would refuse")
kube_server = pytest.fixture(_server, name="kube_server")
kube_server_factory = pytest.fixture(_factory, name="kube_server_factory")
