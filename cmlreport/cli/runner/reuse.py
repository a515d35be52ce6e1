"""`runner launch --reuse-idle`: when it may be asked for, and a reused runner announced."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from cmlreport.cli.runner.common import progress
from cmlreport.errors import InputError

if TYPE_CHECKING:
    from cmlreport.forges.runners import RunnerRegistry
    from cmlreport.runner.ec2 import Ec2
    from cmlreport.runner.ec2_requests import Instance
    from cmlreport.runner.spec import RunnerSpec

    Announce = Callable[..., None]


def check_reuse(reuse: bool, flags: Mapping[str, Any]) -> None:
    """Refuse, before anything is looked at, a reuse that cannot be: one line, exit 2."""
    if not reuse:
        return
    if flags.get("cloud") == "kubernetes":
        raise InputError(
            "--reuse-idle does not apply to --cloud kubernetes: each launch is one pod for "
            "one pipeline, deleted by its stop, so there is no idle pod to reuse"
        )
    if flags.get("single", True):
        raise InputError(
            "--reuse-idle needs --no-single: a single-use runner ends after its one job, "
            "so only a multi-job runner can be reused"
        )


def reused(
    spec: RunnerSpec,
    registry: RunnerRegistry,
    ec2: Ec2,
    announce: Announce,
    *,
    sleep: Callable[[float], None] | None = None,
) -> bool:
    """Whether an idle runner was claimed and announced (its name, labels and machine as the
    outputs a launch writes, ``reused=true``); False: launch one. ``sleep``: the claim's
    settle wait (time.sleep)."""
    import time

    from cmlreport.runner.reuse import reuse_idle

    found = reuse_idle(spec, registry, ec2, progress, sleep=sleep or time.sleep)
    if found is None:
        return False
    instance: Instance = found.instance
    runner = replace(spec.runner, name=instance.name, labels=instance.labels)
    announce(replace(spec, runner=runner), instance, reused=True)
    return True
