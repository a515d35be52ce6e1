"""Run the CLI as CI and users capture it, and look for secrets and workflow commands in every byte.

A command's stdout goes to a pipe (``url=$(cmlreport ...)``, ``| tee log``), to a file
(``> preview.md``) or to a terminal (a pseudo-terminal, so the CLI sees ``isatty()``); stderr
goes to a pipe, or to the same terminal. Nothing here shares code with ``cmlreport.redact``:
the encoded forms a secret is looked for in are computed independently.
"""

from __future__ import annotations

import base64
import json
import os
import pty
import re
import tempfile
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from tests.launch import start_cmlreport

MODES = ("pipe", "file", "tty")
CORPUS = Path(__file__).resolve().parent / "corpus"


@dataclass
class Captured:
    code: int
    stdout: bytes
    stderr: bytes

    @property
    def text(self) -> str:
        return (self.stdout + self.stderr).decode("utf-8", errors="replace")

    @property
    def out(self) -> str:
        return self.stdout.decode("utf-8", errors="replace")

    @property
    def err(self) -> str:
        return self.stderr.decode("utf-8", errors="replace")


def cli(*args: str, cwd: Path, env: dict[str, str], mode: str = "pipe") -> Captured:
    """The CLI in its own process (``tests.launch``), stdout on a pipe, a file or a terminal."""
    if mode == "pipe":
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        readers = [_Reader(out_r), _Reader(err_r)]
        code = _run(args, cwd, env, out_w, err_w, close=(out_w, err_w))
        return Captured(code, readers[0].result(), readers[1].result())
    if mode == "file":
        with tempfile.TemporaryFile() as out:
            err_r, err_w = os.pipe()
            reader = _Reader(err_r)
            code = _run(args, cwd, env, out.fileno(), err_w, close=(err_w,))
            out.seek(0)
            return Captured(code, out.read(), reader.result())
    assert mode == "tty", mode
    master, slave = pty.openpty()
    reader = _Reader(master)
    code = _run(args, cwd, env, slave, slave, close=(slave,))
    # The terminal turns \n into \r\n on output: undo that, keep every other byte as it came.
    return Captured(code, reader.result().replace(b"\r\n", b"\n"), b"")


def _run(
    args: tuple[str, ...],
    cwd: Path,
    env: dict[str, str],
    out: int,
    err: int,
    close: tuple[int, ...],
) -> int:
    with open(os.devnull, "rb") as stdin:
        started = start_cmlreport(
            *args, cwd=cwd, env=env, stdin=stdin.fileno(), stdout=out, stderr=err
        )
    for fd in set(close):  # the command holds its own copies: EOF comes when it exits
        os.close(fd)
    code, _ = started.wait(timeout=180)
    return code


class _Reader:
    """Drain a pipe or terminal concurrently: a full buffer would block the CLI."""

    def __init__(self, fd: int) -> None:
        self.fd, self.chunks = fd, list[bytes]()
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        while True:
            try:
                chunk = os.read(self.fd, 65536)
            except OSError:  # EIO: every writer has closed the terminal
                return
            if not chunk:
                return
            self.chunks.append(chunk)

    def result(self) -> bytes:
        self.thread.join(timeout=30)
        os.close(self.fd)
        return b"".join(self.chunks)


def forms(secret: str) -> set[str]:
    """``secret`` as it may travel: clear, base64 inside a longer value at each byte offset
    (``base64(x-access-token:SECRET)``), URL-safe base64, URL- and JSON-escaped."""
    found = {secret, quote(secret, safe=""), json.dumps(secret)[1:-1]}
    for prefix in ("", "x", "xy"):
        for encode in (base64.b64encode, base64.urlsafe_b64encode):
            encoded = encode((prefix + secret + "tail").encode()).decode()
            # Four characters in from each end stay clear of the prefix and the tail.
            found.add(encoded[4:-8])
    return {f for f in found if len(f) >= 8}


def leaks(data: bytes | str, secrets: Iterable[str]) -> list[str]:
    text = data if isinstance(data, str) else data.decode("utf-8", errors="replace")
    return sorted({f for s in secrets for f in forms(s) if f in text})


def files_under(*roots: Path) -> dict[Path, bytes]:
    found: dict[Path, bytes] = {}
    for root in roots:
        paths = [root] if root.is_file() else root.rglob("*")
        for path in paths:
            if path.is_file() and ".git" not in path.parts:
                found[path] = path.read_bytes()
    return found


def assert_no_leak(
    result: Captured, secrets: Iterable[str], *roots: Path, inputs: Iterable[Path] = ()
) -> None:
    """No secret in stdout, stderr or any file under ``roots`` but the test's own ``inputs``."""
    secrets = list(secrets)
    skipped = {p.resolve() for p in inputs}
    assert not leaks(result.stdout, secrets), f"stdout holds a secret:\n{result.out}"
    assert not leaks(result.stderr, secrets), f"stderr holds a secret:\n{result.err}"
    for path, data in files_under(*roots).items():
        if path.resolve() in skipped:
            continue
        assert not leaks(data, secrets), f"{path} holds a secret"


_LINE_BREAKS = re.compile(r"\r\n|\r|\n")
# What a terminal acts on: C0 (but tab and newline), DEL, C1, bidi and zero-width controls.
_TERMINAL_CONTROLS = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\u2028\u2029]"
)


def workflow_commands(text: str) -> list[str]:
    """Lines the Actions runner would run: it splits on \\r, \\n and \\r\\n (ReadLine), takes
    ``::`` after TrimStart() (ActionCommand.TryParseV2) and ``##[`` anywhere (TryParse)."""
    return [
        line for line in _LINE_BREAKS.split(text) if line.lstrip().startswith("::") or "##[" in line
    ]


def terminal_controls(text: str) -> list[str]:
    return sorted({repr(m) for m in _TERMINAL_CONTROLS.findall(text)})


def assert_inert(result: Captured) -> None:
    """Nothing the CLI printed drives the CI or the terminal."""
    for name, data in (("stdout", result.stdout), ("stderr", result.stderr)):
        text = data.decode("utf-8", errors="surrogateescape")
        assert not workflow_commands(text), f"{name}: {workflow_commands(text)}"
        assert not terminal_controls(text), f"{name}: {terminal_controls(text)}\n{text}"
