"""Fault injection as GitHub words its errors, plus tampering with served bodies."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.fakes.served import Faults, Rule


@dataclass
class Tamper(Rule):
    change: Callable[[Any], Any]


def default_body(status: int) -> Any:
    """What GitHub answers with ``status``; a 403 is the secondary rate limit."""
    return {"message": _DEFAULT_MESSAGES.get(status, "Server Error")}


class GitHubFaults(Faults):
    """``path`` is the API path without the GitHub Enterprise prefix, e.g.
    ``/repos/octo/model/issues/7/comments``."""

    def __init__(self) -> None:
        super().__init__(default_body)
        self.tampers: list[Tamper] = []

    def tamper(
        self, method: str, path_regex: str, change: Callable[[Any], Any], times: int = 1
    ) -> None:
        self.tampers.append(Tamper(method.upper(), re.compile(path_regex), times, change))

    def take_tamper(self, method: str, path: str) -> Callable[[Any], Any] | None:
        return next((t.change for t in self.tampers if t.take(method, path)), None)


_DEFAULT_MESSAGES = {
    403: (
        "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."
    ),
    429: "API rate limit exceeded",
    500: "Server Error",
    502: "Server Error",
    503: "Service Unavailable",
}
