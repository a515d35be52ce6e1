"""The fork server behind ``tests.launch``: one Python with cmlreport already imported.

Started once per test process (``python tests/launch_server.py SOCKET``). For each connection
it forks a handler, which forks the command: a child process that takes the request's working
directory, environment and standard streams, runs ``cmlreport.cli.main`` as ``python -m
cmlreport`` does, and exits with its code. The handler reports the command's pid, then its exit
status and peak RSS (``wait4``). The server itself never blocks on a command, so several can run
at once, and it holds no thread, so forking it is safe.
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


def _open(path: str | None, flags: int) -> int:
    return os.open(path or os.devnull, flags, 0o600)


def _command(request: dict[str, Any]) -> None:
    """In the command's process: become it, run it, never return."""
    code = 1
    try:
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        tempfile.tempdir = None  # read again from this environment's TMPDIR
        write = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
        for fd, opened in (
            (0, _open(request["stdin"], os.O_RDONLY)),
            (1, _open(request["stdout"], write)),
            (2, _open(request["stderr"], write)),
        ):
            os.dup2(opened, fd)
            os.close(opened)
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


def _handle(conn: socket.socket) -> None:
    """In the handler's process: start the command, report its pid, then how it ended."""
    with conn, conn.makefile("rwb") as stream:
        request = json.loads(stream.readline())
        pid = os.fork()
        if pid == 0:
            stream.close()
            conn.close()
            _command(request)
        stream.write(json.dumps({"pid": pid}).encode() + b"\n")
        stream.flush()
        _, status, usage = os.wait4(pid, 0)
        answer = {"status": status, "maxrss_kib": usage.ru_maxrss}
        stream.write(json.dumps(answer).encode() + b"\n")
        stream.flush()


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
