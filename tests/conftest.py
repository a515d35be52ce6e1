"""What every test folder shares: how many xdist workers ``-n auto`` starts."""

from __future__ import annotations

import compileall
import os
import sys
from pathlib import Path

import pytest

# Where PYTHONDONTWRITEBYTECODE is set (this machine and its CI set it), every xdist worker would
# compile and assert-rewrite each test module again on every run (12 s a worker), and every
# cmlreport process a test starts would compile the package again: caching bytecode changes
# nothing a test checks, so the suite and the processes it starts may write it.
sys.dont_write_bytecode = False
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)

# Plugins that test modules also import names from: rewrite their asserts before that import.
pytest.register_assert_rewrite("tests.integration.ec2_account")
pytest.register_assert_rewrite("tests.fakes.kubernetes", "tests.fakes.kubernetes_schema")

# One worker per core already keeps every core busy: BLAS threads on top of that only fight
# for them (numpy's OpenBLAS spins while it waits). Set before anything imports numpy, and
# inherited by every process a test starts.
for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")


def pytest_configure(config: pytest.Config) -> None:
    if not hasattr(config, "workerinput"):  # once, before the workers start: they share it
        compileall.compile_dir(Path(__file__).parent.parent / "cmlreport", quiet=1)


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    # One worker more than cores: a good part of the suite waits (on a subprocess, a fake
    # server's delay, a timeout under test) rather than computes.
    return (os.cpu_count() or 1) + 1
