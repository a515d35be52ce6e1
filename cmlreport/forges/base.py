"""The forge-neutral vocabulary: targets, comments, images, checks and the Forge protocol.

The CLI speaks only these types, so it never knows whether it talks to GitHub or GitLab.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Protocol

from cmlreport.errors import InputError

if TYPE_CHECKING:
    from cmlreport.ci import CiContext
    from cmlreport.publishable.image import LocalImage


class TargetKind(str, Enum):
    PR = "pr"  # a GitHub pull request or a GitLab merge request
    COMMIT = "commit"
    ISSUE = "issue"


@dataclass(frozen=True)
class TargetSpec:
    """What the user asked for with ``--target``: ``auto``, ``pr``, ``pr/N``, ``commit``,
    ``commit/SHA`` or ``issue/N``. ``kind`` None means auto."""

    kind: TargetKind | None
    number: int | None = None
    sha: str | None = None


@dataclass(frozen=True)
class Target:
    """A resolved place to post: a PR/MR or issue by number, or a commit by full sha."""

    kind: TargetKind
    number: int | None = None
    sha: str | None = None

    def describe(self) -> str:
        if self.kind is TargetKind.COMMIT:
            return f"commit {(self.sha or '?')[:7]}"
        noun = "pull request" if self.kind is TargetKind.PR else "issue"
        return f"{noun} #{self.number}"


_TARGET = re.compile(r"^(?:(auto)|(pr|issue|commit)(?:/(.+))?)$")
_SHA = re.compile(r"^[0-9a-fA-F]{7,64}$")


def parse_target(spec: str) -> TargetSpec:
    m = _TARGET.match(spec.strip())
    if not m:
        raise InputError(
            f"--target {spec!r}: expected auto, pr, pr/N, commit, commit/SHA or issue/N"
        )
    if m[1]:
        return TargetSpec(None)
    kind, arg = TargetKind(m[2]), m[3]
    if kind is TargetKind.COMMIT:
        if arg is not None and not _SHA.match(arg):
            raise InputError(f"--target {spec!r}: {arg!r} is not a commit sha")
        return TargetSpec(kind, sha=arg.lower() if arg else None)
    if arg is None:
        if kind is TargetKind.ISSUE:
            raise InputError(f"--target {spec!r}: name the issue, e.g. issue/12")
        return TargetSpec(kind)
    # 18 digits at most: int() refuses over 4,300, and no pull request has a number that long.
    if not (arg.isascii() and arg.isdigit()) or len(arg) > 18 or int(arg) < 1:
        raise InputError(f"--target {spec!r}: {arg!r} is not a {kind.value} number")
    return TargetSpec(kind, number=int(arg))


def resolve_target(
    spec: TargetSpec,
    *,
    ci_pr_number: int | None,
    head_sha: str | None,
    full_sha: Callable[[str], str],
    find_open: Callable[[], int | None],
    missing: Callable[[str | None], str],
) -> Target:
    """Where a report goes, the same on every forge: an explicit issue/PR/commit; else this
    event's PR; else the open PR of the branch; else (``auto`` only) the head commit.

    ``missing(sha)`` words the error when no PR is found ("branch x / commit y in REPO").
    """
    if spec.kind is TargetKind.ISSUE or (spec.kind is TargetKind.PR and spec.number):
        return Target(spec.kind, number=spec.number)
    if spec.kind is TargetKind.COMMIT:
        sha = spec.sha or head_sha
        if sha is None:
            raise InputError("--target commit: no commit checked out; pass --target commit/SHA")
        return Target(TargetKind.COMMIT, sha=full_sha(sha))
    if ci_pr_number:
        return Target(TargetKind.PR, number=ci_pr_number)
    number = find_open()
    if number is not None:
        return Target(TargetKind.PR, number=number)
    if spec.kind is TargetKind.PR or head_sha is None:
        kind = spec.kind.value if spec.kind else "auto"
        raise InputError(f"--target {kind}: {missing(head_sha)}; pass --target pr/N")
    return Target(TargetKind.COMMIT, sha=head_sha)


def full_report_hint(ci: CiContext) -> str | None:
    """Where a reader finds the whole report when the posted one is cut."""
    if ci.provider == "github" and ci.run_url:
        return f"the job summary of {ci.run_url}"
    if ci.run_url:
        return f"the job log of {ci.run_url}"
    return None


@dataclass(frozen=True)
class Comment:
    id: int
    body: str
    author: str
    url: str  # the page a human opens (html_url / web_url)
    node_id: str = ""  # GitHub's GraphQL id (minimizeComment takes it); "" elsewhere
    hidden: bool = False  # minimised on GitHub (folded away as outdated, say)


@dataclass(frozen=True)
class Annotation:
    """A line of a repository file flagged on a check run (a failed gate at its metric)."""

    path: str  # relative to the repository root, "/"-separated
    line: int  # 1-based
    level: str  # "failure", "warning" or "notice", as the Checks API names them
    title: str
    message: str


@dataclass(frozen=True)
class CheckResult:
    url: str
    conclusion: str


class Forge(Protocol):
    """One forge, one repository, one token. Every method raises RemoteError (exit 3) after
    bounded retries, or InputError for what the user must fix (token, permissions, target)."""

    name: str  # "GitHub" / "GitLab", for messages

    def resolve_target(self, spec: TargetSpec) -> Target:
        """``auto`` and bare ``pr``/``commit`` from the CI context or the current branch."""
        ...

    def find_comment(self, target: Target, marker: str, *, newest: bool = False) -> Comment | None:
        """A comment on ``target`` that this token's user wrote, whose body opens with the
        line(s) ``marker`` (``cmlreport.forges.sticky.opens_with``) and that is not hidden,
        in a constant number of requests when it is among the oldest or the most recently
        updated comments. ``newest``: it is likely among the latest (``--mode recreate``)."""
        ...

    def find_comments(self, target: Target, marker: str) -> list[Comment]:
        """Every such comment, hidden ones too, in no particular order (reads them all)."""
        ...

    def recent_comments(self, target: Target, marker: str) -> list[Comment]:
        """Such comments, not hidden, among the most recently updated: right after posting,
        where a racing job's comment is too (one request)."""
        ...

    def hide_comment(self, target: Target, comment: Comment) -> None:
        """Minimised as outdated; an InputError where the forge cannot hide comments."""
        ...

    def remember_comment(self, target: Target, marker: str, comment: Comment) -> str | None:
        """Keep where ``comment`` (ours, opening with ``marker``) is, so that the next run's
        lookup finds it at once wherever it sits; a sentence when that could not be done
        and it matters (the comment itself stands)."""
        ...

    def create_comment(self, target: Target, body: str) -> Comment: ...

    def update_comment(self, target: Target, comment: Comment, body: str) -> Comment: ...

    def delete_comment(self, target: Target, comment: Comment) -> None:
        """Gone afterwards; a comment that is already gone is no error."""
        ...

    def publish_images(self, images: Sequence[LocalImage], target: Target) -> Mapping[str, str]:
        """Upload what is not there yet; returns image ref -> URL to put in the markdown."""
        ...

    def set_check(
        self,
        name: str,
        conclusion: str,
        title: str,
        summary: str,
        details_url: str | None,
        *,
        text: str = "",
        annotations: Sequence[Annotation] = (),
    ) -> CheckResult:
        """A check run (GitHub) or commit status (GitLab) on the head commit; ``text`` and
        ``annotations`` go where the forge has room for them (a GitHub check run)."""
        ...
