"""The process side of ``send-comment --watch``: what is watched (a child, a pid, or nothing
but the clock) and the signals that end the watch with a final update."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

import click

from cmlreport.errors import InputError

if TYPE_CHECKING:
    from cmlreport.forges.send import SendOptions

SIGNALS = (signal.SIGINT, signal.SIGTERM)
# How long a child that was passed our SIGTERM/SIGINT may take to end before the final update.
CHILD_GRACE = 5.0


@dataclass
class Watched:
    """What the watch follows; ``running()`` is False once it ended or a signal came."""

    command: Sequence[str] = ()
    pid: int | None = None
    child: subprocess.Popen[bytes] | None = None
    signum: int | None = None
    # The child's environment; None: ours. run_watch takes the forge tokens out of it.
    env: Mapping[str, str] | None = None

    def start(self) -> None:
        if self.pid is not None:
            if not _alive(self.pid):
                raise InputError(f"--pid {self.pid}: no such process")
        elif self.command:
            try:
                self.child = subprocess.Popen(list(self.command), env=self.env)
            except OSError as exc:
                raise InputError(f"cannot run {self.command[0]!r}: {exc.strerror}") from None
            click.echo(f"watching {self.command[0]} (pid {self.child.pid})")

    def running(self) -> bool:
        if self.signum is not None:
            return False
        if self.child is not None:
            return self.child.poll() is None
        if self.pid is not None:
            return _alive(self.pid)
        return True  # nothing to follow: until SIGTERM or SIGINT

    def handle(self, signum: int, frame: FrameType | None) -> None:
        if self.signum is None:
            self.signum = signum
        if self.child is not None and self.child.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                self.child.send_signal(signum)  # the training ends as it was asked to

    def exit_code(self) -> int:
        """128 + the signal that ended the watch; else the child's code (a signal death as
        the shell reports it); else 0."""
        if self.child is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.child.wait(CHILD_GRACE)
        if self.signum is not None:
            return 128 + self.signum
        if self.child is not None and self.child.returncode is not None:
            code = self.child.returncode
            return 128 - code if code < 0 else code
        return 0

    def end_child(self) -> None:
        """A child still running after the grace (or after our own error) is not left behind."""
        if self.child is not None and self.child.poll() is None:
            self.child.kill()
            self.child.wait()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process, but it exists
    return True


@contextlib.contextmanager
def trapped(watched: Watched) -> Iterator[None]:
    """SIGINT and SIGTERM end the watch (after its final update) instead of the process."""
    handler: Callable[[int, FrameType | None], None] = watched.handle
    saved = {s: signal.signal(s, handler) for s in SIGNALS}
    try:
        yield
    finally:
        for s, old in saved.items():
            signal.signal(s, old)


def check_watch_flags(
    options: SendOptions, watch: bool, pid: int | None, command: Sequence[str]
) -> None:
    if not watch:
        if pid is not None or command:
            what = "--pid" if pid is not None else f"a COMMAND ({command[0]!r})"
            raise InputError(f"{what} goes with --watch")
        return
    if options.mode not in ("update",):
        raise InputError(f"--watch keeps one comment up to date: not with --mode {options.mode}")
    if pid is not None and command:
        raise InputError("--watch follows --pid PID or -- COMMAND..., not both")


def run_watch(
    options: SendOptions,
    env: dict[str, str],
    interval: float,
    watched: Watched,
    warn: Callable[[str], None],
) -> int:
    """Watch ``options.report`` until ``watched`` ends; the exit code for the command."""
    from cmlreport.forges.select import without_forge_secrets
    from cmlreport.forges.send import deliver, prepare_text
    from cmlreport.forges.watch import Watch, WatchTiming

    cwd = Path.cwd()
    assert options.report is not None

    def post(text: str) -> None:
        deliver(options, prepare_text(options, text, env, cwd, warn), warn)

    watch = Watch(options.report, WatchTiming.for_interval(interval), post, warn)
    # The training posts nothing itself: the code it runs (and every package it imports) need
    # not hold a token that can write to the repository.
    watched.env = without_forge_secrets(env, options.token_env)
    with trapped(watched):
        try:
            watched.start()
            watch.run(watched.running)
            code = watched.exit_code()
        finally:
            watched.end_child()
    ended = f"signal {watched.signum}" if watched.signum else f"exit {code}"
    click.echo(f"watch ended ({ended}): {watch.updates} update(s) sent")
    return code
