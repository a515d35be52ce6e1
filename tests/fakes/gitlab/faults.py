"""Fault injection: canned error answers and late answers for chosen requests."""

from __future__ import annotations

import re
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from tests.fakes.gitlab.routing import Reply


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


class Faults:
    """What the next matching requests get instead of (or on top of) the normal answer.

    ``path`` is the API path without the sub-path and ``/api/v4``, e.g.
    ``/projects/42/merge_requests/3/notes``; ``path_regex`` is searched in it.
    """

    def __init__(self) -> None:
        self.injections: list[Injection] = []
        self.delays: list[Delay] = []

    def inject(
        self,
        method: str,
        path_regex: str,
        status: int,
        headers: dict[str, str] | None = None,
        body: Any = None,
        times: int = 1,
    ) -> None:
        reply = Reply(status, default_body(status) if body is None else body, dict(headers or {}))
        self.injections.append(Injection(method.upper(), re.compile(path_regex), times, reply))

    def inject_delay_after(
        self, method: str, path_regex: str, seconds: float, times: int = 1
    ) -> None:
        self.delays.append(Delay(method.upper(), re.compile(path_regex), times, seconds))

    def take_injection(self, method: str, path: str) -> Reply | None:
        return next((i.reply for i in self.injections if i.take(method, path)), None)

    def take_delay(self, method: str, path: str) -> float:
        return next((d.seconds for d in self.delays if d.take(method, path)), 0.0)


def default_body(status: int) -> Any:
    """What GitLab (or the proxy in front of it) answers with ``status``."""
    if status == 429:
        return "Retry later\n"  # Rack::Attack's plain-text throttle answer
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Error"
    return {"message": f"{status} {phrase}"}
