"""JSON bodies for users, repositories, pulls, issues and comments, as GitHub writes them.

Each body starts from the description's own example (so it carries every field the response
schema requires) and is overwritten with the fake's state; ``Links`` moves every URL onto the
fake's own base.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from tests.fakes.github.links import Links, iso, node_id
from tests.fakes.github.records import CommitComment, Issue, IssueComment, Pull, Repo, User
from tests.fakes.github.spec import example
from tests.fakes.github.state import GitHubState


def user_json(links: Links, user: User) -> dict[str, Any]:
    body: dict[str, Any] = links.relink(
        example("issue-comment")["user"],
        [("https://api.github.com/users/octocat", links.user(user.login))],
    )
    body.update(
        login=user.login,
        id=user.id,
        node_id=node_id("User", user.id),
        type=user.type,
        site_admin=False,
        avatar_url=f"{links.web}/avatars/{quote(user.login)}",
        html_url=f"{links.web}/{quote(user.login)}",
    )
    return body


def private_user_json(links: Links, user: User) -> dict[str, Any]:
    body: dict[str, Any] = links.relink(
        example("private-user-response-with-public-and-private-profile-information")
    )
    body.update(user_json(links, user))
    body.update(name=user.login, email=user.email, bio=None, blog="", company=None)
    body.update(location=None, twitter_username=None, user_view_type="private")
    return body


def repo_json(links: Links, state: GitHubState, repo: Repo, *, full: bool = True) -> dict[str, Any]:
    """``full-repository`` (GET /repos/...) or, with ``full=False``, ``repository`` (nested)."""
    body: dict[str, Any] = example("full-repository-default-response")
    for key in ("organization", "parent", "source", "template_repository"):
        body.pop(key, None)
    if not full:
        for key in ("network_count", "subscribers_count", "allow_forking", "has_discussions"):
            body.pop(key, None)
    web = f"{links.web}/{repo.full_name}"
    body = links.relink(
        body,
        [
            ("https://api.github.com/repos/octocat/Hello-World", links.repo(repo.full_name)),
            ("https://github.com/octocat/Hello-World", web),
            ("git:github.com/octocat/Hello-World", f"git://{links.host}/{repo.full_name}"),
            ("git@github.com:octocat/Hello-World", f"git@{links.host}:{repo.full_name}"),
            ("https://svn.github.com/octocat/Hello-World", web),
        ],
    )
    created = iso(repo.created_at)
    body.update(
        id=repo.id,
        node_id=node_id("Repository", repo.id),
        name=repo.name,
        full_name=repo.full_name,
        owner=user_json(links, state.users[repo.owner]),
        private=repo.private,
        visibility="private" if repo.private else "public",
        fork=repo.fork_of is not None,
        default_branch=repo.default_branch,
        description=None,
        homepage=None,
        language=None,
        mirror_url=None,
        topics=[],
        created_at=created,
        updated_at=created,
        pushed_at=created,
        html_url=web,
        url=links.repo(repo.full_name),
    )
    if full and repo.fork_of is not None:
        parent = repo_json(links, state, state.repos[repo.fork_of], full=False)
        body.update(parent=parent, source=parent)
    return body


def pull_json(links: Links, state: GitHubState, pull: Pull, *, full: bool = True) -> dict[str, Any]:
    """``pull-request`` (GET one) or, with ``full=False``, ``pull-request-simple`` (lists)."""
    body: dict[str, Any] = example("pull-request")
    if not full:
        simple_keys = set(example("pull-request-simple-items")[0])
        body = {k: v for k, v in body.items() if k in simple_keys}
    api = f"{links.repo(pull.repo)}"
    web = f"{links.web}/{pull.repo}"
    body = links.relink(
        body,
        [
            ("https://api.github.com/repos/octocat/Hello-World", api),
            ("https://github.com/octocat/Hello-World", web),
            ("/1347", f"/{pull.number}"),
        ],
    )
    body["_links"]["statuses"]["href"] = f"{api}/statuses/{pull.head_sha}"
    body.update(
        id=pull.id,
        node_id=node_id("PullRequest", pull.id),
        number=pull.number,
        title=pull.title,
        body=pull.body,
        state=pull.state,
        locked=False,
        active_lock_reason=None,
        user=user_json(links, state.users[pull.author]),
        author_association="CONTRIBUTOR",
        assignee=None,
        assignees=[],
        requested_reviewers=[],
        requested_teams=[],
        labels=[],
        milestone=None,
        draft=False,
        auto_merge=None,
        merged_at=None,
        closed_at=None,
        merge_commit_sha=None,
        created_at=iso(pull.created_at),
        updated_at=iso(pull.created_at),
        url=f"{api}/pulls/{pull.number}",
        html_url=f"{web}/pull/{pull.number}",
        issue_url=f"{api}/issues/{pull.number}",
        comments_url=f"{api}/issues/{pull.number}/comments",
        statuses_url=f"{api}/statuses/{pull.head_sha}",
        head=_pull_side(links, state, pull.head_repo, pull.head_ref, pull.head_sha),
        base=_pull_side(links, state, pull.repo, pull.base_ref, pull.base_sha),
    )
    if full:
        comments = [c for c in state.issue_comments.values() if _on(c, pull.repo, pull.number)]
        body.update(merged=False, merged_by=None, comments=len(comments), review_comments=0)
    return body


def _pull_side(
    links: Links, state: GitHubState, full_name: str, ref: str, sha: str
) -> dict[str, Any]:
    repo = state.repos[full_name]
    return {
        "label": f"{repo.owner}:{ref}",
        "ref": ref,
        "sha": sha,
        "user": user_json(links, state.users[repo.owner]),
        "repo": repo_json(links, state, repo, full=False),
    }


def _on(comment: IssueComment, repo: str, number: int) -> bool:
    return comment.repo == repo and comment.issue_number == number


def issue_json(links: Links, state: GitHubState, issue: Issue | Pull) -> dict[str, Any]:
    """An issue, or the issue side of a pull request (which carries ``pull_request``)."""
    api = links.repo(issue.repo)
    web = f"{links.web}/{issue.repo}"
    body: dict[str, Any] = example("issue")
    for key in ("closed_by", "pinned_comment", "state_reason", "milestone"):
        body.pop(key, None)
    body = links.relink(
        body,
        [
            ("https://api.github.com/repos/octocat/Hello-World", api),
            ("https://github.com/octocat/Hello-World", web),
            ("/1347", f"/{issue.number}"),
        ],
    )
    ident = issue.issue_id if isinstance(issue, Pull) else issue.id
    comments = [c for c in state.issue_comments.values() if _on(c, issue.repo, issue.number)]
    body.update(
        id=ident,
        node_id=node_id("Issue", ident),
        number=issue.number,
        title=issue.title,
        body=issue.body,
        state=issue.state,
        locked=False,
        active_lock_reason=None,
        user=user_json(links, state.users[issue.author]),
        author_association="CONTRIBUTOR",
        assignee=None,
        assignees=[],
        labels=[],
        milestone=None,
        comments=len(comments),
        closed_at=None,
        created_at=iso(issue.created_at),
        updated_at=iso(issue.created_at),
        url=f"{api}/issues/{issue.number}",
        html_url=f"{web}/issues/{issue.number}",
        repository_url=api,
    )
    if isinstance(issue, Pull):
        body["pull_request"].update(merged_at=None, url=f"{api}/pulls/{issue.number}")
        body["html_url"] = f"{web}/pull/{issue.number}"
    else:
        body.pop("pull_request", None)
    return body


def issue_comment_json(links: Links, state: GitHubState, comment: IssueComment) -> dict[str, Any]:
    api = links.repo(comment.repo)
    body: dict[str, Any] = links.relink(example("issue-comment"))
    body.update(
        id=comment.id,
        node_id=node_id("IssueComment", comment.id),
        body=comment.body,
        user=user_json(links, state.users[comment.author]),
        author_association="NONE" if comment.author.endswith("[bot]") else "CONTRIBUTOR",
        created_at=iso(comment.created_at),
        updated_at=iso(comment.updated_at),
        url=f"{api}/issues/comments/{comment.id}",
        issue_url=f"{api}/issues/{comment.issue_number}",
        html_url=(
            f"{links.web}/{comment.repo}/issues/{comment.issue_number}#issuecomment-{comment.id}"
        ),
    )
    return body


def commit_comment_json(links: Links, state: GitHubState, comment: CommitComment) -> dict[str, Any]:
    body: dict[str, Any] = links.relink(example("commit-comment"))
    body.update(
        id=comment.id,
        node_id=node_id("CommitComment", comment.id),
        body=comment.body,
        commit_id=comment.commit_id,
        path=comment.path,
        position=comment.position,
        line=comment.line,
        user=user_json(links, state.users[comment.author]),
        author_association="NONE" if comment.author.endswith("[bot]") else "CONTRIBUTOR",
        created_at=iso(comment.created_at),
        updated_at=iso(comment.updated_at),
        url=f"{links.repo(comment.repo)}/comments/{comment.id}",
        html_url=(
            f"{links.web}/{comment.repo}/commit/{comment.commit_id}#commitcomment-{comment.id}"
        ),
    )
    return body
