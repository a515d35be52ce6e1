"""GitHub and GitLab retry the same way: one policy (``cmlreport.forges.http``) under both.

Each story runs once against the fake GitHub (PyGithub) and once against the fake GitLab
(python-gitlab), over real HTTP on 127.0.0.1, with the same faults injected, and asserts the
same outcome: what the forge holds, how many requests it saw, how long the client waited.
"""

from __future__ import annotations

import email.utils
import socket
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from cmlreport.errors import CmlReportError, RemoteError
from cmlreport.forges.base import Target, TargetKind
from cmlreport.forges.errors import MAY_HAVE_HAPPENED
from cmlreport.forges.github.forge import GitHubForge, GitHubSettings
from cmlreport.forges.gitlab.forge import GitLabForge, GitLabSettings
from cmlreport.forges.sticky import marker
from cmlreport.publishable.image import LocalImage
from tests.fakes.github import ACTIONS_BOT, FakeGitHub
from tests.fakes.gitlab import FakeGitLab

pytest_plugins = ["tests.fakes.github.pytest_plugin", "tests.fakes.gitlab.pytest_plugin"]

GITHUB_TOKEN = "ghs_retries_token_never_shown"
GITLAB_TOKEN = "glpat-retries-token-never-shown"
BODY = f"{marker('train')}\n## Model report\naccuracy 0.91"


@dataclass
class Story:
    """One forge under test: how to open it, where its comments go, what it holds."""

    name: str
    server: FakeGitHub | FakeGitLab
    open: Callable[..., GitHubForge | GitLabForge]
    target: Target
    posts: str  # the path regex of a new comment
    reads: str  # the path regex of the comment list
    read_method: str  # how the comment list is read: GET, or POST for GitHub's GraphQL
    stored: Callable[[], list[str]]

    def inject(self, method: str, path: str, status: int, **options: Any) -> None:
        self.server.inject(method, path, status, **options)

    def calls(self, method: str, path: str) -> int:
        return len(self.server.calls(method, path))


def github_story(server: FakeGitHub) -> Story:
    server.add_repo("octo/model", default_branch="main")
    server.add_pull("octo/model", number=7, head_ref="retrain")
    server.add_token(GITHUB_TOKEN, login=ACTIONS_BOT, user_endpoint_forbidden=True)

    def open_forge(**options: Any) -> GitHubForge | GitLabForge:
        options = {"backoff": 0.01, "max_wait": 5.0, "timeout": 5.0, **options}
        api = options.pop("api_url", server.url)
        return GitHubForge(GitHubSettings("octo/model", GITHUB_TOKEN, api_url=api, **options))

    return Story(
        "GitHub",
        server,
        open_forge,
        Target(TargetKind.PR, number=7),
        posts=r"/issues/7/comments$",
        reads=r"^/graphql$",  # a pull request's comments come by GraphQL
        read_method="POST",
        stored=lambda: [c.body for c in server.issue_comments.values()],
    )


def gitlab_story(server: FakeGitLab) -> Story:
    project = server.add_project("group/proj", id=42, default_branch="main")
    server.add_merge_request(project, iid=3, source_branch="feature")
    server.add_project_bot_token(GITLAB_TOKEN, project=project)

    def open_forge(**options: Any) -> GitHubForge | GitLabForge:
        options = {"backoff": 0.01, "max_wait": 5.0, "timeout": 5.0, **options}
        api = options.pop("api_url", server.api_url)
        server_url = server.url if api == server.api_url else api
        settings = GitLabSettings(
            project="group/proj", token=GITLAB_TOKEN, server_url=server_url, api_url=api, **options
        )
        return GitLabForge(settings)

    return Story(
        "GitLab",
        server,
        open_forge,
        Target(TargetKind.PR, number=3),
        posts=r"/merge_requests/3/notes$",
        reads=r"^/graphql$",  # a merge request's notes come by GraphQL too
        read_method="POST",
        stored=lambda: [n.body for n in server.user_notes("group/proj", 3)],
    )


@pytest.fixture(params=["github", "gitlab"])
def story(request: pytest.FixtureRequest) -> Iterator[Story]:
    if request.param == "github":
        yield github_story(request.getfixturevalue("github_server"))
    else:
        yield gitlab_story(request.getfixturevalue("gitlab_server"))


def raised(call: Callable[[], object]) -> CmlReportError:
    with pytest.raises(CmlReportError) as caught:
        call()
    error = caught.value
    assert "\n" not in error.message
    assert GITHUB_TOKEN not in error.message and GITLAB_TOKEN not in error.message
    return error


def timed(call: Callable[[], object]) -> float:
    started = time.monotonic()
    call()
    return time.monotonic() - started


# -- a rate limit on a POST: refused before anything happened, so sent again ------------------


def test_a_post_answered_429_with_retry_after_is_sent_once_more_after_that_wait(
    story: Story,
) -> None:
    story.inject("POST", story.posts, 429, headers={"Retry-After": "1"})
    forge = story.open()

    waited = timed(lambda: forge.create_comment(story.target, BODY))

    assert 1.0 <= waited < 3  # Retry-After, not the 0.01 s backoff
    assert story.calls("POST", story.posts) == 2
    assert story.stored() == [BODY]


def test_retry_after_as_an_http_date_is_waited_until(story: Story) -> None:
    when = email.utils.formatdate(time.time() + 2, usegmt=True)  # whole seconds: 1-2 s away
    story.inject("POST", story.posts, 429, headers={"Retry-After": when})
    forge = story.open()

    waited = timed(lambda: forge.create_comment(story.target, BODY))

    assert 0.5 <= waited < 4
    assert story.calls("POST", story.posts) == 2
    assert story.stored() == [BODY]


@pytest.mark.parametrize(
    ("retry_after", "asks"),
    [
        ("3600", "3600 s"),
        ("9" * 5000, "for longer than a year"),
        ("99999999999999", "for longer than a year"),
    ],
    ids=["an-hour", "5000-digits", "14-digits"],
)
def test_a_retry_after_longer_than_max_wait_is_not_waited(
    story: Story, retry_after: str, asks: str
) -> None:
    story.inject("POST", story.posts, 429, headers={"Retry-After": retry_after}, times=5)
    forge = story.open()

    started = time.monotonic()
    error = raised(lambda: forge.create_comment(story.target, BODY))

    assert time.monotonic() - started < 2
    assert type(error) is RemoteError and not error.transient  # refused: nothing landed
    assert f"{story.name}'s rate limit stopped the attempt to post" in error.message
    assert f"it asks to wait {asks}" in error.message
    assert "more than the 5 s we wait" in error.message
    assert story.calls("POST", story.posts) == 1
    assert story.stored() == []


@pytest.mark.parametrize("retry_after", ["²", "-5", "abc", "1e3", "Thu, 99 Foo 2024"])
def test_a_garbage_retry_after_falls_back_to_the_backoff(story: Story, retry_after: str) -> None:
    story.inject("POST", story.posts, 429, headers={"Retry-After": retry_after})
    forge = story.open()

    waited = timed(lambda: forge.create_comment(story.target, BODY))

    assert waited < 1
    assert story.calls("POST", story.posts) == 2
    assert story.stored() == [BODY]


def test_a_rate_limit_that_lasts_is_tried_a_bounded_number_of_times(story: Story) -> None:
    story.inject("POST", story.posts, 429, headers={"Retry-After": "0"}, times=10)
    forge = story.open(retries=2)

    error = raised(lambda: forge.create_comment(story.target, BODY))

    assert f"{story.name}'s rate limit stopped" in error.message
    assert "after 3 attempts" in error.message
    assert story.calls("POST", story.posts) == 3
    assert story.stored() == []


def test_a_reset_time_in_the_rate_limit_headers_is_waited_until(story: Story) -> None:
    reset = str(int(time.time()))  # this second: waited out within about a second
    if story.name == "GitHub":
        headers = {"x-ratelimit-remaining": "0", "x-ratelimit-reset": reset}
        story.inject(
            story.read_method, story.reads, 403, headers=headers, body={"message": "API rate limit"}
        )
    else:
        story.inject(story.read_method, story.reads, 429, headers={"RateLimit-Reset": reset})
    forge = story.open()

    waited = timed(lambda: forge.find_comment(story.target, marker("train")))

    assert 0.2 <= waited < 3
    assert story.calls(story.read_method, story.reads) == 2


# -- a POST that may have landed is never sent again ------------------------------------------


def test_a_502_on_a_post_is_not_sent_again(story: Story) -> None:
    story.inject("POST", story.posts, 502)
    forge = story.open()

    error = raised(lambda: forge.create_comment(story.target, BODY))

    assert type(error) is RemoteError
    assert error.transient  # it may have landed: the sticky logic looks before posting again
    assert f"{story.name} answered 502" in error.message
    assert MAY_HAVE_HAPPENED in error.message
    assert story.calls("POST", story.posts) == 1


def test_a_502_on_a_read_is_sent_again(story: Story) -> None:
    story.inject(story.read_method, story.reads, 502, times=2)
    forge = story.open()

    assert forge.find_comment(story.target, marker("train")) is None
    assert story.calls(story.read_method, story.reads) == 3


def test_a_post_to_a_server_that_is_not_there_is_tried_again_and_never_transient(
    story: Story,
) -> None:
    with socket.socket() as probe:  # a port nobody listens on once closed
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
    forge = story.open(api_url=closed, retries=2, backoff=0)

    error = raised(lambda: forge.create_comment(story.target, BODY))

    assert error.message.startswith(f"cannot reach {closed}")
    assert not error.transient  # the connection was never made: nothing can have landed
    assert forge.request_count == 3  # any request may go again when it never left


def test_an_upload_refused_by_a_rate_limit_is_not_sent_again(gitlab_server: FakeGitLab) -> None:
    # A multipart upload is a stream, read once: sending it again would send nothing.
    story = gitlab_story(gitlab_server)
    story.inject("POST", r"/uploads$", 429, headers={"Retry-After": "0"})
    png = LocalImage("plots/loss.png", "loss.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "image/png")

    error = raised(lambda: story.open().publish_images([png], story.target))

    assert "GitLab's rate limit stopped the attempt to upload image plots/loss.png" in error.message
    assert "after 1 attempt;" in error.message
    assert story.calls("POST", r"/uploads$") == 1
    assert gitlab_server.uploads == {}
