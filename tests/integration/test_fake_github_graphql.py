"""The fake GitHub's GraphQL endpoint over real HTTP: queries validated against the excerpt of
GitHub's schema, comments ordered, windowed and paged as GitHub does, ``minimizeComment``.

Sent as a client sends them (PyGithub's requester, which cmlreport uses); the ``github_server``
fixture fails a test that left any violation it did not take on purpose.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import github
import pytest

from tests.fakes.github import ACTIONS_BOT, READ_ONLY_PERMISSIONS, FakeGitHub
from tests.fakes.github.graphql_api import SCHEMA_PATH

pytest_plugins = ["tests.fakes.github.pytest_plugin"]

REPO = "octo/model"
TOKEN, READER = "ghs_graphql", "ghs_graphql_reader"
COMMENTS = """
query($first: Int, $last: Int, $after: String, $order: IssueCommentOrder) {
  repository(owner: "octo", name: "model") {
    issueOrPullRequest(number: 7) {
      ... on PullRequest {
        comments(first: $first, last: $last, after: $after, orderBy: $order) {
          totalCount
          pageInfo { hasNextPage hasPreviousPage endCursor }
          nodes { id databaseId body isMinimized viewerDidAuthor author { __typename login } }
        }
      }
    }
  }
}"""
BY_UPDATE = {"field": "UPDATED_AT", "direction": "DESC"}


@pytest.fixture
def server(github_server: FakeGitHub) -> FakeGitHub:
    github_server.add_repo(REPO)
    github_server.add_pull(REPO, number=7)
    github_server.add_token(TOKEN, login=ACTIONS_BOT, user_endpoint_forbidden=True)
    github_server.add_token(READER, login="reader", permissions=READ_ONLY_PERMISSIONS)
    return github_server


def ask(server: FakeGitHub, query: str, token: str = TOKEN, **variables: Any) -> dict[str, Any]:
    client = github.Github(base_url=server.url, auth=github.Auth.Token(token), retry=None)
    _, data = client.requester.graphql_query(query, variables)
    return dict(data["data"])


def window(server: FakeGitHub, **variables: Any) -> dict[str, Any]:
    data = ask(server, COMMENTS, **variables)
    return dict(data["repository"]["issueOrPullRequest"]["comments"])


def test_comments_page_oldest_first_and_the_cursor_goes_on_where_a_page_stopped(
    server: FakeGitHub,
) -> None:
    made = server.add_issue_comments(REPO, 7, [f"review {i}" for i in range(250)])

    seen, after, pages = [], None, 0
    while True:
        page = window(server, first=100, after=after)
        seen += [node["body"] for node in page["nodes"]]
        pages += 1
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]

    assert seen == [c.body for c in made] and pages == 3
    assert page["totalCount"] == 250 and page["pageInfo"]["hasPreviousPage"]
    assert [n["body"] for n in window(server, last=2)["nodes"]] == ["review 248", "review 249"]


def test_ordered_by_update_time_an_edited_comment_comes_first(server: FakeGitHub) -> None:
    first, *_ = server.add_issue_comments(REPO, 7, ["report v1", "lgtm", "nit"])
    first.body, first.updated_at = "report v2", server.clock.now()

    newest = window(server, first=2, order=BY_UPDATE)

    assert [n["body"] for n in newest["nodes"]] == ["report v2", "nit"]
    after = newest["pageInfo"]["endCursor"]
    assert [n["body"] for n in window(server, first=2, after=after, order=BY_UPDATE)["nodes"]] == [
        "lgtm"
    ]


def test_a_bot_is_named_without_bot_in_comments_but_viewer_keeps_it(server: FakeGitHub) -> None:
    server.add_issue_comments(REPO, 7, ["report"], author=ACTIONS_BOT)
    server.add_issue_comments(REPO, 7, ["review"], author="alice")

    data = ask(server, "query { viewer { login } }")
    nodes = window(server, first=10)["nodes"]

    assert data["viewer"]["login"] == ACTIONS_BOT
    assert [(n["author"], n["viewerDidAuthor"]) for n in nodes] == [
        ({"__typename": "Bot", "login": "github-actions"}, True),
        ({"__typename": "User", "login": "alice"}, False),
    ]


@pytest.mark.parametrize(
    ("variables", "says"),
    [
        ({"first": 101}, "exceeds the `first` limit of 100 records"),
        ({}, "You must provide a `first` or `last` value"),
        ({"first": 1, "after": "bm90IGEgY3Vyc29y"}, "does not appear to be a valid cursor"),
    ],
    ids=["101-records", "no-bound", "foreign-cursor"],
)
def test_what_github_refuses_is_an_error_and_a_violation(
    server: FakeGitHub, variables: dict[str, Any], says: str
) -> None:
    with pytest.raises(github.GithubException) as refused:
        ask(server, COMMENTS, **variables)

    assert says in str(refused.value.data)
    assert [v for v in server.take_violations() if says in v]


def test_a_field_outside_the_excerpt_is_a_violation(server: FakeGitHub) -> None:
    with pytest.raises(github.GithubException):
        ask(server, "query { viewer { login email } }")

    assert server.take_violations() == ["POST /graphql: Cannot query field 'email' on type 'User'."]


def test_minimize_comment_folds_a_comment_as_outdated(server: FakeGitHub) -> None:
    (comment,) = server.add_issue_comments(REPO, 7, ["old report"], author=ACTIONS_BOT)
    node = window(server, first=1)["nodes"][0]["id"]
    mutation = """mutation($id: ID!) {
      minimizeComment(input: {subjectId: $id, classifier: OUTDATED}) {
        minimizedComment { isMinimized minimizedReason viewerCanMinimize }
      }
    }"""

    with pytest.raises(github.GithubException, match="Resource not accessible"):
        ask(server, mutation, token=READER, id=node)
    assert comment.minimized_reason is None
    data = ask(server, mutation, id=node)

    assert data["minimizeComment"]["minimizedComment"] == {
        "isMinimized": True,
        "minimizedReason": "outdated",
        "viewerCanMinimize": True,
    }
    assert comment.minimized_reason == "outdated"
    with pytest.raises(github.UnknownObjectException):
        ask(server, mutation, id="SXNzdWVDb21tZW50OTk=")  # IssueComment99: no such comment


def test_the_excerpt_is_what_the_excerpt_script_makes_of_it() -> None:
    script = Path(__file__).resolve().parents[2] / "scripts" / "excerpt_github_graphql.py"
    loader = importlib.util.spec_from_file_location("excerpt_github_graphql", script)
    assert loader is not None and loader.loader is not None
    module = importlib.util.module_from_spec(loader)
    loader.loader.exec_module(module)
    vendored = SCHEMA_PATH.read_text(encoding="utf-8")

    # Every kept type and field is in the excerpt, as published, and nothing else.
    assert module.excerpt(vendored) == vendored
    assert "Licensed as MIT" in (SCHEMA_PATH.parent / "LICENSE.md").read_text()
