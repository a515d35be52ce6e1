"""`--help` must stay fast: no command may pull in matplotlib, PyGithub, python-gitlab or boto3."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("matplotlib", "numpy", "github", "gitlab", "boto3", "botocore", "PIL")
CHILD = """
import json, sys
sys.argv = ["cmlreport", *sys.argv[1:]]
from cmlreport.cli import main
try:
    main()
except SystemExit:
    pass
print()
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in {heavy!r})))
"""


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["report", "--help"],
        ["diff", "--help"],
        ["plot", "--help"],
        ["plot", "curves", "--help"],
        ["demo", "--help"],
        ["send-comment", "--help"],
        ["check", "--help"],
        ["runner", "--help"],
        ["runner", "launch", "--help"],
        ["--version"],
    ],
)
def test_help_imports_no_heavy_module(args: list[str]) -> None:
    proc = subprocess.run(
        [sys.executable, "-c", CHILD.format(heavy=set(HEAVY)), *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    *text, last = proc.stdout.rstrip().splitlines()
    assert json.loads(last) == []
    assert "Usage:" in "\n".join(text) or "version" in "\n".join(text)


def _commands(group: object, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], object]]:
    import click

    found: list[tuple[tuple[str, ...], object]] = [(path, group)]
    if isinstance(group, click.Group):
        # list_commands/get_command, not .commands: the top-level group loads its commands lazily.
        ctx = click.Context(group)
        for name in group.list_commands(ctx):
            found += _commands(group.get_command(ctx, name), (*path, name))
    return found


def test_every_command_and_option_explains_itself() -> None:
    import click

    from cmlreport.cli import main

    missing = []
    seen = [path for path, _ in _commands(main)]
    assert ("runner", "launch") in seen and ("plot", "drift") in seen
    for path, command in _commands(main):
        assert isinstance(command, click.Command)
        name = " ".join(("cmlreport", *path))
        if not (command.help or "").strip():
            missing.append(name)
        for param in command.params:
            explained = (
                bool((param.help or "").strip()) if isinstance(param, click.Option) else True
            )
            if not explained and param.name not in {"help", "version"}:
                missing.append(f"{name} {param.opts[0]}")
    assert missing == []
