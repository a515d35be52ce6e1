"""A runner machine on EC2 as values: what to launch, what is running, and the API's shapes.

Pure: builds the request parameters boto3 sends and reads the answers it returns; the calls
themselves live in ``cmlreport.runner.ec2``. Every instance carries the tags below, which is
how ``list``, ``stop`` and ``cleanup`` find it again (and never touch anything else).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from cmlreport.errors import InputError
from cmlreport.runner.presets import ImageQuery

TAG_NAME = "Name"
TAG_REPO = "cmlreport:repo"
TAG_RUNNER = "cmlreport:runner"
TAG_LABELS = "cmlreport:labels"
TAG_EXPIRES = "cmlreport:expires-at"
# The launch's client token: finds the machine of a RunInstances whose answer never came.
TAG_LAUNCH = "cmlreport:launch"
OUR_TAGS = (TAG_NAME, TAG_REPO, TAG_RUNNER, TAG_LABELS, TAG_EXPIRES, TAG_LAUNCH)

# Everything but "terminated": a stopped machine still bills for its disk.
LIVE_STATES = ("pending", "running", "shutting-down", "stopping", "stopped")

USER_DATA_LIMIT = 16 * 1024  # bytes, before base64: EC2 refuses anything larger
_TAG_VALUE_LIMIT = 256
_TAG_KEY_LIMIT = 128
_TAGS_PER_RESOURCE = 50


@dataclass(frozen=True)
class LaunchSpec:
    """One runner machine to start. ``user_data`` is a secret: it never appears in a message."""

    region: str
    instance_type: str
    image_id: str | None  # None: the newest image matching ``image_query``
    image_query: ImageQuery | None
    user_data: str = field(repr=False)
    name: str
    repo: str  # owner/name
    labels: tuple[str, ...]
    expires_at: datetime  # aware; written to the tag in UTC
    spot: bool = False
    spot_fallback: bool = True
    disk_size_gb: int = 100
    subnet_id: str | None = None
    security_group_ids: tuple[str, ...] = ()
    instance_profile: str | None = None  # a name or an ARN
    extra_tags: Mapping[str, str] = field(default_factory=dict)
    # RunInstances' idempotency token (at most 64 ASCII characters), also tagged: a retry
    # cannot start a second machine, and an interrupted launch finds the one it started.
    client_token: str = ""

    def __post_init__(self) -> None:
        if self.expires_at.tzinfo is None:
            # A naive time would be read as the machine's local time: a bug, not user input.
            raise ValueError("LaunchSpec.expires_at must be timezone-aware")


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


def check_spec(spec: LaunchSpec) -> None:
    """Refuse, before any call to AWS, what EC2 would refuse later or what would break our tags."""
    size = len(spec.user_data.encode())
    if size > USER_DATA_LIMIT:
        raise InputError(
            f"the runner's user data is {size} bytes; EC2 accepts at most {USER_DATA_LIMIT}: "
            "shorten the bootstrap script"
        )
    if not 8 <= spec.disk_size_gb <= 16384:
        raise InputError(f"--disk-size {spec.disk_size_gb}: give a size in GiB from 8 to 16384")
    for label in spec.labels:
        if not label or "," in label or label != label.strip():
            raise InputError(
                f"runner label {label!r}: labels must be non-empty, without commas or spaces "
                "around them (--labels)"
            )
    tags = launch_tags(spec)
    if len(tags) > _TAGS_PER_RESOURCE:
        raise InputError(f"{len(tags)} tags: EC2 allows {_TAGS_PER_RESOURCE}; use fewer extra tags")
    for tag in tags:
        key, value = tag["Key"], tag["Value"]
        if key.lower().startswith("aws:") or not key or len(key) > _TAG_KEY_LIMIT:
            raise InputError(f"tag key {key!r}: keys are 1-128 characters and not 'aws:...'")
        if len(value) > _TAG_VALUE_LIMIT:
            raise InputError(f"tag {key!r}: the value is {len(value)} characters; EC2 allows 256")


def launch_tags(spec: LaunchSpec) -> list[dict[str, str]]:
    ours = {
        TAG_NAME: spec.name,
        TAG_REPO: spec.repo,
        TAG_RUNNER: spec.name,
        TAG_LABELS: ",".join(spec.labels),
        TAG_EXPIRES: format_expiry(spec.expires_at),
    }
    if spec.client_token:
        ours[TAG_LAUNCH] = spec.client_token
    clashing = sorted(set(spec.extra_tags) & set(ours))
    if clashing:
        raise InputError(
            f"tag {clashing[0]!r} is set by cmlreport itself: give the extra tag another key"
        )
    return [{"Key": k, "Value": v} for k, v in {**ours, **spec.extra_tags}.items()]


def run_request(spec: LaunchSpec, *, image_id: str, root_device: str, spot: bool) -> dict[str, Any]:
    """The RunInstances parameters for ``spec`` (``spot`` may be off though ``spec.spot`` is on)."""
    tags = launch_tags(spec)
    request: dict[str, Any] = {
        "ImageId": image_id,
        "InstanceType": spec.instance_type,
        "MinCount": 1,
        "MaxCount": 1,
        "UserData": spec.user_data,
        # The machine ends itself with `shutdown` when idle or past its lifetime: that must
        # terminate it, not leave a stopped instance whose disk bills forever.
        "InstanceInitiatedShutdownBehavior": "terminate",
        # IMDSv2 only; hop limit 2 so containers on the runner can still reach it.
        "MetadataOptions": {
            "HttpTokens": "required",
            "HttpEndpoint": "enabled",
            "HttpPutResponseHopLimit": 2,
        },
        "BlockDeviceMappings": [
            {
                "DeviceName": root_device,
                "Ebs": {
                    "VolumeSize": spec.disk_size_gb,
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
    if spec.client_token:
        request["ClientToken"] = spec.client_token
    if spec.subnet_id:
        request["SubnetId"] = spec.subnet_id
    if spec.security_group_ids:
        request["SecurityGroupIds"] = list(spec.security_group_ids)
    if spec.instance_profile:
        key = "Arn" if spec.instance_profile.startswith("arn:") else "Name"
        request["IamInstanceProfile"] = {key: spec.instance_profile}
    if spot:
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
) -> list[dict[str, Any]]:
    """DescribeInstances filters for live cmlreport runners matching all given criteria."""
    filters: list[dict[str, Any]] = [
        {"Name": "tag-key", "Values": [TAG_RUNNER]},
        {"Name": "instance-state-name", "Values": list(LIVE_STATES)},
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
    )


def is_runner(description: Mapping[str, Any]) -> bool:
    return any(tag.get("Key") == TAG_RUNNER for tag in description.get("Tags", []))
