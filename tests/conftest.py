"""What every test folder shares: how many xdist workers ``-n auto`` starts."""

from __future__ import annotations

import os

import pytest

# One worker per core already keeps every core busy: BLAS threads on top of that only fight
# for them (numpy's OpenBLAS spins while it waits). Set before anything imports numpy, and
# inherited by every process a test starts.
for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    # One worker more than cores: a good part of the suite waits (on a subprocess, a fake
    # server's delay, a timeout under test) rather than computes.
    return (os.cpu_count() or 1) + 1
