"""Fault injection: canned error responses and slow answers for chosen requests."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.fakes.github.routing import Reply


@dataclass
class Rule:
    method: str
    path_regex: re.Pattern[str]
    remaining: int

    def take(self, method: str, path: str) -> bool:
        """Whether this rule applies to the request; it then counts as used once."""
        if self.remaining > 0 and method == self.method and self.path_regex.search(path):
            self.remaining -= 1
            return True
        return False


@dataclass
class Injection(Rule):
    reply: Reply


@dataclass
class Delay(Rule):
    seconds: float


@dataclass
class Tamper(Rule):
    change: Callable[[Any], Any]


class Faults:
    """What the next matching requests get instead of (or on top of) the normal answer.

    ``path`` is the API path without the GitHub Enterprise prefix, e.g.
    ``/repos/octo/model/issues/7/comments``; ``path_regex`` is searched in it.
    """

    def __init__(self) -> None:
        self.injections: list[Injection] = []
        self.delays: list[Delay] = []
        self.tampers: list[Tamper] = []

    def inject(
        self,
        method: str,
        path_regex: str,
        status: int,
        headers: dict[str, str] | None = None,
        body: Any = None,
        times: int = 1,
    ) -> None:
        if body is None:
            body = {"message": _DEFAULT_MESSAGES.get(status, "Server Error")}
        reply = Reply(status, body, dict(headers or {}))
        self.injections.append(Injection(method.upper(), re.compile(path_regex), times, reply))

    def inject_delay_after(
        self, method: str, path_regex: str, seconds: float, times: int = 1
    ) -> None:
        self.delays.append(Delay(method.upper(), re.compile(path_regex), times, seconds))

    def tamper(
        self, method: str, path_regex: str, change: Callable[[Any], Any], times: int = 1
    ) -> None:
        self.tampers.append(Tamper(method.upper(), re.compile(path_regex), times, change))

    def take_injection(self, method: str, path: str) -> Reply | None:
        return next((i.reply for i in self.injections if i.take(method, path)), None)

    def take_delay(self, method: str, path: str) -> float:
        return next((d.seconds for d in self.delays if d.take(method, path)), 0.0)

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
