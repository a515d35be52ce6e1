"""Which commit to compare with, and files as they were there.

The base revision is the first that exists of: --base, the CI's pull/merge request base, its
target and default branches, origin's default branch, then main or master; the report compares
with its merge base with HEAD. Running git and fetching what a shallow clone lacks is
:mod:`cmlreport.git.command`'s job.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cmlreport.ci import CiContext
from cmlreport.errors import GitError, InputError
from cmlreport.files import MAX_INPUT_BYTES, too_big
from cmlreport.git.command import REMOTE, Clone, failure_reason, run_git, stdout_text

# How many commits each deepening fetch adds when the merge base is not in a shallow clone.
DEEPEN_STEPS: tuple[int, ...] = (50, 250, 1000)
FALLBACK_BRANCHES = ("main", "master")


@dataclass(frozen=True)
class BaseRevision:
    """The commit base metrics are read from, and where it came from (for the report)."""

    sha: str  # the merge base of the base revision and HEAD
    ref: str  # what it was resolved from: "origin/main", a sha, "v1"
    how: str  # one short phrase: "from --base", "from the pull request event", ...


def repo_root(cwd: Path | None = None) -> Path:
    """The top directory of the work tree containing ``cwd``; GitError if there is none."""
    where = Path(cwd) if cwd is not None else Path.cwd()
    if not where.is_dir():
        raise GitError(f"{where} is not a directory, so it is not a git repository")
    proc = run_git(["rev-parse", "--show-toplevel"], where)
    if proc.returncode != 0:
        reason = failure_reason(proc)
        if "dubious ownership" in reason:
            raise GitError(
                f"git refuses to read {where}: {reason}; run "
                f"'git config --global --add safe.directory {where}' first"
            )
        if "not a git repository" in reason:
            raise GitError(f"{where} is not inside a git repository; run cmlreport in a clone")
        raise GitError(f"git cannot use {where}: {reason}")
    return Path(stdout_text(proc))


def head_sha(cwd: Path | None = None) -> str:
    """The full sha of HEAD; GitError when the repository has no commit yet."""
    return Clone(repo_root(cwd), provider="local").head


def uncommitted(paths: Sequence[Path], cwd: Path | None = None) -> bool:
    """Whether any of ``paths`` differs from HEAD's copy (modified, staged or untracked): the
    report then shows the work tree, not the commit it names. False outside git."""
    try:
        root = repo_root(cwd)
        clone = Clone(root, provider="local")
    except GitError:
        return False
    where = Path.cwd() if cwd is None else cwd
    # A file outside the repository is in no commit: git refuses the whole status for it, which
    # would hide the files inside that did change.
    resolved = [(where / p).resolve() for p in paths]
    names = [str(p) for p in resolved if p.is_relative_to(root.resolve())]
    if not names:
        return False
    # --porcelain lists nothing for a clean file, and ignored files are left out by default.
    status = clone.output(["status", "--porcelain", "--untracked-files=all", "--", *names])
    return bool(status and status.strip())


def resolve_base(
    explicit: str | None,
    ci: CiContext,
    cwd: Path | None = None,
    *,
    deepen: Sequence[int] = DEEPEN_STEPS,
) -> BaseRevision:
    """The commit to compare HEAD with: the merge base of the base revision and HEAD.

    The base revision is, first that exists: ``explicit`` (--base), the CI's pull/merge request
    base commit, its target branch, its default branch, origin's default branch, then main or
    master. When that is HEAD itself (a push to the default branch) and the push's previous tip
    is known, that tip is the base. Missing commits are fetched from origin; ``deepen`` bounds
    how far a shallow history is deepened to find the merge base.
    """
    clone = Clone(repo_root(cwd), provider=ci.provider)
    clone.head  # noqa: B018 -- an empty repository fails here, before any fetching
    if explicit is not None:
        sha, ref = clone.explicit(explicit)
        how = "from --base"
    else:
        sha, ref, how = _from_ci(clone, ci) or _from_defaults(clone)
    merge_base, why_not = clone.merge_base(sha, deepen)
    if merge_base is None:
        return BaseRevision(sha=sha, ref=ref, how=f"{how}; {why_not}")
    if explicit is None and merge_base == clone.head and ci.before_sha:
        # A push to the base branch itself: compare with what the branch was before the push.
        try:
            before = clone.sha(ci.before_sha)
        except GitError:  # force-pushed away: HEAD against itself is still a report
            gone = f"the push's previous commit {ci.before_sha[:7]} cannot be fetched"
            return BaseRevision(sha=merge_base, ref=ref, how=f"{how}; {gone}")
        return BaseRevision(sha=before, ref=before[:7], how="from the push's previous commit")
    return BaseRevision(sha=merge_base, ref=ref, how=how)


def read_file_at(
    rev: str, path: str | Path, cwd: Path | None = None, *, limit: int = MAX_INPUT_BYTES
) -> bytes | None:
    """The bytes of ``path`` at ``rev``, or None when the file does not exist there.

    ``path`` is absolute or relative to ``cwd``. GitError when ``rev`` itself is unknown;
    InputError when it is not a file there or is over ``limit`` bytes (checked before reading:
    git would hand over the whole blob).
    """
    root = repo_root(cwd)
    rel = _repo_relative(Path(path), root, Path(cwd) if cwd is not None else Path.cwd())
    clone = Clone(root, provider="local")
    commit = clone.commit(rev)
    if commit is None:
        raise GitError(
            f"unknown revision '{rev}' (reading {path}); fetch it first or pass a revision "
            "that exists in this clone"
        )
    obj = f"{commit}:{rel}"
    kind = clone.output(["cat-file", "-t", obj])
    if kind is None:
        return None
    if kind != "blob":
        what = "a directory" if kind == "tree" else f"a {kind}"
        raise InputError(f"{path} is {what} at {rev}, not a file; give the path of a file")
    size = clone.output(["cat-file", "-s", obj])
    if size is None or not size.isdigit():
        raise GitError(f"cannot read {path} at {rev}: git gives no size for it")
    if int(size) > limit:
        raise too_big(f"{path} at {rev}", int(size), limit)
    proc = clone.run(["cat-file", "blob", obj])
    if proc.returncode != 0:
        raise GitError(f"cannot read {path} at {rev}: {failure_reason(proc)}")
    return proc.stdout


# Per provider, the CiContext fields tried in order, and how each is described in the report.
_CI_BASES = {
    "github": (
        ("base_sha", "from the pull request event"),
        ("base_ref", "from the pull request's target branch"),
        ("default_branch", "from the repository's default branch"),
    ),
    "gitlab": (
        ("base_sha", "from CI_MERGE_REQUEST_DIFF_BASE_SHA"),
        ("base_ref", "from CI_MERGE_REQUEST_TARGET_BRANCH_NAME"),
        ("default_branch", "from CI_DEFAULT_BRANCH"),
    ),
}


def _from_ci(clone: Clone, ci: CiContext) -> tuple[str, str, str] | None:
    first_error: GitError | None = None
    for field, how in _CI_BASES.get(ci.provider, ()):
        value = getattr(ci, field)
        if not value:
            continue
        try:
            sha, ref = (clone.sha(value), value) if field == "base_sha" else clone.branch(value)
        except GitError as exc:
            # A later candidate may still work (e.g. the target branch when the base sha
            # cannot be fetched); the first, most precise failure is the one to report.
            first_error = first_error or exc
            continue
        return sha, ref, how
    if first_error is not None:
        raise first_error
    return None


def _from_defaults(clone: Clone) -> tuple[str, str, str]:
    default = clone.remote_default_branch()
    if default is not None:
        try:
            sha, ref = clone.branch(default)
        except GitError:
            pass
        else:
            return sha, ref, f"from {REMOTE}'s default branch"
    for name in FALLBACK_BRANCHES:
        found = clone.fallback_branch(name)
        if found is not None:
            return found[0], found[1], "fallback: no --base and no CI base branch"
    raise GitError(
        "no base revision to compare with: no --base, no CI base branch, no default branch on "
        f"'{REMOTE}' and neither 'main' nor 'master' exists; pass --base REV"
    )


def _repo_relative(path: Path, root: Path, cwd: Path) -> str:
    absolute = Path(os.path.abspath(path if path.is_absolute() else cwd / path))
    for candidate in (absolute, Path(os.path.realpath(absolute))):
        try:
            return candidate.relative_to(root).as_posix()
        except ValueError:
            continue
    raise InputError(f"{path} is outside the git repository at {root}; give a path inside it")


def origin_url(cwd: Path | None = None) -> str | None:
    """The fetch URL of ``origin``, or None when there is no such remote."""
    from cmlreport.redact import register_url_credentials

    url = Clone(repo_root(cwd), provider="local").output(["remote", "get-url", REMOTE]) or None
    register_url_credentials(url)  # https://x-access-token:TOKEN@...: masked from here on
    return url


def current_branch(cwd: Path | None = None) -> str | None:
    """The checked-out branch, or None on a detached HEAD (as in most CI checkouts)."""
    clone = Clone(repo_root(cwd), provider="local")
    return clone.output(["symbolic-ref", "--quiet", "--short", "HEAD"]) or None
