"""The comments half of the GitHub forge: sticky report comments on pull requests, issues and
commits, over PyGithub and GitHub's GraphQL.

On a pull request or issue one GraphQL query finds our comment and who the token is, wherever
the comment sits among thousands (``threads``; on a busy pull request with the commit status
``places`` keeps), so an update is that query and a PATCH; commit comments are read through
REST, newest page first.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager
from dataclasses import replace
from typing import TYPE_CHECKING, Any, TypeVar

from cmlreport.errors import InputError, RemoteError
from cmlreport.forges.base import Comment, Target, TargetKind
from cmlreport.forges.github.client import GitHubSettings, make_client
from cmlreport.forges.github.errors import Attempt, github_errors, permission, write_attempt
from cmlreport.forges.github.pages import comment_of, newest_first
from cmlreport.forges.github.places import keep_place
from cmlreport.forges.github.queries import run_query
from cmlreport.forges.github.threads import MINIMIZE, Thread
from cmlreport.forges.shared import ForgeBase
from cmlreport.forges.sticky import Kept, opens_with, place_context

if TYPE_CHECKING:
    import github

T = TypeVar("T")
# Answered for every kind of token: a user's login, or an app's "slug[bot]" for an installation
# token (the Actions GITHUB_TOKEN is github-actions[bot]), which GET /user refuses with 403.
VIEWER_QUERY = "query { viewer { login } }"


NO_STATUSES = (
    "the token may not read commit statuses; grant statuses: write (in GitHub Actions, in the "
    "workflow's `permissions:` block; a GitHub App: Commit statuses, write)"
)


class GitHubComments(ForgeBase[GitHubSettings]):
    """Our comments on one GitHub repository, with the client and error plumbing under them."""

    def __init__(self, settings: GitHubSettings) -> None:
        super().__init__(settings)
        self._client: github.Github | None = None
        self._login: str | None = None  # the token's user, once asked
        # Per (pull request, marker): what the latest lookup said of where ours is kept.
        self._places: dict[tuple[int, str], Kept] = {}

    # -- comments --------------------------------------------------------------------------

    def find_comment(self, target: Target, marker: str, *, newest: bool = False) -> Comment | None:
        # ``newest`` needs no care here: one query reads both ends of the thread.
        if target.kind is TargetKind.COMMIT:
            return super().find_comment(target, marker)
        return self._in_thread(target, marker, lambda thread: thread.find(marker))

    def find_comments(self, target: Target, marker: str) -> list[Comment]:
        if target.kind is TargetKind.COMMIT:
            return super().find_comments(target, marker)
        return self._in_thread(target, marker, lambda thread: thread.find_all(marker))

    def recent_comments(self, target: Target, marker: str) -> list[Comment]:
        if target.kind is TargetKind.COMMIT:
            return super().recent_comments(target, marker)
        return self._in_thread(target, marker, lambda thread: thread.find_recent(marker))

    def remember_comment(self, target: Target, marker: str, comment: Comment) -> str | None:
        """A commit status on the pull request's head names ``comment`` (``places``), unless
        the latest lookup found one of ours naming it already, or found the comment among the
        first ``WINDOW`` (comments are only added after it: the first query always sees it)."""
        number = target.number or 0
        kept = self._places.get((number, marker))
        if target.kind is not TargetKind.PR or kept is None or not kept.needed(comment.id):
            return None
        if not kept.readable:  # a status it could write would be no use: it cannot read it
            return kept.note(NO_STATUSES)
        if kept.head is None:
            return None
        attempt = Attempt(
            f"keep where comment {comment.id} is (a commit status)", "statuses: write"
        )
        context = place_context(marker, f"#{number}")
        try:
            with self._errors(attempt):
                keep_place(
                    self._github().requester, self._settings.repository, kept.head, context, comment
                )
        except (RemoteError, InputError) as exc:
            return kept.note(exc.message)  # the report is posted; the next lookup costs more
        self._places[(number, marker)] = replace(kept, stored=comment.id)
        return None

    def hide_comment(self, target: Target, comment: Comment) -> None:
        """Minimised as outdated (GraphQL ``minimizeComment``)."""
        attempt = write_attempt(
            f"hide comment {comment.id} on {target.describe()}", target, post=True
        )
        with self._target_errors(attempt, target):
            self._graphql(attempt, MINIMIZE, {"id": comment.node_id})

    def _in_thread(self, target: Target, marker: str, use: Callable[[Thread], T]) -> T:
        """``use`` on the target's comments through GraphQL; who the token is and where ours
        was kept come along."""
        attempt = Attempt(
            f"read the comments on {target.describe()}", permission(target, "read"), post=True
        )

        def run(query: str, variables: dict[str, Any]) -> Mapping[str, Any]:
            # Statuses the token may not read leave the rest of the answer standing.
            return self._graphql(attempt, query, variables, partial=("commits",))

        number = int(target.number or 0)
        context = place_context(marker, f"#{number}")
        thread = Thread(run, self._settings.repository, number, context=context)
        with self._target_errors(attempt, target):
            found = use(thread)
        self._login = self._login or thread.viewer
        if thread.last is not None:
            where = thread.last.place
            oldest = frozenset(s.comment.id for s in thread.last.oldest)
            kept = Kept(where.stored, oldest, thread.read_on, where.head, where.readable)
            self._places[(number, marker)] = kept.after(self._places.get((number, marker)))
        return found

    def _graphql(
        self,
        attempt: Attempt,
        query: str,
        variables: Mapping[str, Any],
        *,
        partial: tuple[str, ...] = (),
    ) -> dict[str, Any]:
        client, settings = self._github(), self._settings
        return run_query(client, settings, self._errors, attempt, query, variables, partial=partial)

    def _ours(self, target: Target, marker: str) -> Iterator[Comment]:
        """Comments opening with ``marker`` that this token wrote, newest first. Any other
        author is someone quoting or imitating the report: a bot of another app or workflow
        token, or a person (whom a token with write access could otherwise overwrite)."""
        attempt = Attempt(f"read the comments on {target.describe()}", permission(target, "read"))
        with self._target_errors(attempt, target):
            for raw in self._comments_newest_first(target):
                if not opens_with(str(raw.get("body") or ""), marker):
                    continue
                if str((raw.get("user") or {}).get("login") or "") == self._whoami():
                    yield comment_of(raw)

    def create_comment(self, target: Target, body: str) -> Comment:
        attempt = write_attempt(f"post a comment on {target.describe()}", target, post=True)
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
        attempt = write_attempt(f"update comment {comment.id} on {target.describe()}", target)
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
        attempt = write_attempt(f"delete comment {comment.id} on {target.describe()}", target)
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

    # -- plumbing ---------------------------------------------------------------------------

    def _github(self) -> github.Github:
        if self._client is None:
            self._client = make_client(self._settings, self._counter)
        return self._client

    def _repo(self) -> Any:
        return self._github().get_repo(self._settings.repository)  # lazy: no request

    def _errors(self, attempt: Attempt) -> AbstractContextManager[None]:
        return github_errors(attempt, self._settings)
