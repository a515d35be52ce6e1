"""Git repositories rebuilt from the real DVC project histories in ``tests/data/dvc``.

Each project folder holds one folder per commit (``1``, ``2``...) with the files that commit
had (dvc.yaml and its metrics, copied from the public repository; see the README there).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.gitrepo import GitRepo

HISTORIES = Path(__file__).parent / "data" / "dvc"
PROJECTS = ("example-get-started", "example-dvc-experiments", "gauteng-qol", "gauteng-qol-folds")


def commits_of(project: str) -> list[Path]:
    return sorted((p for p in (HISTORIES / project).iterdir() if p.is_dir()), key=lambda p: p.name)


def build_history(project: str, path: Path, *, upto: int | None = None) -> GitRepo:
    """A repository with the project's commits in order on main (the first ``upto`` of them);
    the work tree is the last one's."""
    repo = GitRepo.init(path)
    for number, folder in enumerate(commits_of(project)[:upto], start=1):
        shutil.copytree(folder, repo.path, dirs_exist_ok=True)
        repo.commit(f"{project} commit {number}")
    return repo
