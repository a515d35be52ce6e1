"""The CLI-as-a-subprocess fixture of tests/e2e (``run``), for the security tests.

Loaded with ``pytest_plugins`` rather than a conftest, so the fixture stays defined in one place.
"""

from __future__ import annotations

from tests.e2e.conftest import run

__all__ = ["run"]
