"""A stateful fake GitLab REST (v4) server, its answers shaped as GitLab's REST docs show.

Enable its fixtures in a test module or conftest with
``pytest_plugins = ["tests.fakes.gitlab.pytest_plugin"]``.
"""

from __future__ import annotations

from tests.fakes.gitlab.records import DEVELOPER, GUEST, MAINTAINER, OWNER, REPORTER
from tests.fakes.gitlab.server import FakeGitLab, RecordedRequest

__all__ = [
    "DEVELOPER",
    "GUEST",
    "MAINTAINER",
    "OWNER",
    "REPORTER",
    "FakeGitLab",
    "RecordedRequest",
]
