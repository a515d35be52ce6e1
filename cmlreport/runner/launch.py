"""Launching a runner: register it at the forge, start its machine, wait until it is online."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING

from cmlreport.errors import RemoteError
from cmlreport.forges.runners import ForgeRunner, RunnerRegistry
from cmlreport.redact import register as register_secret
from cmlreport.runner.bootstrap import render_user_data
from cmlreport.runner.ec2_requests import Instance, Launch
from cmlreport.runner.interrupts import deferred
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
) -> Instance:
    """Register, launch, wait; then ``announce`` the runner's machine (outputs, files).

    Whatever stops it before ``announce`` returns (an error, SIGINT, SIGTERM) ends the machine
    and removes the registration within seconds (``cmlreport.runner.rollback``); the error, or
    ``Interrupted``, then says in one line what was cleaned up and what may remain.
    """
    runner, forge = spec.runner, spec.repo.forge
    track = Track(name=runner.name, forge=forge)
    try:
        # The runner first (its secret goes into the machine's user data), the machine second.
        track.registering, track.phase = True, f"while registering the runner at {forge}"
        reg = registry.register(runner.name, runner.labels, runner.single)
        track.registration = reg
        register_secret(reg.secret)
        started = now or datetime.now(timezone.utc)
        launch = Launch(
            spec=spec,
            # The one place the secret leaves its wrapper: into the user data.
            user_data=render_user_data(spec, reg.secret.reveal()),
            expires_at=started + timedelta(seconds=runner.max_lifetime) + EXPIRY_GRACE,
            client_token=track.client_token,
        )

        def online(instance: Instance) -> None:
            if spec.wait_online:
                track.ec2.phase = "while waiting for the runner to come online"
                wait_online(registry, runner.name, progress, spec.online_timeout, clock, sleep)

        track.phase = "while launching the machine"
        instance = ec2.launch(launch, progress, after_run=online, track=track.ec2)
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


def wait_online(
    registry: RunnerRegistry,
    name: str,
    progress: Progress,
    timeout: float,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    interval: float = 10.0,
) -> ForgeRunner:
    start = clock()
    while True:
        found = next((r for r in registry.list_runners() if r.name == name), None)
        elapsed = clock() - start
        if found is not None and found.online:
            progress(f"runner {name} is online at the forge ({elapsed:.0f} s)")
            return found
        if elapsed >= timeout:
            raise RemoteError(
                f"runner {name} did not come online within {timeout:.0f} s; "
                "check the instance's console output for the bootstrap log"
            )
        state = "registered, offline" if found else "not registered yet"
        progress(f"waiting for runner {name}: {state}, {elapsed:.0f} s")
        sleep(min(interval, max(timeout - elapsed, 0.1)))
