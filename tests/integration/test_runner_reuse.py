"""`runner launch --reuse-idle`: an idle multi-job runner taken instead of a new machine.

The account is moto's server, the forge the fake GitHub (the fake GitLab at the end), all
over HTTP. A machine "left over" from an earlier pipeline is launched into the account and
its runner listed at the forge; the reuse then decides from what both say, and claims the
machine with tags that the test reads back with plain boto3. The claim's settle wait is the
test's: the world moves (another job claims, the runner takes a job) while the reuse waits.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from cmlreport.forges.github.client import GitHubSettings
from cmlreport.forges.github.runners import GitHubRunners
from cmlreport.forges.gitlab.client import GitLabSettings
from cmlreport.forges.gitlab.runners import GitLabRunners
from cmlreport.runner.ec2 import Ec2, Launch
from cmlreport.runner.reuse import Reused, reuse_idle
from cmlreport.runner.spec import ForgeRepo, Machine, RunnerSetup, RunnerSpec
from tests.fakes.github import ADMIN_PERMISSIONS, FakeGitHub
from tests.fakes.github.records import Runner
from tests.fakes.gitlab.records import Job as GitLabJob
from tests.fakes.gitlab.records import Runner as GitLabRunner
from tests.fakes.gitlab.server import FakeGitLab
from tests.integration.test_runner_aws import REGION, Progress, copy_image, described, tags_of

pytest_plugins = [
    "tests.fakes.github.pytest_plugin",
    "tests.fakes.gitlab.pytest_plugin",
    "tests.fakes.moto_server",
    "tests.integration.ec2_account",
]

REPO = "octo/model"
TOKEN = "ghp_adminToken0123456789abcdef"
NOW = datetime(2030, 5, 1, 12, 0, tzinfo=timezone.utc)
LEFT_OVER = "cmlreport-t4-100"  # the machine an earlier pipeline launched


def spec(name: str, labels: tuple[str, ...], *, repo: str = REPO, hours: int = 3) -> RunnerSpec:
    return RunnerSpec(
        machine=Machine(region=REGION, instance_types=("g4dn.xlarge",)),
        runner=RunnerSetup(
            name=name,
            labels=(name, *labels),
            idle_timeout=600,
            max_lifetime=hours * 3600,
            single=False,
        ),
        repo=ForgeRepo("github", repo, f"https://github.com/{repo}"),
    )


class World:
    def __init__(self, ec2: Ec2, aws: Any, github: FakeGitHub) -> None:
        self.ec2, self.aws, self.github = ec2, aws, github
        self.image = copy_image(aws, "cmlreport-gpu-ubuntu-22.04-20240501")
        self.during_settle: list[Callable[[], None]] = []

    def left_over(
        self,
        name: str = LEFT_OVER,
        labels: tuple[str, ...] = ("gpu-train",),
        *,
        repo: str = REPO,
        status: str = "online",
        busy: bool = False,
    ) -> str:
        """A live machine with its runner at the forge, as an earlier launch left them."""
        first = spec(name, labels, repo=repo, hours=1)
        machine = Machine(region=REGION, instance_types=("g4dn.xlarge",), image_id=self.image)
        launch = Launch(
            spec=RunnerSpec(machine, first.runner, first.repo),
            user_data="#!/bin/bash\ntrue\n",
            expires_at=NOW + timedelta(hours=1, minutes=10),
        )
        instance = self.ec2.launch(launch, Progress())
        runner_id = 9000 + len(self.github.runners)
        self.github.runners[runner_id] = Runner(
            runner_id, repo, name, ["self-hosted", *first.runner.labels], status, busy
        )
        return instance.id

    def sleep(self, seconds: float) -> None:
        while self.during_settle:
            self.during_settle.pop(0)()

    def reuse(self, name: str = "cmlreport-t4-200", labels: tuple[str, ...] = ("gpu-train",)):
        lines = Progress()
        registry = GitHubRunners(
            GitHubSettings(repository=REPO, token=TOKEN, api_url=self.github.url, backoff=0.01)
        )
        found = reuse_idle(
            spec(name, labels), registry, self.ec2, lines, now=lambda: NOW, sleep=self.sleep
        )
        return found, lines

    def tags(self, instance_id: str) -> dict[str, str]:
        return tags_of(described(self.aws, instance_id))

    def claim(self, instance_id: str, token: str, at: datetime) -> None:
        """Another job's launch writing its claim, as the reuse does."""
        self.aws.create_tags(
            Resources=[instance_id],
            Tags=[
                {"Key": "cmlreport:claim", "Value": token},
                {"Key": "cmlreport:claimed-at", "Value": str(int(at.timestamp()))},
            ],
        )

    def live(self) -> list[str]:
        pages = self.aws.describe_instances()["Reservations"]
        return [
            i["InstanceId"]
            for r in pages
            for i in r["Instances"]
            if i["State"]["Name"] != "terminated"
        ]


@pytest.fixture
def world(ec2: Ec2, aws: Any, github_server: FakeGitHub) -> World:
    github_server.add_repo(REPO)
    github_server.add_token(TOKEN, login="alice", permissions=ADMIN_PERMISSIONS)
    return World(ec2, aws, github_server)


def test_an_idle_runner_with_the_same_labels_is_reused_and_its_lifetime_extended(world):
    machine = world.left_over()

    found, lines = world.reuse()

    assert isinstance(found, Reused) and found.instance.id == machine
    assert found.instance.name == LEFT_OVER
    # Nothing new: the same one machine, the same one runner at the forge.
    assert world.live() == [machine] and len(world.github.runners) == 1
    tags = world.tags(machine)
    assert tags["cmlreport:claim"].startswith("local-")
    assert tags["cmlreport:claimed-at"] == str(int(NOW.timestamp()))
    # Extended: this launch's --max-lifetime (3 h) from now, which the watchdog reads.
    assert found.deadline == NOW + timedelta(hours=3)
    assert tags["cmlreport:deadline"] == str(int((NOW + timedelta(hours=3)).timestamp()))
    assert tags["cmlreport:expires-at"] == "2030-05-01T15:10:00Z"  # cleanup's, 10 min later
    assert any(f"reusing idle runner {LEFT_OVER} ({machine}" in line for line in lines.lines)


def test_an_extension_never_shortens_what_the_machine_had(world):
    machine = world.left_over()
    world.aws.create_tags(
        Resources=[machine],
        Tags=[{"Key": "cmlreport:deadline", "Value": str(int(NOW.timestamp()) + 5 * 3600)}],
    )
    found, _ = world.reuse()
    assert found is not None and found.deadline == NOW + timedelta(hours=5)
    assert world.tags(machine)["cmlreport:expires-at"] == "2030-05-01T17:10:00Z"


@pytest.mark.parametrize(
    "left_over",
    [
        {"busy": True},
        {"status": "offline"},
        {"labels": ("gpu-eval",)},
        {"labels": ("gpu-train", "a100")},
        {"repo": "octo/other"},
    ],
    ids=["busy", "offline", "other-labels", "more-labels", "other-repo"],
)
def test_no_runner_fits_so_the_launch_goes_on_and_says_so(world, left_over):
    machine = world.left_over(**left_over)

    found, lines = world.reuse()

    assert found is None
    assert lines.lines[-1] == "no idle runner with labels gpu-train: launching"
    assert "cmlreport:claim" not in world.tags(machine)


def test_a_machine_another_job_claimed_moments_ago_is_left_to_it(world):
    machine = world.left_over()
    world.claim(machine, "4241-othertoken", NOW - timedelta(minutes=1))

    found, lines = world.reuse()

    assert found is None and lines.lines[-1].startswith("no idle runner")
    assert world.tags(machine)["cmlreport:claim"] == "4241-othertoken"


def test_a_claim_whose_job_never_came_expires(world):
    machine = world.left_over()
    world.claim(machine, "4241-othertoken", NOW - timedelta(minutes=6))

    found, _ = world.reuse()

    assert found is not None and found.instance.id == machine


def test_a_claim_overwritten_while_this_one_settles_is_lost_and_the_launch_goes_on(world):
    machine = world.left_over()
    # The other launch wrote last: EC2 keeps its value, and it takes the machine.
    world.during_settle.append(lambda: world.claim(machine, "4243-later", NOW))

    found, lines = world.reuse()

    assert found is None
    assert f"another job claimed {LEFT_OVER} ({machine}) first" in lines.lines
    assert world.tags(machine)["cmlreport:claim"] == "4243-later"
    assert "cmlreport:deadline" not in world.tags(machine)  # not extended by the loser


def test_a_runner_that_takes_a_job_while_the_claim_settles_is_not_reused(world):
    world.left_over()

    def takes_a_job() -> None:
        (runner,) = world.github.runners.values()
        runner.busy = True

    world.during_settle.append(takes_a_job)
    found, lines = world.reuse()

    assert found is None
    assert f"{LEFT_OVER} took a job or went offline meanwhile: not reusing it" in lines.lines


def test_two_launches_at_once_never_take_the_same_machine(world):
    machine = world.left_over()
    results: list[Reused | None] = []

    def launch(name: str) -> None:
        registry = GitHubRunners(
            GitHubSettings(repository=REPO, token=TOKEN, api_url=world.github.url, backoff=0.01)
        )
        # Real time and a short settle: both look before either writes.
        found = reuse_idle(spec(name, ("gpu-train",)), registry, world.ec2, Progress(), settle=3.0)
        results.append(found)

    both = [threading.Thread(target=launch, args=(f"cmlreport-t4-{n}",)) for n in (300, 301)]
    for thread in both:
        thread.start()
    for thread in both:
        thread.join(timeout=30)

    assert len(results) == 2
    taken = [r for r in results if r is not None]
    assert len(taken) == 1 and taken[0].instance.id == machine


def test_the_launch_announces_the_reused_machine_under_its_own_name(world):
    from cmlreport.cli.runner.reuse import reused

    machine = world.left_over()
    registry = GitHubRunners(
        GitHubSettings(repository=REPO, token=TOKEN, api_url=world.github.url, backoff=0.01)
    )
    announced: list[tuple[RunnerSpec, Any, dict[str, Any]]] = []

    def announce(spec: RunnerSpec, instance: Any, **how: Any) -> None:
        announced.append((spec, instance, how))

    asked = spec("cmlreport-t4-200", ("gpu-train",))
    assert reused(asked, registry, world.ec2, announce, sleep=world.sleep) is True

    ((said, instance, how),) = announced
    # The job must go to the machine that exists: its name (a label of its own) is the output.
    assert said.runner.name == LEFT_OVER and LEFT_OVER in said.runner.labels
    assert instance.id == machine and how == {"reused": True}


def test_nothing_idle_leaves_the_launch_to_go_on(world):
    from cmlreport.cli.runner.reuse import reused

    registry = GitHubRunners(
        GitHubSettings(repository=REPO, token=TOKEN, api_url=world.github.url, backoff=0.01)
    )
    asked = spec("cmlreport-t4-200", ("gpu-train",))
    assert reused(asked, registry, world.ec2, lambda *a, **k: None, sleep=world.sleep) is False


# -- GitLab: its runner list says online, not busy; the runner's running jobs say busy ---------

GL_PROJECT = "ml/model"
GL_TOKEN = "glpat-maint0123456789"


@pytest.mark.parametrize("job", [None, "running", "success"])
def test_a_gitlab_runner_is_reused_only_without_a_running_job(
    world: World, gitlab_server: FakeGitLab, job: str | None
) -> None:
    gitlab_server.add_project(GL_PROJECT, id=42)
    gitlab_server.add_token(GL_TOKEN, username="maya", role="maintainer")
    machine = world.left_over(repo=GL_PROJECT)
    labels = [LEFT_OVER, "gpu-train"]
    gitlab_server.runners[77] = GitLabRunner(
        77, "glrt-left0ver", "project_type", 42, LEFT_OVER, labels, False, status="online"
    )
    if job is not None:
        gitlab_server.jobs[500] = GitLabJob(500, 42, 9, "train", job, labels, runner_id=77)
    registry = GitLabRunners(
        GitLabSettings(
            project=GL_PROJECT, token=GL_TOKEN, server_url=gitlab_server.url, backoff=0.01
        )
    )
    asked = replace(
        spec("cmlreport-t4-200", ("gpu-train",)),
        repo=ForgeRepo("gitlab", GL_PROJECT, gitlab_server.url.rstrip("/")),
    )
    lines = Progress()

    found = reuse_idle(asked, registry, world.ec2, lines, now=lambda: NOW, sleep=world.sleep)

    if job == "running":
        assert found is None
        assert lines.lines[-1] == "no idle runner with labels gpu-train: launching"
    else:
        assert found is not None and found.instance.id == machine
        assert "cmlreport:deadline" in world.tags(machine)


def test_a_machine_whose_watchdog_ends_it_while_the_claim_settles_is_not_reused(world):
    machine = world.left_over()
    # Idle to the end of its window, the watchdog shut it down before it saw the claim.
    world.during_settle.append(lambda: world.aws.terminate_instances(InstanceIds=[machine]))

    found, lines = world.reuse()

    assert found is None
    assert f"{LEFT_OVER} ({machine}) is ending: not reusing it" in lines.lines
    assert lines.lines[-1] == "no idle runner with labels gpu-train: launching"
