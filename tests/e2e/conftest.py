"""Run the CLI as a user does: its own process (``tests.launch``) in a throwaway git repository."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.gitrepo import GitRepo, git_env
from tests.launch import run_cmlreport

# A plugin that test modules also import helpers from: rewrite its asserts before that import.
pytest.register_assert_rewrite("tests.e2e.example_project")


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str


def clean_env(**extra: str) -> dict[str, str]:
    """The test runner may itself be in CI: drop every CI variable so each test sets its own."""
    prefixes = ("GITHUB_", "GITLAB_", "CI_", "RUNNER_")
    env = {k: v for k, v in git_env().items() if not k.startswith(prefixes) and k != "CI"}
    env["MPLBACKEND"] = "Agg"
    env.update(extra)
    return env


Run = Callable[..., Result]


@pytest.fixture
def run() -> Run:
    def _run(*args: str, cwd: Path, env: dict[str, str] | None = None) -> Result:
        done = run_cmlreport(*args, cwd=cwd, env=env if env is not None else clean_env())
        return Result(done.code, done.stdout, done.stderr)

    return _run


def per_class_csv(f1: dict[str, float], support: int = 100) -> str:
    rows = ["label,f1,support"] + [f"{k},{v},{support}" for k, v in f1.items()]
    return "\n".join(rows) + "\n"


@pytest.fixture
def project(tmp_path: Path) -> GitRepo:
    """main has the base run; the checked-out branch `feature` has the head run."""
    repo = GitRepo.init(tmp_path / "project")
    repo.write("metrics.json", '{"eval": {"accuracy": 0.91, "f1": 0.80, "loss": 0.40}}\n')
    labels = {f"class{i:03d}": 0.8 for i in range(60)}
    repo.write("per_class.csv", per_class_csv(labels))
    repo.commit("base run")
    repo.branch("feature")
    repo.checkout("feature")
    repo.write("metrics.json", '{"eval": {"accuracy": 0.93, "f1": 0.78, "loss": 0.35}}\n')
    labels.update({"class007": 0.40, "class013": 0.95})
    repo.write("per_class.csv", per_class_csv(labels))
    repo.commit("head run")
    return repo
