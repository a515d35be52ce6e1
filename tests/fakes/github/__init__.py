"""A stateful fake GitHub REST server, validated against GitHub's official OpenAPI description.

Enable its fixtures in a test module or conftest with
``pytest_plugins = ["tests.fakes.github.pytest_plugin"]``.
"""

from __future__ import annotations

from tests.fakes.github.records import (
    ACTIONS_BOT,
    ACTIONS_PERMISSIONS,
    ADMIN_PERMISSIONS,
    READ_ONLY_PERMISSIONS,
)
from tests.fakes.github.server import FakeGitHub, RecordedRequest

__all__ = [
    "ACTIONS_BOT",
    "ACTIONS_PERMISSIONS",
    "ADMIN_PERMISSIONS",
    "READ_ONLY_PERMISSIONS",
    "FakeGitHub",
    "RecordedRequest",
]
