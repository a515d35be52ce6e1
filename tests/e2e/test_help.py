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
