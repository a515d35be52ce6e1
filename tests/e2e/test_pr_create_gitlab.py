"""`cmlreport pr create` in a scheduled GitLab pipeline, against the fake GitLab.

The same story as on GitHub: the refreshed files become one commit on the target branch's tip
(GitLab's commits API, no push) and one merge request whose description is the report.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.conftest import Result, Run, clean_env
from tests.fakes.gitlab.server import FakeGitLab
from tests.gitrepo import GitRepo

pytest_plugins = ["tests.fakes.gitlab.pytest_plugin"]

PROJECT = "ml/vision/model"
TOKEN = "glpat-fakeRetrainToken0123456789"


@pytest.fixture
def clone(tmp_path: Path, gitlab_server: FakeGitLab) -> GitRepo:
    gitlab_server.add_project(PROJECT, id=42)
    gitlab_server.add_project_bot_token(TOKEN, project=PROJECT, role="developer")
    repo = GitRepo.init(tmp_path / "clone")
    repo.write("metrics.json", '{"accuracy": 0.93}\n')
    repo.write("README.md", "# project\n")  # as on main: not part of the change
    repo.write("report.md", "## Retraining report\n\naccuracy 0.91 -> 0.93\n")
    repo.commit("retrained")
    return repo


def pr_create(run: Run, clone: GitRepo, server: FakeGitLab, *args: str) -> Result:
    env = clean_env(
        GITLAB_CI="true",
        CI_SERVER_URL=server.url,
        CI_API_V4_URL=server.api_url,
        CI_PROJECT_PATH=PROJECT,
        CI_PIPELINE_SOURCE="schedule",
        GITLAB_TOKEN=TOKEN,
    )
    result = run("pr", "create", *args, cwd=clone.path, env=env)
    assert TOKEN not in result.stdout + result.stderr
    return result


def test_a_scheduled_pipeline_opens_one_merge_request_and_reruns_update_it(
    run: Run, clone: GitRepo, gitlab_server: FakeGitLab
) -> None:
    args = ("metrics.json", "README.md", "--body-file", "report.md")
    first = pr_create(run, clone, gitlab_server, *args)
    assert first.code == 0, first.stderr
    assert "merge request opened" in first.stdout
    (mr,) = gitlab_server.merge_requests.values()
    assert (mr.source_branch, mr.target_branch) == ("cmlreport/retrain", "main")
    assert "accuracy 0.91 -> 0.93" in mr.description
    project = gitlab_server.projects[42]
    tip = project.commits[project.branches["cmlreport/retrain"]]
    assert tip.files["metrics.json"] == (b'{"accuracy": 0.93}\n', False)
    assert tip.parent_ids == (project.branches["main"],)
    (commit_call,) = [r for r in gitlab_server.requests if r.path.endswith("/repository/commits")]
    # README.md is the same as on main: only metrics.json is in the commit.
    assert [a["action"] for a in commit_call.body["actions"]] == ["create"]

    clone.write("metrics.json", '{"accuracy": 0.95}\n')
    clone.write("report.md", "## Retraining report\n\naccuracy 0.91 -> 0.95\n")
    second = pr_create(run, clone, gitlab_server, *args)
    assert second.code == 0, second.stderr
    assert "merge request updated (new commit" in second.stdout
    (mr,) = gitlab_server.merge_requests.values()
    assert "0.95" in mr.description and mr.sha == project.branches["cmlreport/retrain"]
    tip = project.commits[mr.sha]
    assert tip.files["metrics.json"][0].endswith(b"0.95}\n")
    assert tip.parent_ids == (project.branches["main"],)

    gitlab_server.reset_log()
    third = pr_create(run, clone, gitlab_server, *args)
    assert third.code == 0, third.stderr
    assert "merge request updated (files unchanged" in third.stdout
    assert [r.method for r in gitlab_server.requests if r.method not in ("GET", "HEAD")] == []


def test_a_reporter_token_is_told_it_needs_the_developer_role(
    run: Run, clone: GitRepo, gitlab_server: FakeGitLab
) -> None:
    gitlab_server.add_project_bot_token(TOKEN, project=PROJECT, role="reporter")
    result = pr_create(run, clone, gitlab_server, "metrics.json")
    assert result.code == 3 and "Developer" in result.stderr, result.stderr
    assert gitlab_server.merge_requests == {}


def test_files_the_same_as_on_main_open_nothing(
    run: Run, clone: GitRepo, gitlab_server: FakeGitLab
) -> None:
    result = pr_create(run, clone, gitlab_server, "README.md")
    assert result.code == 0 and "nothing to propose" in result.stdout, result.stderr
    assert gitlab_server.merge_requests == {}
    assert set(gitlab_server.projects[42].branches) == {"main"}
