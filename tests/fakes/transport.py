"""HTTP on 127.0.0.1: a threaded server in a background thread that stops cleanly.

Knows nothing about GitHub: every request goes to a ``handle`` function that returns an
``Answer``, possibly to be sent late (a client timeout after a successful write).
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, NamedTuple


class Answer(NamedTuple):
    status: int
    headers: dict[str, str]
    data: bytes
    delay: float  # seconds to wait before sending
    hold: Callable[[], None] | None = None  # blocks until the answer may go (after processing)


# (method, target as sent, headers with lower-case names, raw body) -> answer
Handle = Callable[[str, str, dict[str, str], bytes], Answer]


class Transport:
    def __init__(self, handle: Handle, *, port: int = 0) -> None:
        self.handle = handle
        self._stopping = threading.Event()
        self._connections: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._httpd = _Server(("127.0.0.1", port), _Handler, self)
        # A short poll keeps stop() (which waits for the loop to notice) quick between tests.
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, args=(0.02,), name="fake-http", daemon=True
        )
        self._thread.start()

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    def stop(self) -> None:
        self._stopping.set()  # wakes delayed answers
        self._httpd.shutdown()
        with self._lock:
            for connection in list(self._connections):
                with contextlib.suppress(OSError):  # ends idle keep-alive readers
                    connection.shutdown(socket.SHUT_RDWR)
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def track(self, connection: socket.socket, *, open: bool) -> None:
        with self._lock:
            if open:
                self._connections.add(connection)
            else:
                self._connections.discard(connection)

    def wait(self, seconds: float) -> bool:
        """Sleep ``seconds``; True when the server stops meanwhile."""
        return self._stopping.wait(seconds)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(
        self,
        address: tuple[str, int],
        handler: type[BaseHTTPRequestHandler],
        transport: Transport,
    ) -> None:
        self.transport = transport
        super().__init__(address, handler)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"  # keep-alive, as PyGithub's connection pool expects

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in two writes: without this, Nagle's algorithm and the
        # client's delayed ACK add ~40 ms to every answer.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.transport.track(self.connection, open=True)

    def finish(self) -> None:
        self.server.transport.track(self.connection, open=False)
        with contextlib.suppress(OSError):  # the client went away (a test's timeout)
            super().finish()

    def _serve(self) -> None:
        transport = self.server.transport
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        answer = transport.handle(self.command, self.path, headers, raw)
        if answer.hold is not None:
            answer.hold()
        if answer.delay and transport.wait(answer.delay):
            return
        try:
            self.send_response(answer.status)
            for key, value in answer.headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(answer.data)))
            self.end_headers()
            if self.command != "HEAD":  # a HEAD answer has the headers of a GET, no body
                self.wfile.write(answer.data)
        except OSError:
            self.close_connection = True  # the client gave up waiting; the change still happened

    do_GET = do_HEAD = do_POST = do_PATCH = do_PUT = do_DELETE = _serve

    def log_message(self, format: str, *args: Any) -> None:
        pass  # tests read the fake's request log instead
