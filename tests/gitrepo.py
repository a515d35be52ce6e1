"""Throwaway git repositories for tests: commits, branches, a bare origin, shallow CI clones.

Independent of pytest: give it directories (``tmp_path / "work"``) and it runs the real ``git``.
Every call is isolated from the developer's own git config (no global or system config, fixed
identity, dates that increase by one minute per commit), so shas are reproducible run to run.
"""

from __future__ import annotations

import itertools
import os
import subprocess
from pathlib import Path

_EPOCH = 1_700_000_000  # 2023-11-14, an arbitrary fixed start for commit dates
_clock = itertools.count()


def git_env() -> dict[str, str]:
    """The environment used for every git call made by this module."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(
        GIT_CONFIG_GLOBAL=os.devnull,
        GIT_CONFIG_NOSYSTEM="1",
        GIT_AUTHOR_NAME="Test Author",
        GIT_AUTHOR_EMAIL="author@example.com",
        GIT_COMMITTER_NAME="Test Author",
        GIT_COMMITTER_EMAIL="author@example.com",
        GIT_TERMINAL_PROMPT="0",
        LC_ALL="C",
    )
    return env


def run_git(cwd: Path, *args: str) -> str:
    """Run ``git args`` in ``cwd`` and return its stdout without the trailing newline."""
    env = git_env()
    if args and args[0] in ("commit", "merge"):
        date = f"@{_EPOCH + 60 * next(_clock)} +0000"
        env.update(GIT_AUTHOR_DATE=date, GIT_COMMITTER_DATE=date)
    proc = subprocess.run(
        ["git", *args],
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)} failed in {cwd}: {proc.stderr.strip()}")
    return proc.stdout.rstrip("\n")


class GitRepo:
    """A git repository at ``path`` (a work tree, or a bare repository such as an origin)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    @classmethod
    def init(cls, path: Path, *, branch: str = "main", bare: bool = False) -> GitRepo:
        """Create an empty repository whose first branch is ``branch``."""
        path.mkdir(parents=True, exist_ok=True)
        run_git(
            path, "init", "--quiet", f"--initial-branch={branch}", *(["--bare"] if bare else [])
        )
        return cls(path)

    def git(self, *args: str) -> str:
        return run_git(self.path, *args)

    def write(self, relpath: str, text: str) -> Path:
        """Write a file in the work tree (parent directories are created); not staged yet."""
        target = self.path / relpath
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        return target

    def commit(self, msg: str) -> str:
        """Stage everything (additions, changes, deletions) and commit; returns the new sha."""
        self.git("add", "--all")
        self.git("commit", "--quiet", "--allow-empty", "--no-verify", "-m", msg)
        return self.sha()

    def branch(self, name: str, start: str = "HEAD") -> None:
        """Create branch ``name`` at ``start`` without switching to it."""
        self.git("branch", name, start)

    def checkout(self, name: str) -> None:
        self.git("checkout", "--quiet", name)

    def sha(self, rev: str = "HEAD") -> str:
        return self.git("rev-parse", "--verify", f"{rev}^{{commit}}")

    def has_commit(self, sha: str) -> bool:
        """Whether the object database holds commit ``sha`` (e.g. after a fetch)."""
        proc = subprocess.run(
            ["git", "cat-file", "-e", f"{sha}^{{commit}}"],
            cwd=self.path,
            env=git_env(),
            capture_output=True,
            check=False,
        )
        return proc.returncode == 0

    def is_shallow(self) -> bool:
        return self.git("rev-parse", "--is-shallow-repository") == "true"

    @property
    def url(self) -> str:
        """A ``file://`` URL: unlike a plain path, git really fetches over it (and honours
        ``--depth``)."""
        return self.path.resolve().as_uri()


def make_origin(source: GitRepo, path: Path, *, head: str | None = None) -> GitRepo:
    """A bare repository at ``path`` holding all of ``source``'s branches and tags.

    ``source`` gets it as its ``origin`` remote, so that later commits can be pushed with
    ``source.git("push", "origin", "main")``. ``head`` sets the origin's default branch
    (default: the branch ``source`` has checked out).
    """
    origin = GitRepo.init(path, bare=True)
    source.git("remote", "add", "origin", origin.url)
    source.git("push", "--quiet", "origin", "refs/heads/*:refs/heads/*", "refs/tags/*:refs/tags/*")
    default = head or source.git("symbolic-ref", "--short", "HEAD")
    origin.git("symbolic-ref", "HEAD", f"refs/heads/{default}")
    return origin


def shallow_clone(
    origin: GitRepo, path: Path, *, branch: str | None = None, depth: int = 1
) -> GitRepo:
    """``git clone --depth=DEPTH file://ORIGIN``, like a CI checkout of ``branch``.

    Only that branch is fetched, at the given depth, and ``origin/HEAD`` is not recorded
    (as in actions/checkout), so the default branch is only known by asking the remote.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    args = ["clone", "--quiet", f"--depth={depth}", "--no-tags"]
    if branch is not None:
        args += ["--branch", branch]
    run_git(path.parent, *args, origin.url, str(path))
    clone = GitRepo(path)
    if clone.git("for-each-ref", "refs/remotes/origin/HEAD"):
        clone.git("symbolic-ref", "--delete", "refs/remotes/origin/HEAD")
    return clone
