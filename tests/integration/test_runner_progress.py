"""The long wait of a launch, phase by phase: what the user sees, and a timeout that names it.

In process: the launch registers at the fake GitHub over HTTP and starts the machine on moto's
server. The world moves on between the launch's polls (its ``sleep``): the machine's console
output shows the bootstrap's first line (rewritten into moto's GetConsoleOutput answer), then
the forge lists the runner online.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest

from cmlreport.errors import RemoteError
from cmlreport.forges.github.client import GitHubSettings
from cmlreport.forges.github.runners import GitHubRunners
from cmlreport.runner.ec2 import Ec2
from cmlreport.runner.launch import BOOTSTRAP_MARKER, launch_runner
from cmlreport.runner.progress import LaunchProgress
from cmlreport.runner.spec import ForgeRepo, Machine, RunnerSetup, RunnerSpec
from tests.fakes.github import ADMIN_PERMISSIONS, FakeGitHub
from tests.integration.test_runner_aws import REGION, Progress, copy_image, states

if TYPE_CHECKING:
    from tests.fakes.moto_server import MotoServer

pytest_plugins = ["tests.fakes.github.pytest_plugin", "tests.fakes.moto_server"]

REPO = "octo/model"
TOKEN = "ghp_adminToken0123456789abcdef"
NAME = "cmlreport-t4-7"
BOOT_LOG = "[    0.000000] Linux version 6.5.0-1022-aws\ncloud-init: running modules\n"


@pytest.fixture(scope="module")
def aws_client(moto_session: MotoServer) -> Any:
    import boto3

    session = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing")
    return session.client("ec2", region_name=REGION, endpoint_url=moto_session.url)


@pytest.fixture
def image(moto: MotoServer, aws_client: Any) -> str:
    return copy_image(aws_client, "cmlreport-gpu-ubuntu-22.04-20240501")


class World:
    """The machine's console and the forge, moved on one step each time the launch sleeps."""

    def __init__(self, moto: MotoServer, github: FakeGitHub) -> None:
        self.moto, self.github = moto, github
        self.console = BOOT_LOG
        self.steps: list[Callable[[], None]] = []
        self.sleeps = 0
        self.now = 1000.0  # the launch's clock: it moves only while the launch sleeps
        moto.rewrite("GetConsoleOutput", self._console_answer)

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds
        self.sleeps += 1
        if self.steps:
            self.steps.pop(0)()
        assert self.sleeps < 50, "the launch keeps waiting"

    def bootstrap_starts(self) -> None:
        self.console += f"{BOOTSTRAP_MARKER}: github runner {NAME}\n"

    def runner_comes_online(self) -> None:
        for runner in self.github.runners.values():
            runner.status = "online"

    def _console_answer(self, xml: str) -> str:
        encoded = base64.b64encode(self.console.encode()).decode()
        return re.sub(r"<output>.*?</output>", f"<output>{encoded}</output>", xml, flags=re.S)


@pytest.fixture
def world(moto: MotoServer, github_server: FakeGitHub) -> World:
    github_server.add_repo(REPO)
    github_server.add_token(TOKEN, login="alice", permissions=ADMIN_PERMISSIONS)
    return World(moto, github_server)


def launch(
    world: World, image: str, *, timeout: float = 60.0, lines: Progress | None = None
) -> tuple[Progress, Any]:
    spec = RunnerSpec(
        machine=Machine(region=REGION, instance_types=("g4dn.xlarge",), image_id=image),
        runner=RunnerSetup(name=NAME, labels=(NAME,), idle_timeout=600, max_lifetime=3600),
        repo=ForgeRepo("github", REPO, f"https://github.com/{REPO}"),
        online_timeout=timeout,
    )
    registry = GitHubRunners(
        GitHubSettings(repository=REPO, token=TOKEN, api_url=world.github.url, backoff=0.01)
    )
    ec2 = Ec2(REGION, endpoint_url=world.moto.url, max_attempts=2)
    lines = lines or Progress()
    instance = launch_runner(
        spec, registry, ec2, lines, clock=world.clock, sleep=world.sleep, poll_interval=0.05
    )
    return lines, instance


def phase_lines(progress: Progress) -> list[str]:
    """The phase each line names, with its elapsed time stripped: "[  12 s] running: ..."."""
    found = [re.match(r"\[ *\d+ s\] ([a-z ]+):", line) for line in progress.lines]
    return [match.group(1) for match in found if match]


def test_a_launch_prints_each_phase_once_in_order_with_the_time_since_it_began(
    world: World, image: str, moto: MotoServer
) -> None:
    seen = {"n": 0}

    def pending_twice(xml: str) -> str:  # EC2 is starting it for the first two looks
        seen["n"] += 1
        if seen["n"] > 2:
            return xml
        return re.sub(
            r"<code>16</code>(\s*)<name>running</name>",
            r"<code>0</code>\1<name>pending</name>",
            xml,
        )

    moto.rewrite("DescribeInstances", pending_twice)
    world.steps = [lambda: None, world.bootstrap_starts, lambda: None, world.runner_comes_online]

    progress, instance = launch(world, image)

    assert phase_lines(progress) == [
        "runner registered",
        "requested",
        "pending",
        "running",
        "bootstrap started",
        "online",
    ]
    assert all(re.match(r"\[ *\d+ s\] ", line) for line in progress.lines)
    requested = f"requested: launched {instance.id} (g4dn.xlarge, on-demand)"
    assert any(requested in line for line in progress.lines)
    # Not a terminal: no "still waiting" line within the first minute.
    assert not [line for line in progress.lines if "waiting for" in line]


def test_on_a_terminal_each_poll_says_what_the_launch_waits_for(world: World, image: str) -> None:
    world.steps = [lambda: None, world.bootstrap_starts, lambda: None, world.runner_comes_online]
    lines = Progress()

    phases = LaunchProgress(lines, terminal=True, clock=world.clock)
    launch(world, image, lines=phases)  # type: ignore[arg-type]

    waiting = [line.split("] ", 1)[1] for line in lines.lines if "waiting for" in line]
    assert (
        waiting[0]
        == "running, waiting for the bootstrap to start (the operating system is booting)"
    )
    assert f"bootstrap started, waiting for runner {NAME} to be installed and registered" in waiting


@pytest.mark.parametrize(
    ("steps", "phase", "awaited"),
    [
        ([], "running", "the bootstrap to start"),
        (["bootstrap_starts"], "bootstrap started", f"runner {NAME} to be installed"),
    ],
)
def test_a_timeout_names_the_phase_and_leaves_nothing_running_or_registered(
    world: World,
    image: str,
    aws_client: Any,
    steps: list[str],
    phase: str,
    awaited: str,
) -> None:
    world.steps = [getattr(world, step) for step in steps]

    with pytest.raises(RemoteError) as raised:
        launch(world, image, timeout=0.3)

    message = raised.value.message
    assert f"in phase '{phase}' waiting for {awaited}" in message
    assert "aws ec2 get-console-output --instance-id i-" in message and "--timeout" in message
    assert "removed at the forge" in message and "terminated i-" in message
    assert set(states(aws_client).values()) == {"terminated"}
    assert world.github.runners == {}


def test_without_permission_to_read_the_console_the_bootstrap_phase_is_one_line(
    world: World, image: str, moto: MotoServer
) -> None:
    moto.fail("GetConsoleOutput", "UnauthorizedOperation", status=403)
    world.steps = [world.runner_comes_online]

    progress, _ = launch(world, image)

    (skipped,) = [line for line in progress.lines if "bootstrap phase is not shown" in line]
    assert "ec2:GetConsoleOutput" in skipped
    assert "bootstrap started" not in phase_lines(progress)
    assert phase_lines(progress)[-1] == "online"
    assert len(moto.calls_to("GetConsoleOutput")) == 1  # asked once, not at every poll
