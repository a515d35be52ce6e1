"""Cutting a 516 KB report of 20,000 headings to GitHub's comment budget (`cut_markdown`).

The report `send-comment` posts is cut at section boundaries to fit 65,536 characters; this
times the cut in-process and prints what it kept. Before the cut was made linear it rendered
the whole report once per dropped section: about a minute for this input, keeping only the
title (the notice listing 20,000 names was itself over the budget).
"""

from __future__ import annotations

import statistics
import time

from harness import exit_with, parse_repeat, print_table, seconds

from cmlreport.report.budget import cut_markdown

BUDGET = 65_536
HEADINGS = 20_000


def big_report(headings: int = HEADINGS) -> str:
    """A title, ``headings`` small sections and a footer: about 516 KB."""
    sections = "".join(f"### H{i:05d}\n\ntext {i:05d}.\n\n" for i in range(headings))
    return (
        "<!-- cmlreport:bench -->\n## Metrics report\n\n"
        + "summary line\n" * 1_200
        + "\n"
        + sections
        + "---\n<sub>base <code>abc1234</code></sub>\n"
    )


def main() -> int:
    repeat = parse_repeat(__doc__.splitlines()[0], default=5)
    md = big_report()
    cut_markdown(md, BUDGET, "the job summary")  # warm-up
    times: list[float] = []
    for _ in range(repeat):
        start = time.perf_counter()
        cut = cut_markdown(md, BUDGET, "the job summary")
        times.append(time.perf_counter() - start)
    kept = cut.count("\n### H")
    notice = next(line for line in cut.splitlines() if line.startswith("> ✂️"))
    print_table(
        ["input", "headings", "budget", "output", "headings kept", "median", "min"],
        [
            [
                f"{len(md):,} chars",
                f"{HEADINGS:,}",
                f"{BUDGET:,}",
                f"{len(cut):,} chars",
                f"{kept:,}",
                seconds(statistics.median(times)),
                seconds(min(times)),
            ]
        ],
        title="cut_markdown",
    )
    print(f"notice: {notice[:160]}{'…' if len(notice) > 160 else ''}")
    ok = len(cut) <= BUDGET and kept > 0 and cut.rstrip().endswith("</sub>")
    print("goal: under 1 s, keeps the sections that fit:", "ok" if ok else "BROKEN")
    return 0 if ok else 1


if __name__ == "__main__":
    exit_with(main)
