"""Exception types the CLI maps to exit codes.

Every message is a single line a user can act on: it names the file, key or flag at fault.
"""

from __future__ import annotations


class CmlReportError(Exception):
    """Base class; ``exit_code`` is what the CLI returns."""

    exit_code = 2

    def __init__(self, message: str) -> None:
        # Newlines would break the one-line contract (and GitHub's ::error:: annotations).
        super().__init__(" ".join(message.split()))

    @property
    def message(self) -> str:
        return str(self.args[0])


class InputError(CmlReportError):
    """A file, flag or key the user gave is missing, malformed or inconsistent (exit 2)."""

    exit_code = 2


class GitError(CmlReportError):
    """A git operation failed: unknown revision, shallow clone that cannot be deepened (exit 2)."""

    exit_code = 2


class RemoteError(CmlReportError):
    """A forge or cloud call failed after retries (exit 3).

    ``transient`` says the failure may have happened after the server applied the request
    (a timeout, a 502 from a proxy): a write must be checked before it is tried again.
    """

    exit_code = 3

    def __init__(self, message: str, *, transient: bool = False) -> None:
        super().__init__(message)
        self.transient = transient


class NoWriteAccess(RemoteError):
    """The token may read but not write here: a fork's pull request, or missing permissions."""


class GateFailed(CmlReportError):
    """At least one quality gate failed; raised only after the report is written (exit 1)."""

    exit_code = 1
