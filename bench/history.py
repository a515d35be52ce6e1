"""`report --history 100` on a 10k-key metrics file that changed at every one of main's commits.

Issue 12's measure for the history: N=100 commits, 10,000 keys, "a few seconds at most". Prints
the median and min wall time of a fresh `cmlreport report` process with and without --history
(the difference is what reading and summarising the history costs) and the history's points.
Then the same for a 100,000-row predictions file (10 classes, a group column) that changed at
each of 20 commits: every version is evaluated (point metrics, no bootstrap).
Usage: `python bench/history.py [--repeat 3]`.
"""

from __future__ import annotations

import json
import random
import tempfile
from collections.abc import Callable
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

COMMITS = 100
KEYS = 10_000
SEED = 20261202


def metrics(rng: random.Random) -> str:
    groups = {f"group{g:03d}": {f"m{i:02d}": rng.random() for i in range(100)} for g in range(100)}
    return json.dumps(groups)


def build(repo: Path, name: str, commits: int, version: Callable[[random.Random], str]) -> None:
    """``commits`` versions of ``name`` on main, one a commit, then one on branch ``feature``."""
    rng = random.Random(SEED)
    for i in range(commits):
        (repo / name).write_text(version(rng))
        commit_all(repo, f"train {i}")
    git(repo, "checkout", "-q", "-b", "feature")
    (repo / name).write_text(version(rng))
    commit_all(repo, "head")


PREDICTION_COMMITS = 20
PREDICTION_ROWS = 100_000


def predictions(rng: random.Random) -> str:
    right = 0.8 + rng.uniform(-0.01, 0.01)
    rows = ["id,y_true,y_pred,region"]
    truths = random.Random(SEED)  # the same test set at every commit
    for i in range(PREDICTION_ROWS):
        truth = truths.randrange(10)
        pred = truth if rng.random() < right else rng.randrange(10)
        rows.append(f"e{i},c{truth},c{pred},r{i % 7}")
    return "\n".join(rows) + "\n"


def predictions_table(repeat: int, tmp: Path) -> None:
    env = child_env(tmp)
    repo = init_repo(tmp / "predictions", env)
    (repo / "metrics.json").write_text('{"loss": 0.4}\n')
    build(repo, "preds.csv", PREDICTION_COMMITS, predictions)
    base = [*cmlreport_command(), "report", "-m", "metrics.json", "--charts", "none"]
    base += ["--predictions", "preds.csv", "--slice-by", "region", "--resamples", "200"]
    rows = []
    history = ["--history", str(PREDICTION_COMMITS)]
    for label, extra in (("report --predictions", []), ("... --history 20", history)):
        t = Timing.of(time_command([*base, *extra, "--json", "r.json"], repo, env, repeat))
        rows.append([label, seconds(t.median), seconds(t.min)])
    doc = json.loads((repo / "r.json").read_text())
    accuracy = next(m for m in doc["metrics"] if m["key"] == "predictions.accuracy")
    title = (
        f"{PREDICTION_COMMITS} commits x {PREDICTION_ROWS:,} predictions: "
        f"predictions.accuracy has {accuracy['history']['points']} points of history"
    )
    print_table(["command", "median", "min"], rows, title)


def main() -> int:
    repeat = parse_repeat(__doc__.splitlines()[0], 3)
    with tempfile.TemporaryDirectory() as tmp:
        env = child_env(Path(tmp))
        repo = init_repo(Path(tmp) / "repo", env)
        build(repo, "metrics.json", COMMITS, metrics)
        base = [*cmlreport_command(), "report", "-m", "metrics.json", "--charts", "none"]
        rows = []
        for label, extra in (("report", []), ("report --history 100", ["--history", "100"])):
            args = [*base, *extra, "--json", "r.json"]
            t = Timing.of(time_command(args, repo, env, repeat))
            rows.append([label, seconds(t.median), seconds(t.min)])
        doc = json.loads((repo / "r.json").read_text())
        points = {m["history"]["points"] for m in doc["metrics"] if "history" in m}
        with_history = sum(1 for m in doc["metrics"] if "history" in m)
        title = (
            f"{COMMITS} commits x {KEYS:,} keys: {with_history:,} metrics with history, "
            f"points per metric {sorted(points)}"
        )
        print_table(["command", "median", "min"], rows, title)
        predictions_table(repeat, Path(tmp))
    return 0


if __name__ == "__main__":
    exit_with(main)
