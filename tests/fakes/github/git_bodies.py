"""JSON bodies for git data, check runs, runners and the rate limit (see ``bodies.py``)."""

from __future__ import annotations

import base64
from typing import Any

from tests.fakes.github.gitobjects import Blob, Commit, ObjectStore, Signature, Tree
from tests.fakes.github.links import Links, iso, node_id
from tests.fakes.github.records import CheckRun, Runner
from tests.fakes.github.spec import example
from tests.fakes.github.state import GitHubState


def short_blob_json(links: Links, repo: str, sha: str) -> dict[str, Any]:
    return {"sha": sha, "url": f"{links.repo(repo)}/git/blobs/{sha}"}


def blob_json(links: Links, repo: str, sha: str, blob: Blob) -> dict[str, Any]:
    body: dict[str, Any] = example("blob")
    encoded = base64.encodebytes(blob.content).decode()  # GitHub wraps at 60 columns, git-style
    body.update(
        sha=sha,
        node_id=node_id("Blob", sha),
        size=len(blob.content),
        content=encoded,
        encoding="base64",
        url=f"{links.repo(repo)}/git/blobs/{sha}",
    )
    return body


def tree_json(
    links: Links, repo: str, sha: str, store: ObjectStore, *, recursive: bool = False
) -> dict[str, Any]:
    entries: list[dict[str, Any]] = []
    _list_tree(links, repo, store, sha, "", recursive, entries)
    return {
        "sha": sha,
        "url": f"{links.repo(repo)}/git/trees/{sha}",
        "tree": entries,
        "truncated": False,
    }


def _list_tree(
    links: Links,
    repo: str,
    store: ObjectStore,
    sha: str,
    prefix: str,
    recursive: bool,
    out: list[dict[str, Any]],
) -> None:
    tree = store.get(sha)
    assert isinstance(tree, Tree), sha
    for entry in sorted(tree.entries, key=lambda e: e.name):
        item: dict[str, Any] = {
            "path": prefix + entry.name,
            "mode": entry.mode,
            "type": entry.type,
            "sha": entry.sha,
        }
        child = store.get(entry.sha)
        if isinstance(child, Blob):
            item["size"] = len(child.content)
        if entry.type != "commit":
            item["url"] = f"{links.repo(repo)}/git/{entry.type}s/{entry.sha}"
        out.append(item)
        if recursive and isinstance(child, Tree):
            _list_tree(links, repo, store, entry.sha, f"{prefix}{entry.name}/", recursive, out)


def _signature_json(sig: Signature) -> dict[str, Any]:
    return {"name": sig.name, "email": sig.email, "date": iso(sig.date)}


def git_commit_json(links: Links, repo: str, sha: str, commit: Commit) -> dict[str, Any]:
    api = links.repo(repo)
    web = f"{links.web}/{repo}"
    body: dict[str, Any] = example("git-commit")
    body.update(
        sha=sha,
        node_id=node_id("Commit", sha),
        url=f"{api}/git/commits/{sha}",
        html_url=f"{web}/commit/{sha}",
        author=_signature_json(commit.author),
        committer=_signature_json(commit.committer),
        message=commit.message,
        tree={"sha": commit.tree, "url": f"{api}/git/trees/{commit.tree}"},
        parents=[
            {"sha": p, "url": f"{api}/git/commits/{p}", "html_url": f"{web}/commit/{p}"}
            for p in commit.parents
        ],
    )
    return body


def ref_json(links: Links, repo: str, ref: str, sha: str, kind: str) -> dict[str, Any]:
    """``ref`` is fully qualified (``refs/heads/main``); ``kind`` is the object's type."""
    api = links.repo(repo)
    return {
        "ref": ref,
        "node_id": node_id("Ref", ref),
        "url": f"{api}/git/{ref}",
        "object": {"type": kind, "sha": sha, "url": f"{api}/git/{kind}s/{sha}"},
    }


def annotation_json(links: Links, run: CheckRun, sent: dict[str, Any]) -> dict[str, Any]:
    """A stored annotation as GitHub lists it: every field present, the unsent ones null."""
    fields = ("start_column", "end_column", "annotation_level", "title", "message", "raw_details")
    body: dict[str, Any] = {key: sent.get(key) for key in fields}
    body.update(
        path=sent["path"],
        start_line=sent["start_line"],
        end_line=sent["end_line"],
        blob_href=f"{links.web}/{run.repo}/blob/{run.head_sha}/{sent['path']}",
    )
    return body


def check_run_json(links: Links, state: GitHubState, run: CheckRun) -> dict[str, Any]:
    api = links.repo(run.repo)
    body: dict[str, Any] = links.relink(example("check-run"))
    # The app of the Actions GITHUB_TOKEN; the example's owner is kept, moved onto our host.
    body["app"].update(slug="github-actions", name="GitHub Actions", id=15368)
    body.update(
        id=run.id,
        node_id=node_id("CheckRun", run.id),
        name=run.name,
        head_sha=run.head_sha,
        status=run.status,
        conclusion=run.conclusion,
        started_at=iso(run.started_at),
        completed_at=iso(run.completed_at),
        details_url=run.details_url,
        external_id=run.external_id,
        check_suite={"id": run.id + 1},
        url=f"{api}/check-runs/{run.id}",
        html_url=f"{links.web}/{run.repo}/runs/{run.id}",
        output={
            "title": run.title,
            "summary": run.summary,
            "text": run.text,
            "annotations_count": run.annotations_count,
            "annotations_url": f"{api}/check-runs/{run.id}/annotations",
        },
        pull_requests=[
            {
                "id": p.id,
                "number": p.number,
                "url": f"{api}/pulls/{p.number}",
                "head": _minimal_side(links, state, p.head_repo, p.head_ref, p.head_sha),
                "base": _minimal_side(links, state, p.repo, p.base_ref, p.base_sha),
            }
            for p in state.pulls.values()
            if p.repo == run.repo and p.head_sha == run.head_sha and p.state == "open"
        ],
    )
    return body


def _minimal_side(
    links: Links, state: GitHubState, full_name: str, ref: str, sha: str
) -> dict[str, Any]:
    repo = state.repos[full_name]
    return {
        "ref": ref,
        "sha": sha,
        "repo": {"id": repo.id, "name": repo.name, "url": links.repo(full_name)},
    }


def runner_json(runner: Runner) -> dict[str, Any]:
    builtin = {"self-hosted", "Linux", "X64", "ARM64", "macOS", "Windows"}
    return {
        "id": runner.id,
        "name": runner.name,
        "os": "linux",
        "status": runner.status,
        "busy": runner.busy,
        "ephemeral": True,
        "labels": [
            {
                "id": i + 1,
                "name": label,
                "type": "read-only" if label in builtin else "custom",
            }
            for i, label in enumerate(runner.labels)
        ],
    }


def rate_limit_json(limit: int, used: int, reset: int) -> dict[str, Any]:
    body: dict[str, Any] = example("rate-limit-overview")
    core = {"limit": limit, "remaining": max(limit - used, 0), "reset": reset, "used": used}
    body["resources"]["core"] = core
    body["rate"] = dict(core)
    return body


def commit_json(
    links: Links, repo: str, sha: str, commit: Commit, author: dict[str, Any] | None
) -> dict[str, Any]:
    """A commit as the commits API shows it (``author`` is the GitHub user, when known)."""
    api = links.repo(repo)
    web = f"{links.web}/{repo}"
    body: dict[str, Any] = links.relink(example("commit"))
    body["commit"].update(
        url=f"{api}/git/commits/{sha}",
        author=_signature_json(commit.author),
        committer=_signature_json(commit.committer),
        message=commit.message,
        tree={"sha": commit.tree, "url": f"{api}/git/trees/{commit.tree}"},
        comment_count=0,
    )
    body.update(
        sha=sha,
        node_id=node_id("Commit", sha),
        url=f"{api}/commits/{sha}",
        html_url=f"{web}/commit/{sha}",
        comments_url=f"{api}/commits/{sha}/comments",
        author=author,
        committer=author,
        parents=[
            {"sha": p, "url": f"{api}/commits/{p}", "html_url": f"{web}/commit/{p}"}
            for p in commit.parents
        ],
        files=[],
        stats={"additions": 0, "deletions": 0, "total": 0},
    )
    return body
