"""Report images on GitHub: committed to an orphan branch, linked by commit sha.

GitHub has no API to attach an image to a comment and does not render ``data:`` URIs, so the
images go to the branch ``cmlreport-assets`` through the Git Data API (no clone needed). Files
are content-addressed, so an image already published is never written again, and links name
the commit, so old comments keep their pictures whatever happens to the branch later.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from cmlreport.errors import NoWriteAccess, RemoteError
from cmlreport.publishable import EXTENSIONS
from cmlreport.publishable.image import LocalImage

if TYPE_CHECKING:
    from github import GithubException
    from github.GitRef import GitRef
    from github.Repository import Repository

ASSETS_BRANCH = "cmlreport-assets"
# Tries when someone else moves the branch between our read and our ref update, or when a
# write's answer is lost (the next try reads the branch again and sees whether it landed).
MAX_TRIES = 3

T = TypeVar("T")


class _LostAnswer(Exception):
    """A write whose answer never came (a timeout, a 5xx from a proxy): it may have landed."""

    def __init__(self, cause: Exception) -> None:
        super().__init__(str(cause))
        self.cause = cause


def asset_path(image: LocalImage) -> str:
    """Where ``image`` lives on the branch: ``images/<sha256[:2]>/<sha256>.<ext>``.

    Named by content, so the same picture from any report or run is one file; the two-letter
    folder keeps each tree GitHub lists small.
    """
    digest = hashlib.sha256(image.data).hexdigest()
    return f"images/{digest[:2]}/{digest}.{EXTENSIONS.get(image.content_type, 'bin')}"


def publish_assets(
    repo: Repository,
    images: Sequence[LocalImage],
    *,
    server_url: str,
    repository: str,
    branch: str = ASSETS_BRANCH,
) -> dict[str, str]:
    """Commit the images not yet on ``branch`` (one commit at most); image ref -> URL.

    ``server_url`` is the web address (``https://github.com`` or a GHES host) and
    ``repository`` is ``owner/name``, as in ``GITHUB_SERVER_URL``/``GITHUB_REPOSITORY``.
    """
    from github import GithubException
    from requests import RequestException

    if not images:
        return {}
    paths = {image.ref: asset_path(image) for image in images}
    by_path = {paths[image.ref]: image for image in images}
    blobs: dict[str, str] = {}  # path -> blob sha, kept across tries: a blob is written once
    what = f"cannot publish report images to the {branch} branch of {repository}"
    lost: Exception | None = None
    try:
        for _ in range(MAX_TRIES):
            try:
                commit = _publish_once(repo, by_path, blobs, branch)
            except _LostAnswer as exc:
                # Git objects are content-addressed and the ref is read again first: a write
                # that did land is found there (our commit on the branch), not repeated.
                lost = exc.cause
                continue
            if commit is not None:
                return {ref: _link(server_url, repository, commit, p) for ref, p in paths.items()}
        if lost is not None:
            raise lost
    except GithubException as exc:
        raise _remote_error(exc, what) from None
    except RequestException as exc:
        raise RemoteError(f"{what}: {type(exc).__name__} talking to GitHub") from None
    raise RemoteError(
        f"{what}: the branch moved under each of {MAX_TRIES} tries (other jobs publishing "
        "at the same time?); rerun the job"
    )


def _publish_once(
    repo: Repository, by_path: Mapping[str, LocalImage], blobs: dict[str, str], branch: str
) -> str | None:
    """One read-modify-write of the branch: the commit holding every image, or None when
    someone else moved the branch meanwhile (start again from the new head)."""
    from github import GithubException, InputGitTreeElement

    ref = _branch_ref(repo, branch)
    head_sha = ref.object.sha if ref else None
    head = repo.get_git_commit(head_sha) if head_sha else None
    tree = repo.get_git_tree(head.tree.sha, recursive=True) if head else None
    # A truncated listing (a huge branch) may miss files: those are written again, which
    # changes nothing since a file's path is its content.
    existing = {e.path for e in tree.tree if e.type == "blob"} if tree else set()
    new = {path: image for path, image in by_path.items() if path not in existing}
    if head is not None and not new:
        return head.sha

    elements = []
    for path, image in sorted(new.items()):
        if path not in blobs:
            content = base64.b64encode(image.data).decode("ascii")
            blobs[path] = _write(repo.create_git_blob, content, "base64").sha
        elements.append(InputGitTreeElement(path, "100644", "blob", sha=blobs[path]))
    if head is None or tree is None:
        # First publish: an orphan branch, sharing no history with the code.
        new_tree = _write(repo.create_git_tree, elements)
    else:
        new_tree = _write(repo.create_git_tree, elements, tree)
        if new_tree.sha == tree.sha:
            return head.sha  # the "new" files were there after all (truncated listing)
    count = len(new)
    message = f"cmlreport: {count} report image{'' if count == 1 else 's'}"
    commit = _write(repo.create_git_commit, message, new_tree, [head] if head else [])
    try:
        if ref is None:
            _write(repo.create_git_ref, f"refs/heads/{branch}", commit.sha)
        else:
            _write(ref.edit, commit.sha, force=False)
    except GithubException as exc:
        # 422 is both "not a fast forward" (a race, worth another try) and a refusal (a
        # protected branch, a bad ref): only the branch having moved tells them apart.
        if exc.status == 422:
            now = _branch_ref(repo, branch)
            if (now.object.sha if now else None) != head_sha:
                return None
        raise
    return commit.sha


def _write(call: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """A POST/PATCH to the Git Data API; a lost answer becomes ``_LostAnswer`` (try again)."""
    from github import GithubException
    from requests import RequestException

    try:
        return call(*args, **kwargs)
    except GithubException as exc:
        if exc.status >= 500:
            raise _LostAnswer(exc) from exc
        raise
    except RequestException as exc:
        raise _LostAnswer(exc) from exc


def _branch_ref(repo: Repository, branch: str) -> GitRef | None:
    """The branch's ref, read (None when the branch does not exist yet)."""
    from github import UnknownObjectException

    try:
        ref = repo.get_git_ref(f"heads/{branch}")
        # Reading it also swaps its lazy URL (git/ref/...) for the one updates go to
        # (git/refs/...).
        ref.complete()
    except UnknownObjectException:
        return None
    return ref


def _link(server_url: str, repository: str, commit: str, path: str) -> str:
    # blob/...?raw=true works for private repositories (the viewer's session) and on GHES,
    # where raw.githubusercontent.com does not.
    return f"{server_url.rstrip('/')}/{repository}/blob/{commit}/{path}?raw=true"


def _remote_error(exc: GithubException, what: str) -> RemoteError:
    from github import RateLimitExceededException

    status = exc.status
    detail = exc.data.get("message") if isinstance(exc.data, dict) else None
    said = f"{status} {detail}" if detail else f"{status}"
    if isinstance(exc, RateLimitExceededException):
        return RemoteError(f"{what}: rate limited by GitHub ({said}); rerun later")
    if status == 403:
        return NoWriteAccess(f"{what}: the token needs contents: write ({said})")
    if status == 404:
        return RemoteError(f"{what}: repository not found or not visible to the token ({said})")
    if status == 401:
        return RemoteError(f"{what}: the token was refused ({said})")
    return RemoteError(f"{what}: GitHub answered {said}")
