"""SIGINT and SIGTERM during `runner launch`: stop what is being done, never the clean-up."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

# CI services cancel a step with SIGINT or SIGTERM, then SIGKILL seconds later. Python would
# die on SIGTERM without running a single `finally`: while trapped() is active, the first
# signal raises Interrupted where the main thread is (a socket read, a sleep), so the launch
# unwinds into its clean-up; every later signal is only recorded, so a second Ctrl-C or the
# SIGTERM that follows SIGINT cannot abort the clean-up half-way. The clean-up is bounded in
# time (rollback.CLEANUP_BUDGET) to end before the SIGKILL.
SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Interrupted(KeyboardInterrupt):
    """The launch was interrupted by ``signum``; ``message`` says what was cleaned up.

    A KeyboardInterrupt, so that nothing catching ``Exception`` (botocore, requests, PyGithub)
    swallows it; the CLI exits with 128 + the signal number, as a shell reports a signal death.
    """

    def __init__(self, signum: int, message: str = "") -> None:
        super().__init__(signum)
        self.signum = signum
        # Without a message it was raised outside a launch's clean-up: before anything started.
        self.message = message or f"interrupted by {signal_name(signum)} before anything started"

    @property
    def exit_code(self) -> int:
        return 128 + self.signum


def signal_name(signum: int) -> str:
    try:
        return signal.Signals(signum).name
    except ValueError:
        return f"signal {signum}"


class _Trap:
    def __init__(self) -> None:
        self.first: int | None = None
        self.deferring = 0

    def handle(self, signum: int, frame: FrameType | None) -> None:
        if self.first is not None:
            return  # the clean-up of the first one is running: finish it
        self.first = signum
        if not self.deferring:
            raise Interrupted(signum)


_trap = _Trap()


@contextmanager
def trapped() -> Iterator[None]:
    """SIGINT and SIGTERM raise ``Interrupted`` (once) instead of ending the process."""
    previous = {sig: signal.getsignal(sig) for sig in SIGNALS}
    _trap.first, _trap.deferring = None, 0
    for sig in SIGNALS:
        signal.signal(sig, _trap.handle)
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@contextmanager
def deferred() -> Iterator[None]:
    """Within this block a first signal is recorded (see ``received``), not raised."""
    _trap.deferring += 1
    try:
        yield
    finally:
        _trap.deferring -= 1


def received() -> int | None:
    """The signal that interrupted us (while ``trapped()``), if any."""
    return _trap.first
