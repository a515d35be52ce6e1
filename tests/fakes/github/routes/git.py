"""The Git Data API: how images are committed to an orphan assets branch without a clone."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from tests.fakes.github.git_bodies import (
    blob_json,
    git_commit_json,
    ref_json,
    short_blob_json,
    tree_json,
)
from tests.fakes.github.gitobjects import (
    TYPE_OF_MODE,
    Blob,
    Commit,
    Signature,
    Tree,
    TreeEdit,
    object_sha,
)
from tests.fakes.github.records import Repo
from tests.fakes.github.routing import Call, Reply, Router, invalid, not_found, parse_time

router = Router()
WRITE = ("contents:write",)


@router("POST", "/repos/{owner}/{repo}/git/blobs", accepted=WRITE)
def create_blob(call: Call) -> Reply:
    repo = call.repo()
    data = call.json()
    content = str(data.get("content", ""))
    encoding = data.get("encoding", "utf-8")
    if encoding in ("utf-8", "utf8"):
        raw = content.encode()
    elif encoding == "base64":
        try:
            raw = base64.b64decode(content, validate=False)
        except binascii.Error:
            raise invalid("content is not valid Base64", "content", "Blob") from None
    else:
        raise invalid(f"encoding {encoding} is not supported", "encoding", "Blob")
    sha = repo.objects.put(Blob(raw))
    body = short_blob_json(call.links, repo.full_name, sha)
    return Reply(201, body, {"Location": body["url"]})


@router("GET", "/repos/{owner}/{repo}/git/blobs/{file_sha}")
def get_blob(call: Call) -> Reply:
    repo = call.repo()
    blob = repo.objects.get(call.params["file_sha"])
    if not isinstance(blob, Blob):
        raise not_found()
    return Reply(200, blob_json(call.links, repo.full_name, call.params["file_sha"], blob))


def _tree_edit(repo: Repo, item: dict[str, Any]) -> TreeEdit:
    path, mode, kind = item.get("path"), item.get("mode"), item.get("type")
    if not isinstance(path, str) or not path or path.startswith("/") or path.endswith("/"):
        raise invalid(f"tree.path {path!r} is not a valid path", "tree.path", "Tree")
    if not isinstance(mode, str) or mode not in TYPE_OF_MODE or TYPE_OF_MODE[mode] != kind:
        raise invalid(f"tree.mode {mode} does not fit tree.type {kind}", "tree.mode", "Tree")
    if "content" in item:
        if item.get("sha") is not None:
            raise invalid("use either tree.sha or content, not both", "tree.content", "Tree")
        return TreeEdit(path, mode, repo.objects.put(Blob(str(item["content"]).encode())))
    sha = item.get("sha")
    if sha is None:
        return TreeEdit(path, mode, None)
    found = repo.objects.get(sha)
    if kind != "commit" and (found is None or found.kind != kind):
        raise invalid(f"tree.sha {sha} is not a valid {kind}", "tree.sha", "Tree")
    return TreeEdit(path, mode, sha)


@router("POST", "/repos/{owner}/{repo}/git/trees", accepted=WRITE)
def create_tree(call: Call) -> Reply:
    repo = call.repo()
    data = call.json()
    base = None
    if "base_tree" in data:
        base = _tree(repo, str(data["base_tree"]))
        if base is None:
            raise invalid("base_tree is not a valid tree oid", "base_tree", "Tree")
    edits = [_tree_edit(repo, item) for item in data.get("tree", [])]
    sha = repo.objects.write_tree(edits, base)
    body = tree_json(call.links, repo.full_name, sha, repo.objects)
    return Reply(201, body, {"Location": body["url"]})


def _tree(repo: Repo, name: str) -> Tree | None:
    """A tree by its sha, or the tree of a commit named by sha, branch or tag."""
    found = repo.objects.get(name)
    if found is None:
        commit_sha = repo.refs.get(f"refs/heads/{name}") or repo.refs.get(f"refs/tags/{name}")
        found = repo.objects.get(commit_sha) if commit_sha else None
    if isinstance(found, Commit):
        found = repo.objects.get(found.tree)
    return found if isinstance(found, Tree) else None


@router("GET", "/repos/{owner}/{repo}/git/trees/{tree_sha}")
def get_tree(call: Call) -> Reply:
    repo = call.repo()
    tree = _tree(repo, call.params["tree_sha"])
    if tree is None:
        raise not_found()
    sha = object_sha(tree)
    recursive = call.query.get("recursive") not in (None, "", "0", "false")
    return Reply(200, tree_json(call.links, repo.full_name, sha, repo.objects, recursive=recursive))


def _signature(call: Call, data: Any, fallback: Signature | None) -> Signature:
    if not isinstance(data, dict):
        if fallback is not None:
            return fallback
        user = call.user
        return Signature(user.login, user.email, call.state.clock.now())
    date = parse_time(data["date"]) if "date" in data else call.state.clock.now()
    return Signature(str(data.get("name", "")), str(data.get("email", "")), date)


@router("POST", "/repos/{owner}/{repo}/git/commits", accepted=WRITE)
def create_commit(call: Call) -> Reply:
    repo = call.repo()
    data = call.json()
    tree = str(data.get("tree", ""))
    if not isinstance(repo.objects.get(tree), Tree):
        raise invalid(f"tree {tree} is not a valid tree", "tree", "Commit")
    parents = tuple(str(p) for p in data.get("parents", []))
    for parent in parents:
        if not isinstance(repo.objects.get(parent), Commit):
            raise invalid(f"parent {parent} is not a valid commit", "parents", "Commit")
    author = _signature(call, data.get("author"), None)
    committer = _signature(call, data.get("committer"), author)
    commit = Commit(tree, parents, author, committer, str(data.get("message", "")))
    sha = repo.objects.put(commit)
    body = git_commit_json(call.links, repo.full_name, sha, commit)
    return Reply(201, body, {"Location": body["url"]})


@router("GET", "/repos/{owner}/{repo}/git/commits/{commit_sha}")
def get_commit(call: Call) -> Reply:
    repo = call.repo()
    commit = repo.objects.get(call.params["commit_sha"])
    if not isinstance(commit, Commit):
        raise not_found()
    sha = call.params["commit_sha"]
    return Reply(200, git_commit_json(call.links, repo.full_name, sha, commit))


def _ref_reply(call: Call, repo: Repo, ref: str, status: int) -> Reply:
    sha = repo.refs[ref]
    found = repo.objects.get(sha)
    kind = found.kind if found is not None else "commit"
    return Reply(status, ref_json(call.links, repo.full_name, ref, sha, kind))


@router("GET", "/repos/{owner}/{repo}/git/ref/{ref}")
def get_ref(call: Call) -> Reply:
    repo = call.repo()
    ref = f"refs/{call.params['ref']}"
    if ref not in repo.refs:
        raise not_found()
    return _ref_reply(call, repo, ref, 200)


@router("POST", "/repos/{owner}/{repo}/git/refs", accepted=WRITE)
def create_ref(call: Call) -> Reply:
    repo = call.repo()
    data = call.json()
    ref, sha = str(data.get("ref", "")), str(data.get("sha", ""))
    if not ref.startswith("refs/") or ref.count("/") < 2:
        message = "Reference name must start with 'refs/' and have at least two slashes."
        raise invalid(message, "ref", "Reference")
    if ref in repo.refs:
        raise invalid("Reference already exists", "ref", "Reference")
    if repo.objects.get(sha) is None:
        raise invalid("Object does not exist", "sha", "Reference")
    repo.refs[ref] = sha
    reply = _ref_reply(call, repo, ref, 201)
    reply.headers["Location"] = reply.body["url"]
    return reply


@router("PATCH", "/repos/{owner}/{repo}/git/refs/{ref}", accepted=WRITE)
def update_ref(call: Call) -> Reply:
    repo = call.repo()
    data = call.json()
    ref = f"refs/{call.params['ref']}"
    sha = str(data.get("sha", ""))
    if ref not in repo.refs:
        raise invalid("Reference does not exist", "ref", "Reference")
    if repo.objects.get(sha) is None:
        raise invalid("Object does not exist", "sha", "Reference")
    if not data.get("force") and not repo.objects.is_ancestor(repo.refs[ref], sha):
        raise invalid("Update is not a fast forward", "sha", "Reference")
    repo.refs[ref] = sha
    # An open pull request of the branch follows it, as on GitHub.
    for pull in call.state.pulls.values():
        if pull.head_repo == repo.full_name and f"refs/heads/{pull.head_ref}" == ref:
            pull.head_sha = sha
            pull.commits.append(sha)
    return _ref_reply(call, repo, ref, 200)
