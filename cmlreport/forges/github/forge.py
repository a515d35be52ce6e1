"""The GitHub forge: sticky report comments, check runs and images, over PyGithub.

Requests are few and counted (``request_count``): lazy PyGithub objects make none until a
call needs one. On a pull request or issue one GraphQL query finds our comment and who the
token is, wherever the comment sits among thousands (``threads``), so an update is that query
and a PATCH; commit comments are read through REST, newest page first.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any, TypeVar

from cmlreport.errors import InputError, NoWriteAccess, RemoteError
from cmlreport.forges.base import (
    Annotation,
    CheckResult,
    Comment,
    Target,
    TargetKind,
    full_report_hint,
)
from cmlreport.forges.github.client import GitHubSettings, make_client
from cmlreport.forges.github.errors import Attempt, github_errors
from cmlreport.forges.github.pages import newest_first
from cmlreport.forges.github.queries import run_query
from cmlreport.forges.github.threads import MINIMIZE, Thread
from cmlreport.forges.shared import ForgeBase
from cmlreport.forges.sticky import opens_with
from cmlreport.publishable.image import LocalImage

if TYPE_CHECKING:
    import github

__all__ = ["GitHubForge", "GitHubSettings", "NoWriteAccess"]

T = TypeVar("T")
# Answered for every kind of token: a user's login, or an app's "slug[bot]" for an installation
# token (the Actions GITHUB_TOKEN is github-actions[bot]), which GET /user refuses with 403.
VIEWER_QUERY = "query { viewer { login } }"


class GitHubForge(ForgeBase[GitHubSettings]):
    """``cmlreport.forges.base.Forge`` for one GitHub repository and token."""

    name = "GitHub"

    def __init__(self, settings: GitHubSettings) -> None:
        super().__init__(settings)
        self._client: github.Github | None = None
        self._login: str | None = None  # the token's user, once asked

    # -- targets ---------------------------------------------------------------------------

    def _no_open_pull(self, sha: str | None) -> str:
        branch = self._settings.branch
        parts = [f"branch {branch}" if branch else "", f"commit {sha[:7]}" if sha else ""]
        where = " / ".join(p for p in parts if p) or "this checkout"
        return f"no open pull request for {where} in {self._settings.repository}"

    def _full_sha(self, sha: str) -> str:
        if len(sha) >= 40:
            return sha
        from github.GithubException import GithubException

        with self._errors(Attempt(f"look up commit {sha}", "contents: read")):
            try:
                return str(self._repo().get_commit(sha).complete().sha)
            except GithubException as exc:
                if exc.status != 422:  # 422 is GitHub's "No commit found for SHA"
                    raise
                raise InputError(
                    f"--target commit/{sha}: no such commit in {self._settings.repository}; "
                    "push it first or pass the full sha"
                ) from None

    def _find_open(self) -> int | None:
        """The open PR of the checked-out branch, else of the head commit."""
        repo, settings = self._repo(), self._settings
        if settings.branch:
            owner = settings.head_owner or settings.repository.split("/")[0]
            attempt = Attempt(
                f"list the pull requests of branch {settings.branch}", "pull-requests: read"
            )
            with self._errors(attempt):
                for pull in repo.get_pulls(state="open", head=f"{owner}:{settings.branch}"):
                    return int(pull.number)
        sha = self._head_sha()
        if sha is None:
            return None
        attempt = Attempt(f"list the pull requests of commit {sha[:7]}", "pull-requests: read")
        with self._errors(attempt):
            pulls = [p for p in repo.get_commit(sha).get_pulls() if p.state == "open"]
        # The PR whose tip this is beats one that merely contains it (a stacked branch).
        pulls.sort(key=lambda p: p.head.sha != sha)
        return int(pulls[0].number) if pulls else None

    # -- comments --------------------------------------------------------------------------

    def find_comment(self, target: Target, marker: str, *, newest: bool = False) -> Comment | None:
        # ``newest`` needs no care here: one query reads both ends of the thread.
        if target.kind is TargetKind.COMMIT:
            return super().find_comment(target, marker)
        return self._in_thread(target, lambda thread: thread.find(marker))

    def find_comments(self, target: Target, marker: str) -> list[Comment]:
        if target.kind is TargetKind.COMMIT:
            return super().find_comments(target, marker)
        return self._in_thread(target, lambda thread: thread.find_all(marker))

    def recent_comments(self, target: Target, marker: str) -> list[Comment]:
        if target.kind is TargetKind.COMMIT:
            return super().recent_comments(target, marker)
        return self._in_thread(target, lambda thread: thread.find_recent(marker))

    def hide_comment(self, target: Target, comment: Comment) -> None:
        """Minimised as outdated (GraphQL ``minimizeComment``)."""
        attempt = _write(f"hide comment {comment.id} on {target.describe()}", target, post=True)
        with self._target_errors(attempt, target):
            self._graphql(attempt, MINIMIZE, {"id": comment.node_id})

    def _in_thread(self, target: Target, use: Callable[[Thread], T]) -> T:
        """``use`` on the target's comments through GraphQL; who the token is comes along."""
        attempt = Attempt(
            f"read the comments on {target.describe()}", _permission(target, "read"), post=True
        )

        def run(query: str, variables: dict[str, Any]) -> Mapping[str, Any]:
            return self._graphql(attempt, query, variables)

        thread = Thread(run, self._settings.repository, int(target.number or 0))
        with self._target_errors(attempt, target):
            found = use(thread)
        self._login = self._login or thread.viewer
        return found

    def _graphql(
        self, attempt: Attempt, query: str, variables: Mapping[str, Any]
    ) -> dict[str, Any]:
        return run_query(self._github(), self._settings, self._errors, attempt, query, variables)

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
        attempt = _write(f"post a comment on {target.describe()}", target, post=True)
        repo = self._repo()
        with self._target_errors(attempt, target):
            if target.kind is TargetKind.COMMIT:
                made = repo.get_commit(target.sha).create_comment(body)
            else:
                made = repo.get_issue(target.number).create_comment(body)
            author = str(made.user.login)
        # What this token just wrote says who it is: no need to ask later.
        self._login = self._login or author
        return Comment(
            int(made.id), str(made.body), author, str(made.html_url), node_id=str(made.node_id)
        )

    def update_comment(self, target: Target, comment: Comment, body: str) -> Comment:
        attempt = _write(f"update comment {comment.id} on {target.describe()}", target)
        repo = self._repo()
        with self._target_errors(attempt, target):
            if target.kind is TargetKind.COMMIT:
                found = repo.get_comment(comment.id)
            else:
                found = repo.get_issue(target.number).get_comment(comment.id)
            found.edit(body)
            login, url = str(found.user.login), str(found.html_url)
            return Comment(int(found.id), str(found.body), login, url, node_id=str(found.node_id))

    def _delete(self, target: Target, comment: Comment) -> None:
        attempt = _write(f"delete comment {comment.id} on {target.describe()}", target)
        with self._errors(attempt):
            self._github().requester.requestJsonAndCheck(
                "DELETE", self._comments_path(target, comment.id)
            )

    def _comments_path(self, target: Target, comment_id: int | None = None) -> str:
        """The REST path of the target's comment list, or of one comment on it."""
        repository = self._settings.repository
        commit = target.kind is TargetKind.COMMIT
        if comment_id is not None:
            return f"/repos/{repository}/{'' if commit else 'issues/'}comments/{comment_id}"
        if commit:
            return f"/repos/{repository}/commits/{target.sha}/comments"
        return f"/repos/{repository}/issues/{target.number}/comments"

    def _comments_newest_first(self, target: Target) -> Iterator[dict[str, Any]]:
        return newest_first(self._github().requester, self._comments_path(target))

    def _whoami(self) -> str:
        if self._login is None:
            attempt = Attempt("read who the token is (GraphQL viewer)", "any token", post=True)
            viewer = self._graphql(attempt, VIEWER_QUERY, {}).get("viewer") or {}
            login = viewer.get("login") if isinstance(viewer, dict) else None
            if not isinstance(login, str) or not login:
                raise RemoteError(
                    f"GitHub did not say who the token is (GraphQL viewer) at "
                    f"{self._settings.api_url}: cannot tell our comments from others'"
                )
            self._login = login
        return self._login

    # -- images and checks ------------------------------------------------------------------

    def publish_images(self, images: Sequence[LocalImage], target: Target) -> Mapping[str, str]:
        if not images:
            return {}
        # Imported here: only the send path needs it, and it works on PyGithub objects.
        from cmlreport.forges.github.assets import publish_assets

        attempt = Attempt("publish the report's images", "contents: write", write=True)
        with self._errors(attempt):
            return publish_assets(
                self._repo(),
                images,
                server_url=self._settings.server_url,
                repository=self._settings.repository,
            )

    def set_check(
        self,
        name: str,
        conclusion: str,
        title: str,
        summary: str,
        details_url: str | None,
        *,
        text: str = "",
        annotations: Sequence[Annotation] = (),
    ) -> CheckResult:
        from cmlreport.forges.github.checks import create_check_run

        sha = self._head_sha()
        if sha is None:
            raise InputError("check: no commit to attach the check run to; run it in a checkout")
        outputs = (title, summary, text, annotations, full_report_hint(self._settings.ci))
        return create_check_run(
            self._repo(), self._errors, sha, name, conclusion, outputs, details_url
        )

    # -- plumbing ---------------------------------------------------------------------------

    def _github(self) -> github.Github:
        if self._client is None:
            self._client = make_client(self._settings, self._counter)
        return self._client

    def _repo(self) -> Any:
        return self._github().get_repo(self._settings.repository)  # lazy: no request

    def _errors(self, attempt: Attempt) -> AbstractContextManager[None]:
        return github_errors(attempt, self._settings)

    def _missing_target(self, target: Target) -> str:
        return f"{target.describe()} not found in {self._settings.repository}"

    def _visible(self) -> bool:
        try:
            with self._errors(Attempt("read the repository", "metadata: read")):
                self._repo().complete()
        except RemoteError:
            return False  # not found, or no way to tell: the repository message stands
        return True


def _comment(raw: Mapping[str, Any]) -> Comment:
    user = raw.get("user") or {}
    return Comment(
        int(raw["id"]),
        str(raw.get("body") or ""),
        str(user.get("login") or ""),
        str(raw["html_url"]),
        node_id=str(raw.get("node_id") or ""),
    )


def _write(doing: str, target: Target, *, post: bool = False) -> Attempt:
    return Attempt(doing, _permission(target, "write"), write=True, post=post)


def _permission(target: Target, level: str) -> str:
    """As the workflow's ``permissions:`` block names it."""
    scope = {TargetKind.PR: "pull-requests", TargetKind.ISSUE: "issues"}.get(target.kind)
    return f"{scope or 'contents'}: {level}"
