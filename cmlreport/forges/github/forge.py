"""The GitHub forge: sticky report comments (``comments``), check runs and images, over
PyGithub.

Requests are few and counted (``request_count``): lazy PyGithub objects make none until a
call needs one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from cmlreport.errors import InputError, NoWriteAccess, RemoteError
from cmlreport.forges.base import Annotation, CheckResult, Target, full_report_hint
from cmlreport.forges.github.client import GitHubSettings
from cmlreport.forges.github.comments import GitHubComments
from cmlreport.forges.github.errors import Attempt
from cmlreport.publishable.image import LocalImage

__all__ = ["GitHubForge", "GitHubSettings", "NoWriteAccess"]


class GitHubForge(GitHubComments):
    """``cmlreport.forges.base.Forge`` for one GitHub repository and token."""

    name = "GitHub"

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

    def _missing_target(self, target: Target) -> str:
        return f"{target.describe()} not found in {self._settings.repository}"

    def _visible(self) -> bool:
        try:
            with self._errors(Attempt("read the repository", "metadata: read")):
                self._repo().complete()
        except RemoteError:
            return False  # not found, or no way to tell: the repository message stands
        return True
