"""cmlreport diff vs dvc metrics diff at 1k..1M keys, report at 100k keys, slices at many labels.

Wall time and peak RSS of each command (a fresh child process, `resource` of children), side by
side. Usage: `python bench/scale.py [--sizes 1000,10000,100000] [--labels 400000]`.
"""

from __future__ import annotations

import argparse
import json
import random
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
    run(args, cwd, env, ok_codes=(0, 1))  # warm-up: pyc and file cache
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


def measure_report(metrics: str, repo: Path, env: dict[str, str]) -> tuple[float, int]:
    """`cmlreport report` on one metrics file against main, no charts: time and peak RSS."""
    args = ["report", "-m", metrics, "--base", "main", "--charts", "none", "-o", "r.md"]
    return measure([*cmlreport_command(), *args], repo, env)


def diff_row(n: int, tmp: Path, env: dict[str, str]) -> list[str]:
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
    ours = measure(
        [*cmlreport_command(), "diff", "metrics.json", "--base", "main", "--format", "json"],
        repo,
        env,
    )
    theirs = (
        measure([*dvc, "metrics", "diff", "main", "--json"], repo, env)
        if dvc
        else (float("nan"), 0)
    )
    rep = measure_report("metrics.json", repo, env)
    figures = [f"{ours[0]:.2f} s", f"{ours[1]} MiB", f"{theirs[0]:.2f} s", f"{theirs[1]} MiB"]
    return [f"{n:,}", *figures, f"{theirs[0] / ours[0]:.2f}x", f"{rep[0]:.2f} s", f"{rep[1]} MiB"]


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
    rep = measure_report("per_class.csv", repo, env)
    return [f"{labels:,} labels", f"{rep[0]:.2f} s", f"{rep[1]} MiB"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--sizes", default="1000,10000,100000", help="key counts, comma-separated (1000000 is slow)"
    )
    parser.add_argument(
        "--labels", type=int, default=400_000, help="per-class rows for the slices run (0: skip)"
    )
    opts = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        env = child_env(tmp)
        rows = [diff_row(int(n), tmp, env) for n in opts.sizes.split(",")]
        heads = ["keys", "cml diff", "cml RSS", "dvc diff", "dvc RSS", "x", "report", "RSS"]
        print_table(heads, rows, "diff vs dvc metrics diff (goal >= 2x); report (goal < 2 s)")
        if opts.labels:
            print_table(
                ["per-class", "report --charts none", "RSS"],
                [slices_row(opts.labels, tmp, env)],
                "slices (goal < 5 s at 400k)",
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
