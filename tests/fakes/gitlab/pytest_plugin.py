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

from collections.abc import Callable, Iterator

import pytest

from tests.fakes.gitlab.server import FakeGitLab


def _fail_on_violations(servers: list[FakeGitLab]) -> None:
    found = [v for server in servers for v in server.take_violations()]
    if found:
        listed = "\n  ".join(found)
        pytest.fail(
            f"the fake GitLab saw {len(found)} request(s) GitLab's REST docs do not allow:\n"
            f"  {listed}",
            pytrace=False,
        )


@pytest.fixture
def gitlab_server() -> Iterator[FakeGitLab]:
    """A running fake GitLab (``.url`` is GitLab's URL, the API under ``/api/v4``), empty."""
    with FakeGitLab() as server:
        yield server
    _fail_on_violations([server])


@pytest.fixture
def gitlab_server_factory() -> Iterator[Callable[..., FakeGitLab]]:
    """Start servers with options, e.g. ``factory(prefix="/gitlab")`` for a sub-path install."""
    servers: list[FakeGitLab] = []

    def start(*, prefix: str = "") -> FakeGitLab:
        server = FakeGitLab(prefix=prefix).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()
    _fail_on_violations(servers)
