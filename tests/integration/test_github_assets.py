"""Report images on GitHub: committed to the ``cmlreport-assets`` branch, linked by commit sha.

PyGithub talks to the fake GitHub over real HTTP; every request and response is checked
against GitHub's REST description (the fixture fails a test on any violation).
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable
from typing import Any

import github
import pytest

from cmlreport.errors import RemoteError
from cmlreport.forges.github.assets import ASSETS_BRANCH, publish_assets
from cmlreport.publishable.image import LocalImage
from tests.fakes.github import ADMIN_PERMISSIONS, READ_ONLY_PERMISSIONS, FakeGitHub
from tests.fakes.github.gitobjects import Blob, Commit, Signature, Tree, TreeEdit

pytest_plugins = ["tests.fakes.github.pytest_plugin"]

REPO = "octo/model"
TOKEN = "ghs_actions_write"
READER = "ghs_fork_read_only"
ADMIN = "ghp_maintainer"
WRITES = ("POST", "PATCH", "PUT", "DELETE")


@pytest.fixture
def server(github_server: FakeGitHub) -> FakeGitHub:
    github_server.add_repo(REPO, default_branch="main")
    github_server.add_token(TOKEN)
    github_server.add_token(READER, permissions=READ_ONLY_PERMISSIONS)
    github_server.add_token(ADMIN, login="octo-admin", permissions=ADMIN_PERMISSIONS)
    return github_server


def client(server: FakeGitHub, token: str) -> github.Github:
    return github.Github(
        base_url=server.url,
        auth=github.Auth.Token(token),
        lazy=True,
        seconds_between_requests=0,
        seconds_between_writes=0,
        retry=None,
    )


def publish(server: FakeGitHub, *images: LocalImage, token: str = TOKEN) -> dict[str, str]:
    repo = client(server, token).get_repo(REPO)
    return publish_assets(repo, images, server_url=server.web_url, repository=REPO)


def png(ref: str, pixels: bytes) -> LocalImage:
    return LocalImage(ref, ref.rsplit("/", 1)[-1], b"\x89PNG\r\n\x1a\n" + pixels, "image/png")


LOSS = png("plots/loss.png", b"loss curve")
CONFUSION = png("plots/confusion%20matrix.png", b"confusion matrix")
DRIFT = LocalImage("drift.gif", "drift.gif", b"GIF89a drift overlay", "image/gif")


def link_parts(server: FakeGitHub, url: str) -> tuple[str, str]:
    """(commit sha, path) of a link to a file at a commit, as GitHub's web pages spell it."""
    m = re.fullmatch(
        re.escape(f"{server.web_url}/{REPO}/blob/") + r"([0-9a-f]{40})/(\S+)\?raw=true", url
    )
    assert m, url
    return m[1], m[2]


class Branch:
    """What a maintainer sees on the assets branch, read through the API."""

    def __init__(self, server: FakeGitHub) -> None:
        self.repo = client(server, ADMIN).get_repo(REPO)

    def head(self) -> github.GitCommit.GitCommit:
        return self.repo.get_git_commit(self.repo.get_git_ref(f"heads/{ASSETS_BRANCH}").object.sha)

    def files(self, commit_sha: str) -> dict[str, bytes]:
        tree = self.repo.get_git_tree(self.repo.get_git_commit(commit_sha).tree.sha, True)
        return {
            e.path: base64.b64decode(self.repo.get_git_blob(e.sha).content)
            for e in tree.tree
            if e.type == "blob"
        }


def content_path(image: LocalImage, ext: str) -> str:
    digest = hashlib.sha256(image.data).hexdigest()
    return f"images/{digest[:2]}/{digest}.{ext}"


def writes(server: FakeGitHub) -> list[tuple[str, str]]:
    return [(r.method, r.path) for r in server.requests if r.method in WRITES]


def test_the_first_report_creates_an_orphan_branch_holding_its_images(server: FakeGitHub) -> None:
    main_before = Branch(server).repo.get_git_ref("heads/main").object.sha

    urls = publish(server, LOSS, DRIFT)

    head = Branch(server).head()
    assert head.parents == []  # shares no history with the code
    assert head.message == "cmlreport: 2 report images"
    assert Branch(server).files(head.sha) == {
        content_path(LOSS, "png"): LOSS.data,
        content_path(DRIFT, "gif"): DRIFT.data,
    }
    assert set(urls) == {"plots/loss.png", "drift.gif"}
    assert link_parts(server, urls["plots/loss.png"]) == (head.sha, content_path(LOSS, "png"))
    assert link_parts(server, urls["drift.gif"]) == (head.sha, content_path(DRIFT, "gif"))
    assert Branch(server).repo.get_git_ref("heads/main").object.sha == main_before


def test_publishing_the_same_images_again_writes_nothing(server: FakeGitHub) -> None:
    first = publish(server, LOSS, CONFUSION)
    server.reset_log()

    again = publish(server, CONFUSION, LOSS)

    assert writes(server) == []
    assert again == first
    assert len(server.requests) <= 3  # ref, commit, tree


def test_the_same_picture_under_two_names_is_stored_once(server: FakeGitHub) -> None:
    copy = LocalImage("copy/loss.png", "loss.png", LOSS.data, "image/png")
    server.reset_log()

    urls = publish(server, LOSS, copy)

    assert urls["copy/loss.png"] == urls["plots/loss.png"]
    assert len(server.calls("POST", r"/git/blobs$")) == 1
    assert Branch(server).head().message == "cmlreport: 1 report image"


def test_a_new_image_adds_one_commit_on_top_and_old_links_keep_working(server: FakeGitHub) -> None:
    old_urls = publish(server, LOSS)
    old_commit, old_path = link_parts(server, old_urls["plots/loss.png"])
    server.reset_log()

    urls = publish(server, LOSS, CONFUSION)

    assert len(server.calls("POST", r"/git/blobs$")) == 1
    assert len(server.calls("POST", r"/git/commits$")) == 1
    assert server.calls("PATCH", r"/git/refs/heads/cmlreport-assets$")[0].body["force"] is False
    head = Branch(server).head()
    assert [p.sha for p in head.parents] == [old_commit]
    assert head.message == "cmlreport: 1 report image"
    new_commit, new_path = link_parts(server, urls["plots/confusion%20matrix.png"])
    assert new_commit == head.sha
    assert Branch(server).files(head.sha) == {old_path: LOSS.data, new_path: CONFUSION.data}
    # Comments posted before still point at a commit that exists and holds their picture.
    assert Branch(server).files(old_commit) == {old_path: LOSS.data}


def another_job_publishes(server: FakeGitHub, name: str) -> Callable[[Any], Any]:
    """A tamper hook: while our commit is being created, another job moves the branch on
    (or creates it, when it does not exist yet)."""

    def move(body: Any) -> Any:
        repo = server.repos[REPO]
        ref = f"refs/heads/{ASSETS_BRANCH}"
        parent = repo.refs.get(ref)
        base: Tree | None = None
        if parent is not None:
            commit = repo.objects.get(parent)
            assert isinstance(commit, Commit)
            found = repo.objects.get(commit.tree)
            assert isinstance(found, Tree)
            base = found
        blob = repo.objects.put(Blob(name.encode()))
        tree = repo.objects.write_tree([TreeEdit(f"images/{name}", "100644", blob)], base)
        who = Signature("other-job", "other-job@example.com", server.clock.now())
        parents = (parent,) if parent else ()
        repo.refs[ref] = repo.objects.put(Commit(tree, parents, who, who, f"other {name}"))
        return body

    return move


def test_a_branch_moved_by_another_job_meanwhile_is_retried_from_its_new_head(
    server: FakeGitHub,
) -> None:
    publish(server, LOSS)
    server.tamper("POST", r"/git/commits$", another_job_publishes(server, "theirs.png"))
    server.reset_log()

    urls = publish(server, CONFUSION)

    commit, path = link_parts(server, urls["plots/confusion%20matrix.png"])
    head = Branch(server).head()
    assert commit == head.sha
    assert head.parents[0].message == "other theirs.png"  # built on the other job's commit
    files = Branch(server).files(head.sha)
    assert files["images/theirs.png"] == b"theirs.png"
    assert files[path] == CONFUSION.data
    assert content_path(LOSS, "png") in files
    assert len(server.calls("POST", r"/git/blobs$")) == 1  # the blob is reused on the retry
    assert len(server.calls("PATCH", r"/git/refs/")) == 2


def test_two_first_reports_at_once_end_on_one_branch(server: FakeGitHub) -> None:
    server.tamper("POST", r"/git/commits$", another_job_publishes(server, "theirs.png"))

    urls = publish(server, LOSS)

    head = Branch(server).head()
    assert link_parts(server, urls["plots/loss.png"])[0] == head.sha
    assert head.parents[0].message == "other theirs.png"
    assert set(Branch(server).files(head.sha)) == {"images/theirs.png", content_path(LOSS, "png")}


def test_a_branch_that_keeps_moving_gives_up_after_three_tries(server: FakeGitHub) -> None:
    publish(server, LOSS)
    server.tamper("POST", r"/git/commits$", another_job_publishes(server, "x.png"), times=5)

    with pytest.raises(RemoteError) as failed:
        publish(server, CONFUSION)

    assert "moved under each of 3 tries" in failed.value.message
    assert len(server.calls("PATCH", r"/git/refs/")) == 3


def test_a_refused_update_that_is_no_race_is_reported_not_retried(server: FakeGitHub) -> None:
    publish(server, LOSS)
    refusal = {"message": "Protected branch update failed", "documentation_url": "https://x"}
    server.inject("PATCH", r"/git/refs/heads/cmlreport-assets$", 422, body=refusal)

    with pytest.raises(RemoteError) as failed:
        publish(server, CONFUSION)

    assert failed.value.message == (
        "cannot publish report images to the cmlreport-assets branch of octo/model: "
        "GitHub answered 422 Protected branch update failed"
    )
    assert len(server.calls("PATCH", r"/git/refs/")) == 1


def test_a_token_without_contents_write_is_told_what_it_needs(server: FakeGitHub) -> None:
    with pytest.raises(RemoteError) as failed:
        publish(server, LOSS, token=READER)

    message = failed.value.message
    assert message.startswith(
        "cannot publish report images to the cmlreport-assets branch of octo/model: "
        "the token needs contents: write (403 "
    )
    assert "\n" not in message and READER not in message
    assert failed.value.exit_code == 3
    with pytest.raises(github.UnknownObjectException):
        Branch(server).head()


def test_no_images_means_no_request(server: FakeGitHub) -> None:
    assert publish(server) == {}
    assert server.requests == []
