"""EC2's capacity, which moto does not have: chosen instance types, zones and markets refused.

moto starts every instance it is asked for. ``Capacity`` arms the fault layer in front of
moto's server (``MotoServer.fail``, over real HTTP) so that RunInstances for a type in a zone
(or on a market) is answered the way EC2 answers it: the same error code, HTTP status and
message text, parsed off the wire by the real boto3 client.

    capacity = Capacity(moto, zones={"subnet-0a...": "us-east-1a", ...})
    capacity.refuse("g4dn.xlarge", zone="us-east-1a")       # InsufficientInstanceCapacity
    capacity.refuse("g4dn.xlarge", zone="us-east-1b", code="Unsupported")
    capacity.refuse_spot()                                  # no spot capacity anywhere

The messages are EC2's own (as its API returns them to ``aws ec2 run-instances``); the codes and
statuses follow EC2's error reference (docs.aws.amazon.com/AWSEC2/latest/APIReference/
errors-overview.html: capacity errors are server errors, HTTP 500; the rest client errors, 400).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tests.fakes.moto_server import MotoServer

Params = Mapping[str, str]

# EC2's default when a request names no subnet: the zone moto's default subnet is in.
DEFAULT_ZONE = "any"

_STATUS = {
    "InsufficientInstanceCapacity": 500,
    "InsufficientCapacity": 500,
    "UnfulfillableCapacity": 500,
    "Unsupported": 400,
    "SpotMaxPriceTooLow": 400,
    "MaxSpotInstanceCountExceeded": 400,
}


def ec2_message(code: str, instance_type: str, zone: str, *, spot: bool) -> str:
    """The message EC2 sends with ``code`` for ``instance_type`` in ``zone``."""
    if code == "InsufficientInstanceCapacity" and spot:
        return "There is no Spot capacity available that matches your request."
    if code == "InsufficientInstanceCapacity":
        return (
            f"We currently do not have sufficient {instance_type} capacity in the Availability "
            f"Zone you requested ({zone}). Our system will be working on provisioning additional "
            f"capacity. You can currently get {instance_type} capacity by not specifying an "
            "Availability Zone in your request or choosing another one."
        )
    if code == "Unsupported":
        return (
            f"Your requested instance type ({instance_type}) is not supported in your requested "
            f"Availability Zone ({zone}). Please retry your request by not specifying an "
            "Availability Zone or choosing another one."
        )
    if code == "SpotMaxPriceTooLow":
        return (
            "Your Spot request price of 0.526 is lower than the minimum required Spot request "
            "fulfillment price of 0.6."
        )
    if code == "MaxSpotInstanceCountExceeded":
        return "Max spot instance count exceeded"
    return code


@dataclass
class _Rule:
    instance_type: str | None
    zone: str | None
    spot: bool | None

    def matches(self, instance_type: str, zone: str, spot: bool) -> bool:
        return (
            self.instance_type in (None, instance_type)
            and self.zone in (None, zone)
            and self.spot in (None, spot)
        )


@dataclass
class Capacity:
    """What EC2 has no capacity for; ``zones`` maps the tests' subnet ids to their zones."""

    faults: MotoServer
    zones: Mapping[str, str] = field(default_factory=dict)
    refused: list[tuple[str, str, str]] = field(default_factory=list)  # (type, zone, market)

    def refuse(
        self,
        instance_type: str | None = None,
        *,
        zone: str | None = None,
        spot: bool | None = None,
        code: str = "InsufficientInstanceCapacity",
    ) -> None:
        """Refuse RunInstances for ``instance_type`` (None: any) in ``zone`` (None: any) on
        the spot (True) or on-demand (False) market (None: both), with EC2's ``code``."""
        rule = _Rule(instance_type, zone, spot)

        def when(params: Params) -> bool:
            asked = self._asked(params)
            if not rule.matches(*asked):
                return False
            self.refused.append((asked[0], asked[1], "spot" if asked[2] else "on-demand"))
            return True

        # One fault per rule; the message needs the request, so each rule answers with the
        # text for the type and zone it was written for (or a generic one).
        message = ec2_message(
            code, instance_type or "the requested", zone or "requested", spot=bool(spot)
        )
        self.faults.fail(
            "RunInstances", code, status=_STATUS.get(code, 400), message=message, when=when
        )

    def refuse_spot(self, code: str = "InsufficientInstanceCapacity") -> None:
        """No spot capacity for any type in any zone."""
        self.refuse(spot=True, code=code)

    def _asked(self, params: Params) -> tuple[str, str, bool]:
        subnet = params.get("SubnetId", "")
        zone = self.zones.get(subnet, DEFAULT_ZONE) if subnet else DEFAULT_ZONE
        spot = params.get("InstanceMarketOptions.MarketType") == "spot"
        return params.get("InstanceType", ""), zone, spot
