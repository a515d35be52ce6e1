"""Registering cloud runners at the forge, against the fake GitHub and GitLab servers."""

from __future__ import annotations

import base64
import json

import pytest

from cmlreport.errors import NoWriteAccess
from cmlreport.forges.github.client import GitHubSettings
from cmlreport.forges.github.runners import GitHubRunners
from cmlreport.forges.gitlab.client import GitLabSettings
from cmlreport.forges.gitlab.runners import GitLabRunners
from tests.fakes.github import ACTIONS_PERMISSIONS, ADMIN_PERMISSIONS, FakeGitHub
from tests.fakes.gitlab.server import FakeGitLab

pytest_plugins = ["tests.fakes.github.pytest_plugin", "tests.fakes.gitlab.pytest_plugin"]

REPO = "octo/model"
ADMIN = "ghp_adminToken0123456789abcdef"


def github(server: FakeGitHub, token: str = ADMIN) -> GitHubRunners:
    server.add_repo(REPO)
    server.add_token(ADMIN, login="alice", permissions=ADMIN_PERMISSIONS)
    server.add_token("ghs_actions0123456789", permissions=ACTIONS_PERMISSIONS)
    return GitHubRunners(
        GitHubSettings(repository=REPO, token=token, api_url=server.url, backoff=0.01)
    )


def test_github_jit_runner_is_registered_listed_and_removed(github_server: FakeGitHub) -> None:
    runners = github(github_server)
    reg = runners.register("cmlreport-t4-1", ("cmlreport-t4-1", "gpu"), single=True)
    assert reg.kind == "jit" and reg.runner_id is not None
    config = json.loads(base64.b64decode(reg.secret.reveal()))
    assert config["runner_id"] == reg.runner_id
    (listed,) = runners.list_runners()
    assert listed.name == "cmlreport-t4-1" and not listed.online
    assert {"cmlreport-t4-1", "gpu"} <= set(listed.labels)
    assert runners.remove(reg.runner_id) is True
    assert runners.remove(reg.runner_id) is False  # stopping twice is fine
    assert runners.list_runners() == []


def test_github_persistent_runner_gets_a_registration_token(github_server: FakeGitHub) -> None:
    reg = github(github_server).register("keep", ("keep",), single=False)
    assert reg.kind == "registration-token" and reg.secret and reg.runner_id is None


def test_github_actions_token_cannot_register_runners(github_server: FakeGitHub) -> None:
    runners = github(github_server, token="ghs_actions0123456789")
    with pytest.raises(NoWriteAccess, match="administration"):
        runners.register("x", ("x",), single=True)


def test_gitlab_runner_is_created_with_tags_and_deleted(gitlab_server: FakeGitLab) -> None:
    gitlab_server.add_project("ml/model", id=42)
    gitlab_server.add_token("glpat-maint0123456789", username="maya", role="maintainer")
    runners = GitLabRunners(
        GitLabSettings(
            project="ml/model",
            token="glpat-maint0123456789",
            server_url=gitlab_server.url,
            backoff=0.01,
        )
    )
    reg = runners.register("cmlreport-a10g-7", ("cmlreport-a10g-7", "gpu"), single=True)
    assert reg.kind == "gitlab" and reg.secret.reveal().startswith("glrt-")
    (listed,) = runners.list_runners()
    assert listed.id == reg.runner_id and listed.name == "cmlreport-a10g-7"
    assert runners.remove(listed.id) is True
    assert runners.remove(listed.id) is False
