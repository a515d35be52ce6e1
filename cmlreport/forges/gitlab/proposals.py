"""`pr create` on GitLab: one commit through the commits API (actions), then a merge request.

As on GitHub the branch holds one commit on top of the target branch's tip, rebuilt each run
(``force`` with ``start_sha``) with the same token as every other request: no clone
credentials. Which action each file needs (create, update, none) comes from a HEAD of the file
at the base, whose ``X-Gitlab-Content-Sha256`` says whether it changed; the commit message
carries a digest of the files, so a rerun with the same files on the same base writes nothing.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from cmlreport.errors import InputError
from cmlreport.forges.gitlab.client import GitLabSettings, make_client
from cmlreport.forges.gitlab.errors import Attempt, NotFound, gitlab_errors
from cmlreport.forges.http import RequestCounter
from cmlreport.forges.proposal import Proposal, ProposalResult, ProposedFile

ROLE = "Developer"
TRAILER = "Cmlreport-Files:"


class GitLabProposals:
    """Branches and merge requests of one project, for one token."""

    def __init__(self, settings: GitLabSettings) -> None:
        self._settings = settings
        self.counter = RequestCounter()
        self._client = make_client(settings, self.counter)

    def propose(self, proposal: Proposal) -> ProposalResult | None:
        project = self._read("read the project", lambda: self._project(lazy=False))
        base = proposal.base or str(project.default_branch)
        if base == proposal.branch:
            raise InputError(f"--branch {proposal.branch!r} is the base branch; name another")
        base_commit = self._branch(project, base)
        if base_commit is None:
            raise InputError(f"--base {base!r}: no such branch in {self._settings.project}")
        base_sha = str(base_commit["id"])
        actions = [a for f in proposal.files if (a := self._action(project, f, base_sha))]
        if not actions:
            return None
        message = f"{proposal.title}\n\n{TRAILER} {_digest(proposal.files)}"
        head = self._branch(project, proposal.branch)
        committed = not (
            head is not None
            and list(head.get("parent_ids") or []) == [base_sha]
            and str(head.get("message", "")).rstrip() == message
        )
        if committed:
            commit = {
                "branch": proposal.branch,
                "start_sha": base_sha,
                "force": True,  # the branch is rebuilt on the base: it is cmlreport's
                "commit_message": message,
                "actions": actions,
            }
            attempt = Attempt(f"commit to branch {proposal.branch}", ROLE, write=True, post=True)
            with gitlab_errors(attempt, self._settings):
                project.commits.create(commit)
        iid, url, opened = self._merge_request(project, proposal, base)
        return ProposalResult(iid, url, opened, committed, proposal.branch)

    def _action(self, project: Any, item: ProposedFile, base_sha: str) -> dict[str, Any] | None:
        """What the commit does to ``item``: create it, update it, or nothing (same content)."""
        attempt = Attempt(f"read {item.path} at the base", "Reporter")
        try:
            with gitlab_errors(attempt, self._settings):
                headers = project.files.head(item.path, ref=base_sha)
            same = headers.get("X-Gitlab-Content-Sha256") == hashlib.sha256(item.data).hexdigest()
            if same and (headers.get("X-Gitlab-Execute-Filemode") == "true") == item.executable:
                return None
            action = "update"
        except NotFound:
            action = "create"
        return {
            "action": action,
            "file_path": item.path,
            "content": base64.b64encode(item.data).decode("ascii"),
            "encoding": "base64",
            "execute_filemode": item.executable,
        }

    def _branch(self, project: Any, name: str) -> dict[str, Any] | None:
        """The tip commit of branch ``name``, or None when there is no such branch."""
        try:
            found = self._read(f"read branch {name}", lambda: project.branches.get(name))
        except NotFound:
            return None
        return dict(found.commit)

    def _merge_request(self, project: Any, proposal: Proposal, base: str) -> tuple[int, str, bool]:
        query = {"source_branch": proposal.branch, "target_branch": base, "state": "opened"}
        found = self._read(
            f"list the merge requests of {proposal.branch}",
            lambda: project.mergerequests.list(**query, get_all=False, per_page=1),
        )
        if found:
            mr = found[0]
            if mr.title != proposal.title or (mr.description or "") != proposal.body:
                mr.title, mr.description = proposal.title, proposal.body
                attempt = Attempt("update the merge request", ROLE, write=True)
                with gitlab_errors(attempt, self._settings):
                    mr.save()
            return int(mr.iid), str(mr.web_url), False
        new = {
            "source_branch": proposal.branch,
            "target_branch": base,
            "title": proposal.title,
            "description": proposal.body,
        }
        attempt = Attempt("open the merge request", ROLE, write=True, post=True)
        with gitlab_errors(attempt, self._settings):
            mr = project.mergerequests.create(new)
        return int(mr.iid), str(mr.web_url), True

    def _project(self, *, lazy: bool) -> Any:
        return self._client.projects.get(self._settings.project, lazy=lazy)

    def _read(self, doing: str, call: Any) -> Any:
        with gitlab_errors(Attempt(doing, "Reporter"), self._settings):
            return call()


def _digest(files: tuple[ProposedFile, ...]) -> str:
    """Names the files and their contents: the same digest is the same commit."""
    digest = hashlib.sha256()
    for item in files:
        digest.update(f"{item.path}\0{item.mode}\0{len(item.data)}\0".encode())
        digest.update(item.data)
    return digest.hexdigest()
