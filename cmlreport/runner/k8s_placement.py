"""Where a runner pod goes, from the flags only Kubernetes has: namespace, GPUs, nodes."""

from __future__ import annotations

import re
from dataclasses import dataclass

from cmlreport.errors import InputError

# GPUs per pod for each --gpu preset: the preset's first EC2 type has that many.
PRESET_GPUS = {"none": 0, "t4": 1, "a10g": 1, "l4": 1, "v100": 1, "a100": 8, "h100": 8}

_LABEL_KEY = re.compile(
    r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?"
    r"[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$"
)
_LABEL_VALUE = re.compile(r"^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$")
_NAMESPACE = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
_EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")


@dataclass(frozen=True)
class Toleration:
    key: str
    value: str  # "" : any value (operator Exists)
    effect: str  # "" : every effect


@dataclass(frozen=True)
class PodPlacement:
    """Where the runner pod goes: the flags that only Kubernetes has."""

    namespace: str = "default"
    gpus: int = 1
    node_selector: tuple[tuple[str, str], ...] = ()
    tolerations: tuple[Toleration, ...] = ()
    run_id: str = ""
    image: str | None = None  # None: the forge's runner image

    def __post_init__(self) -> None:
        if not _NAMESPACE.fullmatch(self.namespace):
            raise InputError(
                f"--namespace {self.namespace!r}: a namespace is up to 63 lower-case letters, "
                "digits or '-'"
            )
        if not 0 <= self.gpus <= 64:
            raise InputError(f"--gpus {self.gpus}: give a count from 0 to 64")


def parse_node_selector(items: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """``--node-selector k=v`` (repeatable, comma-separated too) as pairs, checked."""
    pairs: list[tuple[str, str]] = []
    for item in (part.strip() for raw in items for part in raw.split(",")):
        if not item:
            continue
        key, sep, value = item.partition("=")
        if not sep or not _LABEL_KEY.fullmatch(key) or not _LABEL_VALUE.fullmatch(value):
            raise InputError(
                f"--node-selector {item!r}: give a node label as key=value "
                "(e.g. nvidia.com/gpu.product=Tesla-T4)"
            )
        pairs.append((key, value))
    return tuple(pairs)


def parse_toleration(item: str) -> Toleration:
    """``key=value:Effect``, ``key:Effect``, ``key=value`` or ``key`` (any effect)."""
    rest, _, effect = item.strip().partition(":")
    key, _, value = rest.partition("=")
    if (
        not _LABEL_KEY.fullmatch(key)
        or not _LABEL_VALUE.fullmatch(value)
        or (effect and effect not in _EFFECTS)
    ):
        raise InputError(
            f"--toleration {item!r}: give key=value:Effect with Effect one of "
            f"{', '.join(_EFFECTS)} (e.g. nvidia.com/gpu=present:NoSchedule)"
        )
    return Toleration(key, value, effect)
