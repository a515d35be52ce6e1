"""What the GitHub and GitLab forges do alike, whichever client is underneath.

The commit under review, finding our comments, deleting one that may be gone already, and
telling a missing pull request or issue from a missing repository.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, suppress
from typing import Generic, Protocol, TypeVar

from cmlreport.ci import CiContext
from cmlreport.errors import InputError
from cmlreport.forges.base import Comment, Target, TargetSpec, resolve_target
from cmlreport.forges.errors import Attempt, NotFound
from cmlreport.forges.http import RequestCounter


class Checkout(Protocol):
    """The part of a forge's settings this module reads."""

    @property
    def ci(self) -> CiContext: ...

    @property
    def head_sha(self) -> str | None: ...


SettingsT = TypeVar("SettingsT", bound=Checkout)


class ForgeBase(ABC, Generic[SettingsT]):
    """The half of ``cmlreport.forges.base.Forge`` that does not depend on the forge."""

    name = "the forge"  # each forge's own: "GitHub", "GitLab"

    def __init__(self, settings: SettingsT) -> None:
        self._settings = settings
        self._counter = RequestCounter()

    @property
    def request_count(self) -> int:
        """HTTP requests sent so far, retries included."""
        return self._counter.count

    # -- what each forge says its own way ---------------------------------------------------

    @abstractmethod
    def _errors(self, attempt: Attempt) -> AbstractContextManager[None]:
        """The forge's error translation around one call."""
        ...

    @abstractmethod
    def _visible(self) -> bool:
        """Whether the repository is there for this token (one request)."""
        ...

    @abstractmethod
    def _missing_target(self, target: Target) -> str: ...

    @abstractmethod
    def _no_open_pull(self, sha: str | None) -> str:
        """The end of the message when no open PR/MR is found ("branch x in REPO")."""
        ...

    @abstractmethod
    def _full_sha(self, sha: str) -> str: ...

    @abstractmethod
    def _find_open(self) -> int | None: ...

    @abstractmethod
    def _ours(self, target: Target, marker: str) -> Iterator[Comment]:
        """Comments opening with ``marker`` that this token's user wrote, newest first."""
        ...

    @abstractmethod
    def _delete(self, target: Target, comment: Comment) -> None: ...

    # -- the same on both -------------------------------------------------------------------

    def resolve_target(self, spec: TargetSpec) -> Target:
        return resolve_target(
            spec,
            ci_pr_number=self._settings.ci.pr_number,
            head_sha=self._head_sha(),
            full_sha=self._full_sha,
            find_open=self._find_open,
            missing=self._no_open_pull,
        )

    def _head_sha(self) -> str | None:
        """The commit under review: on a pull/merge request event the request's tip, not the
        forge's temporary merge commit (which nobody sees in the request)."""
        ci = self._settings.ci
        return ci.pr_head_sha or ci.head_sha or self._settings.head_sha

    def find_comment(self, target: Target, marker: str, *, newest: bool = False) -> Comment | None:
        return next(self._ours(target, marker), None)

    def find_comments(self, target: Target, marker: str) -> list[Comment]:
        return list(self._ours(target, marker))

    def recent_comments(self, target: Target, marker: str) -> list[Comment]:
        return self.find_comments(target, marker)

    def remember_comment(self, target: Target, marker: str, comment: Comment) -> str | None:
        return None  # where the lookups are constant-cost without a kept place

    def hide_comment(self, target: Target, comment: Comment) -> None:
        raise InputError(f"--hide-old: {self.name} cannot hide a comment")

    def delete_comment(self, target: Target, comment: Comment) -> None:
        # A comment already deleted (by the other job of a race) is no error.
        with suppress(NotFound):
            self._delete(target, comment)

    @contextmanager
    def _target_errors(self, attempt: Attempt, target: Target) -> Iterator[None]:
        """The forge's errors, telling a missing repository from a missing target: a 404 on
        ``issues/7/comments`` means either, so then (only then) it asks for the repository."""
        try:
            with self._errors(attempt):
                yield
        except NotFound:
            if not self._visible():
                raise
            raise NotFound(self._missing_target(target)) from None
