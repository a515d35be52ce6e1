"""A runner as a pod on a Kubernetes cluster: launched, waited for, stopped, cleaned up.

In process, over real HTTP: the official client talks to the fake Kubernetes API (which checks
each body against the API's schema), the registration goes to the fake GitHub. The cluster
moves on between the launch's polls (its ``sleep``): the pod runs, the runner comes online.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import pytest

from cmlreport.errors import RemoteError
from cmlreport.forges.github.client import GitHubSettings
from cmlreport.forges.github.runners import GitHubRunners
from cmlreport.forges.gitlab.client import GitLabSettings
from cmlreport.forges.gitlab.runners import GitLabRunners
from cmlreport.runner.k8s import KubeConfig, Kubernetes
from cmlreport.runner.k8s_launch import launch_pod
from cmlreport.runner.k8s_placement import PodPlacement, parse_node_selector, parse_toleration
from cmlreport.runner.k8s_requests import pod_name
from cmlreport.runner.k8s_stop import ended_pods, find_pods, stop_pods
from cmlreport.runner.progress import LaunchProgress
from cmlreport.runner.spec import ForgeRepo, Machine, RunnerSetup, RunnerSpec
from tests.fakes.github import ADMIN_PERMISSIONS, FakeGitHub
from tests.fakes.gitlab.server import FakeGitLab
from tests.fakes.kubernetes import FakeKubernetes

pytest_plugins = [
    "tests.fakes.github.pytest_plugin",
    "tests.fakes.gitlab.pytest_plugin",
    "tests.fakes.kubernetes",
]

REPO = "octo/model"
TOKEN = "ghp_adminToken0123456789abcdef"
NAME = "cmlreport-t4-7"
POD = pod_name(NAME)


class Cluster:
    """The cluster and the forge, moved on one step each time the launch sleeps."""

    def __init__(self, kube: FakeKubernetes, github: FakeGitHub) -> None:
        self.kube, self.github = kube, github
        self.steps: list[Callable[[], None]] = []
        self.now = 1000.0
        self.lines: list[str] = []

    def sleep(self, seconds: float) -> None:
        self.now += seconds
        if self.steps:
            self.steps.pop(0)()

    def online(self) -> None:
        for runner in self.github.runners.values():
            runner.status = "online"


@pytest.fixture
def cluster(kube_server: FakeKubernetes, github_server: FakeGitHub) -> Cluster:
    github_server.add_repo(REPO)
    github_server.add_token(TOKEN, login="alice", permissions=ADMIN_PERMISSIONS)
    return Cluster(kube_server, github_server)


def spec(timeout: float = 60.0, max_lifetime: int = 3600) -> RunnerSpec:
    return RunnerSpec(
        machine=Machine(region="", instance_types=("pod",), cloud="kubernetes"),
        runner=RunnerSetup(
            name=NAME, labels=(NAME, "gpu"), idle_timeout=600, max_lifetime=max_lifetime
        ),
        repo=ForgeRepo("github", REPO, f"https://github.com/{REPO}"),
        online_timeout=timeout,
    )


def clients(cluster: Cluster, tmp_path: Path) -> tuple[GitHubRunners, Kubernetes]:
    registry = GitHubRunners(
        GitHubSettings(repository=REPO, token=TOKEN, api_url=cluster.github.url, backoff=0.01)
    )
    config = KubeConfig(str(cluster.kube.kubeconfig(tmp_path)))
    return registry, Kubernetes(config, "default")


def launch(cluster: Cluster, tmp_path: Path, place: PodPlacement, **kw: float) -> None:
    registry, kube = clients(cluster, tmp_path)
    phases = LaunchProgress(cluster.lines.append, clock=lambda: cluster.now)
    launch_pod(spec(**kw), place, registry, kube, phases, sleep=cluster.sleep, poll_interval=5)


def test_a_gpu_runner_pod_starts_with_its_secret_owned_by_it_and_comes_online(
    cluster: Cluster, tmp_path: Path
) -> None:
    cluster.steps = [lambda: cluster.kube.run(POD), cluster.online]
    place = PodPlacement(
        gpus=1,
        node_selector=parse_node_selector(("nvidia.com/gpu.product=Tesla-T4",)),
        tolerations=(parse_toleration("nvidia.com/gpu=present:NoSchedule"),),
        run_id="4242",
    )
    launch(cluster, tmp_path, place)

    pod = cluster.kube.pods()[POD]
    body = pod["spec"]
    assert body["restartPolicy"] == "Never"
    assert body["activeDeadlineSeconds"] == 3600
    assert body["nodeSelector"] == {"nvidia.com/gpu.product": "Tesla-T4"}
    assert body["tolerations"] == [
        {"key": "nvidia.com/gpu", "operator": "Equal", "value": "present", "effect": "NoSchedule"}
    ]
    container = body["containers"][0]
    assert container["resources"] == {"limits": {"nvidia.com/gpu": "1"}}
    assert container["image"] == "ghcr.io/actions/actions-runner:2.319.1"
    # The JIT config reaches the runner from the secret, never from the pod's own spec.
    (env,) = container["env"]
    assert env["valueFrom"]["secretKeyRef"] == {"name": POD, "key": "runner-secret"}
    assert pod["metadata"]["labels"]["cmlreport.io/run-id"] == "4242"
    secret = cluster.kube.secrets()[POD]
    (owner,) = secret["metadata"]["ownerReferences"]
    assert (owner["kind"], owner["uid"]) == ("Pod", pod["metadata"]["uid"])
    jit = base64.b64decode(secret["data"]["runner-secret"]).decode()
    assert jit and jit not in str(pod) and all(jit not in line for line in cluster.lines)
    said = [line.split("] ", 1)[1].split(":")[0] for line in cluster.lines]
    assert said == ["runner registered", "requested", "pending", "running", "online"]


def test_a_pod_no_node_can_take_times_out_naming_the_missing_gpu_and_leaves_nothing(
    cluster: Cluster, tmp_path: Path
) -> None:
    message = "0/3 nodes are available: 3 Insufficient nvidia.com/gpu."
    cluster.steps = [lambda: cluster.kube.unschedulable(POD, message)] * 20
    with pytest.raises(RemoteError) as raised:
        launch(cluster, tmp_path, PodPlacement(gpus=8), timeout=30)
    text = raised.value.message
    assert "phase 'pending'" in text and "Insufficient nvidia.com/gpu" in text
    assert "deleted pod default/" in text and "removed at the forge" in text
    assert cluster.kube.pods() == {} and cluster.kube.secrets() == {}
    assert cluster.github.runners == {}


def test_a_refused_secret_rolls_back_the_pod_and_the_registration(
    cluster: Cluster, tmp_path: Path
) -> None:
    cluster.kube.inject("POST", r"/secrets$", 403)
    with pytest.raises(RemoteError, match=r"cannot create the runner's secret: HTTP 403.*Role"):
        launch(cluster, tmp_path, PodPlacement())
    assert cluster.kube.pods() == {} and cluster.kube.secrets() == {}
    assert cluster.github.runners == {}


def test_a_pod_that_ends_before_its_runner_is_online_fails_the_launch(
    cluster: Cluster, tmp_path: Path
) -> None:
    cluster.steps = [lambda: cluster.kube.finish(POD, "Failed")]
    with pytest.raises(RemoteError, match=r"ended \(Failed\) before runner .* came online"):
        launch(cluster, tmp_path, PodPlacement(gpus=0))
    assert cluster.kube.pods() == {} and cluster.github.runners == {}


def test_stop_deletes_the_pod_and_its_secret_and_deregisters_and_cleanup_ends_finished_pods(
    cluster: Cluster, tmp_path: Path
) -> None:
    cluster.steps = [lambda: cluster.kube.run(POD), cluster.online]
    launch(cluster, tmp_path, PodPlacement(gpus=0))
    registry, kube = clients(cluster, tmp_path)
    assert [p.runner for p in kube.list(REPO)] == [NAME]
    assert kube.list("someone/else") == []
    assert ended_pods(kube, REPO, datetime(2024, 5, 1, 13, tzinfo=timezone.utc)) == []
    cluster.kube.finish(POD)
    (ended,) = ended_pods(kube, REPO, datetime(2024, 5, 1, 13, tzinfo=timezone.utc))

    done = stop_pods(registry, kube, find_pods(kube, REPO, name=None, labels=["gpu"]), set())
    assert done.terminated == [f"default/{POD}"] and done.removed_runners == [NAME]
    assert cluster.kube.pods() == {} and cluster.kube.secrets() == {}
    again = stop_pods(registry, kube, [ended], {NAME})
    assert again.terminated == [] and again.remaining == []


def test_the_fake_refuses_what_an_apiserver_would(
    kube_server: FakeKubernetes, tmp_path: Path
) -> None:
    kube = Kubernetes(KubeConfig(str(kube_server.kubeconfig(tmp_path))), "default")
    bad_secret = {"metadata": {"name": "s"}, "data": {"k": "not base64!"}}
    with pytest.raises(RemoteError, match=r"HTTP 422.*illegal base64"):
        kube.create_secret(bad_secret)
    unknown = {"metadata": {"name": "p"}, "spec": {"containers": [{"name": "c", "imag": "x"}]}}
    with pytest.raises(RemoteError, match=r"HTTP 422.*unknown field 'imag'"):
        kube.create_pod(unknown)
    with pytest.raises(RemoteError, match=r"HTTP 422.*containers"):
        kube.create_pod({"metadata": {"name": "p"}, "spec": {}})
    assert len(kube_server.take_violations()) == 3
    elsewhere = Kubernetes(KubeConfig(str(kube_server.kubeconfig(tmp_path))), "nope")
    with pytest.raises(RemoteError, match="does namespace nope exist"):
        elsewhere.read_pod("x")


# -- GitLab: the same pod, with gitlab-runner and its glrt- token ------------------------------

GL_PROJECT = "ml/model"
GL_TOKEN = "glpat-maint0123456789"


def test_a_gitlab_runner_pod_gets_its_runner_token_from_the_owned_secret_and_stop_ends_it(
    kube_server: FakeKubernetes, gitlab_server: FakeGitLab, tmp_path: Path
) -> None:
    gitlab_server.add_project(GL_PROJECT, id=42)
    gitlab_server.add_token(GL_TOKEN, username="maya", role="maintainer")
    registry = GitLabRunners(
        GitLabSettings(
            project=GL_PROJECT, token=GL_TOKEN, server_url=gitlab_server.url, backoff=0.01
        )
    )
    kube = Kubernetes(KubeConfig(str(kube_server.kubeconfig(tmp_path))), "default")
    gitlab_spec = replace(
        spec(), repo=ForgeRepo("gitlab", GL_PROJECT, gitlab_server.url.rstrip("/"))
    )
    lines: list[str] = []

    def online() -> None:
        for runner in gitlab_server.runners.values():
            runner.status = "online"

    # The cluster moves on while the launch waits: the pod runs, then the runner checks in.
    steps = [lambda: kube_server.run(POD), online]
    phases = LaunchProgress(lines.append, clock=lambda: 1000.0 + 5 * (2 - len(steps)))
    launch_pod(
        gitlab_spec,
        PodPlacement(gpus=1),
        registry,
        kube,
        phases,
        sleep=lambda _: steps.pop(0)() if steps else None,
    )

    assert any(f"runner {NAME} is online" in line for line in lines)
    (runner,) = gitlab_server.runners.values()
    assert runner.description == NAME and set(runner.tag_list) == {NAME, "gpu"}
    pod = kube_server.pods()[POD]
    (container,) = pod["spec"]["containers"]
    assert container["image"].startswith("gitlab/gitlab-runner:")
    command = container["command"]
    assert command[:2] == ["gitlab-runner", "run-single"] and "--max-builds" in command
    # The glrt- token GitLab issued is in the Secret the pod owns, and nowhere in the pod.
    secret = kube_server.secrets()[POD]
    token = base64.b64decode(secret["data"]["runner-secret"]).decode()
    assert token == runner.token and token.startswith("glrt-")
    assert token not in str(pod) and all(token not in line for line in lines)
    env = {e["name"]: e for e in container["env"]}
    assert env["CI_SERVER_URL"]["value"] == gitlab_server.url.rstrip("/")
    token_ref = env["CI_SERVER_TOKEN"]["valueFrom"]["secretKeyRef"]
    assert token_ref == {"name": POD, "key": "runner-secret"}
    (owner,) = secret["metadata"]["ownerReferences"]
    assert (owner["kind"], owner["uid"]) == ("Pod", pod["metadata"]["uid"])

    done = stop_pods(registry, kube, find_pods(kube, GL_PROJECT, name=NAME, labels=[]), set())

    assert done.terminated == [f"default/{POD}"] and done.removed_runners == [NAME]
    assert kube_server.pods() == {} and kube_server.secrets() == {}
    assert gitlab_server.runners == {}
