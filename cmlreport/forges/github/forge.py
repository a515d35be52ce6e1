"""The GitHub forge: sticky report comments, check runs and images, over PyGithub.

Requests are few and counted (``request_count``): lazy PyGithub objects make none until a
call needs one, and a sticky update on a pull request with 150 comments costs two GETs, one
GraphQL ``viewer`` query (who the token is: asked only once a marker comment is found) and a
PATCH.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from cmlreport.errors import InputError, NoWriteAccess, RemoteError
from cmlreport.forges.base import (
    CheckResult,
    Comment,
    Target,
    TargetKind,
    TargetSpec,
    resolve_target,
)
from cmlreport.forges.github.client import GitHubSettings, RequestCounter, make_client
from cmlreport.forges.github.errors import Attempt, NotFound, github_errors
from cmlreport.forges.sticky import opens_with
from cmlreport.publishable.image import LocalImage
from cmlreport.report.budget import GITHUB_CHECK_SUMMARY_LIMIT, GITHUB_COMMENT_LIMIT

if TYPE_CHECKING:
    import github

__all__ = ["GitHubForge", "GitHubSettings", "NoWriteAccess", "fit_check_summary"]

PAGE = 100  # GitHub's largest page
CHECK_SUMMARY_LIMIT = GITHUB_CHECK_SUMMARY_LIMIT
_LAST = re.compile(r'<([^>]+)>;\s*rel="last"')
# Answered for every kind of token: a user's login, or an app's "slug[bot]" for an installation
# token (the Actions GITHUB_TOKEN is github-actions[bot]), which GET /user refuses with 403.
VIEWER_QUERY = "query { viewer { login } }"


class GitHubForge:
    """``cmlreport.forges.base.Forge`` for one GitHub repository and token."""

    name = "GitHub"
    comment_limit = GITHUB_COMMENT_LIMIT

    def __init__(self, settings: GitHubSettings) -> None:
        self._settings = settings
        self._counter = RequestCounter()
        self._client: github.Github | None = None
        self._login: str | None = None  # the token's user, once asked

    @property
    def request_count(self) -> int:
        """HTTP requests sent so far, retries included."""
        return self._counter.count

    def can_write(self) -> bool | None:
        # A fork's pull request gets a read-only token; otherwise only a write tells.
        return False if self._settings.ci.is_fork else None

    # -- targets ---------------------------------------------------------------------------

    def resolve_target(self, spec: TargetSpec) -> Target:
        def missing(sha: str | None) -> str:
            branch = self._settings.branch
            parts = [f"branch {branch}" if branch else "", f"commit {sha[:7]}" if sha else ""]
            where = " / ".join(p for p in parts if p) or "this checkout"
            return f"no open pull request for {where} in {self._settings.repository}"

        return resolve_target(
            spec,
            ci_pr_number=self._settings.ci.pr_number,
            head_sha=self._head_sha(),
            full_sha=self._full_sha,
            find_open=self._find_open_pull,
            missing=missing,
        )

    def _head_sha(self) -> str | None:
        """The commit under review: on a pull_request event the PR's tip, not GitHub's
        temporary merge commit (which nobody sees in the PR)."""
        ci = self._settings.ci
        return ci.pr_head_sha or ci.head_sha or self._settings.head_sha

    def _full_sha(self, sha: str) -> str:
        if len(sha) >= 40:
            return sha
        from github.GithubException import GithubException

        with github_errors(Attempt(f"look up commit {sha}", "contents: read"), self._settings):
            try:
                return str(self._repo().get_commit(sha).complete().sha)
            except GithubException as exc:
                if exc.status != 422:  # 422 is GitHub's "No commit found for SHA"
                    raise
                raise InputError(
                    f"--target commit/{sha}: no such commit in {self._settings.repository}; "
                    "push it first or pass the full sha"
                ) from None

    def _find_open_pull(self) -> int | None:
        """The open PR of the checked-out branch, else of the head commit."""
        repo, settings = self._repo(), self._settings
        if settings.branch:
            owner = settings.head_owner or settings.repository.split("/")[0]
            attempt = Attempt(
                f"list the pull requests of branch {settings.branch}", "pull-requests: read"
            )
            with github_errors(attempt, settings):
                for pull in repo.get_pulls(state="open", head=f"{owner}:{settings.branch}"):
                    return int(pull.number)
        sha = self._head_sha()
        if sha is None:
            return None
        attempt = Attempt(f"list the pull requests of commit {sha[:7]}", "pull-requests: read")
        with github_errors(attempt, settings):
            pulls = [p for p in repo.get_commit(sha).get_pulls() if p.state == "open"]
        # The PR whose tip this is beats one that merely contains it (a stacked branch).
        pulls.sort(key=lambda p: p.head.sha != sha)
        return int(pulls[0].number) if pulls else None

    # -- comments --------------------------------------------------------------------------

    def find_comment(self, target: Target, marker: str) -> Comment | None:
        return next(self._ours(target, marker), None)

    def find_comments(self, target: Target, marker: str) -> list[Comment]:
        return list(self._ours(target, marker))

    def _ours(self, target: Target, marker: str) -> Iterator[Comment]:
        """Comments opening with ``marker`` that this token wrote, newest first. Any other
        author is someone quoting or imitating the report: a bot of another app or workflow
        token, or a person (whom a token with write access could otherwise overwrite)."""
        attempt = Attempt(f"read the comments on {target.describe()}", _permission(target, "read"))
        with self._target_errors(attempt, target):
            for raw in self._comments_newest_first(target):
                if not opens_with(str(raw.get("body") or ""), marker):
                    continue
                if str((raw.get("user") or {}).get("login") or "") == self._whoami():
                    yield _comment(raw)

    def create_comment(self, target: Target, body: str) -> Comment:
        attempt = Attempt(
            f"post a comment on {target.describe()}",
            _permission(target, "write"),
            write=True,
            retried=False,
        )
        repo = self._repo()
        with self._target_errors(attempt, target):
            if target.kind is TargetKind.COMMIT:
                made = repo.get_commit(target.sha).create_comment(body)
            else:
                made = repo.get_issue(target.number).create_comment(body)
            author = str(made.user.login)
        # What this token just wrote says who it is: no need to ask later.
        self._login = self._login or author
        return Comment(int(made.id), str(made.body), author, str(made.html_url))

    def update_comment(self, target: Target, comment: Comment, body: str) -> Comment:
        attempt = Attempt(
            f"update comment {comment.id} on {target.describe()}",
            _permission(target, "write"),
            write=True,
        )
        repo = self._repo()
        with self._target_errors(attempt, target):
            if target.kind is TargetKind.COMMIT:
                found = repo.get_comment(comment.id)
            else:
                found = repo.get_issue(target.number).get_comment(comment.id)
            found.edit(body)
            return Comment(
                int(found.id), str(found.body), str(found.user.login), str(found.html_url)
            )

    def delete_comment(self, target: Target, comment: Comment) -> None:
        repository = self._settings.repository
        if target.kind is TargetKind.COMMIT:
            path = f"/repos/{repository}/comments/{comment.id}"
        else:
            path = f"/repos/{repository}/issues/comments/{comment.id}"
        attempt = Attempt(
            f"delete comment {comment.id} on {target.describe()}",
            _permission(target, "write"),
            write=True,
        )
        try:
            with github_errors(attempt, self._settings):
                self._github().requester.requestJsonAndCheck("DELETE", path)
        except NotFound:
            pass  # already deleted, by the other job of a race

    def _comments_newest_first(self, target: Target) -> Iterator[dict[str, Any]]:
        """The comment list is oldest-first with no sort parameter: page 1 tells how many
        pages there are; the last page down to page 2 follow, then page 1 from memory.
        (PyGithub's ``reversed`` fetches page 1 twice: one GET more with 101-200 comments.)"""
        repository = self._settings.repository
        if target.kind is TargetKind.COMMIT:
            path = f"/repos/{repository}/commits/{target.sha}/comments"
        else:
            path = f"/repos/{repository}/issues/{target.number}/comments"
        requester = self._github().requester
        headers, first = requester.requestJsonAndCheck("GET", path, parameters={"per_page": PAGE})
        for page in range(_last_page(headers), 1, -1):
            params = {"per_page": PAGE, "page": page}
            _, data = requester.requestJsonAndCheck("GET", path, parameters=params)
            yield from reversed(data or [])
        yield from reversed(first or [])

    def _whoami(self) -> str:
        if self._login is None:
            data = self._viewer()
            viewer = (data.get("data") or {}).get("viewer") or {}
            login = viewer.get("login") if isinstance(viewer, dict) else None
            if not isinstance(login, str) or not login:
                raise RemoteError(
                    f"GitHub did not say who the token is (GraphQL viewer) at "
                    f"{self._settings.api_url}: cannot tell our comments from others'"
                )
            self._login = login
        return self._login

    def _viewer(self) -> dict[str, Any]:
        """The answer to ``VIEWER_QUERY``. GraphQL goes by POST, which the client never
        repeats after a 5xx; a query changes nothing, so here it is repeated (bounded)."""
        settings = self._settings
        attempt = Attempt("read who the token is (GraphQL viewer)", "any token")
        for tries in range(settings.retries + 1):
            try:
                with github_errors(attempt, settings):
                    _, data = self._github().requester.graphql_query(VIEWER_QUERY, {})
                    return dict(data)
            except RemoteError as exc:
                if not exc.transient or tries == settings.retries:
                    raise
            time.sleep(min(settings.backoff * 2**tries, settings.max_wait))
        raise AssertionError("unreachable")  # pragma: no cover

    # -- images and checks ------------------------------------------------------------------

    def publish_images(self, images: Sequence[LocalImage], target: Target) -> Mapping[str, str]:
        if not images:
            return {}
        # Imported here: only the send path needs it, and it works on PyGithub objects.
        from cmlreport.forges.github.assets import publish_assets

        attempt = Attempt("publish the report's images", "contents: write", write=True)
        with github_errors(attempt, self._settings):
            return publish_assets(
                self._repo(),
                images,
                server_url=self._settings.server_url,
                repository=self._settings.repository,
            )

    def set_check(
        self, name: str, conclusion: str, title: str, summary: str, details_url: str | None
    ) -> CheckResult:
        sha = self._head_sha()
        if sha is None:
            raise InputError("check: no commit to attach the check run to; run it in a checkout")
        options = {"details_url": details_url} if details_url else {}
        attempt = Attempt(
            f"create check run {name!r} on commit {sha[:7]}",
            "checks: write",
            write=True,
            retried=False,
        )
        with github_errors(attempt, self._settings):
            run = self._repo().create_check_run(
                name=name,
                head_sha=sha,
                status="completed",
                conclusion=conclusion,
                output={"title": title, "summary": fit_check_summary(summary)},
                **options,
            )
            return CheckResult(str(run.html_url), str(run.conclusion))

    # -- plumbing ---------------------------------------------------------------------------

    def _github(self) -> github.Github:
        if self._client is None:
            self._client = make_client(self._settings, self._counter)
        return self._client

    def _repo(self) -> Any:
        return self._github().get_repo(self._settings.repository)  # lazy: no request

    @contextmanager
    def _target_errors(self, attempt: Attempt, target: Target) -> Iterator[None]:
        """``github_errors`` that tells a missing repository from a missing PR or issue: a
        404 on ``issues/7/comments`` means either, so then (only then) it asks for the repo."""
        try:
            with github_errors(attempt, self._settings):
                yield
        except NotFound:
            if not self._repo_visible():
                raise
            repository = self._settings.repository
            raise NotFound(f"{target.describe()} not found in {repository}") from None

    def _repo_visible(self) -> bool:
        attempt = Attempt("read the repository", "metadata: read")
        try:
            with github_errors(attempt, self._settings):
                self._repo().complete()
        except RemoteError:
            return False  # not found, or no way to tell: the repository message stands
        return True


def fit_check_summary(summary: str, limit: int = CHECK_SUMMARY_LIMIT) -> str:
    """The summary, cut at a line boundary with a notice when GitHub would refuse it."""
    if len(summary) <= limit:
        return summary
    notice = (
        f"\n\n**Cut here:** a check run summary holds at most {limit:,} characters; "
        "the full report is in the job summary and the report artifact."
    )
    room = summary[: limit - len(notice)]
    cut = room.rfind("\n")
    return (room[:cut] if cut > 0 else room) + notice


def _comment(raw: Mapping[str, Any]) -> Comment:
    user = raw.get("user") or {}
    return Comment(
        int(raw["id"]),
        str(raw.get("body") or ""),
        str(user.get("login") or ""),
        str(raw["html_url"]),
    )


def _last_page(headers: Mapping[str, Any]) -> int:
    match = _LAST.search(str(headers.get("link") or ""))
    if not match:
        return 1
    pages = parse_qs(urlsplit(match[1]).query).get("page") or ["1"]
    return int(pages[0]) if pages[0].isascii() and pages[0].isdigit() else 1


def _permission(target: Target, level: str) -> str:
    """As the workflow's ``permissions:`` block names it."""
    scope = {TargetKind.PR: "pull-requests", TargetKind.ISSUE: "issues"}.get(target.kind)
    return f"{scope or 'contents'}: {level}"
