"""What to launch for a GPU name: the EC2 instance type and machine image; durations."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from types import MappingProxyType
from typing import Any

from cmlreport.errors import InputError

# The smallest current-generation instance that carries one of each GPU, then the
# alternatives a launch tries when EC2 has no capacity for it (the same GPU, the next size up,
# or the same machine in its newer variant); the big ones (a100, h100) only come as 8-GPU
# machines on EC2.
GPU_CHOICES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "t4": ("g4dn.xlarge", "g4dn.2xlarge"),
        "a10g": ("g5.xlarge", "g5.2xlarge"),
        "l4": ("g6.xlarge", "g6.2xlarge"),
        "v100": ("p3.2xlarge",),  # the only single-V100 machine
        "a100": ("p4d.24xlarge", "p4de.24xlarge"),
        "h100": ("p5.48xlarge",),
        "none": ("m6i.large", "m7i.large", "m5.large"),
    }
)
# The first choice of each GPU: what `--gpu` launches when EC2 has capacity for it.
GPU_PRESETS: Mapping[str, str] = MappingProxyType(
    {gpu: choices[0] for gpu, choices in GPU_CHOICES.items()}
)
# Each choice is a RunInstances call: a long list would keep a launch asking for minutes.
MAX_CHOICES = 8

# Amazon's Deep Learning Base AMI: NVIDIA driver, CUDA, Docker with the NVIDIA container
# toolkit, no framework (jobs bring their own). Names end in a build date, e.g. "... 20240815".
DLAMI_OWNER = "amazon"
DLAMI_NAME = "Deep Learning Base OSS Nvidia Driver GPU AMI (Ubuntu 22.04) *"
CANONICAL_OWNER = "099720109477"
UBUNTU_NAME = "ubuntu/images/hvm-ssd*/ubuntu-jammy-22.04-amd64-server-*"

# Checked with fullmatch: match() lets "$" match before a final newline.
_INSTANCE_TYPE = re.compile(r"[a-z][a-z0-9-]{0,15}\.[a-z0-9-]{1,20}")
_SUBNET = re.compile(r"subnet-[0-9a-f]{8,17}")
_DURATION = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")


@dataclass(frozen=True)
class ImageQuery:
    """How to find the image in ``DescribeImages`` (see ``ec2.image_request``): newest wins."""

    owners: tuple[str, ...]
    name_pattern: str
    architecture: str


def _check_gpu(gpu: str) -> str:
    key = gpu.strip().lower()
    if key not in GPU_PRESETS:
        choices = ", ".join(sorted(GPU_PRESETS))
        raise InputError(
            f"--gpu {gpu!r} is not a GPU cmlreport knows; choose one of {choices}, "
            "or pick any instance type with --instance-type"
        )
    return key


def instance_type_for(gpu: str, override: str | None) -> str:
    """The instance type to launch: ``override`` (``--instance-type``) if given, else the preset."""
    return instance_types_for(gpu, (override,) if override else ())[0]


def instance_types_for(gpu: str, overrides: Sequence[str]) -> tuple[str, ...]:
    """The instance types to try, in order: ``--instance-type``'s (each value may hold several,
    comma-separated) if any, else the preset's choices for ``gpu``."""
    key = _check_gpu(gpu)
    chosen = split_choices(overrides)
    if not chosen:
        return GPU_CHOICES[key]
    for instance_type in chosen:
        if not _INSTANCE_TYPE.fullmatch(instance_type):
            raise InputError(
                f"--instance-type {instance_type[:40]!r} does not look like an EC2 instance "
                "type; give one like g5.2xlarge (several: g5.xlarge,g5.2xlarge)"
            )
    return _at_most(chosen, "--instance-type")


def subnets_from(values: Sequence[str]) -> tuple[str, ...]:
    """``--subnet``'s subnet ids, in the order to try them (none: the default VPC's)."""
    chosen = split_choices(values)
    for subnet in chosen:
        if not _SUBNET.fullmatch(subnet):
            raise InputError(
                f"--subnet {subnet[:40]!r} is not a subnet id; give one like "
                "subnet-0123456789abcdef0 (several: subnet-a1b2c3d4,subnet-e5f6a7b8)"
            )
    return _at_most(chosen, "--subnet")


def split_choices(values: Sequence[str]) -> tuple[str, ...]:
    """Repeated and comma-separated values as one list, blanks and repeats dropped."""
    parts = (part.strip() for value in values for part in value.split(","))
    return tuple(dict.fromkeys(part for part in parts if part))


def _at_most(chosen: tuple[str, ...], flag: str) -> tuple[str, ...]:
    if len(chosen) > MAX_CHOICES:
        raise InputError(f"{flag} lists {len(chosen)} choices; give at most {MAX_CHOICES}")
    return chosen


def default_image_query(gpu: str) -> ImageQuery:
    """The image to boot when ``--image`` is not given: the GPU base AMI, or plain Ubuntu."""
    if _check_gpu(gpu) == "none":
        return ImageQuery(
            owners=(CANONICAL_OWNER,), name_pattern=UBUNTU_NAME, architecture="x86_64"
        )
    return ImageQuery(owners=(DLAMI_OWNER,), name_pattern=DLAMI_NAME, architecture="x86_64")


def _created(image: Mapping[str, Any]) -> datetime:
    raw = image.get("CreationDate")
    if not isinstance(raw, str) or not raw:
        return datetime.min.replace(tzinfo=timezone.utc)
    # EC2 writes "2024-08-15T10:20:30.000Z"; fromisoformat learned "Z" only in 3.11.
    parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def newest_image(images: Sequence[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    """The most recently created image of a ``DescribeImages`` answer, or None when empty."""
    if not images:
        return None
    # The name breaks ties: AMI names carry the build date too.
    return max(images, key=lambda image: (_created(image), str(image.get("Name", ""))))


def parse_duration(text: str, flag: str) -> int:
    """``"90s"``, ``"10m"``, ``"6h"``, ``"1h30m"``, ``"2d"`` or bare seconds -> seconds (> 0)."""
    cleaned = text.strip().lower().replace(" ", "")
    if len(cleaned) > 20:  # no real duration is that long, and int() refuses 4,300 digits
        raise InputError(f"{flag} {text[:30]!r}... is not a duration; write it like 10m or 6h")
    if cleaned.isascii() and cleaned.isdigit():
        seconds = int(cleaned)
    else:
        match = _DURATION.match(cleaned)
        if not cleaned or match is None:
            raise InputError(
                f"{flag} {text!r} is not a duration; write it like 90s, 10m, 6h or 1h30m"
            )
        days, hours, minutes, secs = (int(part) if part else 0 for part in match.groups())
        seconds = ((days * 24 + hours) * 60 + minutes) * 60 + secs
    if seconds <= 0:
        raise InputError(f"{flag} {text!r} must be longer than zero; write it like 10m or 6h")
    if seconds > MAX_DURATION:
        raise InputError(f"{flag} {text!r} is over a year; a runner's limits are hours or days")
    return seconds


MAX_DURATION = 366 * 24 * 3600  # beyond it dates overflow, and no machine should live that long
