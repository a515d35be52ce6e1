"""``send-comment --watch``: keep the comment in step with a report that training rewrites.

At most one update per interval, none while the text is unchanged, and a final one when the
watch ends (the training ended, or a signal). A file being rewritten is never posted half: it
is read twice, ``settle`` seconds apart, and posted only when both reads and the file's size,
time and inode agree (an empty file is a rewrite that has just begun).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cmlreport.errors import CmlReportError
from cmlreport.files import read_text

# How often the watch looks whether the training ended, at most (seconds).
POLL = 0.1
# How long the final read waits for a file that is still being written.
FINAL_WAIT = 3.0


@dataclass(frozen=True)
class WatchTiming:
    interval: float = 30.0  # at least this long between two updates
    settle: float = 1.0  # a text must stay the same this long to be posted

    @staticmethod
    def for_interval(interval: float) -> WatchTiming:
        return WatchTiming(interval, min(max(interval / 4, 0.05), 1.0))


def _stamp(path: Path) -> tuple[int, int, int] | None:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_ino, info.st_size, info.st_mtime_ns


def _read(path: Path) -> tuple[tuple[int, int, int] | None, str | None]:
    stamp = _stamp(path)
    if stamp is None:
        return None, None
    try:
        return stamp, read_text(path, inside="report")
    except CmlReportError:
        return stamp, None  # mid-rewrite (a cut UTF-8 sequence) or gone: try again later


def read_stable(path: Path, settle: float, sleep: Callable[[float], None]) -> str | None:
    """The report's text when it held still for ``settle`` seconds, else None."""
    first = _read(path)
    if first[1] is None or not first[1].strip():
        return None
    sleep(settle)
    second = _read(path)
    return second[1] if second == first else None


@dataclass
class Watch:
    """One watched report: what was posted last and when the next update may go."""

    path: Path
    timing: WatchTiming
    post: Callable[[str], object]  # raises CmlReportError when the forge refuses
    warn: Callable[[str], None]
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    posted: str | None = None
    updates: int = 0
    _next: float = 0.0

    def run(self, running: Callable[[], bool]) -> None:
        """Update while ``running()``; then the final update (which raises when it fails)."""
        while running():
            if self.clock() >= self._next:
                self._step()
            self.sleep(min(POLL, max(self._next - self.clock(), 0.0)) or POLL)
        self.final()

    def _step(self) -> None:
        text = read_stable(self.path, self.timing.settle, self.sleep)
        if text is None or text == self.posted:
            return
        try:
            self._send(text)
        except CmlReportError as exc:
            # Training goes on; the next interval tries again with whatever is newest then.
            self.warn(f"could not update the comment (trying again in {self.timing.interval:g}s): "
                      f"{exc.message}")  # fmt: skip
        self._next = self.clock() + self.timing.interval

    def _send(self, text: str) -> None:
        self.post(text)
        self.posted = text
        self.updates += 1

    def final(self) -> None:
        """The last text, posted whatever the interval, when it differs from what was."""
        deadline = self.clock() + FINAL_WAIT
        text = read_stable(self.path, self.timing.settle, self.sleep)
        while text is None and self.clock() < deadline:
            self.sleep(POLL)
            text = read_stable(self.path, self.timing.settle, self.sleep)
        if text is None:
            if self.posted is None:
                self.warn(f"{self.path}: no report to post (missing, empty or never still)")
            return
        if text != self.posted:
            self._send(text)
