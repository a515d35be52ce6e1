"""Attacks found by a hostile review of the issue-15 redesign, each through the real CLI.

A test marked ``xfail(strict=True)`` proves a finding that is not fixed yet: it fails today
and turns into an XPASS (a failure of the suite) the day the fix lands, so the mark goes then.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.conftest import Run
from tests.fakes.github import FakeGitHub
from tests.security.test_concurrent_posting import GITHUB_TOKEN, github_env, job_folders
from tests.security.test_concurrent_posting import github as github  # the fixture

pytest_plugins = ["tests.fakes.github.pytest_plugin"]

COMMENTS = r"/repos/octo/model/issues/7/comments$"


def _lying_last_page(github: FakeGitHub, page: str) -> None:
    """Page 1 of the comments says there are ``page`` pages (a broken proxy, a hostile
    GitHub Enterprise): every later page is empty, as GitHub answers past the end."""
    last = f"{github.url}/repos/octo/model/issues/7/comments?per_page=100&page={page}"
    github.inject("GET", COMMENTS, 200, headers={"Link": f'<{last}>; rel="last"'}, body=[])


@pytest.mark.xfail(
    strict=True,
    reason="forges/github/forge.py _comments_newest_first trusts Link rel=last: one GET per "
    "page it names, empty pages included (page=10**9 is a job that never ends)",
)
def test_a_link_header_naming_many_pages_does_not_make_hundreds_of_requests(
    run: Run, github: FakeGitHub, tmp_path: Path
) -> None:
    (root,) = job_folders(tmp_path, ["## Report\n"])
    _lying_last_page(github, "300")

    result = run("send-comment", "report.md", cwd=root, env=github_env(root, github))

    assert "Traceback" not in result.stderr and GITHUB_TOKEN not in result.stderr
    # Page 2 is already empty: nothing can be on the pages after it.
    assert len(github.calls("GET", COMMENTS)) <= 5


@pytest.mark.xfail(
    strict=True,
    reason="forges/github/forge.py _last_page: int() of a page number over 4,300 digits "
    "raises ValueError, an internal error (exit 4) instead of a forge error",
)
def test_a_link_header_page_number_of_5000_digits_is_not_an_internal_error(
    run: Run, github: FakeGitHub, tmp_path: Path
) -> None:
    (root,) = job_folders(tmp_path, ["## Report\n"])
    _lying_last_page(github, "9" * 5000)

    result = run("send-comment", "report.md", cwd=root, env=github_env(root, github))

    assert result.code != 4, result.stderr
    assert "internal error" not in result.stderr
