"""The security tests drive the CLI as the e2e tests do: same `run` fixture (a subprocess)."""

from __future__ import annotations

from tests.e2e.conftest import run

__all__ = ["run"]
