"""Launching a runner: register it at the forge, start its machine, wait until it is online."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from functools import partial
from typing import TYPE_CHECKING

from cmlreport.errors import CmlReportError
from cmlreport.forges.runners import ForgeRunner, RunnerRegistry
from cmlreport.redact import register as register_secret
from cmlreport.runner.bootstrap import render_user_data
from cmlreport.runner.ec2_requests import Instance, Launch
from cmlreport.runner.interrupts import deferred
from cmlreport.runner.progress import (
    BOOTSTRAP,
    ONLINE,
    REGISTERED,
    RUNNING,
    LaunchProgress,
)
from cmlreport.runner.rollback import Track, after_clean_up, clean_up
from cmlreport.runner.spec import RunnerSpec

if TYPE_CHECKING:
    from cmlreport.runner.ec2 import Ec2

Progress = Callable[[str], None]
# The expires-at tag leaves the watchdog room to act first; cleanup is the safety net.
EXPIRY_GRACE = timedelta(minutes=10)


def launch_runner(
    spec: RunnerSpec,
    registry: RunnerRegistry,
    ec2: Ec2,
    progress: Progress,
    *,
    announce: Callable[[Instance], None] | None = None,
    now: datetime | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    poll_interval: float = 10.0,
) -> Instance:
    """Register, launch, wait; then ``announce`` the runner's machine (outputs, files).

    Whatever stops it before ``announce`` returns (an error, SIGINT, SIGTERM) ends the machine
    and removes the registration within seconds (``cmlreport.runner.rollback``); the error, or
    ``Interrupted``, then says in one line what was cleaned up and what may remain.
    """
    runner, forge = spec.runner, spec.repo.forge
    phases = progress = _phases(progress, clock)
    track = Track(name=runner.name, forge=forge)
    try:
        # The runner first (its secret goes into the machine's user data), the machine second.
        track.registering, track.phase = True, f"while registering the runner at {forge}"
        reg = registry.register(runner.name, runner.labels, runner.single)
        track.registration = reg
        register_secret(reg.secret)
        if reg.kind != "registration-token":  # the machine registers itself with that one
            phases.reached(REGISTERED, f"{runner.name} at {forge}, offline until its machine runs")
        started = now or datetime.now(timezone.utc)
        launch = Launch(
            spec=spec,
            # The one place the secret leaves its wrapper: into the user data.
            user_data=render_user_data(spec, reg.secret.reveal()),
            expires_at=started + timedelta(seconds=runner.max_lifetime) + EXPIRY_GRACE,
            client_token=track.client_token,
        )
        online = _online_wait(spec, registry, ec2, phases, track, sleep, poll_interval)
        track.phase = "while launching the machine"
        instance = ec2.launch(
            launch,
            phases,
            after_run=online,
            track=track.ec2,
            timeout=spec.online_timeout,
            poll_interval=min(poll_interval, 5.0),
        )
        track.ec2.phase = "after the launch"
        if announce is not None:
            announce(instance)
    except BaseException as exc:
        # Signals are recorded, not raised, from here on: the clean-up runs to its end.
        with deferred():
            cleaned = clean_up(track, registry, ec2)
        error = after_clean_up(exc, track, cleaned)
        if error is exc:
            progress(f"cleaned up after the error below: {cleaned.line()}")
            raise
        raise error from exc
    return instance


def _phases(progress: Progress, clock: Callable[[], float]) -> LaunchProgress:
    if isinstance(progress, LaunchProgress):
        return progress
    return LaunchProgress(progress, clock=clock)


def _online_wait(
    spec: RunnerSpec,
    registry: RunnerRegistry,
    ec2: Ec2,
    phases: LaunchProgress,
    track: Track,
    sleep: Callable[[float], None],
    poll_interval: float,
) -> Callable[[Instance], None]:
    """What the launch does once the machine runs: wait for the runner to come online."""

    def online(instance: Instance) -> None:
        if spec.wait_online:
            track.ec2.phase = "while waiting for the runner to come online"
            wait_online(
                registry,
                spec.runner.name,
                phases,
                spec.online_timeout,
                sleep,
                poll_interval,
                console=partial(ec2.console_output, instance.id),
                instance_id=instance.id,
            )

    return online


# The bootstrap's first line (scripts/bootstrap_head.sh), which cloud-init copies to the console.
BOOTSTRAP_MARKER = "cmlreport-bootstrap: starting"


def wait_online(
    registry: RunnerRegistry,
    name: str,
    phases: LaunchProgress,
    timeout: float,
    sleep: Callable[[float], None] = time.sleep,
    interval: float = 10.0,
    *,
    console: Callable[[], str] | None = None,
    instance_id: str = "",
) -> ForgeRunner:
    """Until the forge lists runner ``name`` online, or ``timeout`` seconds of the launch have
    passed; ``console`` reads the machine's console output, for the bootstrap phase."""
    while True:
        if console is not None and BOOTSTRAP not in phases.reached_phases:
            console = _look_for_bootstrap(console, phases)
        found = next((r for r in registry.list_runners() if r.name == name), None)
        if found is not None:
            phases.reached(REGISTERED, f"{name} is listed at the forge")
        if found is not None and found.online:
            phases.reached(ONLINE, f"runner {name} is online at the forge")
            return found
        if phases.elapsed >= timeout:
            where = f"aws ec2 get-console-output --instance-id {instance_id}" if instance_id else ""
            raise phases.timed_out(
                timeout,
                _awaited(phases.phase, name),
                f"the bootstrap log is in the console output ({where or 'the EC2 console'}); "
                "raise --timeout for a slow image",
            )
        phases.waiting(_awaited(phases.phase, name))
        sleep(min(interval, max(timeout - phases.elapsed, 0.1)))


def _awaited(phase: str, name: str) -> str:
    if phase == RUNNING:
        return "the bootstrap to start (the operating system is booting)"
    if phase == BOOTSTRAP:
        return f"runner {name} to be installed and registered"
    return f"runner {name} to come online"


def _look_for_bootstrap(
    console: Callable[[], str], phases: LaunchProgress
) -> Callable[[], str] | None:
    """Reads the console once; None from then on when it cannot be read at all."""
    try:
        text = console()
    except CmlReportError as exc:
        phases(f"the bootstrap phase is not shown: {exc.message}")
        return None
    if BOOTSTRAP_MARKER in text:
        phases.reached(BOOTSTRAP, "the machine runs the runner's bootstrap script")
    return console
