"""Running git, and looking commits up in one clone: fetched from origin when missing.

The layer under :mod:`cmlreport.baseline`. CI clones are usually shallow (depth 1), so a wanted
commit is often not in the clone: it is fetched on demand, alone, and history is deepened a
bounded number of times only when a merge base is needed. Nothing is ever checked out; git never
prompts (no terminal, no stdin, a timeout) and never follows variables that point it at another
repository.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path

from cmlreport.ci import environment
from cmlreport.errors import GitError, InputError

GIT_TIMEOUT = 30.0  # seconds, for local commands
FETCH_TIMEOUT = 180.0  # seconds, for anything that talks to the remote
REMOTE = "origin"

_FULL_SHA = re.compile(r"[0-9a-f]{40}([0-9a-f]{24})?")
# Variables that would point git at another repository than the one in ``cwd`` (they are set
# when cmlreport runs inside a git hook, for instance).
_REPO_OVERRIDES = {"GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_COMMON_DIR"}
_REPO_OVERRIDES |= {"GIT_OBJECT_DIRECTORY", "GIT_ALTERNATE_OBJECT_DIRECTORIES"}

_Proc = subprocess.CompletedProcess[bytes]


def run_git(
    args: Sequence[str], cwd: Path, *, timeout: float = GIT_TIMEOUT, input: bytes | None = None
) -> _Proc:
    """``git *args`` in ``cwd``, output captured; GitError only when git cannot run at all.

    ``input`` is written to git's stdin (``cat-file --batch``); without it stdin is empty."""
    try:
        return subprocess.run(
            ["git", *args],
            cwd=cwd,
            env=_git_env(),
            input=input,
            stdin=None if input is not None else subprocess.DEVNULL,
            capture_output=True,
            timeout=timeout,
            # No controlling terminal: ssh and credential helpers cannot prompt on /dev/tty.
            start_new_session=True,
            check=False,
        )
    except FileNotFoundError:
        raise GitError("git is not installed or not on PATH; install git") from None
    except subprocess.TimeoutExpired:
        raise GitError(
            f"'git {' '.join(args)}' did not finish within {timeout:.0f} s; "
            f"check the network and the '{REMOTE}' remote"
        ) from None


def _git_env() -> dict[str, str]:
    env = {k: v for k, v in environment().items() if k not in _REPO_OVERRIDES}
    env.update(
        GIT_TERMINAL_PROMPT="0",
        GCM_INTERACTIVE="never",
        # English messages, so that the reasons we pass on (and match) are predictable.
        LC_ALL="C",
    )
    return env


def stdout_text(proc: _Proc) -> str:
    """What git printed, decoded and stripped (a sha, a ref, a listing)."""
    return proc.stdout.decode("utf-8", errors="replace").strip()


def failure_reason(proc: _Proc) -> str:
    """Git's own explanation in one line (its first fatal/error line, without the prefix)."""
    lines = [ln.strip() for ln in proc.stderr.decode("utf-8", errors="replace").splitlines()]
    lines = [ln for ln in lines if ln]
    for line in lines:
        for prefix in ("fatal: ", "error: "):
            if line.startswith(prefix):
                return line.removeprefix(prefix)
    return lines[-1] if lines else f"git exited with status {proc.returncode}"


class Clone:
    """One repository: looks revisions up and fetches what is missing from origin."""

    def __init__(self, root: Path, *, provider: str) -> None:
        self.root = root
        self.provider = provider

    def run(
        self, args: Sequence[str], timeout: float = GIT_TIMEOUT, input: bytes | None = None
    ) -> _Proc:
        return run_git(args, self.root, timeout=timeout, input=input)

    def output(self, args: Sequence[str], timeout: float = GIT_TIMEOUT) -> str | None:
        proc = self.run(args, timeout)
        return stdout_text(proc) if proc.returncode == 0 else None

    @cached_property
    def head(self) -> str:
        sha = self.commit("HEAD")
        if sha is None:
            raise GitError(f"the repository at {self.root} has no commit yet; commit first")
        return sha

    @cached_property
    def has_remote(self) -> bool:
        return self.output(["config", "--get", f"remote.{REMOTE}.url"]) is not None

    def is_shallow(self) -> bool:
        return self.output(["rev-parse", "--is-shallow-repository"]) == "true"

    def commit(self, rev: str) -> str | None:
        if rev.startswith("-"):
            return None
        return self.output(
            ["rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}"]
        )

    def fetch(self, *args: str) -> str | None:
        """Fetch from origin; None on success, else git's one-line reason."""
        # --depth on a full clone would make it shallow: only keep a shallow clone shallow.
        depth = ["--depth=1"] if self.is_shallow() else []
        proc = self.run(["fetch", "--no-tags", *depth, REMOTE, *args], FETCH_TIMEOUT)
        return None if proc.returncode == 0 else failure_reason(proc)

    def sha(self, sha: str) -> str:
        """A commit given by its sha, fetched alone from origin when the clone lacks it."""
        found = self.commit(sha)
        if found is not None:
            return found
        if _FULL_SHA.fullmatch(sha) is None:
            raise _short_sha_error(sha)
        return self._fetched(sha, sha, sha)

    def branch(self, name: str) -> tuple[str, str]:
        """``origin/<name>`` (fetched if missing) when there is a remote, else the local branch."""
        if not self.has_remote:
            found = self.commit(f"refs/heads/{name}")
            if found is None:
                raise self._not_found(name, None)
            return found, name
        ref = f"refs/remotes/{REMOTE}/{name}"
        found = self.commit(ref)
        if found is None:
            found = self._fetched(name, f"+refs/heads/{name}:{ref}", ref)
        return found, f"{REMOTE}/{name}"

    def fallback_branch(self, name: str) -> tuple[str, str] | None:
        if self.has_remote:
            try:
                return self.branch(name)
            except GitError:
                pass
        found = self.commit(f"refs/heads/{name}")
        return (found, name) if found is not None else None

    def explicit(self, rev: str) -> tuple[str, str]:
        """--base REV: any revision git knows, else a sha, branch or tag fetched from origin."""
        if rev.startswith("-") or not rev.strip():
            raise InputError(f"--base {rev!r} is not a revision; pass a sha, branch or tag")
        found = self.commit(rev)
        if found is not None:
            return found, rev
        if _FULL_SHA.fullmatch(rev):
            return self.sha(rev), rev
        if not self.has_remote:
            raise self._not_found(rev, None)
        name = rev.removeprefix(f"{REMOTE}/")
        branch_error = self.fetch(f"+refs/heads/{name}:refs/remotes/{REMOTE}/{name}")
        if branch_error is None:
            return self.branch(name)
        tag_error = self.fetch(f"+refs/tags/{rev}:refs/tags/{rev}")
        found = self.commit(f"refs/tags/{rev}") if tag_error is None else None
        if found is not None:
            return found, rev
        missing = "couldn't find remote ref"
        if missing in branch_error and (tag_error is None or missing in tag_error):
            if re.fullmatch(r"[0-9a-f]{4,39}", rev):
                raise _short_sha_error(rev)
            raise self._not_found(rev, f"'{REMOTE}' has no branch or tag of that name")
        raise self._not_found(rev, branch_error)

    def remote_default_branch(self) -> str | None:
        if not self.has_remote:
            return None
        symref = self.output(["symbolic-ref", "--quiet", f"refs/remotes/{REMOTE}/HEAD"])
        prefix = f"refs/remotes/{REMOTE}/"
        if symref and symref.startswith(prefix):
            return symref.removeprefix(prefix)
        # CI checkouts do not record origin/HEAD; ask the remote (one round trip, no objects).
        listing = self.output(["ls-remote", "--symref", REMOTE, "HEAD"], FETCH_TIMEOUT) or ""
        for line in listing.splitlines():
            match = re.fullmatch(r"ref: refs/heads/(\S+)\s+HEAD", line.strip())
            if match:
                return match.group(1)
        return None

    def merge_base(self, sha: str, deepen: Sequence[int]) -> tuple[str | None, str]:
        """The merge base of ``sha`` and HEAD, deepening a shallow clone a bounded number of times.

        Returns (None, why) when it cannot be found.
        """
        found = self.output(["merge-base", sha, self.head])
        for step in deepen:
            if found is not None or not self.has_remote or not self.is_shallow():
                break
            proc = self.run(
                ["fetch", "--no-tags", f"--deepen={step}", REMOTE, sha, self.head], FETCH_TIMEOUT
            )
            if proc.returncode != 0:
                break
            found = self.output(["merge-base", sha, self.head])
        if found is not None:
            return found, ""
        if self.is_shallow():
            return None, "base commit itself: the merge base is not in the shallow history"
        return None, "base commit itself: it shares no history with HEAD"

    def _fetched(self, rev: str, refspec: str, lookup: str) -> str:
        if not self.has_remote:
            raise self._not_found(rev, None)
        reason = self.fetch(refspec)
        found = self.commit(lookup) if reason is None else None
        if found is None:
            raise self._not_found(rev, reason or f"it has no commit '{lookup}'")
        return found

    def _not_found(self, rev: str, reason: str | None) -> GitError:
        fixes = {
            "github": "use actions/checkout with fetch-depth: 0",
            "gitlab": "set GIT_DEPTH: 0 in .gitlab-ci.yml",
        }
        fix = fixes.get(self.provider, f"run 'git fetch {REMOTE}'")
        if not self.has_remote:
            return GitError(
                f"cannot find base revision '{rev}': it is not in this repository and there is "
                f"no '{REMOTE}' remote to fetch it from; pass --base with a revision that exists"
            )
        return GitError(
            f"cannot find base revision '{rev}': it is not in this clone and "
            f"'git fetch {REMOTE} {rev}' failed ({reason}); {fix}, "
            "or pass --base with a revision that exists"
        )


def _short_sha_error(sha: str) -> GitError:
    return GitError(
        f"cannot find base revision '{sha}': it is not in this clone and only a full "
        "40-character sha can be fetched; pass the full sha or a branch or tag name"
    )
