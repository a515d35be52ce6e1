"""The README and docs promise files, inputs and commands: hold them to it."""

from __future__ import annotations

import re
import struct
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", ROOT / "examples" / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^)\s]+)\)")
CODE = re.compile(r"```.*?```|`[^`\n]*`", re.S)  # examples in code are not links


def test_relative_links_in_the_docs_point_at_files_that_exist() -> None:
    broken = []
    for doc in DOCS:
        for target in LINK.findall(CODE.sub("", doc.read_text(encoding="utf-8"))):
            if re.match(r"[a-z]+:", target) or target.startswith("#"):
                continue
            if not (doc.parent / target.split("#")[0]).exists():
                broken.append(f"{doc.relative_to(ROOT)}: {target}")
    assert broken == []


def test_readme_shows_a_real_rendered_report() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "](docs/images/report.png)" in text
    data = (ROOT / "docs" / "images" / "report.png").read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert width >= 800 and height >= 1000  # a page of a report, not an icon


def test_readme_documents_every_input_and_output_of_the_action() -> None:
    action = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    cells = set(re.findall(r"`([a-z][a-z0-9-]*)`", text))
    assert set(action["inputs"]) - cells == set()
    assert set(action["outputs"]) - cells == set()


def test_readme_lists_every_command() -> None:
    import click

    from cmlreport.cli import main

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    ctx = click.Context(main)
    missing = []
    for name in main.list_commands(ctx):
        command = main.get_command(ctx, name)
        subs = command.list_commands(ctx) if isinstance(command, click.Group) else [""]
        for sub in subs:
            row = f"| `cmlreport {name} {sub}".rstrip()
            if row not in text:
                missing.append(f"{name} {sub}".strip())
    assert missing == []


def test_the_readme_set_up_is_two_commands_and_ci_runs_its_test_command() -> None:
    """Step 1 installs the runtime only (quick), step 2 the test extra; `.ci/run` runs the
    very test command of step 2."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Set up", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```bash\n(.*?)```", section, re.S)
    assert block is not None
    commands = [line for line in block.group(1).splitlines() if line and line[0] != "#"]
    assert len(commands) == 2
    install, demo = commands[0].rsplit(" && ", 1)
    assert install.endswith("pip install -e .") and demo == "cmlreport demo"
    extra, npm, test_command = commands[1].split(" && ")
    assert extra == "pip install -e '.[test]'" and npm == "npm ci"
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert ci[-1] == test_command
    assert "python -m pip install --quiet -e '.[test]'" in ci
