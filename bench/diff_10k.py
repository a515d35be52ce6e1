"""`cmlreport diff` vs `dvc metrics diff` on a 10,000-key metrics file, ~30 % of values changed.

Also times the pure in-process parts (parse both revisions, diff, render JSON) so a slow CLI
figure can be split into start-up, git and the work itself.
"""

from __future__ import annotations

import json
import math
import random
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from harness import (
    Timing,
    child_env,
    cmlreport_command,
    commit_all,
    dvc_command,
    exit_with,
    git,
    init_repo,
    parse_repeat,
    print_table,
    run,
    seconds,
)

GROUPS = 100
METRICS_PER_GROUP = 100  # 100 x 100 = 10,000 keys, nested two levels: group_i.metric_j
CHANGED_SHARE = 0.30
SEED = 20240611


def make_metrics(rng: random.Random) -> tuple[dict[str, dict[str, float]], dict[str, Any]]:
    """Base and head documents; exactly CHANGED_SHARE of the keys differ at head."""
    base = {
        f"group_{g:03d}": {
            f"metric_{m:03d}": round(rng.random(), 6) for m in range(METRICS_PER_GROUP)
        }
        for g in range(GROUPS)
    }
    keys = [(g, m) for g, metrics in base.items() for m in metrics]
    changed = rng.sample(keys, round(len(keys) * CHANGED_SHARE))
    head: dict[str, Any] = {g: dict(metrics) for g, metrics in base.items()}
    for g, m in changed:
        # Never zero, so every sampled key really changes.
        head[g][m] = round(base[g][m] + rng.choice((-1, 1)) * rng.uniform(1e-4, 0.1), 6)
    return base, head


def best_of(repeat: int, action: Callable[[], object]) -> Timing:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return Timing.of(times)


def in_process(base_text: str, head_text: str, repeat: int) -> list[list[str]]:
    from cmlreport.metrics.diff import diff_metrics
    from cmlreport.metrics.load import parse_metrics
    from cmlreport.report import diffview

    base = parse_metrics("metrics.json", base_text)
    head = parse_metrics("metrics.json", head_text)
    diffs = diff_metrics(base.scalars, head.scalars)
    shown = diffview.visible(diffs, show_all=False)
    load = best_of(
        repeat,
        lambda: (
            parse_metrics("metrics.json", base_text),
            parse_metrics("metrics.json", head_text),
        ),
    )
    diff = best_of(repeat, lambda: diff_metrics(base.scalars, head.scalars))
    render = best_of(repeat, lambda: diffview.to_json(shown))
    return [
        ["in-process: load base + head (parse, flatten)", seconds(load.median), seconds(load.min)],
        ["in-process: diff_metrics (10,000 keys)", seconds(diff.median), seconds(diff.min)],
        ["in-process: render JSON (changed keys)", seconds(render.median), seconds(render.min)],
    ]


def timed_json(args: list[str], cwd: Path, env: dict[str, str], repeat: int) -> tuple[Timing, Any]:
    run(args, cwd, env)  # warm-up: pyc files and the OS file cache
    times = []
    output = ""
    for _ in range(repeat):
        start = time.perf_counter()
        output = run(args, cwd, env).stdout
        times.append(time.perf_counter() - start)
    return Timing.of(times), json.loads(output)


def same_entry(ours: dict[str, Any], theirs: dict[str, Any]) -> bool:
    return all(
        isinstance(ours.get(f), (int, float))
        and isinstance(theirs.get(f), (int, float))
        and math.isclose(ours[f], theirs[f], rel_tol=1e-12, abs_tol=1e-15)
        for f in ("old", "new", "diff")
    )


def main() -> int:
    repeat = parse_repeat(__doc__.splitlines()[0], default=5)
    rng = random.Random(SEED)
    base, head = make_metrics(rng)
    base_text = json.dumps(base, indent=2) + "\n"
    head_text = json.dumps(head, indent=2) + "\n"
    expected = round(GROUPS * METRICS_PER_GROUP * CHANGED_SHARE)
    dvc = dvc_command()
    with tempfile.TemporaryDirectory(prefix="cmlreport-bench-") as tmp:
        env = child_env(Path(tmp))
        repo = init_repo(Path(tmp) / "repo", env)
        if dvc is not None:
            run([*dvc, "init", "-q"], repo, env)
            # Top-level `metrics:` lets `dvc metrics diff main` find the file without --targets.
            (repo / "dvc.yaml").write_text("metrics:\n  - metrics.json\n", encoding="utf-8")
        (repo / "metrics.json").write_text(base_text, encoding="utf-8")
        commit_all(repo, "base metrics")
        git(repo, "switch", "-q", "-c", "retrain")
        (repo / "metrics.json").write_text(head_text, encoding="utf-8")
        commit_all(repo, "retrained: 30 % of the metrics moved")

        ours_args = [*cmlreport_command(), "diff", "metrics.json", "--base", "main"]
        ours_time, ours = timed_json([*ours_args, "--format", "json"], repo, env, repeat)
        rows = [["cmlreport diff --format json", seconds(ours_time.median), seconds(ours_time.min)]]
        theirs: dict[str, Any] | None = None
        if dvc is not None:
            dvc_time, dvc_out = timed_json(
                [*dvc, "metrics", "diff", "main", "--json"], repo, env, repeat
            )
            theirs = {k: v for per_file in dvc_out.values() for k, v in per_file.items()}
            rows.append(
                ["dvc metrics diff main --json", seconds(dvc_time.median), seconds(dvc_time.min)]
            )
        rows += in_process(base_text, head_text, repeat)

    print_table(
        ["what", "median", "min"],
        rows,
        title=f"Diff of {GROUPS * METRICS_PER_GROUP:,} metrics, {expected:,} changed, "
        f"over {repeat} runs",
    )
    ours_changed = {k for k, v in ours.items() if v.get("status") == "changed"}
    agree = [["expected (values changed by the script)", f"{expected:,}"]]
    agree.append(["cmlreport diff: changed keys", f"{len(ours_changed):,}"])
    ok = len(ours_changed) == expected and len(ours) == expected
    if theirs is None:
        agree.append(["dvc metrics diff", "dvc not installed next to python: skipped"])
    else:
        agree.append(["dvc metrics diff: changed keys", f"{len(theirs):,}"])
        same_keys = set(theirs) == ours_changed
        agree.append(["same key set", "yes" if same_keys else "NO"])
        differing = [k for k in ours_changed & set(theirs) if not same_entry(ours[k], theirs[k])]
        agree.append(["keys where old/new/diff differ", f"{len(differing):,}"])
        ok = ok and same_keys and not differing
    print_table(["check", "value"], agree, title="Agreement")
    print("both tools agree" if ok else "MISMATCH: see the table above")
    return 0 if ok else 1


if __name__ == "__main__":
    exit_with(main)
