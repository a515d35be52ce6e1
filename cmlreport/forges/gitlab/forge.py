"""The GitLab forge: sticky report notes (``comments``), commit statuses and image uploads,
over python-gitlab.

Requests are few and counted (``request_count``): the project and its merge requests are lazy
python-gitlab objects (no request until a call needs one).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from cmlreport.errors import InputError, NoWriteAccess, RemoteError
from cmlreport.forges.base import Annotation, CheckResult, Target, TargetKind
from cmlreport.forges.gitlab.client import GitLabSettings
from cmlreport.forges.gitlab.comments import GitLabNotes, describe
from cmlreport.forges.gitlab.errors import Attempt, BadToken, NotFound
from cmlreport.forges.gitlab.metrics import open_merge_request, status_data
from cmlreport.forges.gitlab.uploads import publish_uploads, uploads_in
from cmlreport.publishable.image import LocalImage

__all__ = ["BadToken", "GitLabForge", "GitLabSettings", "NoWriteAccess", "NotFound"]


class GitLabForge(GitLabNotes):
    """``cmlreport.forges.base.Forge`` for one GitLab project and token."""

    name = "GitLab"

    # -- targets ---------------------------------------------------------------------------

    def _no_open_pull(self, sha: str | None) -> str:
        branch = self._settings.branch
        where = f"branch {branch}" if branch else "this checkout"
        return f"no open merge request for {where} in {self._settings.project}"

    def _full_sha(self, sha: str) -> str:
        if len(sha) >= 40:
            return sha
        try:
            with self._errors(Attempt(f"look up commit {sha}")):
                return str(self._project().commits.get(sha).id)
        except NotFound:
            if not self._visible():
                raise
            raise InputError(
                f"--target commit/{sha}: no such commit in {self._settings.project}; "
                "push it first or pass the full sha"
            ) from None

    def _find_open(self) -> int | None:
        branch = self._settings.branch
        if not branch:
            return None
        with self._errors(Attempt(f"list the merge requests of branch {branch}")):
            return open_merge_request(self._project(), branch)

    # -- images and statuses ----------------------------------------------------------------

    def publish_images(self, images: Sequence[LocalImage], target: Target) -> Mapping[str, str]:
        """Upload each image once per target: see ``cmlreport.forges.gitlab.uploads``."""
        if not images:
            return {}

        def uploaded(wanted: set[str]) -> dict[str, str]:
            attempt = Attempt(f"read the notes on {describe(target)}")
            with self._target_errors(attempt, target):
                return uploads_in(self._notes_newest_first(target), wanted, self._is_ours)

        return publish_uploads(self._gitlab(), self._settings, images, uploaded)

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
        # A commit status is a state and a line: the gates reach the merge request's metrics
        # widget through `report --gitlab-metrics` instead.
        sha = self._head_sha()
        if sha is None:
            raise InputError("check: no commit to attach the status to; run it in a checkout")
        data = status_data(name, conclusion, title, details_url)
        attempt = Attempt(
            f"set commit status {name!r} on commit {sha[:7]}", "Developer", write=True, post=True
        )
        with self._target_errors(attempt, Target(TargetKind.COMMIT, sha=sha)):
            status = self._project().commits.get(sha, lazy=True).statuses.create(data)
        answer = status.attributes
        url = answer.get("target_url") or f"{self._project_web_url()}/-/commit/{sha}"
        return CheckResult(str(url), str(answer.get("status") or data["state"]))

    def _missing_target(self, target: Target) -> str:
        hint = "; push it first" if target.kind is TargetKind.COMMIT else ""
        return f"{describe(target)} not found in {self._settings.project}{hint}"

    def _visible(self) -> bool:
        try:
            with self._errors(Attempt("read the project")):
                info = self._gitlab().projects.get(self._settings.project)
        except RemoteError:
            return False  # not found, or no way to tell: the project message stands
        self._web_url = str(info.web_url)
        return True
