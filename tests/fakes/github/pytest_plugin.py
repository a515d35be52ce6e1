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

from collections.abc import Callable, Iterator

import pytest

from tests.fakes.github.server import FakeGitHub


def _fail_on_violations(servers: list[FakeGitHub]) -> None:
    found = [v for server in servers for v in server.take_violations()]
    if found:
        listed = "\n  ".join(found)
        pytest.fail(
            f"the fake GitHub saw {len(found)} violation(s) of GitHub's REST description:\n"
            f"  {listed}",
            pytrace=False,
        )


@pytest.fixture
def github_server() -> Iterator[FakeGitHub]:
    """A running fake GitHub (API at ``.url``) with an empty state."""
    with FakeGitHub() as server:
        yield server
    _fail_on_violations([server])


@pytest.fixture
def github_server_factory() -> Iterator[Callable[..., FakeGitHub]]:
    """Start servers with options, e.g. ``factory(prefix="/api/v3")`` for GitHub Enterprise."""
    servers: list[FakeGitHub] = []

    def start(*, prefix: str = "") -> FakeGitHub:
        server = FakeGitHub(prefix=prefix).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()
    _fail_on_violations(servers)
