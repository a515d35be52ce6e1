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


def _the_server() -> _Server:
    global _server
    if _server is None or _server.proc.poll() is not None:
        _server = _Server()
        atexit.register(_server.close)
    return _server


def run_cmlreport(
    *args: str,
    cwd: Path,
    env: dict[str, str],
    timeout: float = 120,
    input: str | None = None,
) -> Launched:
    """``python -m cmlreport ARGS`` in ``cwd`` with exactly ``env``; raises
    ``subprocess.TimeoutExpired`` (after killing it) when it outlives ``timeout``."""
    server = _the_server()
    with tempfile.TemporaryDirectory(prefix="run-", dir=server.dir) as work:
        stdin = None
        if input is not None:
            stdin = os.path.join(work, "in")
            Path(stdin).write_text(input, encoding="utf-8")
        out, err = os.path.join(work, "out"), os.path.join(work, "err")
        request: dict[str, object] = {"argv": list(args), "cwd": str(cwd), "env": env}
        request |= {"stdin": stdin, "stdout": out, "stderr": err}
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            conn.connect(server.socket)
            stream = conn.makefile("rwb")
            stream.write(json.dumps(request).encode() + b"\n")
            stream.flush()
            pid = json.loads(stream.readline())["pid"]
            conn.settimeout(timeout)
            try:
                answer = json.loads(stream.readline())
            except TimeoutError:
                os.kill(pid, signal.SIGKILL)
                raise subprocess.TimeoutExpired(["cmlreport", *args], timeout) from None
        status = answer["status"]
        code = os.waitstatus_to_exitcode(status)
        return Launched(
            code=code,
            stdout=_read(out),
            stderr=_read(err),
            peak_rss=answer["maxrss_kib"] * 1024,
        )


def _read(path: str) -> str:
    # As `subprocess.run(text=True)` reads it: UTF-8 (the suite's locale), universal newlines.
    text = Path(path).read_bytes().decode("utf-8")
    return text.replace("\r\n", "\n").replace("\r", "\n")
