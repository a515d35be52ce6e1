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
import subprocess
import sys
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

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
    command = [sys.executable, "-m", "cmlreport", *args]
    if mode == "pipe":
        proc = subprocess.run(
            command, cwd=cwd, env=env, capture_output=True, stdin=subprocess.DEVNULL, timeout=180
        )
        return Captured(proc.returncode, proc.stdout, proc.stderr)
    if mode == "file":
        out_path = cwd.parent / f".stdout-{os.getpid()}-{threading.get_ident()}"
        with out_path.open("wb") as out:
            proc = subprocess.run(
                command,
                cwd=cwd,
                env=env,
                stdout=out,
                stderr=subprocess.PIPE,
                stdin=subprocess.DEVNULL,
                timeout=180,
            )
        data = out_path.read_bytes()
        out_path.unlink()
        return Captured(proc.returncode, data, proc.stderr)
    assert mode == "tty", mode
    return _in_terminal(command, cwd, env)


def _in_terminal(command: list[str], cwd: Path, env: dict[str, str]) -> Captured:
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        command, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=slave, stderr=slave
    )
    os.close(slave)
    chunks: list[bytes] = []

    def read() -> None:  # concurrently: a full terminal buffer would block the CLI
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: every writer has closed the terminal
                return
            if not chunk:
                return
            chunks.append(chunk)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    code = proc.wait(timeout=180)
    reader.join(timeout=30)
    os.close(master)
    # The terminal turns \n into \r\n on output: undo that, keep every other byte as it came.
    return Captured(code, b"".join(chunks).replace(b"\r\n", b"\n"), b"")


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
