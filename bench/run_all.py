"""Run every bench script in turn and print all their figures, then one line per script.

Each script runs as its own process (as a user would run it), so one failing does not stop the
others; the exit code is 1 when any of them failed or found a broken contract.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

from harness import print_table

SCRIPTS = (
    "cold_start.py",
    "diff_10k.py",
    "report_slices.py",
    "sticky_scale.py",
    "budget_cut.py",
    "predictions.py",
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--repeat",
        type=int,
        metavar="N",
        help="passed to every script (default: each script's own default)",
    )
    repeat: int | None = parser.parse_args().repeat
    if repeat is not None and repeat < 1:
        parser.error("--repeat must be at least 1")
    here = Path(__file__).resolve().parent
    summary: list[list[str]] = []
    for name in SCRIPTS:
        args = [sys.executable, str(here / name)]
        if repeat is not None:
            args += ["--repeat", str(repeat)]
        print(f"=== {name} ===", flush=True)
        start = time.perf_counter()
        # Output goes straight through: the figures appear as each script prints them.
        code = subprocess.run(args, stdin=subprocess.DEVNULL, check=False).returncode
        took = time.perf_counter() - start
        print(flush=True)
        summary.append([name, f"{took:.1f} s", "ok" if code == 0 else f"FAILED (exit {code})"])
    print_table(["script", "took", "result"], summary, title="=== summary ===")
    return 0 if all(row[2] == "ok" for row in summary) else 1


if __name__ == "__main__":
    sys.exit(main())
