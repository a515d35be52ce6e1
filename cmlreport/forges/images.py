"""Read and check the images a report references, before anything is sent anywhere.

Every problem a user can fix (a missing plot, a text file named .png, a 50 MB screenshot, a
broken data: URI) is found here, so a failed upload never leaves half a report behind.
"""

from __future__ import annotations

import base64
import binascii
import re
from pathlib import Path
from urllib.parse import unquote_to_bytes

from cmlreport.errors import InputError
from cmlreport.forges.base import LocalImage
from cmlreport.report.images import ImageRef, find_images

# GitHub refuses blobs over 100 MB and GitLab uploads default to 10 MB; a report image that big
# is a mistake anyway (a raw screenshot, the wrong file).
MAX_IMAGE_BYTES = 10 * 1024 * 1024

EXTENSIONS = {
    "image/png": "png",
    "image/jpeg": "jpg",
    "image/gif": "gif",
    "image/webp": "webp",
    "image/svg+xml": "svg",
}
_SVG_PROLOGUE = (b"<?xml", b"<!--", b"<!doctype")
_SVG_TAG = re.compile(rb"<svg[\s>/]", re.IGNORECASE)


def image_type(data: bytes) -> str | None:
    """The image content type the bytes really are (by their magic), or None."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if data.startswith(b"RIFF") and data[8:12] == b"WEBP":
        return "image/webp"
    head = data[:4096].removeprefix(b"\xef\xbb\xbf").lstrip()
    if _SVG_TAG.match(head) or (head.lower().startswith(_SVG_PROLOGUE) and _SVG_TAG.search(head)):
        return "image/svg+xml"
    return None


def collect_images(
    md: str, report_dir: Path, *, report_name: str = "the report"
) -> list[LocalImage]:
    """Every local image and data: URI ``md`` references, read once each and checked.

    Paths are relative to ``report_dir`` (the report file's folder); ``report_name`` (the
    report's file name) is named in errors.
    """
    images: list[LocalImage] = []
    seen: set[str] = set()
    data_uris = 0
    for ref in find_images(md):
        if ref.ref in seen:
            continue
        seen.add(ref.ref)
        if ref.data_uri:
            data_uris += 1
            images.append(_from_data_uri(ref, data_uris, report_name))
        else:
            images.append(_from_file(ref, report_dir, report_name))
    return images


def _from_file(ref: ImageRef, report_dir: Path, report_name: str) -> LocalImage:
    assert ref.path is not None
    path = report_dir / ref.path
    where = f"{report_name}: image {ref.ref!r}"
    hint = "image paths are relative to the report's folder"
    try:
        size = path.stat().st_size
        if path.is_dir():
            raise InputError(f"{where} is a folder ({path}), not an image file")
        if size > MAX_IMAGE_BYTES:
            raise InputError(f"{where} {_too_big(size)}")
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{where} not found: no file {path} ({hint})") from None
    except OSError as exc:
        raise InputError(f"{where} cannot be read ({path}: {exc.strerror or exc})") from None
    return _checked(ref, data, path.name, where)


def _from_data_uri(ref: ImageRef, n: int, report_name: str) -> LocalImage:
    shown = ref.ref if len(ref.ref) <= 40 else ref.ref[:40] + "…"
    where = f"{report_name}: data: URI {shown!r}"
    header, comma, payload = ref.ref.partition(",")
    if not comma:
        raise InputError(f"{where} has no ',' before its data; expected data:image/png;base64,...")
    if header.lower().endswith(";base64"):
        # Line breaks are allowed: an <img> attribute may wrap its data over several lines.
        text = "".join(payload.split())
        if len(text) // 4 * 3 > MAX_IMAGE_BYTES:  # checked before decoding megabytes
            raise InputError(f"{where} {_too_big(len(text) // 4 * 3)}")
        try:
            data = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            raise InputError(f"{where} is not valid base64; re-encode the image") from None
    else:
        data = unquote_to_bytes(payload)  # data:image/svg+xml,%3Csvg... (URL-encoded text)
        if len(data) > MAX_IMAGE_BYTES:
            raise InputError(f"{where} {_too_big(len(data))}")
    checked = _checked(ref, data, "", where)
    name = f"image-{n}.{EXTENSIONS[checked.content_type]}"
    return LocalImage(ref=checked.ref, name=name, data=data, content_type=checked.content_type)


def _checked(ref: ImageRef, data: bytes, name: str, where: str) -> LocalImage:
    content_type = image_type(data)
    if content_type is None:
        raise InputError(f"{where} is not an image (PNG, JPEG, GIF, WebP or SVG expected)")
    return LocalImage(ref=ref.ref, name=name, data=data, content_type=content_type)


def _too_big(size: int) -> str:
    limit = f"{MAX_IMAGE_BYTES:,} bytes ({MAX_IMAGE_BYTES // (1024 * 1024)} MB)"
    return f"is {size:,} bytes, over the limit of {limit}; save it smaller (e.g. a lower dpi)"


def mermaid_sidecars(md: str, report_dir: Path) -> dict[str, str]:
    """For ``--images mermaid``: image ref -> the mermaid block in ``X.mmd`` next to ``X.png``.

    A sidecar holding bare mermaid source (no fence) is fenced here, since that is what
    mermaid's own tools write.
    """
    blocks: dict[str, str] = {}
    for ref in find_images(md):
        if ref.path is None or ref.ref in blocks:
            continue
        try:
            sidecar = (report_dir / ref.path).with_suffix(".mmd")
        except ValueError:  # no file name to put a suffix on ("plots/")
            continue
        try:
            text = sidecar.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            continue
        except OSError as exc:
            raise InputError(f"mermaid sidecar {sidecar} cannot be read: {exc.strerror}") from None
        except UnicodeDecodeError:
            raise InputError(f"mermaid sidecar {sidecar} is not UTF-8 text") from None
        if not text:
            raise InputError(f"mermaid sidecar {sidecar} is empty; delete it or write the chart")
        if not text.startswith(("```", "~~~")):
            text = f"```mermaid\n{text}\n```"
        blocks[ref.ref] = text
    return blocks
