"""What every test folder shares: how many xdist workers ``-n auto`` starts."""

from __future__ import annotations

import os

import pytest


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    # One worker more than cores: a good part of the suite waits (on a subprocess, a fake
    # server's delay, a timeout under test) rather than computes.
    return (os.cpu_count() or 1) + 1
