"""pytest fixtures for the fake GitHub server.

Enable them in a test module or a conftest.py:

    pytest_plugins = ["tests.fakes.github.pytest_plugin"]

then seed the state the story needs and point the client at ``github_server.url``:

    def test_sticky_comment(github_server: FakeGitHub) -> None:
        github_server.add_repo("octo/model", default_branch="main")
        github_server.add_pull("octo/model", number=7, head_ref="feature")
        github_server.add_token("ghs_x", login="github-actions[bot]",
                                permissions=ACTIONS_PERMISSIONS, user_endpoint_forbidden=True)
        github_server.add_issue_comments("octo/model", 7, [f"lgtm {i}" for i in range(150)])
        ...

Each test gets a fresh server. A request or response that GitHub's REST description does not
allow is a violation, and the test fails at teardown listing them; a test that provokes one on
purpose reads it with ``github_server.take_violations()``.
"""

from __future__ import annotations

import pytest

from tests.fakes.github.server import FakeGitHub
from tests.fakes.served import fixtures

_server, _factory = fixtures(FakeGitHub, "fake GitHub", "violation(s) of GitHub's REST description")
# github_server: a running fake GitHub with an empty state, fresh per test.
github_server = pytest.fixture(_server, name="github_server")
# github_server_factory: start fakes with options, e.g. ``factory(prefix=...)``.
github_server_factory = pytest.fixture(_factory, name="github_server_factory")
