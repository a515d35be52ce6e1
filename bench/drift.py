"""`report --drift` on 1,000,000 rows a side: one numeric score column and one categorical.

Times, in this process, what the report does with the two files: parse them (the bounded
reader's text in, columns out) and compute PSI, KS, Wasserstein, JS and chi-square
(``metrics.drift.compare``); then the whole `cmlreport report --drift ... --charts none` as a
fresh process. Prints the median and min of ``--repeat`` runs.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from harness import child_env, cmlreport_command, parse_repeat
from harness import run as run_command

ROWS = 1_000_000


def write(path: Path, scores: np.ndarray, kinds: np.ndarray) -> None:
    lines = [f"{s:.6f},{k}" for s, k in zip(scores, kinds, strict=True)]
    path.write_text("score,segment\n" + "\n".join(lines) + "\n")


def main() -> int:
    from cmlreport.metrics.drift import compare

    repeat = parse_repeat(__doc__ or "", default=3)
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        write(folder / "test.csv", rng.beta(5, 4, ROWS), rng.choice(list("abcde"), ROWS))
        write(folder / "live.csv", rng.beta(5, 4.3, ROWS), rng.choice(list("abcdf"), ROWS))
        (folder / "m.json").write_text('{"eval": {"accuracy": 0.9}}\n')
        texts = [(p, (folder / p).read_text()) for p in ("test.csv", "live.csv")]
        inproc, cli = [], []
        for _ in range(repeat):
            start = time.perf_counter()
            compare("conf", texts[0], texts[1])
            inproc.append(time.perf_counter() - start)
            command = [*cmlreport_command(), "report", "-m", "m.json", "--no-base"]
            command += ["--drift", "conf=test.csv:live.csv", "--charts", "none"]
            start = time.perf_counter()
            run_command(command, cwd=folder, env=child_env())
            cli.append(time.perf_counter() - start)
    for what, times in (("parse + statistics", inproc), ("cmlreport report (process)", cli)):
        print(f"{what:28s} median {statistics.median(times):6.2f} s  min {min(times):6.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
