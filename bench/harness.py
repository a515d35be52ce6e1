"""What every bench script shares: a clean child environment, timing, throwaway git repos, tables.

Not a test helper: nothing here asserts; scripts print figures and decide their own exit code.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

REPO_ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
GIT_IDENTITY = ("-c", "user.name=bench", "-c", "user.email=bench@example.invalid")

if str(REPO_ROOT) not in sys.path:
    # Measure the tree this script lives in, even from a Python where cmlreport is not installed.
    sys.path.insert(0, str(REPO_ROOT))


def parse_repeat(description: str, default: int) -> int:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(
        "--repeat",
        type=int,
        default=default,
        metavar="N",
        help=f"timed runs per measurement (default {default}); the figures are median and min",
    )
    repeat: int = parser.parse_args().repeat
    if repeat < 1:
        parser.error("--repeat must be at least 1")
    return repeat


def child_env(tmp: Path | None = None) -> dict[str, str]:
    """The environment for every subprocess: no CI context, no user git config, no telemetry.

    A CI variable left over from the shell running the bench (GITHUB_STEP_SUMMARY, say) would
    change what `cmlreport report` does and so what is measured.
    """
    dropped = ("GITHUB_", "GITLAB_", "CI_", "RUNNER_", "GIT_", "DVC_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(dropped) and k != "CI"}
    path = env.get("PATH", "")
    env.update(
        PATH=f"{BIN}{os.pathsep}{path}" if path else str(BIN),
        PYTHONPATH=str(REPO_ROOT),
        GIT_CONFIG_GLOBAL=os.devnull,
        GIT_CONFIG_NOSYSTEM="1",
        GIT_TERMINAL_PROMPT="0",
        MPLBACKEND="Agg",
        DVC_NO_ANALYTICS="1",
        DVC_NO_UPDATER="1",
        LC_ALL="C",
    )
    if tmp is not None:
        # dvc keeps a per-repo cache under /var/tmp by default; keep it inside the temp dir.
        env["DVC_SITE_CACHE_DIR"] = str(tmp / "dvc-site-cache")
    return env


def cmlreport_command() -> list[str]:
    """The console script next to the interpreter, as CI runs it; `python -m` when absent."""
    script = BIN / "cmlreport"
    return [str(script)] if script.exists() else [sys.executable, "-m", "cmlreport"]


def dvc_command() -> list[str] | None:
    script = BIN / "dvc"
    return [str(script)] if script.exists() else None


class CommandFailed(Exception):
    def __init__(self, args: Sequence[str], proc: subprocess.CompletedProcess[str]) -> None:
        last = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["(no output)"]
        super().__init__(f"{' '.join(args)} exited {proc.returncode}: {last[0]}")


def run(
    args: Sequence[str], cwd: Path, env: dict[str, str], ok_codes: tuple[int, ...] = (0,)
) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        list(args),
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if proc.returncode not in ok_codes:
        raise CommandFailed(args, proc)
    return proc


def time_command(
    args: Sequence[str], cwd: Path, env: dict[str, str], repeat: int, warmup: int = 1
) -> list[float]:
    """Wall seconds of ``repeat`` fresh runs; the warm-up runs fill the OS file cache and pyc."""
    for _ in range(warmup):
        run(args, cwd, env)
    times: list[float] = []
    for _ in range(repeat):
        start = time.perf_counter()
        run(args, cwd, env)
        times.append(time.perf_counter() - start)
    return times


@dataclass(frozen=True)
class Timing:
    median: float
    min: float

    @classmethod
    def of(cls, times: Sequence[float]) -> Timing:
        return cls(statistics.median(times), min(times))


def git(repo: Path, *args: str) -> str:
    return run(["git", *GIT_IDENTITY, *args], repo, child_env()).stdout.strip()


def init_repo(path: Path, env: dict[str, str]) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    run(["git", "-c", "init.defaultBranch=main", "init", "-q", str(path)], path, env)
    return path


def commit_all(repo: Path, message: str) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--no-verify", "-m", message)


def seconds(value: float) -> str:
    return f"{value:.3f} s"


def print_table(headers: Sequence[str], rows: Sequence[Sequence[str]], title: str = "") -> None:
    """A plain aligned table: first column left-aligned, the figures right-aligned."""
    widths = [max(len(str(c)) for c in col) for col in zip(headers, *rows, strict=False)]

    def line(cells: Sequence[str]) -> str:
        parts = [
            str(c).ljust(w) if i == 0 else str(c).rjust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ]
        return "  ".join(parts).rstrip()

    if title:
        print(title)
    print(line(headers))
    print(line(["-" * w for w in widths]))
    for row in rows:
        print(line(row))
    print()


def exit_with(main: Callable[[], int]) -> NoReturn:
    """Run a script's main; a command that failed is one line on stderr and exit 1."""
    try:
        code = main()
    except CommandFailed as exc:
        print(f"bench failed: {exc}", file=sys.stderr)
        code = 1
    sys.exit(code)
