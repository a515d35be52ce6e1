"""Where a launch asks EC2 for its machine, in order: the capacity fallback, as values.

A machine lists instance types (``--instance-type``, or the GPU preset's choices) and subnets
(``--subnet``: each subnet is one availability zone). A launch asks for the first type in each
subnet, then the next type, and so on; spot first when ``--spot`` asked for it, then the same
list on demand when the spot fallback is on. It moves on only when EC2 refuses for want of
capacity in that type and zone (``CAPACITY_CODES``); the account's spot limit skips the rest
of the spot choices; any other refusal (permissions, quotas, a bad image) ends the launch.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from cmlreport.runner.spec import Machine

# The refusals another instance type or availability zone may well not meet. EC2's error codes
# (docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html): no capacity for the
# type in the zone (InsufficientInstanceCapacity, HTTP 500; UnfulfillableCapacity and
# InsufficientCapacity for spot), the type not offered in the zone (Unsupported), the spot price
# of the type in the zone above the maximum (SpotMaxPriceTooLow), a subnet out of addresses.
# AWS ParallelCluster fails over to its next instance type on the same codes
# (aws-parallelcluster-node, slurm_plugin/slurm_resources.py).
CAPACITY_CODES = frozenset(
    {
        "InsufficientInstanceCapacity",
        "InsufficientCapacity",
        "UnfulfillableCapacity",
        "Unsupported",
        "SpotMaxPriceTooLow",
        "InsufficientFreeAddressesInSubnet",
    }
)
# The account's own spot limit: no other spot choice can succeed, on demand may.
SPOT_LIMIT_CODES = frozenset({"MaxSpotInstanceCountExceeded"})
# Every refusal after which on demand is worth asking for.
SPOT_FALLBACK_CODES = CAPACITY_CODES | SPOT_LIMIT_CODES

NEXT = "next"  # try the next placement
ON_DEMAND = "on-demand"  # skip the remaining spot placements
STOP = "stop"  # the refusal is final


@dataclass(frozen=True)
class Placement:
    """One RunInstances request's choice: the instance type, the subnet, the market."""

    instance_type: str
    subnet_id: str | None  # None: the default VPC, in a zone EC2 picks
    spot: bool

    @property
    def market(self) -> str:
        return "spot" if self.spot else "on-demand"

    def __str__(self) -> str:
        where = f" in {self.subnet_id}" if self.subnet_id else ""
        return f"{self.instance_type} {self.market}{where}"


def placements(machine: Machine) -> tuple[Placement, ...]:
    """Every placement ``machine`` allows, in the order a launch tries them."""
    markets = (True, False) if machine.spot and machine.spot_fallback else (machine.spot,)
    subnets: Sequence[str | None] = machine.subnet_ids or (None,)
    return tuple(
        Placement(instance_type, subnet, spot)
        for spot in markets
        for instance_type in machine.instance_types
        for subnet in subnets
    )


def after_refusal(code: str, placement: Placement) -> str:
    """What a launch does after EC2 refused ``placement`` with ``code``."""
    if code in CAPACITY_CODES:
        return NEXT
    if code in SPOT_LIMIT_CODES and placement.spot:
        return ON_DEMAND
    return STOP


def none_left(region: str, refused: Sequence[tuple[Placement, str]], *, spot_only: bool) -> str:
    """The one line for a launch that found no capacity in any of its placements."""
    types = ", ".join(dict.fromkeys(p.instance_type for p, _ in refused))
    markets = " or ".join(dict.fromkeys(p.market for p, _ in refused))
    zones = {p.subnet_id for p, _ in refused}
    where = f" in {len(zones)} subnets" if len(zones) > 1 else ""
    codes = ", ".join(f"{code} ×{n}" for code, n in Counter(c for _, c in refused).items())
    message = (
        f"EC2 RunInstances failed in {region}: no capacity for {types} ({markets}){where} "
        f"after {len(refused)} tries ({codes}); retry later, or add instance types "
        "(--instance-type) or subnets in other availability zones (--subnet)"
    )
    if spot_only:
        message += ", or drop --no-spot-fallback to launch on demand"
    return message
