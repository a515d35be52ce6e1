"""The fake GitLab's GraphQL endpoint: notes cut from either end as GitLab cuts them, and every
query checked against the excerpt of GitLab's schema (a query outside it is a violation)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import requests

from tests.fakes.gitlab import FakeGitLab
from tests.fakes.gitlab.graphql_api import SCHEMA_PATH

pytest_plugins = ["tests.fakes.gitlab.pytest_plugin"]

BOT = "glpat-graphql-bot-token-never-shown"
JOB = "job-token-graphql-never-shown"
NOTES = """
query($project: ID!, $iid: String!, $first: Int, $last: Int, $after: String, $before: String) {
  currentUser { username }
  project(fullPath: $project) {
    mergeRequest(iid: $iid) {
      notes(first: $first, last: $last, after: $after, before: $before) {
        pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
        nodes { id body system author { username } }
      }
    }
  }
}
"""


def seeded(server: FakeGitLab, notes: int) -> str:
    project = server.add_project("ml/model", id=42, visibility="private")
    server.add_merge_request(project, iid=3, sha="a" * 40)
    server.add_job_token(JOB, project=project)
    server.add_notes(project, 3, [f"note {i}" for i in range(notes)], author="bob")
    return server.add_project_bot_token(BOT, project=project).username


def ask(
    server: FakeGitLab, query: str, headers: dict[str, str] | None = None, **variables: Any
) -> tuple[int, Any]:
    answer = requests.post(
        f"{server.url}/api/graphql",
        json={"query": query, "variables": {"project": "ml/model", "iid": "3", **variables}},
        headers={"PRIVATE-TOKEN": BOT} if headers is None else headers,
        timeout=10,
    )
    return answer.status_code, answer.json()


def notes_of(answer: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = answer["data"]["project"]["mergeRequest"]["notes"]
    return result


def test_notes_come_oldest_first_system_notes_too_and_cursors_go_on(
    gitlab_server: FakeGitLab,
) -> None:
    me = seeded(gitlab_server, 5)

    status, first = ask(gitlab_server, NOTES, first=3)
    _, rest = ask(gitlab_server, NOTES, first=3, after=notes_of(first)["pageInfo"]["endCursor"])

    assert status == 200 and first["data"]["currentUser"] == {"username": me}
    page = notes_of(first)
    # The merge request's own "added 1 commit" system note is the oldest.
    assert [n["system"] for n in page["nodes"]] == [True, False, False]
    assert [n["body"] for n in page["nodes"][1:]] == ["note 0", "note 1"]
    assert page["nodes"][1]["id"].startswith("gid://gitlab/Note/")
    assert page["pageInfo"]["hasNextPage"]
    assert [n["body"] for n in notes_of(rest)["nodes"]] == ["note 2", "note 3", "note 4"]
    assert not notes_of(rest)["pageInfo"]["hasNextPage"]


def test_last_and_before_cut_from_the_newest_end(gitlab_server: FakeGitLab) -> None:
    seeded(gitlab_server, 5)

    _, newest = ask(gitlab_server, NOTES, last=2)
    start = notes_of(newest)["pageInfo"]["startCursor"]
    _, before = ask(gitlab_server, NOTES, last=2, before=start)

    assert [n["body"] for n in notes_of(newest)["nodes"]] == ["note 3", "note 4"]
    assert notes_of(newest)["pageInfo"]["hasPreviousPage"]
    assert [n["body"] for n in notes_of(before)["nodes"]] == ["note 1", "note 2"]


def test_a_field_outside_the_excerpt_is_a_violation(gitlab_server: FakeGitLab) -> None:
    seeded(gitlab_server, 1)
    # `filter` came to MergeRequest.notes after GitLab 16.3: an older instance refuses it.
    query = NOTES.replace("last: $last,", "last: $last, filter: ONLY_COMMENTS,")

    status, answer = ask(gitlab_server, query, first=1)

    assert status == 200 and "data" not in answer and answer["errors"]
    assert any("filter" in v for v in gitlab_server.take_violations())


def test_more_than_100_notes_at_once_is_a_violation(gitlab_server: FakeGitLab) -> None:
    seeded(gitlab_server, 1)

    _, answer = ask(gitlab_server, NOTES, first=101)

    assert answer["errors"]
    assert any("between 0 and 100" in v for v in gitlab_server.take_violations())


def test_a_job_token_is_no_graphql_credential(gitlab_server: FakeGitLab) -> None:
    seeded(gitlab_server, 1)

    status, answer = ask(gitlab_server, NOTES, headers={"JOB-TOKEN": JOB}, first=1)
    refused, _ = ask(gitlab_server, NOTES, headers={"PRIVATE-TOKEN": "glpat-nobody"}, first=1)

    # Anonymous: nobody is the current user, and a private project is not there.
    assert status == 200 and answer["data"] == {"currentUser": None, "project": None}
    assert refused == 401


def test_the_excerpt_is_what_the_excerpt_script_makes_of_it() -> None:
    script = Path(__file__).resolve().parents[2] / "scripts" / "excerpt_gitlab_graphql.py"
    loader = importlib.util.spec_from_file_location("excerpt_gitlab_graphql", script)
    assert loader is not None and loader.loader is not None
    module = importlib.util.module_from_spec(loader)
    loader.loader.exec_module(module)
    vendored = SCHEMA_PATH.read_text(encoding="utf-8")

    # Every kept type and field is in the excerpt, as published, and nothing else.
    assert module.excerpt(vendored) == vendored
    assert "MIT" in (SCHEMA_PATH.parent / "LICENSE.md").read_text()
