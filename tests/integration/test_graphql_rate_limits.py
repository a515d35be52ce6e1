"""GitHub's GraphQL rate limits are waited out like REST's (one policy, ``forges.http``).

GitHub refuses a query over its limit with 200 and an error of type RATE_LIMITED, or with a
403 secondary rate limit. Against the fake GitHub over HTTP: the sticky lookup of a pull
request (one GraphQL query) waits as asked and tries again, within ``max_wait`` and retries.
"""

from __future__ import annotations

import time

import pytest

from cmlreport.errors import RemoteError
from cmlreport.forges.base import Target, TargetKind
from cmlreport.forges.github.forge import GitHubForge, GitHubSettings
from cmlreport.forges.sticky import marker
from tests.fakes.github import ACTIONS_BOT, FakeGitHub

pytest_plugins = ["tests.fakes.github.pytest_plugin"]

TOKEN = "ghs_graphqlLimitsToken0123456789"
PR = Target(TargetKind.PR, number=7)
MARK = marker("train")
LIMITED = {
    "errors": [{"type": "RATE_LIMITED", "message": "API rate limit exceeded for user ID 1."}]
}


@pytest.fixture
def server(github_server: FakeGitHub) -> FakeGitHub:
    github_server.add_repo("octo/model")
    github_server.add_pull("octo/model", number=7)
    github_server.add_token(TOKEN, login=ACTIONS_BOT, user_endpoint_forbidden=True)
    github_server.add_issue_comments("octo/model", 7, [f"{MARK}\nold"], author=ACTIONS_BOT)
    return github_server


def forge(server: FakeGitHub, **limits: float) -> GitHubForge:
    options = {"backoff": 0.01, "max_wait": 5.0, "timeout": 5.0, **limits}
    return GitHubForge(GitHubSettings("octo/model", TOKEN, api_url=server.url, **options))  # type: ignore[arg-type]


def limit_resets_in(seconds: int) -> dict[str, str]:
    reset = str(int(time.time()) + seconds)
    return {"x-ratelimit-remaining": "0", "x-ratelimit-reset": reset}


def test_a_rate_limited_query_is_asked_again_after_the_wait_it_names(server: FakeGitHub) -> None:
    server.inject("POST", r"^/graphql$", 200, headers={"retry-after": "0.05"}, body=LIMITED)

    found = forge(server).find_comment(PR, MARK)

    assert found is not None and found.body.endswith("old")
    assert len(server.calls("POST", r"^/graphql$")) == 2


def test_a_secondary_rate_limit_on_a_query_is_waited_out(server: FakeGitHub) -> None:
    server.inject("POST", r"^/graphql$", 403, headers={"retry-after": "0"})

    found = forge(server).find_comment(PR, MARK)

    assert found is not None
    assert len(server.calls("POST", r"^/graphql$")) == 2


def test_a_limit_that_lasts_is_tried_a_bounded_number_of_times(server: FakeGitHub) -> None:
    server.inject("POST", r"^/graphql$", 200, body=LIMITED, times=10)

    with pytest.raises(RemoteError) as raised:
        forge(server, retries=2).find_comment(PR, MARK)

    assert len(server.calls("POST", r"^/graphql$")) == 3
    assert "rate limit" in raised.value.message and "\n" not in raised.value.message
    assert TOKEN not in raised.value.message


def test_a_reset_later_than_max_wait_is_not_waited(server: FakeGitHub) -> None:
    server.inject("POST", r"^/graphql$", 200, headers=limit_resets_in(3600), body=LIMITED)

    with pytest.raises(RemoteError) as raised:
        forge(server, max_wait=1.0).find_comment(PR, MARK)

    assert len(server.calls("POST", r"^/graphql$")) == 1
    assert "more than the 1 s we wait" in raised.value.message
