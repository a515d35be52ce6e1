"""What users install is what the tests test: the wheel of a clean checkout carries every file
of the package, and the installed (not editable) package runs.

The action installs cmlreport from its checkout with a plain `pip install`, not in editable
mode, so a data file missing from the wheel (the runner's bootstrap scripts, the demo data)
would only break there.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def tracked(prefix: str = "") -> list[str]:
    out = subprocess.run(
        ["git", "ls-files", "-z", "--", prefix or "."],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    return [name for name in out.split("\0") if name]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel built from the tracked files only, as a fresh clone has them."""
    clone = tmp_path_factory.mktemp("clone")
    for name in tracked():
        target = clone / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, target)
    out = tmp_path_factory.mktemp("dist")
    # No build isolation: the test extra brings setuptools, and tests never use the network.
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
         "-w", str(out), str(clone)],
        capture_output=True,
        check=True,
        timeout=300,
    )  # fmt: skip
    (built,) = out.glob("cmlreport-*.whl")
    return built


def test_the_wheel_carries_every_file_of_the_package(wheel: Path) -> None:
    inside = set(zipfile.ZipFile(wheel).namelist())
    package = {name for name in tracked("cmlreport") if "__pycache__" not in name}
    assert package - inside == set()
    assert any(name.endswith("licenses/LICENSE") for name in inside)


def test_the_installed_wheel_runs_the_demo_and_renders_a_runner_bootstrap(
    wheel: Path, tmp_path: Path
) -> None:
    site = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(site), wheel],
        capture_output=True,
        check=True,
        timeout=300,
    )
    # The dependencies come from this environment; cmlreport itself from the wheel.
    env = {**os.environ, "PYTHONPATH": str(site), "MPLBACKEND": "Agg"}
    where = subprocess.run(
        [sys.executable, "-c", "import cmlreport; print(cmlreport.__file__)"],
        env=env,
        cwd=tmp_path,  # not the checkout: `python -c` would import ./cmlreport from there
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert Path(where.strip()).is_relative_to(site)
    demo = subprocess.run(
        [sys.executable, "-m", "cmlreport", "demo", "--out", str(tmp_path / "demo")],
        env=env,
        cwd=tmp_path,  # not the checkout: `python -c` would import ./cmlreport from there
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert demo.returncode == 0, demo.stderr
    assert (tmp_path / "demo" / "report.html").is_file()
    # The machine's user-data is assembled from the shipped scripts: render it for both forges.
    render = """
from cmlreport.runner.bootstrap import render_user_data
from cmlreport.runner.spec import ForgeRepo, Machine, RunnerSetup, RunnerSpec
machine = Machine(region="us-east-1", instance_types=("g4dn.xlarge",))
runner = RunnerSetup(name="r", labels=("gpu",), idle_timeout=600, max_lifetime=3600)
github = RunnerSpec(machine, runner, ForgeRepo("github", "o/r", "https://github.com/o/r"))
gitlab = RunnerSpec(machine, runner, ForgeRepo("gitlab", "o/r", "https://gitlab.com"))
secrets = ("eyJqaXQiOiAiY29uZmlnIn0=", "glrt-t1_abcdefghijklmnopqrst")
for spec, secret in zip((github, gitlab), secrets):
    print(len(render_user_data(spec, secret)))
"""
    rendered = subprocess.run(
        [sys.executable, "-c", render],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert rendered.returncode == 0, rendered.stderr
    sizes = [int(n) for n in rendered.stdout.split()]
    assert len(sizes) == 2 and min(sizes) > 1000  # whole scripts, not an empty template
