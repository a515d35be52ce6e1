"""The undo of a launch that did not finish (an error, SIGINT or SIGTERM part-way)."""

from __future__ import annotations

import secrets as _random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cmlreport.errors import CmlReportError, RemoteError
from cmlreport.forges.runners import Registration, RunnerRegistry
from cmlreport.runner.ec2_launch import LaunchTrack
from cmlreport.runner.interrupts import Interrupted, received, signal_name

if TYPE_CHECKING:
    from cmlreport.runner.ec2 import Ec2

# GitHub Actions: SIGINT, SIGTERM 7.5 s later, SIGKILL 2.5 s after that (actions/runner's
# ProcessInvoker); GitLab Runner: SIGTERM, SIGKILL 10 s later. This leaves room to exit.
CLEANUP_BUDGET = 6.0


@dataclass
class Track:
    """What a launch has created so far: the registration, perhaps only asked for; the
    machine, perhaps only asked for (RunInstances carries a client token, also a tag, to find
    it by)."""

    name: str
    forge: str
    phase: str = "before registering the runner"
    registering: bool = False  # the registration may exist at the forge
    registration: Registration | None = None
    client_token: str = field(default_factory=lambda: _random.token_hex(16))
    ec2: LaunchTrack = field(default_factory=LaunchTrack)

    @property
    def where(self) -> str:
        return self.ec2.phase if self.ec2.sent else self.phase


@dataclass
class CleanUp:
    done: list[str] = field(default_factory=list)
    remaining: list[str] = field(default_factory=list)

    def line(self) -> str:
        parts = self.done + self.remaining
        return ", ".join(parts) if parts else "nothing had been started"


def clean_up(track: Track, registry: RunnerRegistry, ec2: Ec2) -> CleanUp:
    """End the machine and the registration at once, each in its own thread, and wait at most
    ``CLEANUP_BUDGET`` seconds: whatever did not finish by then is named as remaining."""
    jobs: list[tuple[str, Callable[[], str]]] = []
    if track.ec2.sent and not track.ec2.ended:
        client = ec2.hurried_client()
        what = track.ec2.instance_id or f"the machine of launch {track.client_token}"
        jobs.append((f"{what} may still be running", lambda: _end_machine(ec2, client, track)))
    if track.registering:
        quick = registry.hurried()
        where = f"runner {track.name} may still be registered at the forge"
        jobs.append((where, lambda: end_registration(quick, track)))
    result = CleanUp()
    outcomes: dict[int, str] = {}
    failures: dict[int, str] = {}

    def run(index: int, job: Callable[[], str]) -> None:
        try:
            outcomes[index] = job()
        except CmlReportError as exc:
            failures[index] = exc.message
        except Exception as exc:  # a bug must not hide what remains
            failures[index] = f"{type(exc).__name__}: {exc}"

    threads = [
        threading.Thread(target=run, args=(i, job), daemon=True) for i, (_, job) in enumerate(jobs)
    ]
    deadline = time.monotonic() + CLEANUP_BUDGET
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(max(deadline - time.monotonic(), 0.0))
    for index, (remains, _) in enumerate(jobs):
        if index in outcomes:
            result.done.append(outcomes[index])
        elif index in failures:
            result.remaining.append(f"{remains} ({failures[index]})")
        else:
            result.remaining.append(f"{remains} (no answer within {CLEANUP_BUDGET:g} s)")
    return result


def _end_machine(ec2: Ec2, client: Any, track: Track) -> str:
    ended = ec2.end_started(client, track.ec2.instance_id, track.client_token)
    if not ended:
        return "no machine had started"
    found = "" if track.ec2.instance_id else " (found by its launch tag)"
    return f"terminated {', '.join(ended)}{found}"


def end_registration(registry: RunnerRegistry, track: Track) -> str:
    """Remove the track's runner at the forge (EC2 and Kubernetes launches alike)."""
    reg = track.registration
    if reg is not None and reg.runner_id is not None:
        ids = [reg.runner_id]
    else:
        # The registration's answer never came, or a registration token was handed out (the
        # machine registers itself): look the runner up by its name.
        ids = [r.id for r in registry.list_runners() if r.name == track.name]
    if not ids:
        return "no runner was registered at the forge"
    removed = [str(i) for i in ids if registry.remove(i)]
    if not removed:
        return f"runner {', '.join(map(str, ids))} was already gone at the forge"
    return f"runner {', '.join(removed)} removed at the forge"


def after_clean_up(exc: BaseException, track: Track, cleaned: CleanUp) -> BaseException:
    """The one line the user gets: what stopped the launch and what was cleaned up."""
    signum = received()
    if isinstance(exc, Interrupted) or signum is not None:
        signum = exc.signum if isinstance(exc, Interrupted) else signum
        assert signum is not None
        cause = "" if isinstance(exc, Interrupted) else f" ({_what(exc)})"
        return Interrupted(
            signum, f"interrupted by {signal_name(signum)} {track.where}{cause}; {cleaned.line()}"
        )
    if isinstance(exc, KeyboardInterrupt):
        return RemoteError(f"interrupted; {cleaned.line()}")
    if isinstance(exc, CmlReportError):
        message = f"{exc.message}; {cleaned.line()}"
        if cleaned.remaining:
            return RemoteError(message)  # something is left behind: a cloud/forge failure
        return type(exc)(message)
    return exc


def _what(exc: BaseException) -> str:
    if isinstance(exc, CmlReportError):
        return exc.message
    return type(exc).__name__
