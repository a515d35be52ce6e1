"""Labels in a predictions file are input like any other: the corpus's hostile strings as class
labels (and a hostile file name) reach the report as plain text, and the JSON stays valid."""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from cmlreport.cli import main
from tests.security.test_markdown_injection import HOSTILE, assert_inert

FILE = "preds @octocat #5 <!-- cmlreport:f -->.csv"


def predictions(right_every: int) -> str:
    """Each hostile label 40 times; every ``right_every``-th example predicted as the next one."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["id", "y_true", "y_pred"])
    for i in range(40 * len(HOSTILE)):
        label = HOSTILE[i % len(HOSTILE)]
        wrong = HOSTILE[(i + 1) % len(HOSTILE)]
        writer.writerow([f"{label}-{i}", label, wrong if i % right_every == 0 else label])
    return out.getvalue()


def test_hostile_labels_and_file_names_are_plain_text_in_the_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / FILE).write_text(predictions(3), encoding="utf-8")
    (tmp_path / "base.csv").write_text(predictions(5), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    env: dict[str, str | None] = {k: None for k in os.environ if k.startswith(("GITHUB_", "CI"))}
    args = ["report", "--predictions", FILE, "--base-predictions", "base.csv", "--no-base"]
    args += ["--top", "20", "--charts", "mermaid", "--json", "r.json", "--resamples", "100"]
    done = CliRunner().invoke(main, args, env=env)
    assert done.exit_code == 0, done.stderr
    md = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert_inert(md, where="report.md")
    assert f"{len(HOSTILE)} labels · {len(HOSTILE)} compared" in md
    doc = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert doc["predictions"]["head"]["file"] == FILE
    assert doc["predictions"]["classes"] == len(HOSTILE)
