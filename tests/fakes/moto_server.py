"""moto's EC2 over real HTTP on 127.0.0.1, with the failures moto cannot produce on its own.

Enable the fixtures in a test module with ``pytest_plugins = ["tests.fakes.moto_server"]``
(import ``MotoServer`` there only under ``TYPE_CHECKING``: pytest must import this module first
to rewrite its asserts; the helpers are reachable through the fixture):

    def test_launch(moto: MotoServer) -> None:
        ec2 = Ec2("us-east-1", endpoint_url=moto.url)
        ...

One ``ThreadedMotoServer`` serves the whole session (of each xdist worker), with moto's ~40
base AMIs; every test starts from ``POST /moto-api/reset``, with no faults armed, no recorded
calls, and dummy credentials in the environment (never the developer's own ``~/.aws``).

moto accepts every launch: it has no notion of capacity, quotas or permissions. A thin WSGI
layer in front of it answers chosen EC2 actions with the error EC2 itself would send (same XML,
same HTTP status), so the real boto3 client parses a real error off the wire:

    moto.fail("RunInstances", "InsufficientInstanceCapacity", status=500, when=moto.is_spot)

It can also rewrite moto's answers (an instance that never leaves ``pending``), hold chosen
actions until the test releases them (to signal a client at a precise moment), and records
every EC2 call it sees as ``(action, params)``.
"""

from __future__ import annotations

import io
import logging
import os
import re
import sys
import threading
import urllib.request
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import pytest


def _only_the_base_images() -> None:
    """Load moto's ~40 base AMIs, not its ~1,300 per-region "latest" ones as well.

    moto rebuilds a region's EC2 after every reset, and creating the images (each with a
    snapshot) was most of a test's set-up; the base images are the ones tests pick from
    (``describe_images(Owners=["amazon"])[0]`` is the same either way) and their ids survive
    resets. moto reads ``MOTO_AMIS_PATH`` when its EC2 models are first imported: here.
    """
    if "MOTO_AMIS_PATH" in os.environ or "moto.ec2.models.amis" in sys.modules:
        return
    import atexit
    import gzip
    import importlib.resources
    import tempfile

    packed = importlib.resources.files("moto") / "ec2/resources/amis.json.gz"
    handle, path = tempfile.mkstemp(prefix="cmlreport-tests-amis-", suffix=".json")
    with os.fdopen(handle, "wb") as out:
        out.write(gzip.decompress(packed.read_bytes()))
    atexit.register(os.remove, path)
    os.environ["MOTO_AMIS_PATH"] = path


_only_the_base_images()

from moto.server import ThreadedMotoServer  # noqa: E402

EC2_API_VERSION = "2016-11-15"

Params = Mapping[str, str]
StartResponse = Callable[..., Any]
Wsgi = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


@dataclass
class Ec2Call:
    action: str
    params: Params


@dataclass
class _Fault:
    action: str
    code: str
    message: str
    status: int
    when: Callable[[Params], bool]
    remaining: int | None  # None: every matching call
    after_applying: bool

    def take(self, call: Ec2Call) -> bool:
        if call.action != self.action or self.remaining == 0 or not self.when(call.params):
            return False
        if self.remaining is not None:
            self.remaining -= 1
        return True


class Hold:
    """Requests to one EC2 action wait here until ``release()``: the test acts meanwhile.

    ``reached`` is set when the first matching request arrives (and, with ``after_applying``,
    once moto has carried it out: the machine exists, its answer is still on the way).
    """

    def __init__(self, action: str, after_applying: bool, when: Callable[[Params], bool]) -> None:
        self.action, self.after_applying, self.when = action, after_applying, when
        self.reached = threading.Event()
        self._released = threading.Event()

    def release(self) -> None:
        self._released.set()

    def wait_reached(self, timeout: float = 30.0) -> None:
        if not self.reached.wait(timeout):
            raise AssertionError(f"no {self.action} request within {timeout:g} s")

    def _wait(self) -> None:
        self.reached.set()
        # Bounded: a test that forgets to release must not hang the server's thread forever.
        self._released.wait(60)


@dataclass
class _Rewrite:
    action: str
    change: Callable[[str], str]


def _error_xml(code: str, message: str) -> bytes:
    # The shape EC2 answers errors with; botocore's ec2 parser reads Code and Message from it.
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Response><Errors><Error><Code>{code}</Code><Message>{message}</Message></Error>"
        "</Errors><RequestID>00000000-fake-4000-8000-000000000000</RequestID></Response>"
    )
    return body.encode()


_REASONS = {400: "Bad Request", 403: "Forbidden", 500: "Internal Server Error", 503: "Unavailable"}


class MotoServer(ThreadedMotoServer):
    """moto's threaded server behind a fault-injection layer; ``url`` is its endpoint."""

    def __init__(self) -> None:
        super().__init__(ip_address="127.0.0.1", port=0, verbose=False)
        self.calls: list[Ec2Call] = []
        self._faults: list[_Fault] = []
        self._rewrites: list[_Rewrite] = []
        self._holds: list[Hold] = []
        self._lock = threading.Lock()
        self.url = ""

    def start(self) -> None:
        super().start()
        server = self._server
        assert server is not None
        # werkzeug's server hands each request to ``server.app``: wrap moto's app in place.
        moto_app: Wsgi = server.app
        server.app = self._layer(moto_app)
        host, port = self.get_host_and_port()
        self.url = f"http://{host}:{port}"

    # -- what tests call ---------------------------------------------------------------------

    def reset(self) -> None:
        """Forget every resource (moto's own reset), armed fault and recorded call."""
        request = urllib.request.Request(f"{self.url}/moto-api/reset", method="POST")
        with urllib.request.urlopen(request, timeout=10) as answer:
            answer.read()
        with self._lock:
            self.calls.clear()
            self._faults.clear()
            self._rewrites.clear()
            holds, self._holds = self._holds, []
        for hold in holds:
            hold.release()

    def fail(
        self,
        action: str,
        code: str,
        *,
        status: int = 400,
        message: str = "",
        when: Callable[[Params], bool] = lambda _params: True,
        times: int | None = None,
        after_applying: bool = False,
    ) -> None:
        """Answer ``action`` with EC2's error ``code`` (every time, or the next ``times``).

        ``after_applying`` lets moto carry the request out first and then loses the answer, as
        when a connection drops after EC2 has already started an instance.
        """
        fault = _Fault(action, code, message or code, status, when, times, after_applying)
        with self._lock:
            self._faults.append(fault)

    def rewrite(self, action: str, change: Callable[[str], str]) -> None:
        """Pass every answer to ``action`` through ``change`` (the XML body as text)."""
        with self._lock:
            self._rewrites.append(_Rewrite(action, change))

    def hold(
        self,
        action: str,
        *,
        after_applying: bool = True,
        when: Callable[[Params], bool] = lambda _params: True,
    ) -> Hold:
        """Make ``action`` requests wait until the returned hold is released (or the next
        reset): before moto sees them, or with ``after_applying`` between moto carrying them
        out and the answer going back (a RunInstances whose machine exists, answer in flight).
        """
        hold = Hold(action, after_applying, when)
        with self._lock:
            self._holds.append(hold)
        return hold

    def keep_instances_pending(self) -> None:
        """From now on DescribeInstances says ``pending`` where moto would say ``running``."""
        self.rewrite("DescribeInstances", _running_as_pending)

    @staticmethod
    def is_spot(params: Params) -> bool:
        """Whether a RunInstances request asks for the spot market (a ``when`` for ``fail``)."""
        return params.get("InstanceMarketOptions.MarketType") == "spot"

    def calls_to(self, action: str) -> list[Params]:
        with self._lock:
            return [call.params for call in self.calls if call.action == action]

    # -- the WSGI layer ----------------------------------------------------------------------

    def _layer(self, app: Wsgi) -> Wsgi:
        def handle(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
            length = int(environ.get("CONTENT_LENGTH") or 0)
            body = environ["wsgi.input"].read(length) if length else b""
            # moto reads the body again: give it a fresh stream holding the same bytes.
            environ["wsgi.input"] = io.BytesIO(body)
            call = _ec2_call(environ, body)
            if call is None:
                return app(environ, start_response)
            with self._lock:
                self.calls.append(call)
                fault = next((f for f in self._faults if f.take(call)), None)
                changes = [r.change for r in self._rewrites if r.action == call.action]
                holds = [h for h in self._holds if h.action == call.action and h.when(call.params)]
            for hold in holds:
                if not hold.after_applying:
                    hold._wait()
            if fault is not None and not fault.after_applying:
                return _reply(start_response, fault.status, _error_xml(fault.code, fault.message))
            status, headers, answer = _collect(app, environ)
            for hold in holds:
                if hold.after_applying:
                    hold._wait()
            if fault is not None:
                return _reply(start_response, fault.status, _error_xml(fault.code, fault.message))
            text = answer.decode()
            for change in changes:
                text = change(text)
            headers = [(k, v) for k, v in headers if k.lower() != "content-length"]
            start_response(status, [*headers, ("Content-Length", str(len(text.encode())))])
            return [text.encode()]

        return handle


def _ec2_call(environ: Mapping[str, Any], body: bytes) -> Ec2Call | None:
    if environ.get("REQUEST_METHOD") != "POST" or str(environ.get("PATH_INFO", "")).startswith(
        "/moto-api"
    ):
        return None
    content_type = str(environ.get("CONTENT_TYPE", ""))
    if "x-www-form-urlencoded" not in content_type:
        return None
    params = dict(parse_qsl(body.decode(), keep_blank_values=True))
    action = params.get("Action")
    # Other query-protocol services (STS, IAM) carry their own API version: leave them be.
    if not action or params.get("Version") != EC2_API_VERSION:
        return None
    return Ec2Call(action, params)


def _collect(app: Wsgi, environ: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes]:
    captured: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], *_: Any) -> None:
        captured["status"], captured["headers"] = status, headers

    chunks = app(environ, start_response)
    try:
        answer = b"".join(chunks)
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:
            close()
    return captured["status"], captured["headers"], answer


def _running_as_pending(xml: str) -> str:
    return re.sub(
        r"<code>16</code>(\s*)<name>running</name>", r"<code>0</code>\1<name>pending</name>", xml
    )


def _reply(start_response: StartResponse, status: int, body: bytes) -> list[bytes]:
    start_response(
        f"{status} {_REASONS.get(status, 'Error')}",
        [("Content-Type", "text/xml"), ("Content-Length", str(len(body)))],
    )
    return [body]


@pytest.fixture(scope="session")
def moto_session() -> Iterator[MotoServer]:
    # werkzeug logs every request at INFO; the test output has no use for them.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = MotoServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def moto(moto_session: MotoServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> MotoServer:
    """The session's moto server, emptied, with dummy credentials and no region set."""
    # Nothing of the developer's or the CI's AWS setup (profile, region, endpoint, retry
    # mode, OIDC role, ~/.aws) may leak into a test, nor an instance metadata lookup.
    for name in [name for name in os.environ if name.startswith("AWS_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "aws-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    moto_session.reset()
    return moto_session
