"""The example project as tests meet it: trained runs, a merge request repository, CI shims.

A pytest plugin (`pytest_plugins = ["tests.e2e.example_project"]`) for the tests that run the
example's CI files, plus the plain helpers they share.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.e2e.conftest import clean_env
from tests.gitrepo import GitRepo

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def train(out: Path, seed: int, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            str(EXAMPLES / "train.py"),
            "--seed",
            str(seed),
            "--out",
            str(out),
            *extra,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="session")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[int, Path]:
    """Two training runs of the example, as a base (seed 1) and a head (seed 2); made once per
    session and shared by the xdist workers (the first one trains, under a file lock: the
    pattern pytest-xdist documents), read-only for the tests (``mr_project`` copies them)."""
    from filelock import FileLock

    shared = tmp_path_factory.getbasetemp().parent  # the same folder for every worker
    out = {seed: shared / f"example-run-seed{seed}" for seed in (1, 2)}
    with FileLock(str(shared / "example-runs.lock")):
        if not (shared / "example-runs.done").exists():
            with ThreadPoolExecutor() as pool:  # two processes: about the time of one
                results = list(pool.map(train, out.values(), out.keys()))
            for result in results:
                assert result.returncode == 0, result.stderr
            (shared / "example-runs.done").touch()
    return out


@pytest.fixture
def shims(tmp_path: Path) -> Path:
    """A bin folder with `python` and `cmlreport` running this interpreter, as CI has them."""
    folder = tmp_path / "bin"
    folder.mkdir()
    py = shlex.quote(sys.executable)
    for name, body in {
        "python": f'exec {py} "$@"',
        "cmlreport": f'exec {py} -m cmlreport "$@"',
    }.items():
        (folder / name).write_text(f"#!/bin/sh\n{body}\n")
        (folder / name).chmod(0o755)
    return folder


def path_env(shims: Path) -> dict[str, str]:
    env = clean_env()
    env["PATH"] = f"{shims}{os.pathsep}{env.get('PATH', '')}"
    return env


@pytest.fixture
def mr_project(runs: dict[int, Path], tmp_path: Path) -> GitRepo:
    """main holds the base run (seed 1) in examples/results; the branch the head run (seed 2)."""
    repo = GitRepo.init(tmp_path / "project")
    shutil.copytree(runs[1], repo.path / "examples/results")
    repo.commit("base run")
    repo.branch("feature")
    repo.checkout("feature")
    shutil.rmtree(repo.path / "examples/results")
    shutil.copytree(runs[2], repo.path / "examples/results")
    repo.commit("head run")
    return repo
