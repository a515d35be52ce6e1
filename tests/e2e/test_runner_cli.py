"""`cmlreport runner launch|stop|list|cleanup` as a workflow step runs them.

EC2 is moto's server over HTTP (boto3 pointed at it with AWS_ENDPOINT_URL); registration goes
to the fake GitHub and GitLab servers.
"""

from __future__ import annotations

import re
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3
import pytest

from tests.e2e.conftest import Result, Run, clean_env
from tests.fakes.ec2_capacity import Capacity
from tests.fakes.github import ADMIN_PERMISSIONS, FakeGitHub
from tests.fakes.github.records import Runner
from tests.fakes.gitlab.server import FakeGitLab

if TYPE_CHECKING:
    from tests.fakes.moto_server import MotoServer

pytest_plugins = [
    "tests.fakes.github.pytest_plugin",
    "tests.fakes.gitlab.pytest_plugin",
    "tests.fakes.moto_server",
]

REPO = "octo/model"
TOKEN = "ghp_runnerAdminToken0123456789"
REGION = "us-east-1"


@pytest.fixture
def image(moto: MotoServer) -> str:
    client = boto3.client("ec2", region_name=REGION, endpoint_url=moto.url)
    return str(client.describe_images(Owners=["amazon"])["Images"][0]["ImageId"])


def aws(moto: MotoServer) -> Any:
    return boto3.client("ec2", region_name=REGION, endpoint_url=moto.url)


def live_instances(moto: MotoServer) -> list[dict[str, Any]]:
    pages = aws(moto).describe_instances()["Reservations"]
    return [i for r in pages for i in r["Instances"] if i["State"]["Name"] != "terminated"]


def tags(instance: dict[str, Any]) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in instance.get("Tags", [])}


class Step:
    def __init__(self, root: Path, moto: MotoServer, server: FakeGitHub) -> None:
        self.root, self.moto, self.server = root, moto, server
        root.mkdir(parents=True, exist_ok=True)
        self.output = root / "output.txt"

    def env(self, **extra: str) -> dict[str, str]:
        values = {
            "GITHUB_ACTIONS": "true",
            "GITHUB_REPOSITORY": REPO,
            "GITHUB_API_URL": self.server.url,
            "GITHUB_SERVER_URL": self.server.web_url,
            "GITHUB_RUN_ID": "4242",
            "GITHUB_OUTPUT": str(self.output),
            "RUNNER_TOKEN": TOKEN,
            "AWS_ENDPOINT_URL": self.moto.url,
            "AWS_REGION": REGION,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_EC2_METADATA_DISABLED": "true",
        }
        values.update(extra)
        return clean_env(**values)

    def run(self, run: Run, *args: str, **env: str) -> Result:
        result = run(
            "runner", *args, "--token-env", "RUNNER_TOKEN", cwd=self.root, env=self.env(**env)
        )
        assert TOKEN not in result.stdout + result.stderr
        return result


@pytest.fixture
def step(moto: MotoServer, github_server: FakeGitHub, tmp_path: Path) -> Step:
    github_server.add_repo(REPO)
    github_server.add_token(TOKEN, login="alice", permissions=ADMIN_PERMISSIONS)
    return Step(tmp_path / "job", moto, github_server)


def launch(run: Run, step: Step, image: str, *args: str) -> Result:
    return step.run(run, "launch", "--gpu", "t4", "--image", image, "--no-wait", *args)


def test_launch_registers_tags_and_outputs_the_runner(run: Run, step: Step, image: str) -> None:
    result = launch(run, step, image, "--labels", "gpu,big", "--max-lifetime", "2h")
    assert result.code == 0, result.stderr
    (instance,) = live_instances(step.moto)
    assert instance["InstanceType"] == "g4dn.xlarge"
    assert instance["MetadataOptions"]["HttpTokens"] == "required"
    tag = tags(instance)
    assert tag["cmlreport:runner"] == "cmlreport-t4-4242" and tag["cmlreport:repo"] == REPO
    assert tag["cmlreport:labels"] == "cmlreport-t4-4242,gpu,big"
    expires = datetime.fromisoformat(tag["cmlreport:expires-at"].replace("Z", "+00:00"))
    assert (
        timedelta(hours=2) < expires - datetime.now(timezone.utc) <= timedelta(hours=2, minutes=11)
    )
    (registered,) = step.server.runners.values()
    assert registered.name == "cmlreport-t4-4242" and {"gpu", "big"} <= set(registered.labels)
    outputs = step.output.read_text()
    assert (
        "runner-label=cmlreport-t4-4242" in outputs
        and f"instance-id={instance['InstanceId']}" in outputs
    )
    assert f"launched {instance['InstanceId']} (g4dn.xlarge, on-demand)" in result.stderr


def two_zones(moto: MotoServer) -> dict[str, str]:
    client = aws(moto)
    vpc = client.create_vpc(CidrBlock="10.30.0.0/16")["Vpc"]["VpcId"]
    made = {}
    for number, zone in enumerate(("us-east-1a", "us-east-1b")):
        cidr = f"10.30.{number}.0/24"
        subnet = client.create_subnet(VpcId=vpc, CidrBlock=cidr, AvailabilityZone=zone)
        made[subnet["Subnet"]["SubnetId"]] = zone
    return made


def test_no_capacity_in_the_first_zone_launches_in_the_next_and_says_what_it_got(
    run: Run, step: Step, image: str
) -> None:
    zones = two_zones(step.moto)
    first, second = zones
    Capacity(step.moto, zones=zones).refuse("g4dn.xlarge", zone="us-east-1a")
    result = launch(
        run, step, image, "--instance-type", "g4dn.xlarge,g4dn.2xlarge", "--subnet", first,
        "--subnet", second,
    )  # fmt: skip
    assert result.code == 0, result.stderr
    (instance,) = live_instances(step.moto)
    assert (instance["InstanceType"], instance["SubnetId"]) == ("g4dn.xlarge", second)
    assert f"trying g4dn.xlarge on-demand in {second}" in result.stderr
    assert "(g4dn.xlarge, on-demand, us-east-1b)" in result.stdout
    outputs = step.output.read_text().splitlines()
    for line in ("instance-type=g4dn.xlarge", "market=on-demand", "availability-zone=us-east-1b"):
        assert line in outputs


def test_no_capacity_anywhere_leaves_nothing_registered_or_running(
    run: Run, step: Step, image: str
) -> None:
    Capacity(step.moto).refuse()
    result = launch(run, step, image, "--spot")  # t4: two types, spot then on demand
    assert result.code == 3
    error = result.stderr.splitlines()[-1]
    assert "no capacity for g4dn.xlarge, g4dn.2xlarge (spot or on-demand)" in error
    assert "removed at the forge" in error and "Traceback" not in result.stderr
    assert not step.server.runners and not live_instances(step.moto)


def test_stop_twice_and_list(run: Run, step: Step, image: str) -> None:
    assert launch(run, step, image, "--name", "cmlreport-exp1").code == 0
    listed = (
        step.run(run, "list")
        if False
        else run("runner", "list", "--region", REGION, cwd=step.root, env=step.env())
    )
    assert listed.code == 0 and "cmlreport-exp1" in listed.stdout and "g4dn.xlarge" in listed.stdout
    first = step.run(run, "stop", "--name", "cmlreport-exp1")
    assert first.code == 0, first.stderr
    assert "removed runner cmlreport-exp1" in first.stdout and "terminated i-" in first.stdout
    assert not live_instances(step.moto) and not step.server.runners
    second = step.run(run, "stop", "--name", "cmlreport-exp1")
    assert second.code == 0 and "nothing to stop" in second.stdout


def test_failed_launch_leaves_nothing_behind(run: Run, step: Step, image: str) -> None:
    step.moto.fail("RunInstances", "UnauthorizedOperation", status=403)
    result = launch(run, step, image)
    assert result.code == 3
    assert "removed at the forge" in result.stderr
    assert not step.server.runners and not live_instances(step.moto)


def test_cleanup_ends_expired_machines_and_orphaned_runners(
    run: Run, step: Step, image: str
) -> None:
    from cmlreport.runner.ec2 import Ec2
    from cmlreport.runner.ec2_requests import Launch
    from cmlreport.runner.spec import ForgeRepo, Machine, RunnerSetup, RunnerSpec

    past = datetime.now(timezone.utc) - timedelta(minutes=5)
    spec = RunnerSpec(
        machine=Machine(region=REGION, instance_types=("g4dn.xlarge",), image_id=image),
        runner=RunnerSetup("cmlreport-old", ("cmlreport-old",), idle_timeout=60, max_lifetime=60),
        repo=ForgeRepo("github", REPO, f"https://github.com/{REPO}"),
    )
    old = Launch(spec=spec, user_data="#!/bin/bash\ntrue\n", expires_at=past)
    Ec2(REGION, endpoint_url=step.moto.url).launch(old, lambda line: None, poll_interval=0.1)
    assert launch(run, step, image, "--name", "cmlreport-fresh").code == 0
    from tests.fakes.github.records import Runner

    step.server.runners[999] = Runner(999, REPO, "cmlreport-gone", ["cmlreport-gone"])
    dry = step.run(run, "cleanup", "--dry-run")
    assert "would end" in dry.stdout and "cmlreport-old" in dry.stdout
    assert "would remove offline runner cmlreport-gone" in dry.stdout
    assert len(live_instances(step.moto)) == 2
    done = step.run(run, "cleanup")
    assert done.code == 0, done.stderr
    assert [tags(i)["Name"] for i in live_instances(step.moto)] == ["cmlreport-fresh"]
    assert {r.name for r in step.server.runners.values()} == {"cmlreport-fresh"}


def test_wait_until_the_runner_is_online(run: Run, step: Step, image: str) -> None:
    def come_online() -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            for runner in list(step.server.runners.values()):
                runner.status = "online"
                return
            time.sleep(0.05)

    thread = threading.Thread(target=come_online, daemon=True)
    thread.start()
    result = step.run(run, "launch", "--gpu", "none", "--image", image, "--wait")
    thread.join(timeout=30)
    assert result.code == 0, result.stderr
    # Not a terminal: plain lines, one per phase, each with the seconds since the start.
    phases = re.findall(r"^cmlreport: \[ *\d+ s\] ([a-z ]+):", result.stderr, re.MULTILINE)
    assert phases[0] == "runner registered" and phases[-1] == "online"
    assert phases.index("requested") < phases.index("running") < phases.index("online")
    assert "is online at the forge" in result.stderr and "\r" not in result.stderr


def gitlab_job_env(gitlab: FakeGitLab, moto: MotoServer, token: str) -> dict[str, str]:
    """A GitLab CI job of project ml/model, with AWS pointed at moto."""
    return clean_env(
        GITLAB_CI="true",
        CI_SERVER_URL=gitlab.url,
        CI_API_V4_URL=gitlab.api_url,
        CI_PROJECT_PATH="ml/model",
        CI_JOB_ID="77",
        GITLAB_TOKEN=token,
        AWS_ENDPOINT_URL=moto.url,
        AWS_REGION=REGION,
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_EC2_METADATA_DISABLED="true",
    )


def test_gitlab_launch_writes_a_dotenv_and_stop_deletes_the_runner(
    run: Run, moto: MotoServer, gitlab_server: FakeGitLab, tmp_path: Path, image: str
) -> None:
    gitlab_server.add_project("ml/model", id=42)
    gitlab_server.add_token("glpat-maint0123456789", username="maya", role="maintainer")
    root = tmp_path / "gl"
    root.mkdir()
    env = gitlab_job_env(gitlab_server, moto, "glpat-maint0123456789")
    result = run(
        "runner", "launch", "--gpu", "a10g", "--image", image, "--no-wait", cwd=root, env=env
    )
    assert result.code == 0, result.stderr
    dotenv = (root / "cmlreport-runner.env").read_text()
    assert "CMLREPORT_RUNNER_TAG=cmlreport-a10g-77" in dotenv
    (runner,) = gitlab_server.runners.values()
    assert runner.tag_list == ["cmlreport-a10g-77"] and runner.project_id == 42
    stopped = run("runner", "stop", "--name", "cmlreport-a10g-77", cwd=root, env=env)
    assert stopped.code == 0, stopped.stderr
    assert not gitlab_server.runners and not live_instances(moto)


@pytest.mark.parametrize("make", ["missing", "a-directory"])
def test_unreadable_oidc_token_file_is_one_line_and_exit_2(
    run: Run, step: Step, image: str, make: str
) -> None:
    """AWS_ROLE_ARN with a token file that is not there (the OIDC step did not run) or cannot
    be read: the user's setup, not a bug."""
    token_file = step.root / "id-token"
    if make == "a-directory":
        token_file.mkdir()
    result = step.run(
        run,
        "launch", "--gpu", "t4", "--image", image, "--no-wait",
        AWS_ACCESS_KEY_ID="",
        AWS_SECRET_ACCESS_KEY="",
        AWS_ROLE_ARN="arn:aws:iam::123456789012:role/cmlreport-runner",
        AWS_WEB_IDENTITY_TOKEN_FILE=str(token_file),
        AWS_CONFIG_FILE=str(step.root / "no-aws-config"),
        AWS_SHARED_CREDENTIALS_FILE=str(step.root / "no-aws-credentials"),
    )  # fmt: skip
    assert result.code == 2, result.stderr
    # The runner's registration (a phase line) comes first; the error is one line.
    (line,) = [line for line in result.stderr.splitlines() if "error" in line]
    assert line.startswith("cmlreport: error: AWS_WEB_IDENTITY_TOKEN_FILE=")
    assert str(token_file) in line and "Traceback" not in result.stderr
    assert not live_instances(step.moto) and not step.server.runners


@pytest.mark.parametrize(
    ("flags", "named"),
    [
        (("--name", "my runner"), "(--name)"),
        (("--labels", "gpu,$(reboot)"), "(--labels)"),
        (("--max-lifetime", "0"), "--max-lifetime"),
        (("--instance-type", "g4dn.xlarge,g5 xlarge"), "--instance-type 'g5 xlarge'"),
        (("--subnet", "subnet-0a1b2c3d", "--subnet", "subnet-x;reboot"), "--subnet"),
        (("--reuse-idle",), "--reuse-idle needs --no-single"),
        (
            ("--reuse-idle", "--no-single", "--cloud", "kubernetes"),
            "--reuse-idle does not apply to --cloud kubernetes",
        ),
    ],
)
def test_bad_launch_flags_are_refused_before_anything_is_registered(
    run: Run, step: Step, image: str, flags: tuple[str, ...], named: str
) -> None:
    result = launch(run, step, image, *flags)
    assert result.code == 2, result.stderr
    (line,) = result.stderr.splitlines()
    assert line.startswith("cmlreport: error: ") and named in line
    # Not registered and removed again: never asked for (the forge's audit log stays clean).
    assert not [r for r in step.server.requests if "/actions/runners" in r.path]
    assert not live_instances(step.moto) and not step.server.runners


def test_reuse_idle_with_nothing_idle_says_so_and_launches(
    run: Run, step: Step, image: str
) -> None:
    result = launch(run, step, image, "--reuse-idle", "--no-single", "--labels", "gpu-train")
    assert result.code == 0, result.stderr
    assert "cmlreport: no idle runner with labels gpu-train: launching" in result.stderr
    (instance,) = live_instances(step.moto)
    assert tags(instance)["cmlreport:labels"] == "cmlreport-t4-4242,gpu-train"
    # A multi-job machine: its watchdog reads the tags a later reuse writes, from the metadata.
    assert instance["MetadataOptions"]["InstanceMetadataTags"] == "enabled"
    assert "reused=false" in step.output.read_text()


def test_a_second_pipeline_reuses_the_idle_machine_the_first_one_left(
    run: Run, step: Step, image: str
) -> None:
    first = launch(run, step, image, "--reuse-idle", "--no-single", "--labels", "gpu-train")
    assert first.code == 0, first.stderr
    (machine,) = live_instances(step.moto)
    # A multi-job runner registers from the machine (config.sh with a registration token): as
    # its agent does once booted; it ran the first pipeline's job and waits for more.
    runner = Runner(7, REPO, "cmlreport-t4-4242", ["self-hosted", "cmlreport-t4-4242", "gpu-train"])
    runner.status = "online"
    step.server.runners[runner.id] = runner
    started = time.monotonic()
    second = step.run(
        run,
        "launch",
        *("--gpu", "t4", "--image", image, "--no-wait", "--reuse-idle", "--no-single"),
        *("--labels", "gpu-train", "--max-lifetime", "3h"),
        GITHUB_RUN_ID="4343",
    )
    assert second.code == 0, second.stderr
    assert time.monotonic() - started >= 20  # the claim settles before the machine is taken
    # No second machine, no second runner: the job goes to the one that is there, by its name.
    assert [i["InstanceId"] for i in live_instances(step.moto)] == [machine["InstanceId"]]
    assert list(step.server.runners.values()) == [runner]
    outputs = step.output.read_text()
    assert "runner-label=cmlreport-t4-4242" in outputs and "reused=true" in outputs
    assert "cmlreport-t4-4242" in second.stderr and "reus" in second.stderr
    deadline = int(tags(live_instances(step.moto)[0])["cmlreport:deadline"])
    assert deadline >= time.time() + 3 * 3600 - 60  # its lifetime moved to this pipeline's


def test_reuse_idle_on_gitlab_with_nothing_idle_launches_and_writes_the_dotenv(
    run: Run, moto: MotoServer, gitlab_server: FakeGitLab, tmp_path: Path, image: str
) -> None:
    gitlab_server.add_project("ml/model", id=42)
    gitlab_server.add_token("glpat-runnerAdmin0123456789", username="maya", role="maintainer")
    env = gitlab_job_env(gitlab_server, moto, "glpat-runnerAdmin0123456789")
    args = ("runner", "launch", "--image", image, "--no-wait", "--no-single", "--reuse-idle")
    result = run(*args, "--labels", "gpu-train", cwd=tmp_path, env=env)
    assert result.code == 0, result.stderr
    assert "no idle runner with labels gpu-train: launching" in result.stderr
    (runner,) = gitlab_server.runners.values()
    (instance,) = live_instances(moto)
    assert tags(instance)["cmlreport:runner"] == runner.description
    assert "CMLREPORT_RUNNER_TAG=" in (tmp_path / "cmlreport-runner.env").read_text()
