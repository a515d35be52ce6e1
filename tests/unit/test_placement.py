"""The order a launch asks EC2 for its machine in, and when it moves on (pure)."""

from __future__ import annotations

import pytest

from cmlreport.runner.placement import (
    NEXT,
    ON_DEMAND,
    STOP,
    Placement,
    after_refusal,
    none_left,
    placements,
)
from cmlreport.runner.spec import Machine

TYPES = ("g4dn.xlarge", "g4dn.2xlarge")
SUBNETS = ("subnet-0000000a", "subnet-0000000b")


def order(machine: Machine) -> list[str]:
    return [str(place) for place in placements(machine)]


def test_each_type_in_every_subnet_then_the_next_type() -> None:
    machine = Machine(region="us-east-1", instance_types=TYPES, subnet_ids=SUBNETS)
    assert order(machine) == [
        "g4dn.xlarge on-demand in subnet-0000000a",
        "g4dn.xlarge on-demand in subnet-0000000b",
        "g4dn.2xlarge on-demand in subnet-0000000a",
        "g4dn.2xlarge on-demand in subnet-0000000b",
    ]


def test_spot_first_then_the_same_choices_on_demand_only_with_the_fallback() -> None:
    spot = Machine(region="us-east-1", instance_types=TYPES, spot=True)
    assert order(spot) == [
        "g4dn.xlarge spot",
        "g4dn.2xlarge spot",
        "g4dn.xlarge on-demand",
        "g4dn.2xlarge on-demand",
    ]
    only_spot = Machine(region="us-east-1", instance_types=TYPES, spot=True, spot_fallback=False)
    assert order(only_spot) == ["g4dn.xlarge spot", "g4dn.2xlarge spot"]


@pytest.mark.parametrize(
    ("code", "spot", "action"),
    [
        ("InsufficientInstanceCapacity", False, NEXT),
        ("InsufficientInstanceCapacity", True, NEXT),
        ("Unsupported", False, NEXT),
        ("SpotMaxPriceTooLow", True, NEXT),
        ("UnfulfillableCapacity", True, NEXT),
        ("MaxSpotInstanceCountExceeded", True, ON_DEMAND),
        ("VcpuLimitExceeded", False, STOP),
        ("UnauthorizedOperation", True, STOP),
        ("InvalidAMIID.NotFound", False, STOP),
    ],
)
def test_only_a_want_of_capacity_moves_on(code: str, spot: bool, action: str) -> None:
    assert after_refusal(code, Placement("g4dn.xlarge", None, spot)) == action


def test_the_line_for_no_capacity_anywhere_names_what_was_tried_and_what_to_add() -> None:
    refused = [
        (Placement("g4dn.xlarge", "subnet-0000000a", True), "InsufficientInstanceCapacity"),
        (Placement("g4dn.xlarge", "subnet-0000000b", True), "Unsupported"),
    ]
    line = none_left("us-east-1", refused, spot_only=True)
    assert "no capacity for g4dn.xlarge (spot) in 2 subnets after 2 tries" in line
    assert "InsufficientInstanceCapacity ×1, Unsupported ×1" in line
    assert line.endswith("or drop --no-spot-fallback to launch on demand")
