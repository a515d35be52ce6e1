"""`cmlreport pr create` in a scheduled retraining job, against the fake GitHub.

The job retrains, refreshes metrics.json, dvc.lock and the model card, and proposes them: a
branch with one commit on main and a pull request whose description is the report. The test
then reads what the fake GitHub holds: the branch's files, the pull requests, the requests.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.e2e.conftest import Result, Run, clean_env
from tests.fakes.github import ACTIONS_PERMISSIONS, READ_ONLY_PERMISSIONS, FakeGitHub
from tests.fakes.github.gitobjects import Blob, Commit, Tree
from tests.gitrepo import GitRepo

pytest_plugins = ["tests.fakes.github.pytest_plugin"]

REPO = "octo/model"
TOKEN = "ghs_fakeRetrainToken1234567890abcd"


@pytest.fixture
def clone(tmp_path: Path, github_server: FakeGitHub) -> GitRepo:
    github_server.add_repo(REPO)
    github_server.add_token(TOKEN, permissions=ACTIONS_PERMISSIONS, user_endpoint_forbidden=True)
    repo = GitRepo.init(tmp_path / "clone")
    repo.write("metrics.json", '{"accuracy": 0.93}\n')
    repo.write("dvc.lock", "schema: '2.0'\n")
    repo.write("model/MODEL_CARD.md", "# Model card\n\naccuracy 0.93\n")
    repo.write("report.md", "## Retraining report\n\naccuracy 0.91 -> 0.93\n")
    repo.commit("retrained")
    return repo


def env(server: FakeGitHub, **extra: str) -> dict[str, str]:
    values = {"GITHUB_API_URL": server.url, "GITHUB_TOKEN": TOKEN}
    return clean_env(**{**values, **extra})


def pr_create(run: Run, clone: GitRepo, server: FakeGitHub, *args: str) -> Result:
    result = run(
        "pr", "create", *args, "--repo", REPO, "--forge", "github", cwd=clone.path, env=env(server)
    )
    assert TOKEN not in result.stdout + result.stderr
    return result


def branch_files(server: FakeGitHub, branch: str) -> dict[str, bytes]:
    repo = server.repos[REPO]
    commit = repo.objects.get(repo.refs[f"refs/heads/{branch}"])
    assert isinstance(commit, Commit)
    out: dict[str, bytes] = {}

    def walk(sha: str, prefix: str) -> None:
        tree = repo.objects.get(sha)
        assert isinstance(tree, Tree)
        for entry in tree.entries:
            found = repo.objects.get(entry.sha)
            if isinstance(found, Tree):
                walk(entry.sha, f"{prefix}{entry.name}/")
            elif isinstance(found, Blob):
                out[prefix + entry.name] = found.content

    walk(commit.tree, "")
    return out


FILES = ("metrics.json", "dvc.lock", "model/MODEL_CARD.md")


def test_retraining_results_become_one_pull_request_that_reruns_update(
    run: Run, clone: GitRepo, github_server: FakeGitHub
) -> None:
    first = pr_create(run, clone, github_server, *FILES, "--body-file", "report.md")
    assert first.code == 0, first.stderr
    assert "pull request opened" in first.stdout
    (pull,) = github_server.pulls.values()
    assert pull.head_ref == "cmlreport/retrain" and pull.base_ref == "main"
    assert pull.body is not None and "accuracy 0.91 -> 0.93" in pull.body
    files = branch_files(github_server, "cmlreport/retrain")
    assert files["metrics.json"] == b'{"accuracy": 0.93}\n'
    assert files["model/MODEL_CARD.md"].startswith(b"# Model card")
    assert files["README.md"] == b"# model\n"  # main's files stay
    assert "report.md" not in files  # only what was named

    # The next scheduled run: new metrics, same branch, same pull request, one commit on main.
    clone.write("metrics.json", '{"accuracy": 0.95}\n')
    clone.write("report.md", "## Retraining report\n\naccuracy 0.91 -> 0.95\n")
    second = pr_create(run, clone, github_server, *FILES, "--body-file", "report.md")
    assert second.code == 0, second.stderr
    assert "pull request updated (new commit" in second.stdout
    (pull,) = github_server.pulls.values()
    assert pull.body is not None and "0.95" in pull.body
    assert branch_files(github_server, "cmlreport/retrain")["metrics.json"].endswith(b"0.95}\n")
    repo = github_server.repos[REPO]
    head = repo.objects.get(repo.refs["refs/heads/cmlreport/retrain"])
    assert isinstance(head, Commit) and head.parents == (repo.refs["refs/heads/main"],)
    assert pull.head_sha == repo.refs["refs/heads/cmlreport/retrain"]

    # A rerun with nothing new writes nothing.
    github_server.reset_log()
    third = pr_create(run, clone, github_server, *FILES, "--body-file", "report.md")
    assert third.code == 0, third.stderr
    assert "pull request updated (files unchanged" in third.stdout
    writes = [(r.method, r.path) for r in github_server.requests if r.method != "GET"]
    assert all(path.endswith(("/git/blobs", "/git/trees")) for _, path in writes), writes


def test_a_folder_and_a_custom_branch_title_and_base(
    run: Run, clone: GitRepo, github_server: FakeGitHub
) -> None:
    repo = github_server.repos[REPO]
    repo.refs["refs/heads/develop"] = repo.refs["refs/heads/main"]
    clone.write("model/weights.bin", "\0\x01binary\xff")
    result = pr_create(
        run, clone, github_server, "model", "--branch", "retrain/weekly", "--base", "develop",
        "--title", "Weekly retraining",
    )  # fmt: skip
    assert result.code == 0, result.stderr
    (pull,) = github_server.pulls.values()
    assert (pull.head_ref, pull.base_ref, pull.title) == (
        "retrain/weekly",
        "develop",
        "Weekly retraining",
    )
    assert pull.body is not None and "MODEL\\_CARD.md" in pull.body  # the default body lists files
    files = branch_files(github_server, "retrain/weekly")
    assert set(files) == {"README.md", "model/MODEL_CARD.md", "model/weights.bin"}


@pytest.mark.parametrize(
    ("path", "says"),
    [
        ("../outside.json", "outside the work tree"),
        ("link.json", "through a symlink"),
        (".git/config", "inside a .git folder"),
        ("missing.json", "file not found"),
        ("model", "leads outside the work tree"),  # a link inside a folder taken whole
    ],
)
def test_paths_outside_the_work_tree_are_refused(
    run: Run, clone: GitRepo, github_server: FakeGitHub, path: str, says: str
) -> None:
    (clone.path.parent / "outside.json").write_text('{"secret": 1}\n')
    os.symlink(clone.path.parent / "outside.json", clone.path / "link.json")
    os.symlink(clone.path.parent / "outside.json", clone.path / "model" / "secret.json")
    github_server.reset_log()
    result = pr_create(run, clone, github_server, "metrics.json", path)
    assert result.code == 2 and says in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert github_server.requests == [] and github_server.pulls == {}


def test_a_read_only_token_is_told_what_it_needs(
    run: Run, clone: GitRepo, github_server: FakeGitHub
) -> None:
    github_server.add_token(TOKEN, permissions=READ_ONLY_PERMISSIONS)
    result = pr_create(run, clone, github_server, "metrics.json")
    assert result.code == 3 and "contents: write" in result.stderr, result.stderr
    assert github_server.pulls == {}


def test_files_already_on_main_make_no_pull_request(
    run: Run, clone: GitRepo, github_server: FakeGitHub
) -> None:
    clone.write("README.md", "# model\n")
    result = pr_create(run, clone, github_server, "README.md")
    assert result.code == 0 and "nothing to propose" in result.stdout, result.stderr
    assert github_server.pulls == {} and set(github_server.repos[REPO].refs) == {"refs/heads/main"}
