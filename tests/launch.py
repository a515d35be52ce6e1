"""Run the real CLI in its own process, fast: ``run_cmlreport(args, cwd=..., env=...)``.

A fresh interpreter spends about a second importing PyGithub, python-gitlab, boto3 and
matplotlib before cmlreport reads a flag; the suite runs the CLI hundreds of times. So each test
process starts one fork server (``tests/launch_server.py``) with those imported, and every run
is a fork of it: still a separate process with its own working directory, environment, standard
streams, exit code and peak RSS, running the same ``main`` as ``python -m cmlreport``. What a
fork cannot show (interpreter start-up, ``--help`` start time, hash seeds, signals to a real
``cmlreport`` process, the installed console script) keeps real subprocesses in its own tests.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO

SERVER = Path(__file__).with_name("launch_server.py")


@dataclass
class Launched:
    code: int
    stdout: str
    stderr: str
    peak_rss: int  # bytes


class _Server:
    def __init__(self) -> None:
        self.dir = tempfile.mkdtemp(prefix="cmlreport-launch-")
        self.socket = os.path.join(self.dir, "s")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "GITLAB_"))}
        env["MPLBACKEND"] = "Agg"
        self.proc = subprocess.Popen(
            [sys.executable, str(SERVER), self.socket],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            env=env,
            cwd=Path(__file__).resolve().parent.parent,
        )
        assert self.proc.stdout is not None
        if self.proc.stdout.readline().strip() != b"ready":
            raise RuntimeError("the cmlreport fork server did not start")

    def close(self) -> None:
        self.proc.kill()
        self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


_server: _Server | None = None
cpu_seconds = 0.0  # what every command run so far has used, user and system (for profiling)


def _the_server() -> _Server:
    global _server
    if _server is None or _server.proc.poll() is not None:
        _server = _Server()
        atexit.register(_server.close)
    return _server


class Started:
    """A running command: its pid, whether it ended, and how to wait for it."""

    def __init__(self, args: tuple[str, ...], conn: socket.socket) -> None:
        self.args, self.conn = args, conn
        self._buffer = b""
        self._ended: tuple[int, int] | None = None
        self.pid: int = json.loads(self._line(timeout=None))["pid"]

    def _line(self, timeout: float | None) -> bytes:
        self.conn.settimeout(timeout)
        while b"\n" not in self._buffer:
            chunk = self.conn.recv(1 << 12)
            if not chunk:
                raise RuntimeError("the cmlreport fork server went away")
            self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        return line

    def _end(self, line: bytes) -> tuple[int, int]:
        answer = json.loads(line)
        self.conn.close()
        global cpu_seconds
        cpu_seconds += answer["cpu"]
        self._ended = os.waitstatus_to_exitcode(answer["status"]), answer["maxrss_kib"] * 1024
        return self._ended

    def poll(self) -> int | None:
        """Its exit code if it has ended, else None (as ``Popen.poll``)."""
        if self._ended is None:
            try:
                self._end(self._line(timeout=0.0))
            except (BlockingIOError, TimeoutError):
                return None
        assert self._ended is not None
        return self._ended[0]

    def wait(self, timeout: float) -> tuple[int, int]:
        """Its exit code and peak RSS in bytes; ``subprocess.TimeoutExpired`` (after killing
        it) when it outlives ``timeout``."""
        if self._ended is not None:
            return self._ended
        try:
            return self._end(self._line(timeout=timeout))
        except TimeoutError:
            self.kill()
            raise subprocess.TimeoutExpired(["cmlreport", *self.args], timeout) from None

    def kill(self) -> None:
        """SIGKILL, and wait until it is gone (as ``Popen.kill`` then ``wait``)."""
        if self._ended is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
            self._end(self._line(timeout=30))


def start_cmlreport(
    *args: str, cwd: Path, env: dict[str, str], stdin: int, stdout: int, stderr: int
) -> Started:
    """``python -m cmlreport ARGS`` in ``cwd`` with exactly ``env``, on these three file
    descriptors (a file, a pipe, a terminal: the command sees what it was given)."""
    request = json.dumps({"argv": list(args), "cwd": str(cwd), "env": env}).encode() + b"\n"
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        conn.connect(_the_server().socket)
        socket.send_fds(conn, [request], [stdin, stdout, stderr])
        return Started(args, conn)
    except BaseException:
        conn.close()
        raise


def run_cmlreport(
    *args: str,
    cwd: Path,
    env: dict[str, str],
    timeout: float = 120,
    input: str | None = None,
) -> Launched:
    """Run it to the end, as ``subprocess.run(capture_output=True, text=True)`` would; its
    stdout and stderr are files."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        with tempfile.TemporaryFile() as given:
            given.write((input or "").encode())
            given.seek(0)
            started = start_cmlreport(
                *args, cwd=cwd, env=env, stdin=given.fileno(), stdout=out.fileno(),
                stderr=err.fileno(),
            )  # fmt: skip
        code, peak = started.wait(timeout)
        return Launched(code, _read(out), _read(err), peak)


def _read(file: IO[bytes]) -> str:
    # As `subprocess.run(text=True)` reads it: UTF-8 (the suite's locale), universal newlines.
    file.seek(0)
    text = file.read().decode("utf-8")
    return text.replace("\r\n", "\n").replace("\r", "\n")
