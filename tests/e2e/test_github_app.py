"""Acting as a GitHub App (GITHUB_APP_ID + GITHUB_APP_PRIVATE_KEY) instead of a personal token.

The fake GitHub knows the app's public key: it checks each JWT's RS256 signature and claims,
hands out installation tokens and then accepts only those. The stories: a report posted as
the app's bot, a retraining pull request, a check run, a runner registration; and the ways
a user gets the set-up wrong (a mangled key, the key of another app, an app not installed).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from cmlreport.forges.select import forge_context, open_registry
from tests.e2e.conftest import Result, Run, clean_env
from tests.fakes.github import FakeGitHub
from tests.gitrepo import GitRepo

pytest_plugins = ["tests.fakes.github.pytest_plugin"]

REPO = "octo/model"
APP_ID = "424242"
INSTALLATION = 777
PERMISSIONS = {
    "metadata": "read",
    "contents": "write",
    "pull_requests": "write",
    "issues": "write",
    "checks": "write",
    "administration": "write",
}


def _key_pair() -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


PRIVATE, PUBLIC = _key_pair()
OTHER_PRIVATE, _ = _key_pair()


@pytest.fixture
def clone(tmp_path: Path, github_server: FakeGitHub) -> GitRepo:
    github_server.add_repo(REPO)
    github_server.add_pull(REPO, number=7)
    github_server.add_app(
        APP_ID, PUBLIC, installations={REPO: INSTALLATION}, permissions=PERMISSIONS
    )
    repo = GitRepo.init(tmp_path / "clone")
    repo.write("metrics.json", '{"accuracy": 0.93}\n')
    repo.write("report.md", "## Report\n\naccuracy 0.93\n")
    repo.commit("retrained")
    return repo


def app_env(server: FakeGitHub, key: str = PRIVATE, **extra: str) -> dict[str, str]:
    values = {"GITHUB_API_URL": server.url, "GITHUB_APP_ID": APP_ID, "GITHUB_APP_PRIVATE_KEY": key}
    return clean_env(**{**values, **extra})


def cml(run: Run, clone: GitRepo, server: FakeGitHub, *args: str, **env: str) -> Result:
    result = run(
        *args, "--repo", REPO, "--forge", "github", cwd=clone.path, env=app_env(server, **env)
    )
    printed = result.stdout + result.stderr
    for secret in [*server.apps[APP_ID].issued, *PRIVATE.splitlines()[1:-1]]:
        assert secret not in printed
    return result


def test_the_report_is_posted_as_the_apps_bot(
    run: Run, clone: GitRepo, github_server: FakeGitHub
) -> None:
    result = cml(run, clone, github_server, "send-comment", "report.md", "--target", "pr/7")
    assert result.code == 0, result.stderr
    (comment,) = github_server.issue_comments.values()
    assert comment.author == "cmlreport-app[bot]" and "accuracy 0.93" in comment.body
    paths = [(r.method, r.path) for r in github_server.requests]
    # No installation id given: looked up for the repository, then exchanged for a token.
    assert paths[:2] == [
        ("GET", f"/repos/{REPO}/installation"),
        ("POST", f"/app/installations/{INSTALLATION}/access_tokens"),
    ]
    assert len(github_server.apps[APP_ID].issued) == 1


def test_a_retraining_pull_request_and_a_check_run_with_the_key_in_a_file(
    run: Run, clone: GitRepo, github_server: FakeGitHub, tmp_path: Path
) -> None:
    key_file = tmp_path / "app.pem"
    key_file.write_text(PRIVATE)
    extra = {"GITHUB_APP_INSTALLATION_ID": str(INSTALLATION)}
    pr = cml(run, clone, github_server, "pr", "create", "metrics.json", key=str(key_file), **extra)
    assert pr.code == 0, pr.stderr
    (pull,) = [p for p in github_server.pulls.values() if p.number != 7]
    assert pull.author == "cmlreport-app[bot]"
    assert ("GET", f"/repos/{REPO}/installation") not in [
        (r.method, r.path) for r in github_server.requests
    ]
    check = cml(run, clone, github_server, "check", "report.md", key=str(key_file), **extra)
    assert check.code == 0, check.stderr
    (run_,) = github_server.check_runs.values()
    assert run_.conclusion == "neutral"


def test_a_long_watch_gets_a_new_token_before_the_hour_is_up(
    clone: GitRepo, github_server: FakeGitHub
) -> None:
    # GitHub's installation tokens expire after an hour; a send-comment --watch follows a
    # training for longer. The token is reused for 50 minutes, then exchanged again.
    from cmlreport.ci import GitHubAppCredentials
    from cmlreport.forges.github.app import installation_token
    from cmlreport.forges.http import HttpLimits

    now = [1_000.0]
    app = GitHubAppCredentials(APP_ID, PRIVATE, INSTALLATION)

    def token() -> str:
        return installation_token(
            app, repository=REPO, api_url=github_server.url, limits=HttpLimits(),
            clock=lambda: now[0],
        )  # fmt: skip

    first = token()
    now[0] += 49 * 60
    assert token() == first
    now[0] += 2 * 60
    second = token()
    assert second != first and github_server.apps[APP_ID].issued == [first, second]
    assert token() == second


def test_runner_registration_uses_the_installation_token(
    clone: GitRepo, github_server: FakeGitHub
) -> None:
    ctx = forge_context(app_env(github_server), clone.path, repo=REPO, forge="github")
    registration = open_registry(ctx).register("cmlreport-t4-1", ("gpu",), single=True)
    assert registration.kind == "jit" and registration.runner_id is not None
    (runner,) = github_server.runners.values()
    assert runner.name == "cmlreport-t4-1"


@pytest.mark.parametrize(
    ("key", "code", "says"),
    [
        ("-----BEGIN RSA PRIVATE KEY-----\nMIIEnotakey\n-----END RSA PRIVATE KEY-----", 2,
         "GITHUB_APP_PRIVATE_KEY is not a usable PEM private key"),
        ("/no/such/app.pem", 2, "GITHUB_APP_PRIVATE_KEY is neither PEM text"),
        (OTHER_PRIVATE, 3, "GitHub refused the app's JWT"),
    ],
)  # fmt: skip
def test_a_wrong_key_is_one_line_naming_the_variable(
    run: Run, clone: GitRepo, github_server: FakeGitHub, key: str, code: int, says: str
) -> None:
    result = cml(
        run, clone, github_server, "send-comment", "report.md", "--target", "pr/7", key=key
    )
    assert result.code == code and says in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "MIIEnotakey" not in result.stderr and github_server.issue_comments == {}


def test_an_app_not_installed_on_the_repository_says_how_to_fix_it(
    run: Run, clone: GitRepo, github_server: FakeGitHub
) -> None:
    github_server.apps[APP_ID].installations.clear()
    result = cml(run, clone, github_server, "send-comment", "report.md", "--target", "pr/7")
    assert result.code == 3 and "install the app on octo/model" in result.stderr, result.stderr


def test_an_id_without_a_key_is_refused(
    run: Run, clone: GitRepo, github_server: FakeGitHub
) -> None:
    result = cml(run, clone, github_server, "send-comment", "report.md", key="")
    assert result.code == 2 and "GITHUB_APP_PRIVATE_KEY is not set" in result.stderr
