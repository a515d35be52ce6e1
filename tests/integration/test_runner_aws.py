"""Runner machines on EC2: boto3 over real HTTP against moto's server on 127.0.0.1.

Each test is something a user lives through (a GPU runner launched, spot capacity missing, a
launch that fails half-way, a cleanup) and asserts on what the EC2 account holds afterwards,
read back with a plain boto3 client. Capacity, quota and permission errors, which moto never
produces, come from the fault layer in ``tests/fakes/moto_server.py``: EC2's own error XML and
HTTP status, parsed by the real client.
"""

from __future__ import annotations

import base64
import gzip
import time
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

import pytest

from cmlreport.errors import InputError, RemoteError
from cmlreport.runner.ec2 import Ec2, Instance, Launch
from cmlreport.runner.presets import ImageQuery
from cmlreport.runner.progress import LaunchProgress
from cmlreport.runner.spec import ForgeRepo, Machine, RunnerSetup, RunnerSpec
from tests.integration.ec2_account import REGION

if TYPE_CHECKING:
    from tests.fakes.moto_server import MotoServer

pytest_plugins = ["tests.fakes.moto_server", "tests.integration.ec2_account"]

NOW = datetime(2030, 5, 1, 12, 0, tzinfo=timezone.utc)
SECRET = "jit-config-b64-must-never-show"
USER_DATA = f"#!/bin/bash\nset -eu\n./run.sh --jitconfig {SECRET}\nshutdown -h +5\n"


_PUBLIC_IMAGES: dict[str, str] = {}


def copy_image(aws: Any, name: str, architecture: str = "x86_64") -> str:
    """An image in our own account, copied from one of moto's public ones (for its arch)."""
    if architecture not in _PUBLIC_IMAGES:
        # Listing moto's ~1,000 public images takes most of a second; their ids survive resets.
        public = aws.describe_images(
            Owners=["amazon"], Filters=[{"Name": "architecture", "Values": [architecture]}]
        )["Images"]
        _PUBLIC_IMAGES[architecture] = public[0]["ImageId"]
    source = _PUBLIC_IMAGES[architecture]
    answer = aws.copy_image(SourceImageId=source, SourceRegion=REGION, Name=name)
    return str(answer["ImageId"])


@pytest.fixture
def image_id(aws: Any) -> str:
    return copy_image(aws, "cmlreport-gpu-ubuntu-22.04-20240501")


def runner(
    image_id: str | None,
    *,
    name: str = "cml-octo-model-run-41",
    labels: tuple[str, ...] = ("cml", "gpu"),
    repo: str = "octo/model",
    expires_at: datetime = NOW + timedelta(hours=1),
    **machine: Any,
) -> Launch:
    """A launch as `runner launch` makes it; ``machine`` changes Machine's fields."""
    spec = RunnerSpec(
        machine=replace(
            Machine(region=REGION, instance_types=("g4dn.xlarge",), image_id=image_id), **machine
        ),
        runner=RunnerSetup(name=name, labels=labels, idle_timeout=600, max_lifetime=3600),
        repo=ForgeRepo("github", repo, f"https://github.com/{repo}"),
    )
    return Launch(spec=spec, user_data=USER_DATA, expires_at=expires_at)


class Progress:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def __call__(self, line: str) -> None:
        self.lines.append(line)


def described(aws: Any, instance_id: str) -> dict[str, Any]:
    reservations = aws.describe_instances(InstanceIds=[instance_id])["Reservations"]
    return dict(reservations[0]["Instances"][0])


def tags_of(resource: dict[str, Any]) -> dict[str, str]:
    return {tag["Key"]: tag["Value"] for tag in resource.get("Tags", [])}


def states(aws: Any) -> dict[str, str]:
    """Every instance in the account, terminated ones included: id -> state."""
    reservations = aws.describe_instances()["Reservations"]
    return {i["InstanceId"]: i["State"]["Name"] for r in reservations for i in r["Instances"]}


# -- launching ---------------------------------------------------------------------------------


def test_on_demand_runner_is_tagged_encrypted_imdsv2_only_and_ends_itself(
    ec2: Ec2, aws: Any, image_id: str
) -> None:
    progress = Progress()

    instance = ec2.launch(runner(image_id), progress)

    assert instance.state == "running" and not instance.spot
    assert (instance.name, instance.repo, instance.labels) == (
        "cml-octo-model-run-41",
        "octo/model",
        ("cml", "gpu"),
    )
    assert instance.expires_at == NOW + timedelta(hours=1)
    machine = described(aws, instance.id)
    assert machine["InstanceType"] == "g4dn.xlarge"
    assert machine["ImageId"] == image_id
    assert "InstanceLifecycle" not in machine
    assert machine["MetadataOptions"]["HttpTokens"] == "required"
    assert machine["MetadataOptions"]["HttpPutResponseHopLimit"] == 2
    expected_tags = {
        "Name": "cml-octo-model-run-41",
        "cmlreport:repo": "octo/model",
        "cmlreport:runner": "cml-octo-model-run-41",
        "cmlreport:labels": "cml,gpu",
        "cmlreport:expires-at": "2030-05-01T13:00:00Z",
    }
    assert tags_of(machine) == expected_tags
    shutdown = aws.describe_instance_attribute(
        InstanceId=instance.id, Attribute="instanceInitiatedShutdownBehavior"
    )
    assert shutdown["InstanceInitiatedShutdownBehavior"]["Value"] == "terminate"
    user_data = aws.describe_instance_attribute(InstanceId=instance.id, Attribute="userData")
    # gzip: cloud-init uncompresses it, and the bootstrap fits in EC2's 16 KiB that way.
    packed = base64.b64decode(user_data["UserData"]["Value"])
    assert gzip.decompress(packed).decode() == USER_DATA
    (volume,) = aws.describe_volumes(
        Filters=[{"Name": "attachment.instance-id", "Values": [instance.id]}]
    )["Volumes"]
    assert (volume["Encrypted"], volume["VolumeType"], volume["Size"]) == (True, "gp3", 100)
    assert machine["BlockDeviceMappings"][0]["Ebs"]["DeleteOnTermination"] is True
    assert tags_of(volume) == expected_tags
    assert any(instance.id in line for line in progress.lines)
    assert not any(SECRET in line for line in progress.lines)


def test_spot_runner_asks_for_a_one_time_spot_instance(
    ec2: Ec2, aws: Any, moto: MotoServer, image_id: str
) -> None:
    progress = Progress()

    instance = ec2.launch(runner(image_id, spot=True), progress)

    assert instance.spot
    assert described(aws, instance.id)["InstanceLifecycle"] == "spot"
    # moto keeps only the market type; the spot options are read from what EC2 was sent.
    (sent,) = moto.calls_to("RunInstances")
    assert sent["InstanceMarketOptions.SpotOptions.SpotInstanceType"] == "one-time"
    assert sent["InstanceMarketOptions.SpotOptions.InstanceInterruptionBehavior"] == "terminate"
    assert any("spot" in line for line in progress.lines)


@pytest.mark.parametrize(
    ("code", "status"),
    [
        ("InsufficientInstanceCapacity", 500),
        ("MaxSpotInstanceCountExceeded", 400),
        ("SpotMaxPriceTooLow", 400),
    ],
)
def test_no_spot_capacity_falls_back_to_on_demand_and_says_so(
    ec2: Ec2, aws: Any, moto: MotoServer, image_id: str, code: str, status: int
) -> None:
    moto.fail("RunInstances", code, status=status, when=moto.is_spot)
    progress = Progress()

    instance = ec2.launch(runner(image_id, spot=True), progress)

    assert not instance.spot
    assert "InstanceLifecycle" not in described(aws, instance.id)
    fallback = [line for line in progress.lines if "trying g4dn.xlarge on-demand" in line]
    assert len(fallback) == 1 and code in fallback[0]
    # Asked once for spot (no retries of a capacity error), then once on demand.
    assert [moto.is_spot(call) for call in moto.calls_to("RunInstances")] == [True, False]


def test_without_spot_fallback_the_capacity_error_stops_the_launch(
    ec2: Ec2, aws: Any, moto: MotoServer, image_id: str
) -> None:
    moto.fail("RunInstances", "InsufficientInstanceCapacity", status=500, when=moto.is_spot)

    with pytest.raises(RemoteError) as raised:
        ec2.launch(runner(image_id, spot=True, spot_fallback=False), Progress())

    message = raised.value.message
    assert "InsufficientInstanceCapacity" in message and "--no-spot-fallback" in message
    assert raised.value.exit_code == 3
    assert states(aws) == {}


# -- launches that fail half-way clean up ------------------------------------------------------


def test_failed_forge_registration_terminates_the_new_machine(
    ec2: Ec2, aws: Any, image_id: str
) -> None:
    started: list[Instance] = []

    def register(instance: Instance) -> None:
        started.append(instance)
        raise RemoteError("GitHub refused the runner registration (403): grant administration")

    with pytest.raises(RemoteError) as raised:
        ec2.launch(runner(image_id), Progress(), after_run=register)

    (instance,) = started
    assert states(aws) == {instance.id: "terminated"}
    message = raised.value.message
    assert "GitHub refused the runner registration" in message
    assert f"terminated {instance.id}" in message
    assert SECRET not in message and "\n" not in message


def test_ctrl_c_after_launch_terminates_the_new_machine(ec2: Ec2, aws: Any, image_id: str) -> None:
    def interrupted(instance: Instance) -> None:
        raise KeyboardInterrupt

    with pytest.raises(RemoteError) as raised:
        ec2.launch(runner(image_id), Progress(), after_run=interrupted)

    (instance_id,) = states(aws)
    assert states(aws)[instance_id] == "terminated"
    assert "interrupted" in raised.value.message and instance_id in raised.value.message


def test_machine_stuck_pending_is_terminated_after_the_timeout(
    ec2: Ec2, aws: Any, moto: MotoServer, image_id: str
) -> None:
    moto.keep_instances_pending()
    progress = Progress()

    began = time.monotonic()
    with pytest.raises(RemoteError) as raised:
        # On a terminal: a line every poll while waiting.
        phases = LaunchProgress(progress, terminal=True)
        ec2.launch(runner(image_id), phases, timeout=0.6, poll_interval=0.1)

    # Bounded by the timeout, not by EC2 (with room for a loaded machine's slow polls).
    assert time.monotonic() - began < 8
    (instance_id,) = states(aws)
    assert states(aws)[instance_id] == "terminated"
    assert "timed out after 0.6 s in phase 'pending'" in raised.value.message
    assert f"{instance_id} to run (still pending)" in raised.value.message
    assert len([line for line in progress.lines if "] pending: " in line]) == 1
    waiting = [line for line in progress.lines if f"pending, waiting for {instance_id}" in line]
    assert len(waiting) >= 2


def test_a_lost_run_instances_answer_ends_what_ec2_started_anyway(
    ec2: Ec2, aws: Any, moto: MotoServer, image_id: str
) -> None:
    # EC2 starts the machine, then the answer is lost; botocore retries (moto has no
    # idempotency tokens, so it starts a second one) and gives up.
    moto.fail("RunInstances", "InternalError", status=500, after_applying=True)

    with pytest.raises(RemoteError) as raised:
        ec2.launch(runner(image_id), Progress())

    started = states(aws)
    assert len(started) == 2 and set(started.values()) == {"terminated"}
    assert raised.value.transient
    assert all(instance_id in raised.value.message for instance_id in started)


# -- finding and ending runners ----------------------------------------------------------------


def test_terminating_twice_is_fine(ec2: Ec2, aws: Any, image_id: str) -> None:
    instance = ec2.launch(runner(image_id), Progress())

    assert ec2.terminate([instance.id]) == [instance.id]
    assert ec2.terminate([instance.id]) == []
    assert states(aws) == {instance.id: "terminated"}


def test_terminate_refuses_machines_cmlreport_did_not_start(
    ec2: Ec2, aws: Any, image_id: str
) -> None:
    database = aws.run_instances(ImageId=image_id, MinCount=1, MaxCount=1)["Instances"][0]

    with pytest.raises(InputError, match="not a cmlreport runner"):
        ec2.terminate([database["InstanceId"]])
    with pytest.raises(InputError, match="not an EC2 instance id"):
        ec2.terminate(["my-runner"])

    assert states(aws) == {database["InstanceId"]: "running"}


def test_find_runners_by_name_labels_and_id_and_list_them_by_repo(
    ec2: Ec2, aws: Any, image_id: str
) -> None:
    a100 = ec2.launch(runner(image_id, name="run-1", labels=("cml", "gpu", "a100")), Progress())
    t4 = ec2.launch(runner(image_id, name="run-2", labels=("cml", "gpu")), Progress())
    other = ec2.launch(runner(image_id, name="run-3", repo="octo/other"), Progress())
    gone = ec2.launch(runner(image_id, name="run-4"), Progress())
    ec2.terminate([gone.id])
    aws.run_instances(ImageId=image_id, MinCount=1, MaxCount=1)  # not a runner

    def ids(instances: list[Instance]) -> set[str]:
        return {i.id for i in instances}

    assert ids(ec2.find(name="run-2")) == {t4.id}
    assert ids(ec2.find(labels=("gpu", "a100"))) == {a100.id}
    assert ids(ec2.find(labels=["gpu"], repo="octo/model")) == {a100.id, t4.id}
    assert ids(ec2.find(instance_id=other.id)) == {other.id}
    assert ec2.find(name="run-4") == []
    assert ids(ec2.list("octo/model")) == {a100.id, t4.id}
    assert ids(ec2.list()) == {a100.id, t4.id, other.id}


def test_cleanup_picks_only_runners_past_their_lifetime(ec2: Ec2, aws: Any, image_id: str) -> None:
    overdue = ec2.launch(
        runner(image_id, name="old", expires_at=NOW - timedelta(minutes=1)), Progress()
    )
    ec2.launch(runner(image_id, name="fresh", expires_at=NOW + timedelta(hours=2)), Progress())
    unreadable = ec2.launch(runner(image_id, name="odd"), Progress())
    aws.create_tags(
        Resources=[unreadable.id], Tags=[{"Key": "cmlreport:expires-at", "Value": "soon"}]
    )

    assert [i.id for i in ec2.expired(NOW)] == [overdue.id]
    assert {i.name for i in ec2.expired(NOW + timedelta(hours=3))} == {"old", "fresh"}


# -- images ------------------------------------------------------------------------------------


def test_the_newest_matching_image_is_chosen(ec2: Ec2, aws: Any) -> None:
    query = ImageQuery(owners=("self",), name_pattern="cml-gpu-*", architecture="x86_64")
    # The older image has the name that sorts last: only CreationDate can pick the right one.
    older = copy_image(aws, "cml-gpu-zz-older")
    time.sleep(1.05 - time.time() % 1)  # CreationDate has one-second resolution
    newer = copy_image(aws, "cml-gpu-aa-newer")
    copy_image(aws, "cml-gpu-arm-newest", architecture="arm64")
    copy_image(aws, "someone-elses-newest")

    assert ec2.newest_image(query)["ImageId"] == newer != older
    instance = ec2.launch(runner(None, image_query=query), Progress())
    assert described(aws, instance.id)["ImageId"] == newer


def test_no_matching_image_names_the_flag(ec2: Ec2) -> None:
    query = ImageQuery(owners=("self",), name_pattern="cml-gpu-*", architecture="x86_64")

    with pytest.raises(InputError, match="--image") as raised:
        ec2.newest_image(query)

    assert "cml-gpu-*" in raised.value.message


def test_an_unknown_image_id_names_the_flag_and_starts_nothing(ec2: Ec2, aws: Any) -> None:
    with pytest.raises(InputError) as raised:
        ec2.launch(runner("ami-0123456789abcdef0"), Progress())

    assert "InvalidAMIID.NotFound" in raised.value.message
    assert "--image" in raised.value.message
    assert states(aws) == {}


# -- errors ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "status", "instance_type", "fix"),
    [
        ("UnauthorizedOperation", 403, "g4dn.xlarge", "ec2:RunInstances and ec2:CreateTags"),
        ("VcpuLimitExceeded", 400, "g5.xlarge", "'Running On-Demand G and VT instances'"),
        ("VcpuLimitExceeded", 400, "p4d.24xlarge", "'Running On-Demand P instances'"),
        ("InsufficientInstanceCapacity", 500, "g4dn.xlarge", "try another region"),
    ],
)
def test_ec2_errors_are_one_line_with_the_code_and_the_fix(
    ec2: Ec2, moto: MotoServer, image_id: str, code: str, status: int, instance_type: str, fix: str
) -> None:
    long_blob = "Encoded authorization failure message: " + "x" * 2000
    moto.fail("RunInstances", code, status=status, message=long_blob)

    with pytest.raises(RemoteError) as raised:
        ec2.launch(runner(image_id, instance_types=(instance_type,)), Progress())

    message = raised.value.message
    assert code in message and fix in message
    assert "\n" not in message and SECRET not in message and len(message) < 500


def test_a_spot_quota_of_zero_without_fallback_names_the_spot_quota(
    ec2: Ec2, moto: MotoServer, image_id: str
) -> None:
    moto.fail("RunInstances", "MaxSpotInstanceCountExceeded", when=moto.is_spot)

    with pytest.raises(RemoteError) as raised:
        ec2.launch(runner(image_id, spot=True, spot_fallback=False), Progress())

    assert "'All G and VT Spot Instance Requests'" in raised.value.message


def test_spot_refused_for_lack_of_permission_does_not_fall_back(
    ec2: Ec2, aws: Any, moto: MotoServer, image_id: str
) -> None:
    moto.fail("RunInstances", "UnauthorizedOperation", status=403, when=moto.is_spot)

    with pytest.raises(RemoteError, match="UnauthorizedOperation"):
        ec2.launch(runner(image_id, spot=True), Progress())

    assert states(aws) == {}


def test_a_refused_listing_names_the_missing_permission(ec2: Ec2, moto: MotoServer) -> None:
    moto.fail("DescribeInstances", "UnauthorizedOperation", status=403)

    with pytest.raises(RemoteError, match="ec2:DescribeInstances"):
        ec2.list("octo/model")


def test_a_transient_ec2_error_is_retried(ec2: Ec2, moto: MotoServer, image_id: str) -> None:
    instance = ec2.launch(runner(image_id), Progress())
    moto.fail("DescribeInstances", "InternalError", status=500, times=1)

    assert [i.id for i in ec2.list()] == [instance.id]
    assert len(moto.calls_to("DescribeInstances")) == 2 + 1  # launch's wait, then 2 for list


def test_no_credentials_says_how_to_provide_them(
    moto: MotoServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")

    with pytest.raises(InputError) as raised:
        Ec2(REGION, endpoint_url=moto.url).list()

    assert "AWS_ACCESS_KEY_ID" in raised.value.message
    assert "aws-actions/configure-aws-credentials" in raised.value.message


def test_no_region_names_the_flag(moto: MotoServer) -> None:
    with pytest.raises(InputError, match="--region"):
        Ec2("", endpoint_url=moto.url)
