"""A runner's life across the forge and the cloud: register, launch, wait, stop, clean up.

The order matters for what is left behind on failure: the runner is registered first (its
secret goes into the machine's user data), the machine second; any failure after that removes
both, and says in one line what was cleaned up.
"""

from __future__ import annotations

import secrets as _random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING

from cmlreport.errors import CmlReportError, RemoteError
from cmlreport.forges.runners import ForgeRunner, Registration, RunnerRegistry
from cmlreport.redact import register as register_secret
from cmlreport.runner.bootstrap import BootstrapSpec, render_user_data, secrets_in
from cmlreport.runner.ec2_requests import Instance, LaunchSpec
from cmlreport.runner.interrupts import deferred
from cmlreport.runner.presets import ImageQuery
from cmlreport.runner.rollback import Track, after_clean_up, clean_up

if TYPE_CHECKING:
    from cmlreport.runner.ec2 import Ec2

Progress = Callable[[str], None]
NAME_PREFIX = "cmlreport-"
# The expires-at tag leaves the watchdog room to act first; cleanup is the safety net.
EXPIRY_GRACE = timedelta(minutes=10)


@dataclass(frozen=True)
class RunnerRequest:
    forge: str  # "github" | "gitlab"
    repository: str
    repo_url: str  # https://github.com/o/r, or the GitLab server URL
    name: str
    labels: tuple[str, ...]
    region: str
    instance_type: str
    image_id: str | None
    image_query: ImageQuery | None
    idle_timeout: int
    max_lifetime: int
    single: bool
    spot: bool = False
    spot_fallback: bool = True
    disk_size_gb: int = 100
    subnet_id: str | None = None
    security_group_ids: tuple[str, ...] = ()
    instance_profile: str | None = None
    wait_online: bool = True
    online_timeout: float = 900.0


@dataclass(frozen=True)
class Launched:
    name: str
    labels: tuple[str, ...]
    instance: Instance
    runner_id: int | None


def default_name(gpu: str, run_id: str | None) -> str:
    suffix = run_id or _random.token_hex(3)
    return f"{NAME_PREFIX}{gpu}-{suffix}"[:64]


def _bootstrap(req: RunnerRequest, reg: Registration) -> BootstrapSpec:
    gitlab = req.forge == "gitlab"
    secret = reg.secret.reveal()  # the one place it leaves its wrapper: into the user data
    return BootstrapSpec(
        forge=req.forge,
        runner_name=req.name,
        labels=req.labels,
        idle_timeout=req.idle_timeout,
        max_lifetime=req.max_lifetime,
        single=req.single,
        repo_url=None if gitlab else req.repo_url,
        jit_config=secret if reg.kind == "jit" else None,
        registration_token=secret if reg.kind == "registration-token" else None,
        gitlab_url=req.repo_url if gitlab else None,
        runner_token=secret if gitlab else None,
    )


def launch_runner(
    req: RunnerRequest,
    registry: RunnerRegistry,
    ec2: Ec2,
    progress: Progress,
    *,
    announce: Callable[[Launched], None] | None = None,
    now: datetime | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> Launched:
    """Register, launch, wait; then ``announce`` the runner (outputs, files).

    Whatever stops it before ``announce`` returns (an error, SIGINT, SIGTERM) ends the machine
    and removes the registration within seconds (``cmlreport.runner.rollback``); the error, or
    ``Interrupted``, then says in one line what was cleaned up and what may remain.
    """
    track = Track(name=req.name, forge=req.forge)
    try:
        track.registering, track.phase = True, f"while registering the runner at {req.forge}"
        reg = registry.register(req.name, req.labels, req.single)
        track.registration = reg
        register_secret(reg.secret)
        spec = _bootstrap(req, reg)
        user_data = render_user_data(spec)
        for value in secrets_in(spec):
            register_secret(value)
        started = now or datetime.now(timezone.utc)
        launch = LaunchSpec(
            region=req.region,
            instance_type=req.instance_type,
            image_id=req.image_id,
            image_query=req.image_query,
            user_data=user_data,
            name=req.name,
            repo=req.repository,
            labels=req.labels,
            expires_at=started + timedelta(seconds=req.max_lifetime) + EXPIRY_GRACE,
            spot=req.spot,
            spot_fallback=req.spot_fallback,
            disk_size_gb=req.disk_size_gb,
            subnet_id=req.subnet_id,
            security_group_ids=req.security_group_ids,
            instance_profile=req.instance_profile,
            client_token=track.client_token,
        )

        def online(instance: Instance) -> None:
            if req.wait_online:
                track.ec2.phase = "while waiting for the runner to come online"
                wait_online(registry, req.name, progress, req.online_timeout, clock, sleep)

        track.phase = "while launching the machine"
        instance = ec2.launch(launch, progress, after_run=online, track=track.ec2)
        launched = Launched(req.name, req.labels, instance, reg.runner_id)
        track.ec2.phase = "after the launch"
        if announce is not None:
            announce(launched)
    except BaseException as exc:
        # Signals are recorded, not raised, from here on: the clean-up runs to its end.
        with deferred():
            cleaned = clean_up(track, registry, ec2)
        error = after_clean_up(exc, track, cleaned)
        if error is exc:
            progress(f"cleaned up after the error below: {cleaned.line()}")
            raise
        raise error from exc
    return launched


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


@dataclass(frozen=True)
class Stopped:
    terminated: list[str]
    removed_runners: list[str]
    remaining: list[str] = field(default_factory=list)  # what may still exist, and why


def stop_runners(
    registry: RunnerRegistry | None, ec2: Ec2, instances: list[Instance], names: set[str]
) -> Stopped:
    """Deregister at the forge, then terminate; twice in a row is fine.

    A failure on one runner or machine does not stop the others from being ended: it is listed
    in ``remaining``, which the CLI turns into exit 3.
    """
    wanted = names | {i.name for i in instances}
    removed: list[str] = []
    remaining: list[str] = []
    if registry is not None and wanted:
        try:
            runners = registry.list_runners()
        except CmlReportError as exc:
            runners = []
            listed = ", ".join(sorted(wanted))
            remaining.append(f"runner {listed} may still be registered ({exc.message})")
        for runner in runners:
            if runner.name not in wanted:
                continue
            try:
                if registry.remove(runner.id):
                    removed.append(runner.name)
            except CmlReportError as exc:
                remaining.append(f"runner {runner.name} is still registered ({exc.message})")
    terminated: list[str] = []
    if instances:
        try:
            terminated = ec2.terminate([i.id for i in instances])
        except CmlReportError as exc:
            ids = ", ".join(i.id for i in instances)
            remaining.append(f"{ids} may still be running ({exc.message})")
    return Stopped(terminated, removed, remaining)


def orphaned_runners(registry: RunnerRegistry, live_names: set[str]) -> list[ForgeRunner]:
    """Offline forge runners cmlreport created whose machine is gone."""
    return [
        r
        for r in registry.list_runners()
        if r.name.startswith(NAME_PREFIX) and not r.online and r.name not in live_names
    ]
