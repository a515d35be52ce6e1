"""Issue/pull request comments and commit comments: where the sticky report lives."""

from __future__ import annotations

from tests.fakes.github.bodies import commit_comment_json, issue_comment_json
from tests.fakes.github.records import CommitComment, IssueComment
from tests.fakes.github.routing import (
    ApiError,
    Call,
    Reply,
    Router,
    invalid,
    not_found,
    parse_time,
)

router = Router()
# A comment on a pull request is allowed by either permission (GitHub says so in
# x-accepted-github-permissions); a comment on a plain issue only by issues.
ISSUE_COMMENT_WRITE = ("issues:write", "pull_requests:write")
MAX_BODY = 65536


def _issue_exists(call: Call) -> tuple[str, int]:
    key = (call.repo().full_name, call.number("issue_number"))
    if key not in call.state.issues and key not in call.state.pulls:
        raise not_found()
    return key


def _body(call: Call, resource: str) -> str:
    body = call.json().get("body")
    if not isinstance(body, str) or not body:
        raise invalid("body cannot be blank", "body", resource)
    if len(body) > MAX_BODY:
        raise invalid(f"body is too long (maximum is {MAX_BODY} characters)", "body", resource)
    return body


@router("GET", "/repos/{owner}/{repo}/issues/{issue_number}/comments")
def list_issue_comments(call: Call) -> Reply:
    key = _issue_exists(call)
    # Oldest first, always: this endpoint has no sort parameter.
    comments = sorted(
        (c for c in call.state.issue_comments.values() if (c.repo, c.issue_number) == key),
        key=lambda c: c.id,
    )
    since = call.query.get("since")
    if since is not None:
        try:
            cutoff = parse_time(since)
        except ValueError:
            raise invalid("since is not a valid ISO 8601 timestamp", "since", "Issue") from None
        comments = [c for c in comments if c.updated_at >= cutoff]
    page, headers = call.paginate(comments)
    return Reply(200, [issue_comment_json(call.links, call.state, c) for c in page], headers)


@router(
    "POST", "/repos/{owner}/{repo}/issues/{issue_number}/comments", accepted=ISSUE_COMMENT_WRITE
)
def create_issue_comment(call: Call) -> Reply:
    repo, number = _issue_exists(call)
    if (repo, number) not in call.state.pulls and not call.token.allows("issues:write"):
        raise ApiError(403, "Resource not accessible by integration")
    body = _body(call, "IssueComment")
    comment = call.state.create_issue_comment(repo, number, body, call.user.login)
    json = issue_comment_json(call.links, call.state, comment)
    return Reply(201, json, {"Location": json["url"]})


def _issue_comment(call: Call) -> IssueComment:
    comment = call.state.issue_comments.get(call.number("comment_id"))
    if comment is None or comment.repo != call.repo().full_name:
        raise not_found()
    return comment


@router("GET", "/repos/{owner}/{repo}/issues/comments/{comment_id}")
def get_issue_comment(call: Call) -> Reply:
    return Reply(200, issue_comment_json(call.links, call.state, _issue_comment(call)))


@router("PATCH", "/repos/{owner}/{repo}/issues/comments/{comment_id}", accepted=ISSUE_COMMENT_WRITE)
def update_issue_comment(call: Call) -> Reply:
    # Like GitHub, write access may edit anyone's comment: finding *its own* sticky comment
    # (by marker and author) is the client's job.
    comment = _issue_comment(call)
    comment.body = _body(call, "IssueComment")
    comment.updated_at = call.state.clock.now()
    return Reply(200, issue_comment_json(call.links, call.state, comment))


@router(
    "DELETE", "/repos/{owner}/{repo}/issues/comments/{comment_id}", accepted=ISSUE_COMMENT_WRITE
)
def delete_issue_comment(call: Call) -> Reply:
    comment = _issue_comment(call)
    del call.state.issue_comments[comment.id]
    return Reply(204)


@router("GET", "/repos/{owner}/{repo}/commits/{commit_sha}/comments")
def list_commit_comments(call: Call) -> Reply:
    repo = call.repo()
    sha = call.params["commit_sha"]
    comments = sorted(
        (
            c
            for c in call.state.commit_comments.values()
            if c.repo == repo.full_name and c.commit_id == sha
        ),
        key=lambda c: c.id,
    )
    page, headers = call.paginate(comments)
    return Reply(200, [commit_comment_json(call.links, call.state, c) for c in page], headers)


@router("POST", "/repos/{owner}/{repo}/commits/{commit_sha}/comments", accepted=("contents:write",))
def create_commit_comment(call: Call) -> Reply:
    repo = call.repo()
    data = call.json()
    body = _body(call, "CommitComment")
    position, line = data.get("position"), data.get("line")
    comment = call.state.create_commit_comment(
        repo.full_name,
        call.params["commit_sha"],
        body,
        call.user.login,
        path=data.get("path"),
        position=position if isinstance(position, int) else None,
        line=line if isinstance(line, int) else None,
    )
    json = commit_comment_json(call.links, call.state, comment)
    return Reply(201, json, {"Location": json["url"]})


def _commit_comment(call: Call) -> CommitComment:
    comment = call.state.commit_comments.get(call.number("comment_id"))
    if comment is None or comment.repo != call.repo().full_name:
        raise not_found()
    return comment


@router("GET", "/repos/{owner}/{repo}/comments/{comment_id}")
def get_commit_comment(call: Call) -> Reply:
    return Reply(200, commit_comment_json(call.links, call.state, _commit_comment(call)))


@router("PATCH", "/repos/{owner}/{repo}/comments/{comment_id}", accepted=("contents:write",))
def update_commit_comment(call: Call) -> Reply:
    comment = _commit_comment(call)
    comment.body = _body(call, "CommitComment")
    comment.updated_at = call.state.clock.now()
    return Reply(200, commit_comment_json(call.links, call.state, comment))


@router("DELETE", "/repos/{owner}/{repo}/comments/{comment_id}", accepted=("contents:write",))
def delete_commit_comment(call: Call) -> Reply:
    comment = _commit_comment(call)
    del call.state.commit_comments[comment.id]
    return Reply(204)
