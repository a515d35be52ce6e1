"""A runner machine on EC2 as values: the requests boto3 sends, its tags, the answers read back."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from cmlreport.errors import InputError
from cmlreport.runner.bootstrap import packed_user_data
from cmlreport.runner.placement import Placement
from cmlreport.runner.presets import ImageQuery
from cmlreport.runner.spec import CiRun, RunnerSpec

__all__ = ["CiRun", "Instance", "Launch"]

# Every instance carries these tags: they are how list, stop and cleanup find it again (and
# never touch anything else).
TAG_NAME = "Name"
TAG_REPO = "cmlreport:repo"
TAG_RUNNER = "cmlreport:runner"
TAG_LABELS = "cmlreport:labels"
TAG_EXPIRES = "cmlreport:expires-at"
# The launch's client token: finds the machine of a RunInstances whose answer never came.
TAG_LAUNCH = "cmlreport:launch"
# The CI run the machine serves, its attempt (GitHub's GITHUB_RUN_ATTEMPT; on GitLab one more
# than the spot-interrupted machines before it) and the launching job (GitLab's CI_JOB_ID):
# what `runner stop` re-runs after a spot interruption, and how far.
TAG_RUN = "cmlreport:run"
TAG_ATTEMPT = "cmlreport:attempt"
TAG_CI_JOB = "cmlreport:ci-job"
# Written by the watchdog on a spot notice (EC2's own record is the state reason).
TAG_INTERRUPTED = "cmlreport:interrupted"
SPOT_TERMINATION = "Server.SpotInstanceTermination"

# Everything but "terminated": a stopped machine still bills for its disk.
LIVE_STATES = ("pending", "running", "shutting-down", "stopping", "stopped")

_TAG_VALUE_LIMIT = 256


@dataclass(frozen=True)
class Launch:
    """One runner machine to start: the spec, and what this launch adds to it.

    ``user_data`` (the bootstrap script) is a secret: it never appears in a message.
    """

    spec: RunnerSpec
    user_data: str = field(repr=False)
    expires_at: datetime  # aware; written to the tag in UTC
    # RunInstances' idempotency token (at most 64 ASCII characters), also tagged: a retry
    # cannot start a second machine, and an interrupted launch finds the one it started.
    client_token: str = ""

    def __post_init__(self) -> None:
        if self.expires_at.tzinfo is None:
            # A naive time would be read as the machine's local time: a bug, not user input.
            raise ValueError("Launch.expires_at must be timezone-aware")


@dataclass(frozen=True)
class Instance:
    """A runner machine as EC2 describes it, read back from its tags."""

    id: str
    name: str
    instance_type: str
    state: str
    launched_at: datetime | None
    expires_at: datetime | None  # None when the tag is missing or unreadable
    labels: tuple[str, ...]
    repo: str
    spot: bool
    zone: str = ""  # the availability zone, once EC2 has placed it
    subnet_id: str = ""
    # Ended by a spot interruption: EC2's state reason, or the watchdog's tag.
    interrupted: bool = False
    run: CiRun | None = None

    @property
    def market(self) -> str:
        return "spot" if self.spot else "on-demand"


def format_expiry(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_expiry(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        # fromisoformat only learned the "Z" suffix in Python 3.11.
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)


def check_tags(launch: Launch) -> None:
    """Refuse, before any call to AWS, a tag value EC2 would refuse later (many long labels)."""
    for tag in launch_tags(launch):
        if len(tag["Value"]) > _TAG_VALUE_LIMIT:
            raise InputError(
                f"tag {tag['Key']!r}: the value is {len(tag['Value'])} characters; EC2 allows "
                f"{_TAG_VALUE_LIMIT}"
            )


def launch_tags(launch: Launch) -> list[dict[str, str]]:
    runner = launch.spec.runner
    tags = {
        TAG_NAME: runner.name,
        TAG_REPO: launch.spec.repo.repository,
        TAG_RUNNER: runner.name,
        TAG_LABELS: ",".join(runner.labels),
        TAG_EXPIRES: format_expiry(launch.expires_at),
    }
    if launch.client_token:
        tags[TAG_LAUNCH] = launch.client_token
    run = launch.spec.ci_run
    if run is not None:
        tags[TAG_RUN] = run.run_id
        tags[TAG_ATTEMPT] = str(run.attempt)
        if run.job_id:
            tags[TAG_CI_JOB] = run.job_id
    return [{"Key": k, "Value": v} for k, v in tags.items()]


def run_request(
    launch: Launch, placement: Placement, *, image_id: str, root_device: str, attempt: int = 0
) -> dict[str, Any]:
    """The RunInstances parameters for ``launch`` at ``placement``, the launch's ``attempt``-th
    request (0 first): each placement has its own client token, as EC2 refuses one token with
    other parameters (IdempotentParameterMismatch); every one carries the launch's tag."""
    machine = launch.spec.machine
    tags = launch_tags(launch)
    request: dict[str, Any] = {
        "ImageId": image_id,
        "InstanceType": placement.instance_type,
        "MinCount": 1,
        "MaxCount": 1,
        "UserData": packed_user_data(launch.user_data),
        # The machine ends itself with `shutdown` when idle or past its lifetime: that must
        # terminate it, not leave a stopped instance whose disk bills forever.
        "InstanceInitiatedShutdownBehavior": "terminate",
        # IMDSv2 only; hop limit 2 so containers on the runner can still reach it.
        "MetadataOptions": {
            "HttpTokens": "required",
            "HttpEndpoint": "enabled",
            "HttpPutResponseHopLimit": 2,
            # A multi-job runner's watchdog reads the tags a reuse writes (cmlreport:deadline,
            # cmlreport:claimed-at) from the metadata: no AWS permission on the machine.
            "InstanceMetadataTags": "disabled" if launch.spec.runner.single else "enabled",
        },
        "BlockDeviceMappings": [
            {
                "DeviceName": root_device,
                "Ebs": {
                    "VolumeSize": machine.disk_size_gb,
                    "VolumeType": "gp3",
                    "Encrypted": True,
                    "DeleteOnTermination": True,
                },
            }
        ],
        "TagSpecifications": [
            {"ResourceType": "instance", "Tags": tags},
            {"ResourceType": "volume", "Tags": tags},
        ],
    }
    if launch.client_token:
        request["ClientToken"] = launch.client_token + (f"-{attempt}" if attempt else "")
    if placement.subnet_id:
        request["SubnetId"] = placement.subnet_id
    if machine.security_group_ids:
        request["SecurityGroupIds"] = list(machine.security_group_ids)
    if machine.instance_profile:
        key = "Arn" if machine.instance_profile.startswith("arn:") else "Name"
        request["IamInstanceProfile"] = {key: machine.instance_profile}
    if placement.spot:
        request["InstanceMarketOptions"] = {
            "MarketType": "spot",
            "SpotOptions": {
                "SpotInstanceType": "one-time",
                "InstanceInterruptionBehavior": "terminate",
            },
        }
    return request


def image_request(query: ImageQuery) -> dict[str, Any]:
    """DescribeImages parameters for the images ``query`` accepts."""
    return {
        "Owners": list(query.owners),
        "Filters": [
            {"Name": "name", "Values": [query.name_pattern]},
            {"Name": "architecture", "Values": [query.architecture]},
            {"Name": "state", "Values": ["available"]},
        ],
    }


def instance_filters(
    *,
    name: str | None = None,
    repo: str | None = None,
    instance_id: str | None = None,
    client_token: str | None = None,
    states: tuple[str, ...] = LIVE_STATES,
) -> list[dict[str, Any]]:
    """DescribeInstances filters for cmlreport runners (live ones unless ``states`` says)
    matching all given criteria."""
    filters: list[dict[str, Any]] = [
        {"Name": "tag-key", "Values": [TAG_RUNNER]},
        {"Name": "instance-state-name", "Values": list(states)},
    ]
    if name is not None:
        filters.append({"Name": f"tag:{TAG_RUNNER}", "Values": [name]})
    if repo is not None:
        filters.append({"Name": f"tag:{TAG_REPO}", "Values": [repo]})
    if instance_id is not None:
        filters.append({"Name": "instance-id", "Values": [instance_id]})
    if client_token is not None:
        filters.append({"Name": f"tag:{TAG_LAUNCH}", "Values": [client_token]})
    return filters


def instance_from(description: Mapping[str, Any]) -> Instance:
    """An ``Instance`` from one entry of DescribeInstances' ``Reservations[].Instances``."""
    tags = {tag["Key"]: tag["Value"] for tag in description.get("Tags", [])}
    launched = description.get("LaunchTime")
    reason = str(description.get("StateReason", {}).get("Code", ""))
    return Instance(
        id=str(description["InstanceId"]),
        name=tags.get(TAG_NAME, ""),
        instance_type=str(description.get("InstanceType", "")),
        state=str(description.get("State", {}).get("Name", "unknown")),
        launched_at=launched if isinstance(launched, datetime) else None,
        expires_at=parse_expiry(tags.get(TAG_EXPIRES)),
        labels=tuple(label for label in tags.get(TAG_LABELS, "").split(",") if label),
        repo=tags.get(TAG_REPO, ""),
        spot=description.get("InstanceLifecycle") == "spot",
        zone=str(description.get("Placement", {}).get("AvailabilityZone", "")),
        subnet_id=str(description.get("SubnetId", "")),
        interrupted=reason == SPOT_TERMINATION or tags.get(TAG_INTERRUPTED) == "spot",
        run=_run_from(tags),
    )


def _run_from(tags: Mapping[str, str]) -> CiRun | None:
    run_id = tags.get(TAG_RUN, "")
    if not run_id.isdigit():
        return None
    job = tags.get(TAG_CI_JOB, "")
    return CiRun(run_id, _whole(tags.get(TAG_ATTEMPT)) or 1, job if job.isdigit() else "")


def _whole(text: str | None) -> int | None:
    return int(text) if text and text.isdigit() and len(text) <= 12 else None


def is_runner(description: Mapping[str, Any]) -> bool:
    return any(tag.get("Key") == TAG_RUNNER for tag in description.get("Tags", []))
