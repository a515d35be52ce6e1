"""Reading back where an earlier run kept our comment: the status it left names the comment's
id; a status someone else posted, or one naming no comment, is no answer."""

from __future__ import annotations

from typing import Any

from cmlreport.forges.base import Comment
from cmlreport.forges.github.places import Place, place, target_url
from cmlreport.forges.github.queries import PARTIAL, tolerated
from cmlreport.forges.gitlab.places import stored_note
from cmlreport.forges.sticky import marker, place_context

BOT = "github-actions[bot]"
PULL = "https://github.com/octo/model/pull/7"


def kept(comment_id: int, node: str = "IC_kwDOA") -> str:
    return f"{PULL}?cmlreport_node={node}#issuecomment-{comment_id}"


def commit(url: str | None, login: str = "github-actions", kind: str = "Bot") -> dict[str, Any]:
    context = {"targetUrl": url, "creator": {"__typename": kind, "login": login}}
    return {"commit": {"status": {"context": context if url is not None else None}}}


def pull(*commits: dict[str, Any]) -> dict[str, Any]:
    return {"headRefOid": "c" * 40, "commits": {"nodes": list(commits)}}


def test_the_newest_commit_holding_our_status_names_the_comment() -> None:
    answer = pull(commit(kept(11)), commit(None), commit(kept(22, "IC_x%3D")))

    assert place(answer, BOT) == Place("c" * 40, 22, "IC_x=")


def test_a_status_another_user_posted_is_passed_over() -> None:
    answer = pull(commit(kept(11)), commit(kept(99), "mallory", "User"))

    assert place(answer, BOT).stored == 11


def test_a_bot_is_named_without_bot_in_graphql_and_a_user_as_is() -> None:
    assert place(pull(commit(kept(5), "octocat", "User")), "octocat").stored == 5
    # A user who calls themself "github-actions" is not the bot.
    assert place(pull(commit(kept(5), "github-actions", "User")), BOT).stored is None


def test_a_target_that_names_no_comment_is_no_answer() -> None:
    for url in (
        PULL,
        f"{PULL}#issuecomment-12",  # no node id
        f"{PULL}?cmlreport_node=IC#issuecomment-",
        f"{PULL}?cmlreport_node=IC#issuecomment-12x",
        f"{PULL}?cmlreport_node=IC<script>#issuecomment-12",
        "javascript:alert(1)",
    ):
        assert place(pull(commit(url)), BOT).stored is None, url
    assert place({}, BOT) == Place(None)  # an issue: no commits, no head


def test_the_target_is_the_comment_with_its_node_id_and_reads_back() -> None:
    comment = Comment(22, "body", BOT, f"{PULL}#issuecomment-22", node_id="IC_kw+/=")

    url = target_url(comment)

    assert url == f"{PULL}?cmlreport_node=IC_kw%2B%2F%3D#issuecomment-22"
    assert place(pull(commit(url)), BOT) == Place("c" * 40, 22, "IC_kw+/=")


def test_gitlab_the_newest_pipeline_with_our_status_names_the_note() -> None:
    def pipeline(path: str | None) -> dict[str, Any]:
        return {"job": None if path is None else {"detailedStatus": {"detailsPath": path}}}

    mr = "https://gitlab.example/ml/model/-/merge_requests/3"
    nodes = [pipeline(None), pipeline(f"{mr}#note_42"), pipeline(f"{mr}#note_7")]

    assert stored_note({"pipelines": {"nodes": nodes}}) == 42
    assert stored_note({"pipelines": {"nodes": [pipeline(mr)]}}) is None
    assert stored_note({}) is None  # an issue: no pipelines asked for


def test_the_status_is_named_after_the_pull_request_and_the_exact_key() -> None:
    assert place_context(marker("train/report"), "#7") == "cmlreport comment #7: train/report"
    # GitHub compares status names without case; keys differing in case stay apart.
    upper, lower = place_context(marker("Report"), "!3"), place_context(marker("report"), "!3")
    assert upper.lower() != lower.lower()
    assert upper.startswith("cmlreport comment !3: Report ")


def test_a_hostile_target_of_any_length_is_no_answer() -> None:
    for url in ("?" * 100_000, "?&" * 50_000 + "#issuecomment-1", kept(1) + "&x" * 3_000):
        assert place(pull(commit(url)), BOT).stored is None


def forbidden(*path: object, kind: str = "FORBIDDEN") -> dict[str, Any]:
    return {"type": kind, "path": list(path), "message": "Resource not accessible by integration"}


def test_only_a_refusal_under_the_statuses_is_let_through() -> None:
    data = {"repository": {"issueOrPullRequest": {"commits": {"nodes": [{"commit": None}]}}}}
    under = ("repository", "issueOrPullRequest", "commits", "nodes", 0, "commit", "status")

    let_through = tolerated({"data": data, "errors": [forbidden(*under)]}, ("commits",))

    assert let_through is not None and let_through["data"][PARTIAL] == [list(under)]
    for errors in (
        [forbidden(*under, kind="RATE_LIMITED")],  # waited out like any rate limit
        [forbidden("repository", "issueOrPullRequest", "xcommits")],
        [forbidden(*under), forbidden("repository", "issueOrPullRequest", "comments")],
        [{"type": "FORBIDDEN", "message": "no path"}],
    ):
        assert tolerated({"data": data, "errors": errors}, ("commits",)) is None, errors
    assert tolerated({"data": None, "errors": [forbidden(*under)]}, ("commits",)) is None
    assert tolerated({"data": data, "errors": [forbidden(*under)]}, ()) is None
