"""A report built to be expensive to cut: 516 KB of 20,000 headings posted with send-comment.

Cutting used to render the report once per dropped section (about half a minute here) and then
kept only the title, because the notice listing 20,000 names was itself over the budget. The
comment on the fake GitHub must now hold the sections that fit, in order, with a notice naming
the first left out and counting the rest. The timeout is a hang guard only; the timing is in
``bench/budget_cut.py``.
"""

from __future__ import annotations

import re

from tests.e2e.test_send_comment import Job, comments_on_7, job  # noqa: F401 (job: a fixture)
from tests.launch import run_cmlreport

pytest_plugins = ["tests.fakes.github.pytest_plugin"]

HEADINGS = 20_000


def big_report() -> str:
    sections = "".join(f"### H{i:05d}\n\ntext {i:05d}.\n\n" for i in range(HEADINGS))
    return "## Metrics report\n\n" + "summary line\n" * 1_200 + "\n" + sections


def test_a_report_of_20000_headings_keeps_what_fits(job: Job) -> None:  # noqa: F811
    report = big_report()
    assert 500_000 < len(report) < 530_000
    (job.root / "report.md").write_text(report)
    done = run_cmlreport("send-comment", "report.md", cwd=job.root, env=job.env(), timeout=60)
    assert done.code == 0, done.stderr
    (comment,) = comments_on_7(job.server)
    body: str = comment.body
    assert len(body) <= 65_536
    kept = re.findall(r"^### H(\d{5})$", body, re.MULTILINE)
    # Every heading that fits, in order, from the first: nearly all of the 65,536 characters.
    assert len(kept) > 1_900 and kept == [f"{i:05d}" for i in range(len(kept))]
    assert len(body) > 60_000
    notice = next(line for line in body.splitlines() if line.startswith("> ✂️ Cut to fit"))
    first_left_out = f"H{len(kept):05d}"
    assert f"left out {first_left_out}, " in notice
    assert f"and {HEADINGS - len(kept) - 8:,} more sections" in notice
    assert "job summary" in notice
    assert len(notice) < 1_000


def test_a_heading_of_60000_characters_is_named_short(job: Job) -> None:  # noqa: F811
    report = "## Report\n\nsummary\n\n### " + "x" * 70_000 + "\n\nbody\n\n### Small\n\nok\n"
    (job.root / "report.md").write_text(report)
    done = run_cmlreport("send-comment", "report.md", cwd=job.root, env=job.env(), timeout=60)
    assert done.code == 0, done.stderr
    (comment,) = comments_on_7(job.server)
    assert len(comment.body) <= 65_536
    # Sections are dropped from the end first, as before; the huge name is shortened.
    assert "summary" in comment.body and "x" * 100 not in comment.body
    assert "left out " + "x" * 79 + "…, Small." in comment.body
