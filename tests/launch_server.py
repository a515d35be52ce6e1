"""The fork server behind ``tests.launch``: one Python with cmlreport already imported.

Started once per test process (``python tests/launch_server.py SOCKET``). For each connection
it forks a handler, which forks the command: a child process that takes the request's working
directory and environment and the caller's own standard streams (file descriptors passed over
the socket: a file, a pipe or a terminal, as the caller chose), runs ``cmlreport.cli.main`` as
``python -m cmlreport`` does, and exits with its code. The handler reports the command's pid,
then its exit status and peak RSS (``wait4``). The server itself never blocks on a command, so
several can run at once, and it holds no thread, so forking it is safe.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import signal
import socket
import sys
import tempfile
import traceback
from typing import Any


def _preload() -> None:
    # Whatever a command imports lazily: paid once here instead of once per command.
    import boto3  # noqa: F401
    import cmarkgfm  # noqa: F401
    import github  # noqa: F401
    import gitlab  # noqa: F401
    import matplotlib
    import nh3  # noqa: F401
    import PIL.Image  # noqa: F401
    import requests  # noqa: F401
    import yaml  # noqa: F401

    matplotlib.use("Agg")
    import matplotlib.backends.backend_agg
    import matplotlib.figure

    from cmlreport import cli

    for name in [*cli.main.list_commands(None), "action"]:  # type: ignore[arg-type]
        cli.main.get_command(None, name)  # type: ignore[arg-type]


def _command(request: dict[str, Any], fds: list[int]) -> None:
    """In the command's process: become it, run it, never return."""
    code = 1
    try:
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        tempfile.tempdir = None  # read again from this environment's TMPDIR
        for target, fd in enumerate(fds):  # the caller's stdin, stdout, stderr
            os.dup2(fd, target)
            os.close(fd)
        sys.argv = ["cmlreport", *request["argv"]]
        from cmlreport.cli import main

        try:
            main(args=request["argv"], prog_name="python -m cmlreport")
            code = 0
        except SystemExit as exc:
            if exc.code is None or isinstance(exc.code, int):
                code = exc.code or 0
            else:
                print(exc.code, file=sys.stderr)
        except BaseException:
            traceback.print_exc()
        atexit._run_exitfuncs()
    finally:
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)


def _receive(conn: socket.socket) -> tuple[dict[str, Any], list[int]]:
    """One request: a JSON line, the caller's three standard streams passed along with it."""
    data, fds, _, _ = socket.recv_fds(conn, 1 << 16, 3)
    while not data.endswith(b"\n"):
        chunk = conn.recv(1 << 16)
        if not chunk:
            raise EOFError("the caller hung up mid-request")
        data += chunk
    return json.loads(data), list(fds)


def _handle(conn: socket.socket) -> None:
    """In the handler's process: start the command, report its pid, then how it ended."""
    with conn:
        request, fds = _receive(conn)
        pid = os.fork()
        if pid == 0:
            conn.close()
            _command(request, fds)
        for fd in fds:  # the command's now: its end of a pipe must close when it exits
            os.close(fd)
        conn.sendall(json.dumps({"pid": pid}).encode() + b"\n")
        _, status, usage = os.wait4(pid, 0)
        cpu = usage.ru_utime + usage.ru_stime
        answer = {"status": status, "maxrss_kib": usage.ru_maxrss, "cpu": cpu}
        conn.sendall(json.dumps(answer).encode() + b"\n")


def serve(path: str) -> None:
    _preload()
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(64)
    print("ready", flush=True)  # the client waits for this line
    while True:
        conn, _ = listener.accept()
        with contextlib.suppress(ChildProcessError):
            while os.waitpid(-1, os.WNOHANG)[0]:
                pass  # reap finished handlers
        if os.fork() == 0:
            listener.close()
            signal.signal(signal.SIGINT, signal.default_int_handler)
            try:
                _handle(conn)
            finally:
                os._exit(0)
        conn.close()


if __name__ == "__main__":
    serve(sys.argv[1])
