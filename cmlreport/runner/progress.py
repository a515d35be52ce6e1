"""What a launch tells the user while it waits: one line per phase, with the time since it began.

A GPU machine takes minutes from the request to a runner online at the forge, in phases:

    requested          RunInstances accepted (the instance id, type, market, zone)
    pending            EC2 is starting the machine
    running            EC2 says it runs; the operating system boots
    bootstrap started  the user data has begun (its first line in the machine's console output)
    runner registered  the forge lists the runner (a JIT or GitLab runner: when the launch
                       registers it, before the machine is asked for)
    online             the forge says the runner is online: jobs can start

Each phase is one line when it is reached. Between phases, a line now and then says what is
awaited: every poll on a terminal, at most once a minute in a CI log (plain lines either way:
CI logs keep every line). A timeout names the phase the launch was in.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from cmlreport.errors import RemoteError

REQUESTED = "requested"
PENDING = "pending"
RUNNING = "running"
BOOTSTRAP = "bootstrap started"
REGISTERED = "runner registered"
ONLINE = "online"
PHASES = (REQUESTED, PENDING, RUNNING, BOOTSTRAP, REGISTERED, ONLINE)

# Where a CI log gets a "still waiting" line, at most.
LOG_HEARTBEAT = 60.0


class LaunchProgress:
    """The launch's lines, through ``say``; ``clock`` in seconds (monotonic).

    Also a plain ``Progress`` (called with a line) for the launch's other messages.
    """

    def __init__(
        self,
        say: Callable[[str], None],
        *,
        terminal: bool = False,
        clock: Callable[[], float] = time.monotonic,
        heartbeat: float = LOG_HEARTBEAT,
    ) -> None:
        self._say, self._clock = say, clock
        self._heartbeat = 0.0 if terminal else heartbeat
        self.started = clock()
        self.phase = "starting"
        self.reached_phases: list[str] = []
        self._last_said = self.started

    @property
    def elapsed(self) -> float:
        return self._clock() - self.started

    def __call__(self, line: str) -> None:
        self._tell(line)

    def reached(self, phase: str, detail: str = "") -> None:
        """``phase`` is reached (once: a repeat is ignored)."""
        if phase in self.reached_phases:
            return
        self.reached_phases.append(phase)
        self.phase = phase
        self._tell(f"{phase}: {detail}" if detail else phase)

    def waiting(self, what: str) -> None:
        """Between phases: ``what`` is awaited (every poll on a terminal, else now and then)."""
        if self._clock() - self._last_said >= self._heartbeat:
            self._tell(f"{self.phase}, waiting for {what}")

    def timed_out(self, timeout: float, what: str, hint: str) -> RemoteError:
        """The error for a wait that ran out in the current phase."""
        return RemoteError(
            f"timed out after {timeout:g} s in phase '{self.phase}' waiting for {what}; {hint}"
        )

    def _tell(self, line: str) -> None:
        self._last_said = self._clock()
        self._say(f"[{self.elapsed:4.0f} s] {line}")


def as_launch_progress(progress: Callable[[str], None]) -> LaunchProgress:
    """``progress`` itself when it is one, else a ``LaunchProgress`` writing to it."""
    if isinstance(progress, LaunchProgress):
        return progress
    return LaunchProgress(progress)
