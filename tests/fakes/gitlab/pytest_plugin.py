"""pytest fixtures for the fake GitLab server.

Enable them in a test module or a conftest.py:

    pytest_plugins = ["tests.fakes.gitlab.pytest_plugin"]

then seed the state the story needs and point python-gitlab at ``gitlab_server.url``:

    def test_sticky_note(gitlab_server: FakeGitLab) -> None:
        project = gitlab_server.add_project("group/sub/proj", id=42)
        gitlab_server.add_merge_request(project, iid=3, source_branch="feature")
        gitlab_server.add_project_bot_token("glpat-bot", project=project)
        gitlab_server.add_notes(project, 3, [f"lgtm {i}" for i in range(150)], author="bob")
        gl = gitlab.Gitlab(url=gitlab_server.url, private_token="glpat-bot")
        ...

Each test gets a fresh server. A request GitLab's docs do not allow for its route (an unknown
route or parameter, a missing required field) is a violation, and the test fails at teardown
listing them; a test that provokes one on purpose reads it with
``gitlab_server.take_violations()``.
"""

from __future__ import annotations

import pytest

from tests.fakes.gitlab.server import FakeGitLab
from tests.fakes.served import fixtures

_server, _factory = fixtures(
    FakeGitLab, "fake GitLab", "request(s) GitLab's REST docs do not allow"
)
# gitlab_server: a running fake GitLab with an empty state, fresh per test.
gitlab_server = pytest.fixture(_server, name="gitlab_server")
# gitlab_server_factory: start fakes with options, e.g. ``factory(prefix=...)``.
gitlab_server_factory = pytest.fixture(_factory, name="gitlab_server_factory")
