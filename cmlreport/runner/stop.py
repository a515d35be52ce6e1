"""Ending runners: `runner stop` deregisters and terminates, `runner cleanup` ends the expired."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from cmlreport.errors import CmlReportError
from cmlreport.forges.runners import ForgeRunner, RunnerRegistry
from cmlreport.runner.ec2_requests import Instance
from cmlreport.runner.spec import NAME_PREFIX

if TYPE_CHECKING:
    from cmlreport.runner.ec2 import Ec2


@dataclass(frozen=True)
class Stopped:
    terminated: list[str]
    removed_runners: list[str]
    remaining: list[str] = field(default_factory=list)  # what may still exist, and why


@dataclass(frozen=True)
class Expired:
    """What `runner cleanup` ends: machines past their expires-at tag, and offline runners
    cmlreport registered whose machine is gone."""

    instances: list[Instance]
    orphans: list[ForgeRunner]


def stop_runners(
    registry: RunnerRegistry | None, ec2: Ec2, instances: list[Instance], names: set[str]
) -> Stopped:
    """Deregister the runners of these names and machines at the forge, then terminate.

    A failure on one runner or machine does not stop the others from being ended: it is listed
    in ``remaining``, which the CLI turns into exit 3. Twice in a row is fine.
    """
    wanted = names | {i.name for i in instances}
    removed: list[str] = []
    remaining: list[str] = []
    if registry is not None and wanted:
        try:
            runners = [r for r in registry.list_runners() if r.name in wanted]
        except CmlReportError as exc:
            runners = []
            listed = ", ".join(sorted(wanted))
            remaining.append(f"runner {listed} may still be registered ({exc.message})")
        removed, left = _deregister(registry, runners)
        remaining += left
    terminated: list[str] = []
    if instances:
        try:
            terminated = ec2.terminate([i.id for i in instances])
        except CmlReportError as exc:
            ids = ", ".join(i.id for i in instances)
            remaining.append(f"{ids} may still be running ({exc.message})")
    return Stopped(terminated, removed, remaining)


def find_expired(registry: RunnerRegistry, ec2: Ec2, now: datetime) -> Expired:
    expired = ec2.expired(now)
    live = {i.name for i in ec2.list()} - {i.name for i in expired}
    orphans = [
        r
        for r in registry.list_runners()
        if r.name.startswith(NAME_PREFIX) and not r.online and r.name not in live
    ]
    return Expired(expired, orphans)


def end_expired(registry: RunnerRegistry, ec2: Ec2, expired: Expired) -> Stopped:
    """Terminate the expired machines (a failure raises: exit 3), then remove the orphans."""
    terminated = ec2.terminate([i.id for i in expired.instances])
    removed, remaining = _deregister(registry, expired.orphans)
    return Stopped(terminated, removed, remaining)


def _deregister(
    registry: RunnerRegistry, runners: list[ForgeRunner]
) -> tuple[list[str], list[str]]:
    """The names removed (not those already gone), and what is still registered and why."""
    removed: list[str] = []
    remaining: list[str] = []
    for runner in runners:
        try:
            if registry.remove(runner.id):
                removed.append(runner.name)
        except CmlReportError as exc:
            remaining.append(f"runner {runner.name} is still registered ({exc.message})")
    return removed, remaining
