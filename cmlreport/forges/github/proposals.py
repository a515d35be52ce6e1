"""`pr create` on GitHub: the files committed through the Git Data API, then a pull request.

No clone credentials are involved: blobs, a tree on the base's tree, a commit whose parent is
the base's tip and the branch's ref are API calls with the same token as every other request.
The branch holds exactly that one commit on top of the base, rebuilt on each run (as
create-pull-request actions do), so a rerun updates the branch and its open pull request
instead of stacking commits or opening a second one; a rerun with the same files writes no
commit at all.
"""

from __future__ import annotations

import base64
from typing import Any

from cmlreport.errors import InputError
from cmlreport.forges.github.client import GitHubSettings, make_client
from cmlreport.forges.github.errors import Attempt, NotFound, github_errors
from cmlreport.forges.http import RequestCounter
from cmlreport.forges.proposal import Proposal, ProposalResult

CONTENTS = "contents: write"
PULLS = "pull-requests: write"


class GitHubProposals:
    """Branches and pull requests of one repository, for one token."""

    def __init__(self, settings: GitHubSettings) -> None:
        self._settings = settings
        self.counter = RequestCounter()
        self._client = make_client(settings, self.counter)
        self._repo_path = f"/repos/{settings.repository}"

    def propose(self, proposal: Proposal) -> ProposalResult | None:
        base = proposal.base or self._default_branch()
        if base == proposal.branch:
            raise InputError(f"--branch {proposal.branch!r} is the base branch; name another")
        base_sha = self._branch_sha(base)
        if base_sha is None:
            raise InputError(f"--base {base!r}: no such branch in {self._settings.repository}")
        base_tree = self._get(f"/git/commits/{base_sha}", "read the base commit")["tree"]["sha"]
        tree = self._tree(proposal, base_tree)
        if tree == base_tree:
            return None
        committed = self._point_branch(proposal, base_sha, tree)
        number, url, opened = self._pull(proposal, base)
        return ProposalResult(number, url, opened, committed, proposal.branch)

    # -- the commit ----------------------------------------------------------------------------

    def _tree(self, proposal: Proposal, base_tree: str) -> str:
        items = []
        for item in proposal.files:
            content = base64.b64encode(item.data).decode("ascii")
            blob = self._send(
                "POST", "/git/blobs", {"content": content, "encoding": "base64"}, "write a blob"
            )
            items.append({"path": item.path, "mode": item.mode, "type": "blob", "sha": blob["sha"]})
        made = self._send(
            "POST", "/git/trees", {"base_tree": base_tree, "tree": items}, "write a tree"
        )
        return str(made["sha"])

    def _point_branch(self, proposal: Proposal, base_sha: str, tree: str) -> bool:
        """The branch at one commit holding ``tree`` on top of ``base_sha``; False when it is
        there already (a rerun with the same files)."""
        head = self._branch_sha(proposal.branch)
        if head is not None:
            commit = self._get(f"/git/commits/{head}", "read the branch's commit")
            parents = [p["sha"] for p in commit.get("parents", [])]
            if commit["tree"]["sha"] == tree and parents == [base_sha]:
                return False
        message = {"message": proposal.title, "tree": tree, "parents": [base_sha]}
        sha = self._send("POST", "/git/commits", message, "write the commit")["sha"]
        if head is None:
            ref = {"ref": f"refs/heads/{proposal.branch}", "sha": sha}
            self._send("POST", "/git/refs", ref, f"create branch {proposal.branch}")
        else:
            # Rebuilt on the base each run: the branch is cmlreport's, not a place for edits.
            update = {"sha": sha, "force": True}
            path = f"/git/refs/heads/{proposal.branch}"
            self._send("PATCH", path, update, f"update branch {proposal.branch}")
        return True

    def _branch_sha(self, branch: str) -> str | None:
        try:
            ref = self._get(f"/git/ref/heads/{branch}", f"read branch {branch}")
        except NotFound:
            return None
        return str(ref["object"]["sha"])

    def _default_branch(self) -> str:
        return str(self._get("", "read the repository")["default_branch"])

    # -- the pull request ----------------------------------------------------------------------

    def _pull(self, proposal: Proposal, base: str) -> tuple[int, str, bool]:
        owner = self._settings.repository.split("/")[0]
        query = {"head": f"{owner}:{proposal.branch}", "base": base, "state": "open"}
        attempt = Attempt(f"list the pull requests of {proposal.branch}", "pull-requests: read")
        with github_errors(attempt, self._settings):
            _, found = self._client.requester.requestJsonAndCheck(
                "GET", f"{self._repo_path}/pulls", parameters=query
            )
        if found:
            pull = found[0]
            if pull.get("title") != proposal.title or (pull.get("body") or "") != proposal.body:
                change = {"title": proposal.title, "body": proposal.body}
                pull = self._send(
                    "PATCH", f"/pulls/{pull['number']}", change, "update the pull request", PULLS
                )
            return int(pull["number"]), str(pull["html_url"]), False
        new = {"title": proposal.title, "head": proposal.branch, "base": base}
        new["body"] = proposal.body
        pull = self._send("POST", "/pulls", new, "open the pull request", PULLS)
        return int(pull["number"]), str(pull["html_url"]), True

    # -- plumbing ------------------------------------------------------------------------------

    def _get(self, path: str, doing: str) -> dict[str, Any]:
        attempt = Attempt(doing, "contents: read")
        with github_errors(attempt, self._settings):
            _, data = self._client.requester.requestJsonAndCheck("GET", self._repo_path + path)
        return dict(data)

    def _send(
        self, verb: str, path: str, body: dict[str, Any], doing: str, needs: str = CONTENTS
    ) -> dict[str, Any]:
        attempt = Attempt(doing, needs, write=True, post=verb == "POST")
        with github_errors(attempt, self._settings):
            _, data = self._client.requester.requestJsonAndCheck(
                verb, self._repo_path + path, input=body
            )
        return dict(data)
