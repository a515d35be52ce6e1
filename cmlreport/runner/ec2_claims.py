"""The tags `runner launch --reuse-idle` reads and writes on a live runner machine.

Apart from ``ec2.py``, the only module that calls AWS for a reuse: through the same client,
the same retries and the same one-line errors.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from cmlreport.runner.ec2_errors import translated
from cmlreport.runner.ec2_requests import instance_filters

if TYPE_CHECKING:
    from cmlreport.runner.ec2 import Ec2


def running_tags(ec2: Ec2, instance_id: str) -> dict[str, str] | None:
    """The tags of runner ``instance_id`` as EC2 holds them now; None unless it is running."""
    filters = instance_filters(instance_id=instance_id, states=("running",))
    with translated(ec2.attempt("DescribeInstances")):
        answer = ec2.client.describe_instances(Filters=filters)
    found = [i for r in answer["Reservations"] for i in r["Instances"]]
    if not found:
        return None
    return {tag["Key"]: tag["Value"] for tag in found[0].get("Tags", [])}


def write_tags(ec2: Ec2, instance_id: str, tags: Mapping[str, str]) -> None:
    """Set these tags on the machine (EC2 overwrites a tag's value: the last writer wins)."""
    with translated(ec2.attempt("CreateTags")):
        ec2.client.create_tags(
            Resources=[instance_id], Tags=[{"Key": k, "Value": v} for k, v in tags.items()]
        )
