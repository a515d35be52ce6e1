"""Attacks on the sticky comment: make cmlreport overwrite a comment that is not its own.

Before each run the pull/merge request holds comments from ``corpus/sticky/planted.json``:
our exact marker at the start of a comment by another user or another bot, the marker quoted,
in the middle of a line, on a later line, under a longer key, even in comments by the very user
cmlreport posts as. ``cmlreport send-comment`` runs as a subprocess against the fake forge;
afterwards every planted comment must be byte for byte as planted, and cmlreport must hold
exactly one comment of its own, created on the first run and edited in place on the next.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import Result, Run, clean_env
from tests.fakes.github import ACTIONS_BOT, ACTIONS_PERMISSIONS, ADMIN_PERMISSIONS, FakeGitHub
from tests.fakes.gitlab.server import FakeGitLab

pytest_plugins = ["tests.fakes.github.pytest_plugin", "tests.fakes.gitlab.pytest_plugin"]

CORPUS = Path(__file__).resolve().parent / "corpus" / "sticky" / "planted.json"
DATA = Path(__file__).resolve().parent.parent / "data" / "github"
PLANTED: list[dict[str, str]] = json.loads(CORPUS.read_text())["planted"]
KEY = "train/report"  # GITHUB_WORKFLOW/GITHUB_JOB below; --key on GitLab
MARKER = f"<!-- cmlreport:{KEY} -->"

REPO = "octo/model"
HEAD_SHA = "ec26c3e57ca3a959ca5aad62de7213c562f8c821"
PROJECT = "ml/vision/model"


def planted_bodies() -> list[tuple[str, str, str]]:
    """(name, author role, body) for every corpus entry."""
    return [
        (p["name"], p["author"], p["body"].replace("{marker}", MARKER).replace("{key}", KEY))
        for p in PLANTED
    ]


@dataclass(frozen=True)
class Identity:
    """Who cmlreport posts as, with the token the job hands it."""

    token: str
    login: str


def no_token_in(result: Result, token: str) -> None:
    shown = [line for line in result.stdout.splitlines() if line != f"::add-mask::{token}"]
    assert token not in "\n".join(shown) + result.stderr


# -- GitHub ----------------------------------------------------------------------------------

GITHUB_IDENTITIES = {
    # The Actions GITHUB_TOKEN: GET /user answers 403; it writes as github-actions[bot].
    "actions-token": Identity("ghs_fakeActionsToken1234567890", ACTIONS_BOT),
    # An app's installation token (actions/create-github-app-token): also 403 on GET /user,
    # and it must not take github-actions[bot]'s comments for its own.
    "app-token": Identity("ghs_fakeAppInstallation12345678", "cmlreport-app[bot]"),
    # A maintainer's PAT: write access may edit anyone's comment, so only the author check
    # keeps it off the others'.
    "maintainer-pat": Identity("ghp_fakeMaintainerToken123456789", "maintainer"),
}
OTHER_GITHUB_BOT = {"actions-token": "other-app[bot]"}


def event_payload() -> dict[str, Any]:
    """A real `pull_request` payload (@octokit/webhooks-examples), retargeted at octo/model#7."""
    payload: dict[str, Any] = json.loads((DATA / "pull_request.opened.json").read_text())
    original = payload["repository"]["full_name"]
    payload["number"] = payload["pull_request"]["number"] = 7
    payload["repository"]["full_name"] = REPO
    payload["pull_request"]["base"]["repo"]["full_name"] = REPO
    payload["pull_request"]["head"]["sha"] = HEAD_SHA
    if payload["pull_request"]["head"]["repo"]["full_name"] == original:
        payload["pull_request"]["head"]["repo"]["full_name"] = REPO
    return payload


def github_job_env(root: Path, server: FakeGitHub, token: str) -> dict[str, str]:
    event = root / "event.json"
    event.write_text(json.dumps(event_payload()))
    return clean_env(
        GITHUB_ACTIONS="true",
        GITHUB_REPOSITORY=REPO,
        GITHUB_EVENT_NAME="pull_request",
        GITHUB_EVENT_PATH=str(event),
        GITHUB_SHA="1" * 40,
        GITHUB_API_URL=server.url,
        GITHUB_SERVER_URL=server.web_url,
        GITHUB_RUN_ID="99",
        GITHUB_WORKFLOW="train",
        GITHUB_JOB="report",
        GITHUB_STEP_SUMMARY=str(root / "summary.md"),
        GITHUB_OUTPUT=str(root / "output.txt"),
        GITHUB_TOKEN=token,
    )


def plant_on_github(server: FakeGitHub, me: str) -> dict[int, tuple[str, str]]:
    """The corpus as comments on PR 7, oldest first; returns id -> (author, body)."""
    authors = {"other": "mallory", "other-bot": ACTIONS_BOT, "self": me}
    if me == ACTIONS_BOT:
        authors["other-bot"] = "other-app[bot]"
    planted = {}
    for _, role, body in planted_bodies():
        (comment,) = server.add_issue_comments(REPO, 7, [body], author=authors[role])
        planted[comment.id] = (comment.author, comment.body)
    return planted


@pytest.mark.parametrize("who", list(GITHUB_IDENTITIES))
def test_github_planted_markers_are_never_taken_for_ours(
    run: Run, github_server: FakeGitHub, tmp_path: Path, who: str
) -> None:
    me = GITHUB_IDENTITIES[who]
    github_server.add_repo(REPO)
    github_server.add_pull(REPO, number=7, head_sha=HEAD_SHA)
    permissions = ADMIN_PERMISSIONS if who == "maintainer-pat" else ACTIONS_PERMISSIONS
    github_server.add_token(
        me.token,
        login=me.login,
        permissions=permissions,
        user_endpoint_forbidden=who != "maintainer-pat",
    )
    planted = plant_on_github(github_server, me.login)
    env = github_job_env(tmp_path, github_server, me.token)

    for version in ("0.93", "0.95"):
        (tmp_path / "report.md").write_text(f"## Report\n\naccuracy {version}\n")
        result = run("send-comment", "report.md", cwd=tmp_path, env=env)
        assert result.code == 0, result.stderr
        no_token_in(result, me.token)
        assert result.stderr == ""

        comments = {c.id: c for c in github_server.issue_comments.values() if c.issue_number == 7}
        assert {i: (c.author, c.body) for i, c in comments.items() if i in planted} == planted
        ours = [c for i, c in comments.items() if i not in planted]
        assert len(ours) == 1, [c.body for c in ours]
        assert ours[0].author == me.login
        assert ours[0].body == f"{MARKER}\n## Report\n\naccuracy {version}\n"
        if version == "0.93":
            first_id = ours[0].id
            assert "posted:" in result.stdout
        else:
            assert ours[0].id == first_id and "updated:" in result.stdout
    # Who we are comes with the GraphQL lookups (GET /user would be 403 for the bots): the
    # first run's lookup and its look for a racing duplicate, the second run's lookup.
    assert len(github_server.calls("POST", r"^/graphql$")) <= 3
    assert not github_server.calls("GET", r"^/user$")


# -- GitLab ----------------------------------------------------------------------------------

GITLAB_TOKEN = "glpat-fakeProjectToken0123456789"


def gitlab_env(server: FakeGitLab) -> dict[str, str]:
    return clean_env(
        GITLAB_CI="true",
        CI_SERVER_URL=server.url,
        CI_API_V4_URL=server.api_url,
        CI_PROJECT_ID="42",
        CI_PROJECT_PATH=PROJECT,
        CI_COMMIT_SHA="a" * 40,
        CI_MERGE_REQUEST_IID="3",
        CI_PIPELINE_SOURCE="merge_request_event",
        CI_PIPELINE_URL=f"{server.url}/{PROJECT}/-/pipelines/9",
        CI_JOB_NAME="report",
        GITLAB_TOKEN=GITLAB_TOKEN,
    )


@pytest.mark.parametrize("kind", ["project-bot", "personal"])
def test_gitlab_planted_markers_are_never_taken_for_ours(
    run: Run, gitlab_server: FakeGitLab, tmp_path: Path, kind: str
) -> None:
    gitlab_server.add_project(PROJECT, id=42)
    gitlab_server.add_merge_request(PROJECT, iid=3, sha="a" * 40)
    gitlab_server.add_project("ml/other", id=99)
    other_bot = gitlab_server.add_project_bot_token("glpat-otherProjectBot000", project="ml/other")
    if kind == "project-bot":
        token = gitlab_server.add_project_bot_token(GITLAB_TOKEN, project=PROJECT)
    else:
        token = gitlab_server.add_token(GITLAB_TOKEN, username="maintainer", role="maintainer")
    authors = {"other": "mallory", "other-bot": other_bot.username, "self": token.username}
    planted = {}
    for _, role, body in planted_bodies():
        gitlab_server.add_user(authors[role])
        (note,) = gitlab_server.add_notes(PROJECT, 3, [body], author=authors[role])
        planted[note.id] = (note.author, note.body)

    for version in ("0.93", "0.95"):
        (tmp_path / "report.md").write_text(f"## Report\n\naccuracy {version}\n")
        result = run(
            "send-comment", "report.md", "--key", KEY, cwd=tmp_path, env=gitlab_env(gitlab_server)
        )
        assert result.code == 0, result.stderr
        assert GITLAB_TOKEN not in result.stdout + result.stderr
        assert result.stderr == ""

        notes = {n.id: n for n in gitlab_server.user_notes(PROJECT, 3)}
        assert {i: (n.author, n.body) for i, n in notes.items() if i in planted} == planted
        ours = [n for i, n in notes.items() if i not in planted]
        assert len(ours) == 1, [n.body for n in ours]
        assert ours[0].author == token.username
        assert ours[0].body == f"{MARKER}\n## Report\n\naccuracy {version}\n"
        if version == "0.93":
            first_id = ours[0].id
        else:
            assert ours[0].id == first_id and "updated:" in result.stdout
