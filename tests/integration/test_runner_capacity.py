"""No capacity for the machine asked for: the launch tries the next type, zone, then on demand.

boto3 talks to moto's server over HTTP; ``tests/fakes/ec2_capacity.py`` makes the fault layer
in front of it refuse chosen RunInstances requests with EC2's own error (code, HTTP status,
message). Each test asserts on the requests EC2 saw, in order, and on what the account holds.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from cmlreport.errors import RemoteError
from cmlreport.runner.ec2 import Ec2
from tests.fakes.ec2_capacity import Capacity
from tests.integration.test_runner_aws import Progress, copy_image, runner, states

if TYPE_CHECKING:
    from tests.fakes.moto_server import MotoServer

pytest_plugins = ["tests.fakes.moto_server", "tests.integration.ec2_account"]

T4 = ("g4dn.xlarge", "g4dn.2xlarge")  # the t4 preset's choices


@pytest.fixture
def image_id(aws: Any) -> str:
    return copy_image(aws, "cmlreport-gpu-ubuntu-22.04-20240501")


@pytest.fixture
def subnets(aws: Any) -> dict[str, str]:
    """Two subnets of one VPC, in us-east-1a and us-east-1b: subnet id -> zone."""
    vpc = aws.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    made = {}
    for number, zone in enumerate(("us-east-1a", "us-east-1b")):
        subnet = aws.create_subnet(
            VpcId=vpc, CidrBlock=f"10.20.{number}.0/24", AvailabilityZone=zone
        )["Subnet"]
        made[subnet["SubnetId"]] = zone
    return made


def asked(moto: MotoServer) -> list[tuple[str, str, str]]:
    """Every RunInstances EC2 saw: (instance type, subnet or "", market)."""
    return [
        (
            call["InstanceType"],
            call.get("SubnetId", ""),
            "spot" if moto.is_spot(call) else "on-demand",
        )
        for call in moto.calls_to("RunInstances")
    ]


def live(aws: Any) -> list[str]:
    return [i for i, state in states(aws).items() if state != "terminated"]


def test_no_capacity_for_the_first_type_launches_the_next_and_says_so(
    ec2: Ec2, aws: Any, moto: MotoServer, image_id: str
) -> None:
    Capacity(moto).refuse("g4dn.xlarge")
    progress = Progress()

    instance = ec2.launch(runner(image_id, instance_types=T4), progress)

    assert instance.instance_type == "g4dn.2xlarge" and not instance.spot
    assert live(aws) == [instance.id]
    assert asked(moto) == [("g4dn.xlarge", "", "on-demand"), ("g4dn.2xlarge", "", "on-demand")]
    (moved,) = [line for line in progress.lines if "trying" in line]
    assert "InsufficientInstanceCapacity" in moved and "trying g4dn.2xlarge on-demand" in moved
    assert f"launched {instance.id} (g4dn.2xlarge, on-demand)" in "\n".join(progress.lines)
    # Each request has its own idempotency token (EC2 refuses one token with other
    # parameters), and every one the launch's tag, by which an interrupted launch finds it.
    tokens = [call["ClientToken"] for call in moto.calls_to("RunInstances")]
    assert len(set(tokens)) == 2


def test_a_zone_without_the_type_moves_to_the_next_subnet(
    ec2: Ec2, aws: Any, moto: MotoServer, image_id: str, subnets: dict[str, str]
) -> None:
    first, second = subnets
    Capacity(moto, zones=subnets).refuse("g4dn.xlarge", zone="us-east-1a", code="Unsupported")

    instance = ec2.launch(runner(image_id, subnet_ids=(first, second)), Progress())

    assert (instance.zone, instance.subnet_id) == ("us-east-1b", second)
    assert asked(moto) == [
        ("g4dn.xlarge", first, "on-demand"),
        ("g4dn.xlarge", second, "on-demand"),
    ]


def test_spot_tries_every_type_and_zone_before_falling_back_to_on_demand(
    ec2: Ec2, aws: Any, moto: MotoServer, image_id: str, subnets: dict[str, str]
) -> None:
    first, second = subnets
    Capacity(moto, zones=subnets).refuse_spot()

    instance = ec2.launch(
        runner(image_id, instance_types=T4, subnet_ids=(first, second), spot=True), Progress()
    )

    assert not instance.spot and instance.instance_type == "g4dn.xlarge"
    assert asked(moto) == [
        ("g4dn.xlarge", first, "spot"),
        ("g4dn.xlarge", second, "spot"),
        ("g4dn.2xlarge", first, "spot"),
        ("g4dn.2xlarge", second, "spot"),
        ("g4dn.xlarge", first, "on-demand"),
    ]
    assert live(aws) == [instance.id]


def test_the_accounts_spot_limit_goes_to_on_demand_at_once(
    ec2: Ec2, moto: MotoServer, image_id: str
) -> None:
    Capacity(moto).refuse_spot(code="MaxSpotInstanceCountExceeded")

    instance = ec2.launch(runner(image_id, instance_types=T4, spot=True), Progress())

    # Another spot type cannot get past the account's limit: straight to on demand.
    assert asked(moto) == [("g4dn.xlarge", "", "spot"), ("g4dn.xlarge", "", "on-demand")]
    assert not instance.spot


def test_no_capacity_anywhere_is_one_line_and_leaves_nothing_running(
    ec2: Ec2, aws: Any, moto: MotoServer, image_id: str, subnets: dict[str, str]
) -> None:
    capacity = Capacity(moto, zones=subnets)
    capacity.refuse("g4dn.xlarge")
    capacity.refuse("g4dn.2xlarge", code="Unsupported")

    with pytest.raises(RemoteError) as raised:
        ec2.launch(runner(image_id, instance_types=T4, subnet_ids=tuple(subnets)), Progress())

    message = raised.value.message
    assert raised.value.exit_code == 3 and "\n" not in message
    assert "no capacity for g4dn.xlarge, g4dn.2xlarge (on-demand) in 2 subnets" in message
    assert "InsufficientInstanceCapacity ×2, Unsupported ×2" in message
    assert "--instance-type" in message and "--subnet" in message
    assert len(capacity.refused) == 4 and states(aws) == {}


def test_spot_without_fallback_stops_after_the_spot_choices_and_says_how_to_go_on(
    ec2: Ec2, aws: Any, moto: MotoServer, image_id: str
) -> None:
    Capacity(moto).refuse_spot()

    with pytest.raises(RemoteError) as raised:
        ec2.launch(runner(image_id, instance_types=T4, spot=True, spot_fallback=False), Progress())

    # The last choice is asked with the client's usual retries (capacity comes and goes);
    # on demand never.
    assert list(dict.fromkeys(asked(moto))) == [
        ("g4dn.xlarge", "", "spot"),
        ("g4dn.2xlarge", "", "spot"),
    ]
    assert "--no-spot-fallback" in raised.value.message and states(aws) == {}


def test_a_refusal_that_is_not_about_capacity_tries_nothing_else(
    ec2: Ec2, aws: Any, moto: MotoServer, image_id: str
) -> None:
    moto.fail("RunInstances", "VcpuLimitExceeded", status=400)

    with pytest.raises(RemoteError, match="'Running On-Demand G and VT instances'"):
        ec2.launch(runner(image_id, instance_types=T4), Progress())

    assert len(asked(moto)) == 1 and states(aws) == {}


def test_a_lost_answer_on_a_fallback_ends_the_machine_ec2_started_anyway(
    ec2: Ec2, aws: Any, moto: MotoServer, image_id: str
) -> None:
    Capacity(moto).refuse("g4dn.xlarge")
    # EC2 starts the g4dn.2xlarge, and its answer is lost on the way back.
    moto.fail(
        "RunInstances",
        "InternalError",
        status=500,
        after_applying=True,
        when=lambda params: params.get("InstanceType") == "g4dn.2xlarge",
    )

    with pytest.raises(RemoteError) as raised:
        ec2.launch(runner(image_id, instance_types=T4), Progress())

    assert "terminated" in raised.value.message
    assert set(states(aws).values()) == {"terminated"} and live(aws) == []
