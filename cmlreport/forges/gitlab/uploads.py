"""Report images on GitLab: project uploads, named by content, each uploaded once per target.

An upload's file name carries a hash of its content, and the links already in our own notes on
the target tell which hashes are there, so a report posted again re-uses its images instead of
uploading them anew. Links are GitLab's own relative ``/uploads/<secret>/<name>`` (what its
``markdown`` field holds): GitLab resolves them in the project's notes, members of a private
project see them, and they survive a move of the project or the host.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from cmlreport.errors import RemoteError
from cmlreport.forges.gitlab.errors import Attempt, gitlab_errors
from cmlreport.publishable import EXTENSIONS
from cmlreport.publishable.image import LocalImage

if TYPE_CHECKING:
    import gitlab

    from cmlreport.forges.gitlab.client import GitLabSettings

DIGEST_CHARS = 16  # of the sha256 in an uploaded file's name: 64 bits tell images apart
# An upload link as it sits in a note we wrote: /uploads/<secret>/<stem>-<digest>.<ext>
_UPLOAD = re.compile(
    rf"(/uploads/[A-Za-z0-9]+/[A-Za-z0-9._-]*?-([0-9a-f]{{{DIGEST_CHARS}}})\.[a-z]+)"
)


def publish_uploads(
    client: gitlab.Gitlab,
    settings: GitLabSettings,
    images: Sequence[LocalImage],
    uploaded: Callable[[set[str]], dict[str, str]],
) -> dict[str, str]:
    """image ref -> upload link, uploading only the images whose digest ``uploaded`` (digest
    -> link, from the notes already on the target) does not know."""
    if not images:
        return {}
    digests = {image.ref: hashlib.sha256(image.data).hexdigest()[:DIGEST_CHARS] for image in images}
    known = uploaded(set(digests.values()))
    urls: dict[str, str] = {}
    for image in images:
        digest = digests[image.ref]
        if digest not in known:
            known[digest] = upload_image(client, settings, image, digest)
        urls[image.ref] = known[digest]
    return urls


def uploads_in(
    notes: Iterable[Mapping[str, Any]],
    wanted: set[str],
    is_ours: Callable[[Mapping[str, Any]], bool],
) -> dict[str, str]:
    """digest -> upload link, from the notes ``is_ours`` accepts; reading stops once every
    ``wanted`` digest is found (notes come newest first)."""
    found: dict[str, str] = {}
    for note in notes:
        body = note.get("body") or ""
        # Checked last: asking whose a note is may cost a request.
        if "/uploads/" not in body or not is_ours(note):
            continue
        for url, digest in _UPLOAD.findall(body):
            found.setdefault(digest, url)
        if wanted <= found.keys():
            break
    return found


def upload_image(
    client: gitlab.Gitlab, settings: GitLabSettings, image: LocalImage, digest: str
) -> str:
    """POST ``image`` to the project's uploads as ``<stem>-<digest>.<ext>``; its link."""
    from gitlab.utils import EncodedId

    stem = image.name.rsplit(".", 1)[0]
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", stem).strip("._-")[:60] or "image"
    name = f"{stem}-{digest}.{EXTENSIONS.get(image.content_type, 'bin')}"
    attempt = Attempt(f"upload image {image.ref}", write=True, post=True)
    # Not project.upload(): it puts a lazy project's path into the URL unencoded.
    path = f"/projects/{EncodedId(settings.project)}/uploads"
    with gitlab_errors(attempt, settings):
        answer = client.http_post(path, files={"file": (name, image.data, image.content_type)})
    url = answer.get("url") if isinstance(answer, dict) else None
    if not isinstance(url, str) or not url.startswith("/uploads/"):
        raise RemoteError(f"GitLab's answer to the upload of {image.ref} has no /uploads/ url")
    return url
