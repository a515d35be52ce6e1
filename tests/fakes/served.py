"""What the fake forges share: their answers, fault injection, life on 127.0.0.1, pytest fixtures.

Each fake (GitHub, GitLab) keeps its own state, routes and honesty checks; this is the part
that does not depend on which forge it pretends to be.
"""

from __future__ import annotations

import contextlib
import itertools
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from types import TracebackType
from typing import Any, Generic, Protocol, TypeVar
from urllib.parse import urlsplit

import pytest

from tests.fakes.transport import Answer, Transport


@dataclass
class Reply:
    status: int
    body: Any = None  # JSON-able, or bytes/str served as they are
    headers: dict[str, str] = field(default_factory=dict)


class Clock:
    """Deterministic time: every reading is one second after the previous one."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2024, 5, 1, 12, 0, 0, tzinfo=timezone.utc)

    def now(self) -> datetime:
        self._now += timedelta(seconds=1)
        return self._now

    def advance(self, seconds: float) -> None:
        self._now += timedelta(seconds=seconds)


class ForgeState:
    """The base of a fake's state: one lock the server holds around every request, a clock,
    and ids that live in ranges per kind so a mixed-up id is a 404, not a hit."""

    def __init__(self, clock: Clock | None = None) -> None:
        self.lock = threading.RLock()
        self.clock = clock or Clock()
        self._ids = itertools.count(1)

    def next_id(self, base: int) -> int:
        return base + next(self._ids)


def int_param(text: str | None, default: int) -> int:
    """A numeric query parameter as the forges read it: anything unparsable is the default."""
    try:
        return int(text) if text is not None else default
    except ValueError:
        return default


# -- fault injection -------------------------------------------------------------------------


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
class Hold(Rule):
    barrier: threading.Barrier

    def wait(self) -> None:
        # A broken or timed-out barrier lets the answer go: the test then sees no race.
        with contextlib.suppress(threading.BrokenBarrierError):
            self.barrier.wait()


class Faults:
    """What the next matching requests get instead of the normal answer, or how late.

    ``path_regex`` is searched in the path the fake logs (its API path, without any prefix);
    an injection without a body gets ``default_body(status)``, worded as the forge words it.
    """

    def __init__(self, default_body: Callable[[int], Any]) -> None:
        self.default_body = default_body
        self.injections: list[Injection] = []
        self.delays: list[Delay] = []
        self.lost: list[Injection] = []  # applied, then answered with this reply instead
        self.holds: list[Hold] = []

    def inject(
        self,
        method: str,
        path_regex: str,
        status: int,
        headers: dict[str, str] | None = None,
        body: Any = None,
        times: int = 1,
    ) -> None:
        reply = Reply(
            status, self.default_body(status) if body is None else body, dict(headers or {})
        )
        self.injections.append(Injection(method.upper(), re.compile(path_regex), times, reply))

    def inject_delay_after(
        self, method: str, path_regex: str, seconds: float, times: int = 1
    ) -> None:
        self.delays.append(Delay(method.upper(), re.compile(path_regex), times, seconds))

    def lose_answer(self, method: str, path_regex: str, status: int, times: int = 1) -> None:
        reply = Reply(status, self.default_body(status))
        self.lost.append(Injection(method.upper(), re.compile(path_regex), times, reply))

    def take_lost_answer(self, method: str, path: str) -> Reply | None:
        return next((i.reply for i in self.lost if i.take(method, path)), None)

    def hold_together(self, method: str, path_regex: str, parties: int, timeout: float) -> None:
        barrier = threading.Barrier(parties, timeout=timeout)
        self.holds.append(Hold(method.upper(), re.compile(path_regex), parties, barrier))

    def take_hold(self, method: str, path: str) -> Callable[[], None] | None:
        return next((h.wait for h in self.holds if h.take(method, path)), None)

    def take_injection(self, method: str, path: str) -> Reply | None:
        return next((i.reply for i in self.injections if i.take(method, path)), None)

    def take_delay(self, method: str, path: str) -> float:
        return next((d.seconds for d in self.delays if d.take(method, path)), 0.0)


# -- a fake forge on 127.0.0.1 ---------------------------------------------------------------


class _Logged(Protocol):
    @property
    def method(self) -> str: ...

    @property
    def path(self) -> str: ...


LoggedT = TypeVar("LoggedT", bound=_Logged)
ServedT = TypeVar("ServedT", bound="ServedFake[Any]")


class ServedFake(Generic[LoggedT]):
    """Start/stop over real HTTP, the request log, violations and fault injection.

    Mixed into a forge's state class (which provides ``lock``); the forge's server class
    implements ``handle`` and names itself in ``NAME`` for its error messages.
    """

    NAME = "fake"
    lock: threading.RLock

    def serve_init(self, *, prefix: str, port: int, faults: Faults) -> None:
        self.prefix = prefix.rstrip("/")
        self._port = port
        self.violations: list[str] = []
        self.requests: list[LoggedT] = []
        self.faults = faults
        self._transport: Transport | None = None

    def handle(self, method: str, target: str, headers: dict[str, str], raw: bytes) -> Answer:
        raise NotImplementedError

    def started(self) -> None:
        """Called once the port is known (the GitHub fake builds its validator there)."""

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self: ServedT) -> ServedT:
        self._transport = Transport(self._handle_held, port=self._port)
        self.started()
        return self

    def stop(self) -> None:
        if self._transport is not None:
            self._transport.stop()
            self._transport = None

    def __enter__(self: ServedT) -> ServedT:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._transport is None:
            raise RuntimeError(f"the {self.NAME} is not started: use start() or a with block")
        return self._transport.port

    @property
    def origin(self) -> str:
        """Scheme, host and port, without any prefix."""
        return f"http://127.0.0.1:{self.port}"

    # -- what tests use ----------------------------------------------------------------------

    def inject(
        self,
        method: str,
        path_regex: str,
        status: int,
        headers: dict[str, str] | None = None,
        body: Any = None,
        times: int = 1,
    ) -> None:
        """The next ``times`` matching requests get this answer instead (nothing changes).

        ``path_regex`` is searched in the logged path. Without ``body`` the answer is what the
        forge answers with ``status`` (see the forge's ``default_body``).
        """
        with self.lock:
            self.faults.inject(method, path_regex, status, headers, body, times)

    def inject_delay_after(
        self, method: str, path_regex: str, seconds: float, times: int = 1
    ) -> None:
        """The next matching requests are processed (state changes), then answered late."""
        with self.lock:
            self.faults.inject_delay_after(method, path_regex, seconds, times)

    def lose_answer(self, method: str, path_regex: str, status: int = 502, times: int = 1) -> None:
        """The next matching requests are carried out, then answered ``status`` (a proxy's
        502 after the forge applied the write): the client cannot tell it happened."""
        with self.lock:
            self.faults.lose_answer(method, path_regex, status, times)

    def hold_together(
        self, method: str, path_regex: str, parties: int = 2, timeout: float = 20.0
    ) -> None:
        """The next ``parties`` matching requests are each processed (state read or changed)
        as they arrive, but none is answered before all of them have been processed: two
        clients racing, e.g. both reading the comments before either posts. Unlike the other
        rules, ``path_regex`` is searched in the path as sent (any prefix included)."""
        with self.lock:
            self.faults.hold_together(method, path_regex, parties, timeout)

    def _handle_held(self, method: str, target: str, headers: dict[str, str], raw: bytes) -> Answer:
        answer = self.handle(method, target, headers, raw)
        with self.lock:  # taken after processing, so the order of holds is the order served
            hold = self.faults.take_hold(method, urlsplit(target).path)
        return answer if hold is None else answer._replace(hold=hold)

    def take_violations(self) -> list[str]:
        """The violations so far, forgotten (for tests that provoke one on purpose)."""
        with self.lock:
            found, self.violations[:] = list(self.violations), []
            return found

    def reset_log(self) -> None:
        with self.lock:
            self.requests.clear()

    def calls(self, method: str, path_regex: str) -> list[LoggedT]:
        """The logged requests with this method whose path matches ``path_regex``."""
        pattern = re.compile(path_regex)
        with self.lock:
            return [r for r in self.requests if r.method == method and pattern.search(r.path)]


# -- pytest fixtures -------------------------------------------------------------------------

FakeT = TypeVar("FakeT", bound=ServedFake[Any])


def fixtures(
    make: Callable[..., FakeT], name: str, broken: str
) -> tuple[Callable[[], Iterator[FakeT]], Callable[[], Iterator[Callable[..., FakeT]]]]:
    """``NAME_server`` (a fresh running fake per test) and ``NAME_server_factory`` (start
    fakes with options). Either fails the test at teardown when the fake saw requests that
    ``broken`` describes, listing them."""

    def fail_on_violations(servers: list[FakeT]) -> None:
        found = [v for server in servers for v in server.take_violations()]
        if found:
            listed = "\n  ".join(found)
            pytest.fail(f"the {name} saw {len(found)} {broken}:\n  {listed}", pytrace=False)

    def server() -> Iterator[FakeT]:
        with make() as running:
            yield running
        fail_on_violations([running])

    def factory() -> Iterator[Callable[..., FakeT]]:
        servers: list[FakeT] = []

        def start(*, prefix: str = "") -> FakeT:
            started = make(prefix=prefix).start()
            servers.append(started)
            return started

        yield start
        for started in servers:
            started.stop()
        fail_on_violations(servers)

    return server, factory
