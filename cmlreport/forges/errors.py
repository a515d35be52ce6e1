"""Forge failures as one-line errors: what was being done, what the forge said, what to change.

One shape for both forges: a client's exception (or ``RateLimited``, or the network error from
requests underneath) becomes a ``RemoteError`` (exit 3), ``NoWriteAccess``, ``BadToken`` or
``NotFound`` whose message never carries the token. Rate limits, server errors and network
failures are worded here; each forge's module words its refusals (401, 403, 404).
"""

from __future__ import annotations

import re
import time
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from cmlreport.errors import CmlReportError, RemoteError
from cmlreport.forges.http import HttpLimits, RateLimited

if TYPE_CHECKING:
    import requests

# Said of a write whose answer was lost: sticky posting looks for it before trying again.
MAY_HAVE_HAPPENED = "it may have happened anyway, so it is checked before any new try"
_YEAR = 366 * 86400


class NotFound(RemoteError):
    """The forge answered 404: the repository (or the target in it) is missing or hidden."""


class BadToken(RemoteError):
    """The forge answered 401: the token is unknown, revoked or expired."""


@dataclass(frozen=True)
class Attempt:
    """What a call was for, in the words its error message needs."""

    doing: str  # "post a comment on pull request #7"
    needs: str = ""  # GitHub: the permission, as `permissions:` names it; GitLab: the least role
    write: bool = False
    post: bool = False  # never sent again once it may have landed: such a failure is transient


@dataclass(frozen=True)
class Failure:
    """A refusing answer, whichever client raised it."""

    status: int | None
    said: str  # the status and the forge's message on one short line: "404 Not Found"
    headers: Mapping[str, str] = field(default_factory=dict)  # lower-case names
    data: Any = None
    redirected: bool = False


class ForgeErrors(ABC):
    """One forge's failures as one-line errors; a subclass gives the forge's own words."""

    name: ClassVar[str] = "the forge"

    def __init__(self, *, place: str, api: str, token: str, limits: HttpLimits) -> None:
        self.place, self.api, self.token, self.limits = place, api, token, limits

    @abstractmethod
    def failure(self, exc: Exception) -> Failure | None:
        """The client's exception as a Failure; None for any other exception."""
        ...

    @abstractmethod
    def said(self, status: int, body: Any) -> str:
        """An error body as the status and the forge's message on one line."""
        ...

    @abstractmethod
    def explain(self, failure: Failure, attempt: Attempt) -> tuple[type[RemoteError], str] | None:
        """The forge's words for a refusal (401, 403, 404...); None for the shared ones."""
        ...

    @contextmanager
    def around(self, attempt: Attempt) -> Iterator[None]:
        import requests

        try:
            yield
        except CmlReportError:
            raise
        except RateLimited as exc:
            raise self._error(RemoteError, self._limited(exc, attempt)) from None
        except requests.RequestException as exc:
            raise self._network(exc, attempt) from None
        except Exception as exc:
            failure = self.failure(exc)
            if failure is None:
                raise
            raise self._status(failure, attempt) from None

    def _status(self, failure: Failure, attempt: Attempt) -> RemoteError:
        found = self.explain(failure, attempt)
        if found is not None:
            return self._error(*found)
        status, said, doing = failure.status or 0, failure.said, attempt.doing
        if status == 429:
            return self._error(RemoteError, self._limit_text(said, attempt, None, tries=""))
        if status >= 500 and attempt.post:
            # A proxy's 502 may come after the forge applied the write: the caller looks first.
            text = f"could not {doing} in {self.place}: {self.name} answered {said}; "
            return self._error(RemoteError, text + MAY_HAVE_HAPPENED, transient=True)
        if status >= 500:
            tries = attempts(self.limits.retries + 1)
            text = f"could not {doing} in {self.place}: {self.name} answered {said} after {tries}"
            return self._error(RemoteError, text)
        return self._error(
            RemoteError, f"{self.name} rejected the request to {doing} in {self.place} ({said})"
        )

    def _limited(self, exc: RateLimited, attempt: Attempt) -> str:
        said = self.said(exc.status, exc.body)
        if not exc.too_long:
            return self._limit_text(said, attempt, exc.wait, tries=f" after {attempts(exc.tries)}")
        wait = exc.wait or 0.0
        asks = f"{wait:.0f} s" if wait < _YEAR else "for longer than a year"
        return (
            f"{self.name}'s rate limit stopped the attempt to {attempt.doing} in {self.place} "
            f"({said}): it asks to wait {asks}, more than the {self.limits.max_wait:g} s we "
            f"wait; the limit resets {_when(wait)}, try again then"
        )

    def _limit_text(self, said: str, attempt: Attempt, wait: float | None, tries: str) -> str:
        return (
            f"{self.name}'s rate limit stopped the attempt to {attempt.doing} in {self.place} "
            f"({said}){tries}; the limit resets {_when(wait)}, try again then"
        )

    def _network(self, exc: requests.RequestException, attempt: Attempt) -> RemoteError:
        import requests

        where = f"{attempt.doing} in {self.place}"
        never_sent = connection_never_made(exc)
        if isinstance(exc, requests.Timeout) and not never_sent:
            text = f"no answer from {self.api} within {self.limits.timeout:g} s to {where}"
            if attempt.post:
                text += f"; {MAY_HAVE_HAPPENED}"
        else:
            text = f"cannot reach {self.api} to {where}: {_network_reason(exc)}"
        # A timeout or a connection dropped mid-request may have delivered a POST all the same.
        return self._error(RemoteError, text, transient=attempt.post and not never_sent)

    def _error(self, cls: type[RemoteError], text: str, transient: bool = False) -> RemoteError:
        # Messages are built without the token; this is the belt to those braces. (Real tokens
        # are 20+ characters: a tiny test token would only mangle ordinary words.)
        if len(self.token) >= 8:
            text = text.replace(self.token, "***")
        return cls(text, transient=transient)


def connection_never_made(exc: Exception) -> bool:
    """Whether the request surely never reached the server (so nothing can have landed)."""
    import requests
    from urllib3.exceptions import ConnectTimeoutError, NewConnectionError

    if isinstance(exc, requests.ConnectTimeout):
        return True
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(reason, (NewConnectionError, ConnectTimeoutError))


def attempts(count: int) -> str:
    return "1 attempt" if count == 1 else f"{count} attempts"


def one_line(text: str) -> str:
    """A forge's message on one short line."""
    line = " ".join(text.split())
    return line if len(line) <= 200 else line[:197] + "..."


def _when(wait: float | None) -> str:
    if wait is None:
        return "in about a minute"
    at = time.time() + wait
    if not wait < _YEAR:  # a hostile or broken header: no date to show
        return "much later than cmlreport waits"
    return "at " + time.strftime("%H:%M:%S UTC", time.gmtime(int(at)))


def _network_reason(exc: Exception) -> str:
    reason: object = exc.args[0] if exc.args else exc
    reason = getattr(reason, "reason", reason)  # urllib3's MaxRetryError wraps the cause
    text = str(reason).rsplit(": ", 1)[-1]  # drop "<HTTPConnection object at 0x..>: ..."
    text = re.sub(r"\[Errno -?\d+\]\s*", "", text).strip()
    return text or type(exc).__name__
