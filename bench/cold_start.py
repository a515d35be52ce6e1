"""Cold start of `cmlreport --help` and each subcommand's `--help`, as fresh processes.

CI runs `cmlreport` once or twice per job, so start-up is paid every time; the goal is under
0.15 s, read against the bare interpreter's own start-up (`python -c pass`).
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from harness import (
    BIN,
    Timing,
    child_env,
    exit_with,
    parse_repeat,
    print_table,
    run,
    seconds,
    time_command,
)

GOAL = 0.15
HEAVY = (
    "matplotlib",
    "github",
    "gitlab",
    "boto3",
    "botocore",
    "numpy",
    "yaml",
    "tabulate",
    "requests",
)
SUBCOMMANDS: tuple[tuple[str, ...], ...] = (
    (),
    ("report",),
    ("diff",),
    ("plot",),
    ("demo",),
    ("send-comment",),
    ("check",),
    ("runner", "launch"),
)

# Runs the click group in a child exactly as the console script does, then reports what got
# imported. The JSON goes on the last stdout line, after the help text.
_PROBE = """
import json, sys
from cmlreport.cli import main
try:
    main(sys.argv[1:], prog_name="cmlreport")
except SystemExit:
    pass
heavy = sorted({m.split(".")[0] for m in sys.modules} & set(json.loads(HEAVY)))
print(json.dumps({"heavy": heavy, "modules": len(sys.modules)}))
"""


def label(sub: tuple[str, ...]) -> str:
    return " ".join(("cmlreport", *sub, "--help"))


def import_profile(sub: tuple[str, ...], cwd: Path) -> tuple[list[str], int, float, str]:
    """Heavy modules loaded, module count, summed import time and the slowest top-level import."""
    code = _PROBE.replace("HEAVY", repr(json.dumps(HEAVY)))
    proc = run([sys.executable, "-X", "importtime", "-c", code, *sub, "--help"], cwd, child_env())
    found = json.loads(proc.stdout.strip().splitlines()[-1])
    total_us = 0
    slowest = ("", 0)
    for line in proc.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        self_us, cumulative, name = _fields(line)
        total_us += self_us
        if not name.startswith(" ") and cumulative > slowest[1]:
            slowest = (name, cumulative)
    top = f"{slowest[0]} {slowest[1] / 1000:.0f} ms" if slowest[0] else "-"
    return list(found["heavy"]), int(found["modules"]), total_us / 1e6, top


def _fields(line: str) -> tuple[int, int, str]:
    # "import time:       self |  cumulative | <indent>name"; the indent marks nesting.
    head, cumulative, name = line.split("|", 2)
    self_us = int(head.removeprefix("import time:").strip())
    return self_us, int(cumulative.strip()), name[1:]


def main() -> int:
    repeat = parse_repeat(__doc__.splitlines()[0], default=20)
    python_m = [sys.executable, "-m", "cmlreport"]
    script = BIN / "cmlreport"
    with tempfile.TemporaryDirectory(prefix="cmlreport-bench-") as tmp:
        cwd = Path(tmp)  # outside any git repository or project settings
        env = child_env()
        baseline = Timing.of(time_command([sys.executable, "-c", "pass"], cwd, env, repeat))
        rows = [
            [
                "python -c pass (baseline)",
                "",
                seconds(baseline.median),
                seconds(baseline.min),
                "",
                "",
            ]
        ]
        worst = 0.0
        for sub in SUBCOMMANDS:
            launchers = [("python -m", python_m)]
            if script.exists():
                launchers.append(("console script", [str(script)]))
            for how, prefix in launchers:
                t = Timing.of(time_command([*prefix, *sub, "--help"], cwd, env, repeat))
                worst = max(worst, t.median)
                rows.append(
                    [
                        label(sub),
                        how,
                        seconds(t.median),
                        seconds(t.min),
                        f"+{t.median - baseline.median:.3f} s",
                        "ok" if t.median < GOAL else "OVER",
                    ]
                )
        print_table(
            ["command", "launched as", "median", "min", "over baseline", f"< {GOAL} s"],
            rows,
            title=f"Cold start, wall time over {repeat} fresh processes (goal < {GOAL} s)",
        )
        profile_rows = []
        for sub in SUBCOMMANDS:
            heavy, modules, import_s, top = import_profile(sub, cwd)
            profile_rows.append(
                [
                    label(sub),
                    str(modules),
                    f"{import_s * 1000:.0f} ms",
                    top,
                    ", ".join(heavy) or "none",
                ]
            )
        print_table(
            [
                "command",
                "modules",
                "import time",
                "slowest top-level import",
                "heavy modules loaded",
            ],
            profile_rows,
            title=f"Imports (-X importtime, sys.modules); heavy = {', '.join(HEAVY)}",
        )
    verdict = "meets" if worst < GOAL else "misses"
    print(
        f"slowest median {worst:.3f} s {verdict} the goal of {GOAL} s "
        f"(baseline python start-up {baseline.median:.3f} s)"
    )
    return 0


if __name__ == "__main__":
    exit_with(main)
