"""`cmlreport report` on a 4,000-class per-class CSV, with and without PNG charts.

The story from the design: a text classifier over 4,000 labels retrained on new data, per-label
f1 moving roughly normally within about +-20 %, and a dozen labels swinging hard. The report must
stay under GitHub's 65,536-character comment limit and show the top movers, never all rows.
"""

from __future__ import annotations

import json
import random
import tempfile
from pathlib import Path

from harness import (
    Timing,
    child_env,
    cmlreport_command,
    commit_all,
    exit_with,
    git,
    init_repo,
    parse_repeat,
    print_table,
    seconds,
    time_command,
)

LABELS = 4_000
BIG_SWINGS = 12
COMMENT_LIMIT = 65_536
SEED = 4000
Row = tuple[str, float, float, float, int]


def _clip(x: float) -> float:
    return round(min(1.0, max(0.0, x)), 4)


def make_runs(rng: random.Random) -> tuple[list[Row], list[Row]]:
    """Base and head per-class rows: label, precision, recall, f1, support."""
    labels = [f"subreddit_{i:04d}" for i in range(LABELS)]
    picked = rng.sample(range(LABELS), BIG_SWINGS)
    # A burst of news on a topic: half the picked labels collapse, half jump from a weak start.
    down, up = set(picked[: BIG_SWINGS // 2]), set(picked[BIG_SWINGS // 2 :])
    base: list[Row] = []
    head: list[Row] = []
    for i, label in enumerate(labels):
        f1 = rng.uniform(0.3, 0.55) if i in up else rng.betavariate(8, 2)
        support = int(rng.lognormvariate(4, 1)) + 1
        if i in up or i in down:
            new_f1 = f1 + (1 if i in up else -1) * rng.uniform(0.25, 0.45)
        else:
            new_f1 = f1 * (1 + rng.gauss(0, 0.07))
        for rows, value, n in ((base, f1, support), (head, new_f1, support + rng.randint(-5, 5))):
            rows.append(
                (
                    label,
                    _clip(value + rng.gauss(0, 0.03)),
                    _clip(value + rng.gauss(0, 0.03)),
                    _clip(value),
                    max(1, n),
                )
            )
    return base, head


def per_class_csv(rows: list[Row]) -> str:
    lines = ["label,precision,recall,f1,support"]
    lines += [f"{label},{p},{r},{f1},{n}" for label, p, r, f1, n in rows]
    return "\n".join(lines) + "\n"


def metrics_json(rows: list[Row], loss: float) -> str:
    f1s = [row[3] for row in rows]
    total = sum(row[4] for row in rows)
    accuracy = sum(row[2] * row[4] for row in rows) / total
    doc = {
        "eval": {
            "accuracy": round(accuracy, 4),
            "f1_macro": round(sum(f1s) / len(f1s), 4),
            "loss": loss,
        }
    }
    return json.dumps(doc, indent=2) + "\n"


def table_row_counts(markdown: str) -> list[int]:
    """Data rows of each markdown table (header and separator lines excluded), fences skipped."""
    counts: list[int] = []
    run = 0
    fenced = False
    for line in [*markdown.splitlines(), ""]:
        if line.lstrip().startswith("```"):
            fenced = not fenced
        is_row = not fenced and line.lstrip().startswith("|")
        if is_row:
            run += 1
        elif run:
            counts.append(max(0, run - 2))
            run = 0
    return counts


def main() -> int:
    repeat = parse_repeat(__doc__.splitlines()[0], default=3)
    base, head = make_runs(random.Random(SEED))
    ok = True
    with tempfile.TemporaryDirectory(prefix="cmlreport-bench-") as tmp:
        env = child_env(Path(tmp))
        repo = init_repo(Path(tmp) / "repo", env)
        (repo / "per_class.csv").write_text(per_class_csv(base), encoding="utf-8")
        (repo / "metrics.json").write_text(metrics_json(base, 0.41), encoding="utf-8")
        commit_all(repo, "base run")
        git(repo, "switch", "-q", "-c", "retrain")
        (repo / "per_class.csv").write_text(per_class_csv(head), encoding="utf-8")
        (repo / "metrics.json").write_text(metrics_json(head, 0.39), encoding="utf-8")
        commit_all(repo, "retrained on fresh data")

        cmd = [
            *cmlreport_command(),
            "report",
            "per_class.csv",
            "metrics.json",
            "--base",
            "main",
            "-o",
            "report.md",
        ]
        timing_rows: list[list[str]] = []
        check_rows: list[list[str]] = []
        # `none` first: the png run's plot folder must not be there when `none` is measured.
        for charts in ("none", "png"):
            t = Timing.of(time_command([*cmd, "--charts", charts], repo, env, repeat))
            timing_rows.append([f"report --charts {charts}", seconds(t.median), seconds(t.min)])
            markdown = (repo / "report.md").read_text(encoding="utf-8")
            rows = table_row_counts(markdown)
            plot_dir = repo / "report-plots"
            pngs = len(list(plot_dir.glob("*.png"))) if plot_dir.is_dir() else 0
            fits = len(markdown) < COMMENT_LIMIT
            no_full_table = max(rows, default=0) < LABELS
            ok = ok and fits and no_full_table
            check_rows.append(
                [
                    f"--charts {charts}",
                    f"{len(markdown):,}",
                    "yes" if fits else "NO",
                    "yes" if (repo / "report.full.md").exists() else "no",
                    str(len(rows)),
                    f"{max(rows, default=0):,}",
                    "yes" if no_full_table else "NO",
                    str(pngs),
                ]
            )
    print_table(
        ["what", "median", "min"],
        timing_rows,
        title=f"cmlreport report: {LABELS:,} classes at base and head, over {repeat} runs",
    )
    print_table(
        [
            "report",
            "characters",
            f"< {COMMENT_LIMIT:,}",
            "was cut",
            "tables",
            "most rows",
            f"no {LABELS:,}-row table",
            "PNG files",
        ],
        check_rows,
        title="What the report holds",
    )
    print("report fits and shows no full per-class table" if ok else "CONTRACT BROKEN: see above")
    return 0 if ok else 1


if __name__ == "__main__":
    exit_with(main)
