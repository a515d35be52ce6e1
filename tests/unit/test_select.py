"""Which branch a detached CI checkout is testing: it finds the pull/merge request to post on."""

from __future__ import annotations

from pathlib import Path

import pytest

from cmlreport.forges.select import forge_context

GITLAB = {
    "GITLAB_CI": "true",
    "CI_SERVER_URL": "https://gitlab.example.com",
    "CI_PROJECT_PATH": "ml/model",
    "GITLAB_TOKEN": "glpat-x0123456789",
}
GITHUB = {"GITHUB_ACTIONS": "true", "GITHUB_REPOSITORY": "octo/model", "GITHUB_TOKEN": "ghs_x0"}


@pytest.mark.parametrize(
    ("env", "branch"),
    [
        ({**GITLAB, "CI_MERGE_REQUEST_SOURCE_BRANCH_NAME": "mr", "CI_COMMIT_BRANCH": "b"}, "mr"),
        ({**GITLAB, "CI_COMMIT_BRANCH": "tune-lr", "CI_COMMIT_REF_NAME": "tune-lr"}, "tune-lr"),
        ({**GITLAB, "CI_COMMIT_REF_NAME": "old-runner-branch"}, "old-runner-branch"),
        ({**GITLAB, "CI_COMMIT_REF_NAME": "v1.2.0", "CI_COMMIT_TAG": "v1.2.0"}, None),
        ({**GITHUB, "GITHUB_HEAD_REF": "feature", "GITHUB_REF": "refs/pull/7/merge"}, "feature"),
        ({**GITHUB, "GITHUB_REF": "refs/heads/tune-lr"}, "tune-lr"),
        ({**GITHUB, "GITHUB_REF": "refs/tags/v1.2.0"}, None),
    ],
)
def test_the_branch_under_test_comes_from_the_ci_variables(
    env: dict[str, str], branch: str | None, tmp_path: Path
) -> None:
    # tmp_path is no git checkout: only the CI variables can tell.
    assert forge_context(env, tmp_path).branch == branch
