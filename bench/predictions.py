"""`cmlreport report --predictions` on 100,000 predictions of 4,000 classes, 1,000 resamples.

The measure of issue 12: the whole report (read both files, score them, bootstrap head and the
delta, McNemar, calibration (ECE and Brier with their bootstrap), the grown confusions, 10,000
groups of ``--slice-by group`` with the gap's bootstrap, render, write the JSON) in under 10 s
and under 1 GB on a 2-core machine.
Three cases: paired by id (one resampling for both runs), unpaired (base rows shuffled and
without ids: two resamplings), and head alone. Each is a fresh `cmlreport` process; the peak
memory is the largest resident set of the child processes.
"""

from __future__ import annotations

import json
import random
import sys
import tempfile
from pathlib import Path

from harness import (
    Timing,
    child_env,
    cmlreport_command,
    exit_with,
    parse_repeat,
    print_table,
    seconds,
    time_command,
)
from harness import run as run_command

EXAMPLES = 100_000
CLASSES = 4_000
RESAMPLES = 1_000
GOAL_SECONDS = 10.0
GOAL_BYTES = 1 << 30
GROUPS = 10_000


def write_runs(folder: Path) -> None:
    rng = random.Random(12)
    labels = [f"r/sub{c:04d}" for c in range(CLASSES)]
    truth = [rng.choice(labels) for _ in range(EXAMPLES)]

    def guess(t: str, right: float) -> str:
        return t if rng.random() < right else rng.choice(labels)

    head = [guess(t, 0.62) for t in truth]
    base = [guess(t, 0.60) for t in truth]
    header = "id,y_true,y_pred,score,group\n"
    for name, run in (("head", head), ("base", base)):
        rows = [
            f"ex{i},{t},{p},{rng.random():.4f},g{i % GROUPS}"
            for i, (t, p) in enumerate(zip(truth, run, strict=True))
        ]
        (folder / f"{name}.csv").write_text(header + "\n".join(rows) + "\n")
    shuffled = [
        f"{t},{b},{rng.random():.4f},g{i % GROUPS}"
        for i, (t, b) in enumerate(zip(truth, base, strict=True))
    ]
    rng.shuffle(shuffled)
    (folder / "base_unpaired.csv").write_text(
        "y_true,y_pred,score,group\n" + "\n".join(shuffled) + "\n"
    )


# A fresh interpreter runs the command and reports its child's peak resident set (Linux: KiB),
# so each case's figure is its own, not the largest of every process the bench has waited for.
_PEAK = (
    "import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, "
    "capture_output=True); print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
)


def peak_rss(cmd: list[str], folder: Path, env: dict[str, str]) -> int:
    """Bytes: the peak resident set of one run of ``cmd``."""
    out = run_command([sys.executable, "-c", _PEAK, *cmd], folder, env).stdout
    return int(out.split()[-1]) * 1024


def main() -> int:
    repeat = parse_repeat(__doc__ or "", default=3)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        write_runs(folder)
        env = child_env(folder)
        base_cmd = [*cmlreport_command(), "report", "--no-base", "--charts", "none"]
        base_cmd += ["--predictions", "head.csv", "--resamples", str(RESAMPLES)]
        base_cmd += ["--slice-by", "group"]
        cases = {
            "paired by id": ["--base-predictions", "base.csv"],
            "unpaired": ["--base-predictions", "base_unpaired.csv"],
            "head alone": [],
        }
        rows: list[list[str]] = []
        worst = (0.0, 0)
        for name, extra in cases.items():
            cmd = [*base_cmd, *extra, "--json", "r.json"]
            t = Timing.of(time_command(cmd, folder, env, repeat))
            rss = peak_rss(cmd, folder, env)
            doc = json.loads((folder / "r.json").read_text())
            pairing = doc["predictions"]["pairing"]
            f1 = next(m for m in doc["metrics"] if m["key"] == "predictions.f1_macro")
            interval = f"[{f1['ci_low']:.4f}, {f1['ci_high']:.4f}]"
            ece = next(m for m in doc["metrics"] if m["key"] == "predictions.ece")
            interval += f", ECE {ece['head']:.4f} [{ece['ci_low']:.4f}, {ece['ci_high']:.4f}]"
            rows.append([name, seconds(t.median), seconds(t.min), f"{rss / 2**20:,.0f} MiB"])
            rows[-1] += [interval, pairing.split(" (")[0].split(":")[0]]
            worst = (max(worst[0], t.median), max(worst[1], rss))
        headers = ["case", "median", "min", "peak RSS", "head f1_macro, ECE 95 % CI", "pairing"]
        title = (
            f"report --predictions: {EXAMPLES:,} examples, {CLASSES:,} classes, "
            f"{RESAMPLES:,} resamples (repeat {repeat})"
        )
        print_table(headers, rows, title=title)
        ok_time, ok_memory = worst[0] < GOAL_SECONDS, worst[1] < GOAL_BYTES
        print(f"goal: < {GOAL_SECONDS:.0f} s: {'met' if ok_time else 'NOT met'}")
        print(f"goal: < 1 GiB peak memory: {'met' if ok_memory else 'NOT met'}")
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    exit_with(main)
