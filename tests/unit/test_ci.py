"""Reading the CI context: GitHub Actions (variables + real webhook payloads), GitLab CI, local."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from cmlreport.ci import CiContext, detect_ci
from cmlreport.errors import InputError

PAYLOADS = Path(__file__).resolve().parents[1] / "data" / "github"
MERGE_SHA = "fe3c5b1e0d6b4e3f9c7a2d1b0a9f8e7d6c5b4a39"  # refs/pull/N/merge, made by GitHub per run


def load(name: str) -> dict[str, Any]:
    payload: dict[str, Any] = json.loads((PAYLOADS / name).read_text(encoding="utf-8"))
    return payload


def actions_env(event_name: str, event_path: Path | None, **extra: str) -> dict[str, str]:
    """The variables GitHub Actions sets for a job on github.com."""
    env = {
        "CI": "true",
        "GITHUB_ACTIONS": "true",
        "GITHUB_EVENT_NAME": event_name,
        "GITHUB_REPOSITORY": "Codertocat/Hello-World",
        "GITHUB_SHA": MERGE_SHA,
        "GITHUB_BASE_REF": "",
        "GITHUB_SERVER_URL": "https://github.com",
        "GITHUB_API_URL": "https://api.github.com",
        "GITHUB_RUN_ID": "7001",
        "GITHUB_STEP_SUMMARY": "/home/runner/work/_temp/_runner_file_commands/step_summary_1",
    }
    if event_path is not None:
        env["GITHUB_EVENT_PATH"] = str(event_path)
    env.update(extra)
    return env


@pytest.mark.parametrize("fixture", ["pull_request.opened.json", "pull_request.synchronize.json"])
def test_a_pull_request_run_knows_its_number_base_and_head(fixture: str) -> None:
    payload = load(fixture)
    pr = payload["pull_request"]
    env = actions_env("pull_request", PAYLOADS / fixture, GITHUB_BASE_REF=pr["base"]["ref"])

    ci = detect_ci(env)

    assert ci.provider == "github"
    assert ci.event_name == "pull_request"
    assert ci.repository == "Codertocat/Hello-World"
    assert ci.pr_number == pr["number"] == 2
    assert ci.base_sha == pr["base"]["sha"]
    assert ci.base_ref == "master"
    assert ci.pr_head_sha == pr["head"]["sha"]
    # The job itself runs on GitHub's merge commit, not on the branch tip.
    assert ci.head_sha == MERGE_SHA != ci.pr_head_sha
    assert ci.default_branch == payload["repository"]["default_branch"]
    assert ci.is_fork is False
    assert ci.run_url == "https://github.com/Codertocat/Hello-World/actions/runs/7001"
    assert ci.step_summary_path == env["GITHUB_STEP_SUMMARY"]


def test_a_pull_request_from_a_fork_is_flagged() -> None:
    ci = detect_ci(actions_env("pull_request", PAYLOADS / "pull_request.opened.fork.json"))
    assert ci.is_fork is True
    assert ci.pr_number == 2
    # Without GITHUB_BASE_REF (pull_request_target jobs, say) the payload still names it.
    assert ci.base_ref == "master"


def test_a_pull_request_whose_fork_was_deleted_is_still_a_fork(tmp_path: Path) -> None:
    payload = load("pull_request.opened.fork.json")
    payload["pull_request"]["head"]["repo"] = None
    event = tmp_path / "event.json"
    event.write_text(json.dumps(payload), encoding="utf-8")
    assert detect_ci(actions_env("pull_request", event)).is_fork is True


def test_a_push_has_no_pull_request_but_knows_the_default_branch() -> None:
    payload = load("push.json")
    env = actions_env("push", PAYLOADS / "push.json", GITHUB_SHA=payload["after"])

    ci = detect_ci(env)

    assert ci.event_name == "push"
    assert ci.head_sha == payload["after"]
    assert ci.pr_number is None
    assert ci.pr_head_sha is None
    assert ci.base_sha is None
    assert ci.base_ref is None  # Actions sets GITHUB_BASE_REF to "" outside pull requests
    assert ci.default_branch == "master"
    assert ci.is_fork is False
    # This example push created its branch: before is all zeros, nothing to compare with.
    assert payload["before"] == "0" * 40 and ci.before_sha is None


def test_a_push_to_an_existing_branch_knows_the_tip_before_it(tmp_path: Path) -> None:
    payload = load("push.json")
    payload["before"] = "6113728f27ae82c7b1a177c8d03f9e96e0adf246"
    event = tmp_path / "event.json"
    event.write_text(json.dumps(payload), encoding="utf-8")
    ci = detect_ci(actions_env("push", event))
    assert ci.before_sha == "6113728f27ae82c7b1a177c8d03f9e96e0adf246"


def test_a_comment_on_a_pull_request_targets_that_pull_request(tmp_path: Path) -> None:
    payload = load("issue_comment.created.json")
    number = payload["issue"]["number"]
    event = tmp_path / "event.json"
    assert (
        detect_ci(actions_env("issue_comment", PAYLOADS / "issue_comment.created.json")).pr_number
        is None
    )
    # What GitHub adds to `issue` when the issue is a pull request.
    payload["issue"]["pull_request"] = {
        "url": payload["issue"]["url"].replace("/issues/", "/pulls/")
    }
    event.write_text(json.dumps(payload), encoding="utf-8")
    ci = detect_ci(actions_env("issue_comment", event))
    assert ci.pr_number == number and ci.base_sha is None and ci.pr_head_sha is None


def test_github_enterprise_server_urls_are_kept() -> None:
    env = actions_env(
        "push",
        None,
        GITHUB_SERVER_URL="https://ghe.example.com",
        GITHUB_API_URL="https://ghe.example.com/api/v3",
        GITHUB_REPOSITORY="ml/classifier",
    )
    ci = detect_ci(env)
    assert ci.server_url == "https://ghe.example.com"
    assert ci.api_url == "https://ghe.example.com/api/v3"
    assert ci.run_url == "https://ghe.example.com/ml/classifier/actions/runs/7001"


def test_github_api_url_is_derived_when_only_the_server_is_known() -> None:
    enterprise = actions_env("push", None, GITHUB_SERVER_URL="https://ghe.example.com/")
    del enterprise["GITHUB_API_URL"]
    dotcom = actions_env("push", None)
    del dotcom["GITHUB_API_URL"]
    assert detect_ci(enterprise).api_url == "https://ghe.example.com/api/v3"
    assert detect_ci(dotcom).api_url == "https://api.github.com"


def test_a_missing_event_file_is_one_line_naming_it(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-event.json"
    with pytest.raises(InputError) as err:
        detect_ci(actions_env("pull_request", missing))
    assert "GITHUB_EVENT_PATH" in err.value.message
    assert str(missing) in err.value.message
    assert "\n" not in err.value.message


@pytest.mark.parametrize("content", ['{"pull_request": {', "[1, 2]", "\udcff"])
def test_a_malformed_event_file_is_one_line_naming_it(tmp_path: Path, content: str) -> None:
    event = tmp_path / "event.json"
    event.write_bytes(content.encode("utf-8", errors="surrogateescape"))
    with pytest.raises(InputError) as err:
        detect_ci(actions_env("pull_request", event))
    assert "GITHUB_EVENT_PATH" in err.value.message
    assert str(event) in err.value.message
    assert "\n" not in err.value.message


def gitlab_env(**extra: str) -> dict[str, str]:
    """The variables GitLab CI sets for any pipeline job on gitlab.com."""
    env = {
        "CI": "true",
        "GITLAB_CI": "true",
        "CI_PROJECT_PATH": "ml-team/nlp/subreddit-classifier",
        "CI_PROJECT_ID": "4100",
        "CI_COMMIT_SHA": "c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00",
        "CI_DEFAULT_BRANCH": "main",
        "CI_SERVER_URL": "https://gitlab.com",
        "CI_API_V4_URL": "https://gitlab.com/api/v4",
        "CI_PIPELINE_URL": "https://gitlab.com/ml-team/nlp/subreddit-classifier/-/pipelines/99",
        "CI_JOB_URL": "https://gitlab.com/ml-team/nlp/subreddit-classifier/-/jobs/12345",
    }
    env.update(extra)
    return env


MR_VARIABLES = {
    "CI_PIPELINE_SOURCE": "merge_request_event",
    "CI_MERGE_REQUEST_IID": "17",
    "CI_MERGE_REQUEST_TARGET_BRANCH_NAME": "main",
    "CI_MERGE_REQUEST_DIFF_BASE_SHA": "ba5eba11ba5eba11ba5eba11ba5eba11ba5eba11",
    "CI_MERGE_REQUEST_PROJECT_ID": "4100",
    "CI_MERGE_REQUEST_SOURCE_PROJECT_ID": "4100",
    "CI_MERGE_REQUEST_SOURCE_BRANCH_SHA": "",  # only set in merged-results pipelines
}


def test_a_gitlab_merge_request_pipeline() -> None:
    env = gitlab_env(**MR_VARIABLES)

    ci = detect_ci(env)

    assert ci.provider == "gitlab"
    assert ci.repository == "ml-team/nlp/subreddit-classifier"
    assert ci.event_name == "merge_request_event"
    assert ci.pr_number == 17
    assert ci.base_ref == "main"
    assert ci.base_sha == MR_VARIABLES["CI_MERGE_REQUEST_DIFF_BASE_SHA"]
    assert ci.head_sha == ci.pr_head_sha == env["CI_COMMIT_SHA"]
    assert ci.is_fork is False
    assert ci.run_url == env["CI_PIPELINE_URL"]
    assert ci.server_url == "https://gitlab.com"
    assert ci.api_url == "https://gitlab.com/api/v4"
    assert ci.step_summary_path is None


def test_a_gitlab_merged_results_pipeline_knows_the_branch_tip() -> None:
    tip = "7a11ed007a11ed007a11ed007a11ed007a11ed00"
    ci = detect_ci(gitlab_env(**{**MR_VARIABLES, "CI_MERGE_REQUEST_SOURCE_BRANCH_SHA": tip}))
    assert ci.pr_head_sha == tip
    assert ci.head_sha != tip


def test_a_gitlab_merge_request_from_a_fork_is_flagged() -> None:
    env = gitlab_env(**{**MR_VARIABLES, "CI_MERGE_REQUEST_SOURCE_PROJECT_ID": "5200"})
    assert detect_ci(env).is_fork is True


def test_a_gitlab_branch_pipeline_has_no_merge_request() -> None:
    env = gitlab_env(CI_PIPELINE_SOURCE="push", CI_COMMIT_BRANCH="tune-lr")
    del env["CI_PIPELINE_URL"]

    ci = detect_ci(env)

    assert ci.event_name == "push"
    assert ci.pr_number is None
    assert ci.pr_head_sha is None
    assert ci.base_sha is None
    assert ci.base_ref is None
    assert ci.default_branch == "main"
    assert ci.run_url == env["CI_JOB_URL"]
    assert ci.before_sha is None  # no CI_COMMIT_BEFORE_SHA given


@pytest.mark.parametrize(
    ("before", "expected"),
    [("a" * 40, "a" * 40), ("0" * 40, None), ("", None)],
)
def test_a_gitlab_push_pipeline_knows_the_tip_before_the_push(
    before: str, expected: str | None
) -> None:
    env = gitlab_env(
        CI_PIPELINE_SOURCE="push", CI_COMMIT_BRANCH="main", CI_COMMIT_BEFORE_SHA=before
    )
    assert detect_ci(env).before_sha == expected


def test_a_self_managed_gitlab_server() -> None:
    env = gitlab_env(
        CI_SERVER_URL="https://git.example.org", CI_API_V4_URL="https://git.example.org/api/v4"
    )
    ci = detect_ci(env)
    assert (ci.server_url, ci.api_url) == (
        "https://git.example.org",
        "https://git.example.org/api/v4",
    )


def test_a_non_numeric_merge_request_iid_names_the_variable() -> None:
    with pytest.raises(InputError, match="CI_MERGE_REQUEST_IID"):
        detect_ci(gitlab_env(**{**MR_VARIABLES, "CI_MERGE_REQUEST_IID": "seventeen"}))


@pytest.mark.parametrize(
    "env",
    [{}, {"CI": "true"}, {"GITHUB_ACTIONS": "false"}, {"GITLAB_CI": ""}],
    ids=["nothing", "other-ci", "actions-false", "gitlab-empty"],
)
def test_on_a_laptop_there_is_no_ci_context(env: dict[str, str]) -> None:
    assert detect_ci(env) == CiContext(provider="local")


def test_github_app_credentials_from_the_environment(tmp_path: Path) -> None:
    from cmlreport.ci import github_app

    assert github_app({}) is None
    pem = "-----BEGIN RSA PRIVATE KEY-----\\nAAAA\\n-----END RSA PRIVATE KEY-----"
    app = github_app({"GITHUB_APP_ID": "123", "GITHUB_APP_PRIVATE_KEY": pem})
    assert app is not None and app.app_id == "123" and app.installation_id is None
    assert app.private_key.splitlines()[1] == "AAAA"  # literal \n from a secrets store
    assert "AAAA" not in repr(app)
    key_file = tmp_path / "app.pem"
    key_file.write_text(pem.replace("\\n", "\n"))
    env = {"GITHUB_APP_ID": "Iv23liAbc", "GITHUB_APP_PRIVATE_KEY": str(key_file)}
    app = github_app({**env, "GITHUB_APP_INSTALLATION_ID": "99"})
    assert app is not None and app.installation_id == 99 and "AAAA" in app.private_key


@pytest.mark.parametrize(
    ("env", "says"),
    [
        ({"GITHUB_APP_ID": "1"}, "GITHUB_APP_PRIVATE_KEY is not set"),
        ({"GITHUB_APP_PRIVATE_KEY": "x"}, "GITHUB_APP_ID is not set"),
        ({"GITHUB_APP_ID": "1; rm", "GITHUB_APP_PRIVATE_KEY": "x"}, "GITHUB_APP_ID="),
        ({"GITHUB_APP_ID": "1", "GITHUB_APP_PRIVATE_KEY": "-----BEGIN x",
          "GITHUB_APP_INSTALLATION_ID": "x"}, "GITHUB_APP_INSTALLATION_ID"),
        ({"GITHUB_APP_ID": "1", "GITHUB_APP_PRIVATE_KEY": "MIIEsecret"}, "neither PEM text"),
    ],
)  # fmt: skip
def test_github_app_misconfiguration_names_the_variable(env: dict[str, str], says: str) -> None:
    from cmlreport.ci import github_app

    with pytest.raises(InputError, match=re.escape(says)) as raised:
        github_app(env)
    assert "MIIEsecret" not in raised.value.message
