"""cmlreport diff vs dvc metrics diff at 1k..1M keys, report at 100k keys, slices at many labels.

Wall time and peak RSS of each command (a fresh child process, `resource` of children), side by
side. Usage: `python bench/scale.py [--sizes 1000,10000,100000] [--labels 400000] [--repeat 3]
[--format json|table|md]`;
with --repeat, cmlreport and dvc run in turn, round after round, and the figures are min / median.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from harness import (
    child_env,
    cmlreport_command,
    commit_all,
    dvc_command,
    git,
    init_repo,
    print_table,
    run,
)

SEED = 20240611


def measure(args: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, int]:
    """Wall seconds and peak RSS (MiB) of one fresh run, in its own process via /usr/bin/time."""
    start = time.perf_counter()
    proc = subprocess.run(
        ["/usr/bin/time", "-f", "%M", *args],
        cwd=cwd, env=env, capture_output=True, text=True, check=False, timeout=1200,
    )  # fmt: skip
    wall = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise SystemExit(f"bench failed: {' '.join(args)}: {proc.stderr.strip()[-300:]}")
    peak_kib = int(proc.stderr.strip().splitlines()[-1])
    return wall, peak_kib // 1024


class Runs:
    """Timed runs of one command: min and median wall time, the highest peak RSS."""

    def __init__(self) -> None:
        self.walls: list[float] = []
        self.peak = 0

    def add(self, measured: tuple[float, int]) -> None:
        self.walls.append(measured[0])
        self.peak = max(self.peak, measured[1])

    @property
    def min(self) -> float:
        return min(self.walls) if self.walls else float("nan")

    @property
    def median(self) -> float:
        return statistics.median(self.walls) if self.walls else float("nan")

    def text(self) -> str:
        if len(self.walls) == 1:
            return f"{self.walls[0]:.2f} s"
        return f"{self.min:.2f} / {self.median:.2f} s"


def interleaved(commands: list[list[str]], cwd: Path, env: dict[str, str]) -> list[Runs]:
    """Each command once untimed (pyc, file cache), then REPEAT rounds of one run of each in
    turn: commands compared back to back share the machine's load of the moment."""
    for args in commands:
        run(args, cwd, env, ok_codes=(0, 1))
    runs = [Runs() for _ in commands]
    for _ in range(REPEAT):
        for args, timed in zip(commands, runs, strict=True):
            timed.add(measure(args, cwd, env))
    return runs


REPEAT = 1  # --repeat


Groups = dict[str, dict[str, float]]  # metrics.json: group -> metric -> value


def metrics(n: int, rng: random.Random, changed: float) -> tuple[Groups, Groups]:
    groups = max(1, n // 100)
    base = {
        f"g{g:05d}": {f"m{m:03d}": round(rng.random(), 6) for m in range(100)}
        for g in range(groups)
    }
    head = {
        g: {m: (round(v + 0.01, 6) if rng.random() < changed else v) for m, v in ms.items()}
        for g, ms in base.items()
    }
    return base, head


def report_command(metrics: str) -> list[str]:
    """`cmlreport report` on one metrics file against main, no charts."""
    args = ["report", "-m", metrics, "--base", "main", "--charts", "none", "-o", "r.md"]
    return [*cmlreport_command(), *args]


def diff_row(n: int, tmp: Path, env: dict[str, str], fmt: str = "json") -> list[str]:
    repo = init_repo(tmp / f"diff{n}", env)
    dvc = dvc_command()
    if dvc:
        run([*dvc, "init", "-q"], repo, env)
        (repo / "dvc.yaml").write_text("metrics:\n  - metrics.json\n", encoding="utf-8")
    base, head = metrics(n, random.Random(SEED), 0.3)
    (repo / "metrics.json").write_text(json.dumps(base, indent=2), encoding="utf-8")
    commit_all(repo, "base")
    git(repo, "switch", "-q", "-c", "head")
    (repo / "metrics.json").write_text(json.dumps(head, indent=2), encoding="utf-8")
    commit_all(repo, "head")
    # Each tool's default output (a table) or, with --format json, both tools' JSON.
    ours = [*cmlreport_command(), "diff", "metrics.json", "--base", "main"]
    theirs = [*dvc, "metrics", "diff", "main"] if dvc else None
    if fmt != "table":
        ours += ["--format", fmt]
        theirs = [*theirs, "--json" if fmt == "json" else "--md"] if theirs else None
    commands = [ours, *([theirs] if theirs else []), report_command("metrics.json")]
    timed = interleaved(commands, repo, env)
    cml, rep = timed[0], timed[-1]
    dvc_runs = timed[1] if theirs else Runs()
    return [
        f"{n:,}",
        cml.text(),
        f"{cml.peak} MiB",
        dvc_runs.text(),
        f"{dvc_runs.peak} MiB",
        f"{dvc_runs.min / cml.min:.2f}x / {dvc_runs.median / cml.median:.2f}x",
        rep.text(),
        f"{rep.peak} MiB",
    ]


def slices_row(labels: int, tmp: Path, env: dict[str, str]) -> list[str]:
    repo = init_repo(tmp / "slices", env)
    rng = random.Random(SEED)
    rows = [
        (f"label_{i:07d}", rng.random(), rng.random(), rng.randint(1, 500)) for i in range(labels)
    ]

    def write(shift: float) -> None:
        text = "label,precision,f1,support\n" + "".join(
            f"{n},{p:.6f},{min(1.0, f + shift * (i % 7 == 0)):.6f},{s}\n"
            for i, (n, p, f, s) in enumerate(rows)
        )
        (repo / "per_class.csv").write_text(text, encoding="utf-8")

    write(0.0)
    commit_all(repo, "base")
    git(repo, "switch", "-q", "-c", "head")
    write(0.05)
    commit_all(repo, "head")
    (rep,) = interleaved([report_command("per_class.csv")], repo, env)
    return [f"{labels:,} labels", rep.text(), f"{rep.peak} MiB"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--sizes", default="1000,10000,100000", help="key counts, comma-separated (1000000 is slow)"
    )
    parser.add_argument(
        "--labels", type=int, default=400_000, help="per-class rows for the slices run (0: skip)"
    )
    parser.add_argument(
        "--repeat", type=int, default=1, help="timed rounds (figures: min / median when > 1)"
    )
    parser.add_argument(
        "--format",
        choices=("json", "table", "md"),
        default="json",
        help="both tools' JSON (the default), each one's default table, or markdown",
    )
    opts = parser.parse_args()
    global REPEAT
    REPEAT = max(1, opts.repeat)
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        env = child_env(tmp)
        rows = [diff_row(int(n), tmp, env, opts.format) for n in opts.sizes.split(",")]
        heads = ["keys", "cml diff", "cml RSS", "dvc diff", "dvc RSS", "dvc/cml", "report", "RSS"]
        print_table(heads, rows, "diff vs dvc metrics diff (goal >= 2x); report (goal < 2 s)")
        if opts.labels:
            print_table(
                ["per-class", "report --charts none", "RSS"],
                [slices_row(opts.labels, tmp, env)],
                "slices (goal < 5 s at 400k)",
            )
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
