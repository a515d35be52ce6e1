"""The sticky-comment rules against an in-memory forge (our own protocol, no client library)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace

import pytest

from cmlreport.errors import InputError, RemoteError
from cmlreport.forges.base import CheckResult, Comment, Target, TargetKind, TargetSpec
from cmlreport.forges.sticky import marker, opens_with, post_sticky, with_marker
from cmlreport.publishable.image import LocalImage

PR = Target(TargetKind.PR, number=7)


class MemoryForge:
    name = "memory"

    def __init__(self) -> None:
        self.comments: list[Comment] = []
        self.writes = 0
        self.fail_creates: list[tuple[bool, bool]] = []  # (apply first?, transient?)

    def resolve_target(self, spec: TargetSpec) -> Target:
        return PR

    def find_comment(self, target: Target, marker: str, *, newest: bool = False) -> Comment | None:
        return next(iter(self.recent_comments(target, marker)[::-1]), None)

    def find_comments(self, target: Target, marker: str) -> list[Comment]:
        return [c for c in self.comments if opens_with(c.body, marker)]

    def recent_comments(self, target: Target, marker: str) -> list[Comment]:
        return [c for c in self.find_comments(target, marker) if not c.hidden]

    def remember_comment(self, target: Target, marker: str, comment: Comment) -> str | None:
        return None

    def hide_comment(self, target: Target, comment: Comment) -> None:
        self.writes += 1
        hidden = replace(comment, hidden=True)
        self.comments = [hidden if c.id == comment.id else c for c in self.comments]

    def delete_comment(self, target: Target, comment: Comment) -> None:
        self.writes += 1
        self.comments = [c for c in self.comments if c.id != comment.id]

    def create_comment(self, target: Target, body: str) -> Comment:
        self.writes += 1
        comment = Comment(len(self.comments) + 1, body, "bot", f"u/{len(self.comments) + 1}")
        if self.fail_creates:
            applied, transient = self.fail_creates.pop(0)
            if applied:
                self.comments.append(comment)
            raise RemoteError("timed out", transient=transient)
        self.comments.append(comment)
        return comment

    def update_comment(self, target: Target, comment: Comment, body: str) -> Comment:
        self.writes += 1
        new = Comment(comment.id, body, comment.author, comment.url)
        self.comments = [new if c.id == comment.id else c for c in self.comments]
        return new

    def publish_images(self, images: Sequence[LocalImage], target: Target) -> Mapping[str, str]:
        return {}

    def set_check(
        self, name: str, conclusion: str, title: str, summary: str, details_url: str | None
    ) -> CheckResult:
        return CheckResult("", conclusion)


def test_first_post_then_update_then_unchanged() -> None:
    forge = MemoryForge()
    assert post_sticky(forge, PR, "v1", "train").action == "created"
    assert post_sticky(forge, PR, "v2", "train").action == "updated"
    assert post_sticky(forge, PR, "v2", "train").action == "unchanged"
    assert len(forge.comments) == 1 and forge.writes == 2
    assert forge.comments[0].body == with_marker("v2", "train")


def test_two_keys_two_comments() -> None:
    forge = MemoryForge()
    post_sticky(forge, PR, "a", "train")
    post_sticky(forge, PR, "b", "eval")
    assert len(forge.comments) == 2


def test_timeout_after_the_write_landed_does_not_post_twice() -> None:
    forge = MemoryForge()
    forge.fail_creates = [(True, True)]
    outcome = post_sticky(forge, PR, "body", "train")
    assert outcome.action == "created" and len(forge.comments) == 1 and forge.writes == 1


def test_transient_failure_before_the_write_is_retried() -> None:
    forge = MemoryForge()
    forge.fail_creates = [(False, True), (False, True)]
    assert post_sticky(forge, PR, "body", "train").action == "created"
    assert len(forge.comments) == 1 and forge.writes == 3


def test_a_permanent_error_is_not_retried() -> None:
    forge = MemoryForge()
    forge.fail_creates = [(False, False)]
    with pytest.raises(RemoteError):
        post_sticky(forge, PR, "body", "train")
    assert forge.writes == 1


def test_no_sticky_posts_every_time_but_never_twice_on_retry() -> None:
    forge = MemoryForge()
    post_sticky(forge, PR, "body", "train", sticky=False)
    forge.fail_creates = [(True, True)]
    post_sticky(forge, PR, "body", "train", sticky=False)
    assert len(forge.comments) == 2


def test_marker_is_first_and_old_markers_are_replaced() -> None:
    body = with_marker("<!-- cmlreport:old -->\n## Report\n", "train")
    assert body.splitlines()[0] == "<!-- cmlreport:train -->"
    assert "cmlreport:old" not in body


def test_bad_key() -> None:
    with pytest.raises(InputError, match="--key"):
        marker("x -->")


@pytest.mark.parametrize(
    ("body", "ours"),
    [
        ("<!-- cmlreport:train -->", True),
        ("<!-- cmlreport:train -->\n## Report", True),
        ("<!-- cmlreport:train -->\r\n## Report", True),
        ("<!-- cmlreport:train --> and more\n", False),
        ("<!-- cmlreport:train/v2 -->\n", False),
        ("<!-- cmlreport:trai -->\n", False),
        (" <!-- cmlreport:train -->\n", False),
        ("> <!-- cmlreport:train -->\n", False),
        ("text <!-- cmlreport:train -->\n", False),
        ("## Report\n<!-- cmlreport:train -->\n", False),
    ],
)
def test_only_a_body_opening_with_the_marker_line_matches(body: str, ours: bool) -> None:
    assert opens_with(body, marker("train")) is ours


def test_a_two_line_head_matches_a_body_edited_with_crlf() -> None:
    head = f"{marker('train')}\n<!-- cmlreport-post:1 -->"
    assert opens_with(f"{marker('train')}\r\n<!-- cmlreport-post:1 -->\r\nx", head)
    assert not opens_with(f"{marker('train')}\r\n<!-- cmlreport-post:12 -->\r\nx", head)


def test_markers_inside_the_body_are_removed_even_when_removing_one_forms_another() -> None:
    hostile = (
        "<!-- cmlrep<!-- cmlreport:x -->ort:train -->\n"
        "name `<!-- cmlreport:train -->` in a line\n"
        "<!-- cmlreport-post:0123 -->\n"
        "end\n"
    )
    body = with_marker(hostile, "train")
    assert body.count("<!-- cmlreport") == 1 and body.startswith("<!-- cmlreport:train -->\n")
    assert body.endswith("name `` in a line\nend\n")


class RacingForge(MemoryForge):
    """Another job creates its comment for the same key just before ours lands."""

    def __init__(self, rival_body: str) -> None:
        super().__init__()
        self.rival_body = rival_body

    def create_comment(self, target: Target, body: str) -> Comment:
        if self.rival_body:
            super().create_comment(target, self.rival_body)
            self.rival_body = ""
        return super().create_comment(target, body)


def test_a_racing_duplicate_converges_on_the_oldest_with_our_content() -> None:
    forge = RacingForge(with_marker("rival", "train"))
    outcome = post_sticky(forge, PR, "mine", "train")
    assert outcome.action == "updated"
    assert [(c.id, c.body) for c in forge.comments] == [(1, with_marker("mine", "train"))]
    assert outcome.comment.id == 1


def test_two_jobs_recreating_at_once_end_with_one_comment_below_the_old_one() -> None:
    forge = RacingForge("")
    post_sticky(forge, PR, "v1", "train")
    forge.rival_body = with_marker("rival v2", "train")  # the other job's new comment lands first

    outcome = post_sticky(forge, PR, "mine v2", "train", mode="recreate")

    # The old one is deleted; of the two new ones the older stays, holding our content.
    assert [(c.id, c.body) for c in forge.comments] == [(2, with_marker("mine v2", "train"))]
    assert outcome.comment.id == 2 and outcome.removed == 1


def test_a_hidden_comment_is_no_live_report() -> None:
    forge = MemoryForge()
    first = post_sticky(forge, PR, "v1", "train").comment
    forge.hide_comment(PR, first)

    again = post_sticky(forge, PR, "v1", "train")

    assert again.action == "created" and again.comment.id != first.id
    assert [c.hidden for c in forge.comments] == [True, False]


@pytest.mark.parametrize(
    ("mode", "hide_old", "target", "says"),
    [
        ("sticky", False, PR, "--mode 'sticky': use one of update, recreate, new, once"),
        ("update", True, PR, "--hide-old goes with --mode new or recreate"),
        ("once", True, PR, "--mode once keeps one comment"),
        ("new", True, Target(TargetKind.COMMIT, sha="a" * 40), "cannot be hidden"),
    ],
)
def test_a_mode_that_cannot_work_is_refused_before_any_request(
    mode: str, hide_old: bool, target: Target, says: str
) -> None:
    forge = MemoryForge()
    with pytest.raises(InputError, match=re.escape(says)):
        post_sticky(forge, target, "v1", "train", mode=mode, hide_old=hide_old)
    assert forge.writes == 0 and forge.comments == []
